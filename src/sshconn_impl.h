/* sshconn_impl.h: the private inside of the connection module (sshconn.h),
 * which is two files only because together they would be too long: sshconn.c
 * (its life: connect, handshake, host key, auth, keepalives, loss),
 * sshmux.c (the channels it carries) and sshfwd.c (its tunnels). No other file includes this; the
 * module reaches its owner only through struct sshconn_events. */
struct sshfwd;
#ifndef PFAN_SSHCONN_IMPL_H
#define PFAN_SSHCONN_IMPL_H
#include <stdbool.h>
#include <libssh2.h>

#include "loop.h"
#include "sshauth.h"
#include "sshchan.h"
#include "sshtaskq.h"
#include "sshsess.h"

/* Of sshconn.h's types only pointers are held here: forward declarations,
 * so this module-private header does not include the public one (the
 * module's .c files include both). */
struct sshconn_events;
struct ssh_options;
struct host_spec;
struct addrinfo;
struct sshauth;
struct sshfwd;

enum conn_state {
	CONN_DOWN,
	CONN_CONNECTING,
	CONN_HANDSHAKE,
	CONN_HOSTKEY,
	CONN_AUTH,
	CONN_READY,
	CONN_LOST,
	CONN_BACKOFF,
	CONN_CLOSED,
};


struct sshconn {
	const struct sshconn_events *ev;
	void *owner;                   /* ev's first argument */
	struct loop *loop;
	const struct host_spec *spec;
	const struct ssh_options *o;
	const struct addrinfo *addrs;  /* all of the host's addresses */
	unsigned id;
	enum conn_state state;
	int fd;
	LIBSSH2_SESSION *s;
	struct sshauth *auth;
	const struct addrinfo *ai;     /* the address being tried */
	struct loop_timer *deadline;   /* connect + handshake + auth */
	struct loop_timer *timer;      /* backoff, or the keepalive tick */
	struct sshsess_io io;          /* bytes in, socket errors, memory */
	double ka_sent;                /* first keepalive since io.last_rx, or 0 */
	double busy_since;             /* carrying tasks without a break since, or 0 */
	struct sshchan_list tasks;
	unsigned limit;                /* channels the server allows, 0 unknown */
	unsigned refused_at;           /* open channels at the last refusal */
	unsigned zero_refusals;        /* refusals in a row with none open */
	struct loop_timer *hold;       /* no open until it fires */
	bool in_service, again;
	struct sshwarm **warm;         /* warm channels (sshwarm.h), none taken yet */
	size_t nwarm;
	unsigned warm_cap;             /* the owner's most, 0: none (sshconn_set_warm) */
	unsigned warm_refusals;        /* warm opens refused in a row */
	double warm_after;             /* no warm open before (after a refusal) */
	char *warm_failure;            /* why the shell cannot run the warm start */
	struct sshagent *agent;        /* the remote agent (sshagent.h), or NULL */
	bool agent_on;                 /* jobs go to the agent (sshconn_set_agent) */
	char *agent_failure;           /* why the agent could not run, or ended */
	struct sshfwd **fwd;           /* tunnels (sshfwd.c), for connections behind */
	size_t nfwd;
	/* What the last attempt learned (sshconn_facts). */
	bool tcp_up, auth_tried;
	double tcp_t0, tcp_rtt;        /* connect() called; its round trip, < 0 unknown */
	enum sshauth_key hostkey;
	char *login;                   /* sshauth_method once READY */
};

/* sshconn.c, for sshmux.c. */
void conn_update_io(struct sshconn *c);     /* poll for what libssh2 waits on */
void conn_lost(struct sshconn *c, const char *why, bool permanent);
void conn_fail_ssh(struct sshconn *c, const char *what);
/* sshmux.c: drops every warm channel, and the agent (the session is
 * being freed). */
void warm_drop_all(struct sshconn *c);
/* sshconn.c: has tasks, warm channels or tunnels (keepalives, POLLIN). */
bool conn_busy(const struct sshconn *c);

/* sshfwd.c. Steps every tunnel: true on progress; *broken when the
 * session failed. */
bool fwd_service(struct sshconn *c, bool *broken);
/* Closes every tunnel (the connection is torn down). */
void fwd_drop_all(struct sshconn *c);

#endif
