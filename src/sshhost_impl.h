/* sshhost_impl.h: the SSH executor's private half, shared by sshhost.c
 * (connections, queue, loss) and sshhost_task.c (the host's own tasks:
 * the slot probe, --basefile, one-off commands). */
#ifndef PFAN_SSHHOST_IMPL_H
#define PFAN_SSHHOST_IMPL_H
#include <stdbool.h>
#include <netdb.h>

#include "buf.h"
#include "exec.h"
#include "hosts.h"
#include "loop.h"
#include "resolve.h"
#include "sshchan.h"
#include "sshconn.h"
#include "sshtaskq.h"

enum host_state {
	HOST_NEW,         /* before sshhost_start */
	HOST_RESOLVING,   /* the first lookup of the address */
	HOST_CONNECTING,  /* addresses known; no connection READY yet, or the slot probe runs */
	HOST_READY,       /* hops->ready said: jobs may start */
	HOST_DOWN,        /* hops->lost said; trying again */
	HOST_GIVEN_UP,    /* for the rest of the run */
};

struct sshhost {
	enum host_state state;
	struct loop *loop;
	struct host_spec spec;
	struct ssh_options o;
	const struct exec_host_ops *hops;
	void *host_arg;
	struct addrinfo *ai;          /* from resolve.c, NULL until known */
	struct resolve *resolving;
	struct loop_timer *resolve_deadline;
	struct loop_timer *resolve_retry;
	struct sshconn **conns;
	size_t nconns;
	struct sshchan_list pending;
	unsigned slots;               /* 0 until known */
	unsigned limit;               /* channels per connection, 0 unknown */
	unsigned losses;              /* in a row */
	unsigned extra_retries;       /* failed extra connections since one worked */
	bool probing;
	struct buf probe_out;
	struct loop_timer *kick;
	char *workdir;                /* where jobs run; NULL: the home */
	bool workdir_create;
	struct exec_file *base;       /* --basefile: sent before the first job */
	size_t nbase;
	bool base_sending, base_done;
	bool cold;                    /* its shell failed the warm start: no warm channels */
	bool no_agent;                /* the remote agent failed here: none */
};

/* The one setter of the host's state (sshhost.c). */
void sshhost_set_state(struct sshhost *h, enum host_state s);
/* Work for the host at the next turn of the loop (sshhost.c). */
void sshhost_kick(void *arg);
/* Tells the scheduler the host is ready, once a connection is and the
 * slot count is known, asking the host for it first if need be, and its
 * --basefile files are sent (sshhost_task.c). */
void sshhost_announce(struct sshhost *h);

#endif
