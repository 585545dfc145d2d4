/* sshconn.h: the SSH executor for one host: its connections (long-lived,
 * reconnected with backoff), each a libssh2 session carrying many exec
 * channels, one per running job. Everything runs in the caller's loop.
 * The host side (sshhost_*) is in sshhost.c, one connection (sshconn_*,
 * for sshhost.c only) in sshconn.c and sshmux.c (its channels), one
 * channel in sshchan.c.
 *
 * Use: sshhost_new, hand sshhost_executor(h) to the scheduler, then
 * sshhost_start. The host calls hops->ready(host_arg, slots) once it can
 * take jobs (slots resolved from `auto` by asking the host), and
 * hops->lost(host_arg, why, given_up) when it cannot: before the running
 * tasks each get done with EXEC_LOST. After three losses in a row, or at
 * once for a refused host key or authentication, given_up is true and the
 * host stays down. executor.ops->free frees the host; tasks still running
 * then are dropped without a done call (their remote jobs die with the
 * connection). */
#ifndef PFAN_SSHCONN_H
#define PFAN_SSHCONN_H
#include <stdbool.h>

#include "exec.h"
#include "hosts.h"
#include "loop.h"

struct ssh_options {
	bool accept_new_hostkeys;  /* record unknown host keys in known_hosts */
	double keepalive;          /* seconds between keepalives; <= 0: 5 */
	double connect_timeout;    /* seconds for connect+handshake+auth; <= 0: 10 */
};

struct sshhost;

/* PFAN_OK, or PFAN_E_INPUT with cause (no user name). spec and o are
 * copied. Nothing is looked up or connected before sshhost_start. */
int sshhost_new(struct sshhost **out, struct loop *loop,
    const struct host_spec *spec, const struct ssh_options *o,
    const struct exec_host_ops *hops, void *host_arg, char **cause);
/* Looks the address up, then connects; returns at once. A name that does
 * not exist gives the host up (hops->lost with given_up); a name server
 * that cannot answer now is asked again with backoff, as a lost
 * connection is retried. */
void sshhost_start(struct sshhost *h);
/* The executor; its ops->free frees h. */
struct executor sshhost_executor(struct sshhost *h);

/* One connection, for sshhost.c. A connection reports to its host through
 * the sshhost_conn_* functions below and never decides policy itself. */
struct sshconn;
struct exec_task;
struct sshchan_list;
struct addrinfo;

struct sshconn *sshconn_new(struct sshhost *h, unsigned id, struct loop *loop,
    const struct host_spec *spec, const struct ssh_options *o,
    const struct addrinfo *ai);
/* Tears down; its tasks are freed without done. NULL-safe. */
void sshconn_free(struct sshconn *c, bool graceful);
void sshconn_connect(struct sshconn *c);
/* After a loss: wait delay seconds, then sshhost_conn_retry decides. */
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
/* Steps every task: after a wake-up, or a cancel. */
void sshconn_service(struct sshconn *c);

/* sshhost.c, for sshconn.c. */
void sshhost_conn_ready(struct sshhost *h, struct sshconn *c);
/* c is torn down; tasks (all of c's, now the host's) are to be failed or
 * requeued; the host then moves c to backoff, down or closed. */
void sshhost_conn_lost(struct sshhost *h, struct sshconn *c,
    struct sshchan_list *tasks, const char *why, bool permanent);
void sshhost_conn_retry(struct sshhost *h, struct sshconn *c);
/* c is full at `open` channels: its unopened tasks go back to the queue. */
void sshhost_conn_full(struct sshhost *h, struct sshconn *c, unsigned open,
    struct sshchan_list *unopened);
/* A task finished (sshchan_step said so); c no longer holds it. */
void sshhost_task_done(struct sshhost *h, struct exec_task *t);
/* Work for the host at the next turn of the loop. */
void sshhost_kick(struct sshhost *h);

#endif
