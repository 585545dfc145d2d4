/* sshconn.h: the SSH executor for one host: its connections (long-lived,
 * reconnected with backoff), each a libssh2 session carrying many exec
 * channels, one per running job. Everything runs in the caller's loop.
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

/* Resolves spec->address now (getaddrinfo, blocking: call before the loop
 * runs). PFAN_OK, or an error with cause (unknown host). spec and o are
 * copied. */
int sshhost_new(struct sshhost **out, struct loop *loop,
    const struct host_spec *spec, const struct ssh_options *o,
    const struct exec_host_ops *hops, void *host_arg, char **cause);
/* Begins connecting; returns at once. */
void sshhost_start(struct sshhost *h);
/* The executor; its ops->free frees h. */
struct executor sshhost_executor(struct sshhost *h);

#endif
