/* sshhost.h: the SSH executor for one host (sshhost.c): its connections
 * (sshconn.h, long-lived, reconnected with backoff), each carrying many
 * exec channels, one per running job. Everything runs in the caller's loop.
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
#ifndef PFAN_SSHHOST_H
#define PFAN_SSHHOST_H

#include "exec.h"
#include "hosts.h"
#include "loop.h"
#include "sshconn.h"   /* struct ssh_options */

struct sshhost;

/* spec (complete: hosts_apply_ssh_config has run) and o are copied; o's
 * keepalive and connect_timeout <= 0 mean 5 and 10 s. Nothing is looked
 * up or connected before sshhost_start. */
struct sshhost *sshhost_new(struct loop *loop, const struct host_spec *spec,
    const struct ssh_options *o, const struct exec_host_ops *hops, void *host_arg);
/* Looks the address up, then connects; returns at once. A name that does
 * not exist gives the host up (hops->lost with given_up); a name server
 * that cannot answer now is asked again with backoff, as a lost
 * connection is retried. */
void sshhost_start(struct sshhost *h);
/* Jobs run in dir (absolute, or relative to the login's home; NULL: the
 * home), made first (mode 700) when create. A host without it ends each
 * job it gets with EXEC_NO_WORKDIR. dir is copied. */
void sshhost_set_workdir(struct sshhost *h, const char *dir, bool create);
/* Runs cmd as it is (no wrapper) on h, if h is ready: done(arg, ok) when
 * it ends (ok: exit 0), and true; false (no call) if h is not ready. A
 * task still queued when h is freed is freed without its done call. */
bool sshhost_run_once(struct sshhost *h, const char *cmd,
    void (*done)(void *arg, bool ok), void *arg);
/* The same, and output(arg, data, len) with what cmd writes on stdout,
 * as it comes (stderr is dropped). */
bool sshhost_run_capture(struct sshhost *h, const char *cmd,
    void (*output)(void *arg, const char *data, size_t len),
    void (*done)(void *arg, bool ok), void *arg);
/* --basefile: files sent to h once, before its first job (not when its
 * copy has the same size and mtime; the mtime kept), remote paths as
 * exec_file's. Copied. */
void sshhost_set_basefiles(struct sshhost *h, const struct exec_file *files, size_t n);
/* The host's name (its spec's). */
const char *sshhost_name(const struct sshhost *h);
/* The executor; its ops->free frees h. */
struct executor sshhost_executor(struct sshhost *h);

#endif
