/* sshconn.h: one SSH connection: a non-blocking libssh2 session on a TCP
 * socket and the exec channels (sshchan.h tasks) it carries, all in the
 * caller's loop. The module is sshconn.c (its life) and sshmux.c (its
 * channels), which share sshconn_impl.h.
 *
 * A connection decides no policy: it reports to its owner (sshhost.c, or
 * tests/ssh/sshdrive.c) through struct sshconn_events, and the owner tells
 * it what to do next (connect, back off, go down, close). It never calls
 * its owner by name, so it can be built and tested without one.
 *
 * The host spec must be complete (address, user, port, known_hosts: the
 * hosts layer decides them, hosts_apply_ssh_config). */
#ifndef PFAN_SSHCONN_H
#define PFAN_SSHCONN_H
#include <stdbool.h>
#include <stddef.h>

#include "hosts.h"
#include "loop.h"

/* How every connection of a run behaves (from the command line). */
struct ssh_options {
	bool accept_new_hostkeys;  /* record unknown host keys in known_hosts */
	double keepalive;          /* seconds between keepalives (> 0) */
	double connect_timeout;    /* seconds for connect+handshake+auth (> 0) */
	struct sshjumps *jumps;    /* the jump connections (sshjump.h), shared */
	bool verbose;              /* -v: say when a host falls back to a channel per job */
	bool no_agent;             /* --no-remote-agent: a channel per job */
};

struct sshconn;
struct sshjumps;
struct exec_task;
struct sshchan_list;
struct addrinfo;

/* What a connection tells its owner; owner is sshconn_new's. */
struct sshconn_events {
	/* c is READY: it may take tasks (sshconn_room). */
	void (*ready)(void *owner, struct sshconn *c);
	/* c is torn down (LOST); tasks (all of c's, now the owner's) are to
	 * be failed or requeued: what is left in the list afterwards is
	 * freed without a report. The owner then moves c to backoff, down or
	 * closed. permanent: the server refused us (host key, every key). */
	void (*lost)(void *owner, struct sshconn *c, struct sshchan_list *tasks,
	    const char *why, bool permanent);
	/* The backoff is over: the owner connects c again, or not. */
	void (*retry)(void *owner, struct sshconn *c);
	/* c is full at `open` channels (MaxSessions): its unopened tasks,
	 * requeued, are the owner's again (take them out of the list). */
	void (*full)(void *owner, struct sshconn *c, unsigned open,
	    struct sshchan_list *unopened);
	/* t finished (its result is known) and c no longer holds it: the
	 * owner reports it, sshchan_finish. */
	void (*task_done)(void *owner, struct sshconn *c, struct exec_task *t);
	/* c is still busy after many passes: service it again at the next
	 * turn of the loop, after the others. */
	void (*kick)(void *owner);
	/* For a connection made without addresses (ProxyJump): a connected
	 * socket to the server, which c then owns; -1 with *cause when there
	 * is none (permanent: do not retry). */
	int (*dial)(void *owner, struct sshconn *c, char **cause, bool *permanent);
};

/* A DOWN connection of spec (id names it in messages) to the addresses
 * ai (NULL: through ev->dial); spec, o and ai must outlive it. ev and
 * owner as above. */
struct sshconn *sshconn_new(unsigned id, struct loop *loop,
    const struct host_spec *spec, const struct ssh_options *o,
    const struct addrinfo *ai, const struct sshconn_events *ev, void *owner);
/* Tears down; its tasks are freed without done. NULL-safe. */
void sshconn_free(struct sshconn *c, bool graceful);
void sshconn_connect(struct sshconn *c);
/* After a loss: wait delay seconds, then ev->retry. */
void sshconn_backoff(struct sshconn *c, double delay);
void sshconn_set_down(struct sshconn *c);   /* idle until connected again */
void sshconn_close(struct sshconn *c);      /* for good */
unsigned sshconn_id(const struct sshconn *c);
bool sshconn_ready(const struct sshconn *c);
bool sshconn_down(const struct sshconn *c);
/* Connecting, or waiting to retry. */
bool sshconn_underway(const struct sshconn *c);
/* How many more tasks it can take now (0 unless READY). */
unsigned sshconn_room(const struct sshconn *c);
void sshconn_set_limit(struct sshconn *c, unsigned limit);
void sshconn_add_task(struct sshconn *c, struct exec_task *t);
size_t sshconn_ntasks(const struct sshconn *c);
/* Warm channels (sshwarm.h): c keeps up to cap of them (0: none) while
 * jobs run on it, one per running job at most, only in sessions no task
 * of c may need, and never while a task that cannot take one (the slot
 * probe, staged files) is on c; a queued job takes a warm channel rather
 * than open its own. */
void sshconn_set_warm(struct sshconn *c, unsigned cap);
/* The remote agent (sshagent.h): while on, c's plain jobs run through
 * one agent per connection, started with the first of them, and no warm
 * channels are kept; off for good on c once the agent failed there. */
void sshconn_set_agent(struct sshconn *c, bool on);
/* Why the agent cannot run (or ended) on c, or NULL. */
const char *sshconn_agent_failure(const struct sshconn *c);
/* Why the remote shell cannot run the warm start (its handshake failed
 * on c), or NULL. */
const char *sshconn_warm_failure(const struct sshconn *c);
/* Steps every task: after a wake-up, a new task, or a cancel. */
void sshconn_service(struct sshconn *c);
/* A direct-tcpip channel to host:port through c, pumped to and from fd
 * (one end of a socketpair, non-blocking, which c now owns and closes
 * when the channel ends or c is lost). Opened once c is READY (connect
 * it); a connection with tunnels carries no tasks. */
/* What c's last attempt to connect learned (pfan --check); the strings
 * are valid until c connects again or is freed. */
struct sshconn_facts {
	bool connected;       /* the TCP connection was made (or dialled) */
	double rtt;           /* seconds the TCP handshake took; < 0: unknown */
	const char *hostkey;  /* sshauth_key_name's word; NULL: not checked */
	bool auth_tried;      /* authentication began */
	const char *login;    /* how it logged in ("agent", "key:PATH"); NULL: not */
};
void sshconn_facts(const struct sshconn *c, struct sshconn_facts *f);
void sshconn_add_tunnel(struct sshconn *c, int fd, const char *host, unsigned port);
size_t sshconn_ntunnels(const struct sshconn *c);

#endif
