/* sshwrap.h: the POSIX sh text that runs a job on a remote host, so that
 * the job's whole process group dies when its channel closes and its exit
 * status reaches pfan unambiguously (see sshwrap.c). */
#ifndef PFAN_SSHWRAP_H
#define PFAN_SSHWRAP_H
#include <stdbool.h>

#include "buf.h"
#include "exec.h"

/* The exit-signal name the wrapper dies of when the job exited 0. */
#define SSHWRAP_OK_SIGNAL "USR1"
/* The exit-signal name the wrapper dies of when it cannot enter the job's
 * working directory: the job never ran (see sshwrap.c). */
#define SSHWRAP_NO_DIR_SIGNAL "USR2"
/* Seconds between TERM and KILL when the channel closes under a job, as
 * the local executor waits (pfan_opts.kill_grace, which no option sets).
 * The watcher's `sleep` lives that long after the job is gone, and sleep
 * takes whole seconds only. */
#define SSHWRAP_KILL_GRACE 1

/* True when cmd can run in the wrapper's own shell (no child shell): it is
 * plain, so that it cannot change the state of the shell running it. */
bool sshwrap_inline_ok(const char *cmd);
/* Appends the remote command for req (its cmd, seq, slot, host, workdir,
 * nice) to out. */
void sshwrap_command(struct buf *out, const struct exec_request *req);
/* The command the wrapper's shell runs for req: req->cmd, or under
 * nice(1) with --nice. Malloc'd. */
char *sshwrap_job_cmd(const struct exec_request *req);
/* sshwrap_command with req's job command (sshwrap_job_cmd) and whether it
 * is plain (sshwrap_inline_ok) already known: a task that may also go to
 * the remote agent works them out once. */
void sshwrap_text(struct buf *out, const struct exec_request *req, const char *cmd,
    bool inl);

/* A closed channel's result (r, cleared first) from its exit status and
 * exit-signal name (NULL: none came); wrapped: the command was
 * sshwrap_command's, whose exit-signals USR1 and USR2 (with a workdir)
 * mean exit 0 and a missing directory, and whose exit-status 0 means no
 * status. Returns r->cause, allocated (the caller frees it), or NULL. */
char *sshwrap_result(struct exec_result *r, int status, const char *sig, bool wrapped,
    const char *workdir);

/* The number of an SSH exit-signal name ("TERM", "SIGTERM"); 0 for one
 * without a number here (sshd's "SIG@openssh.com"). */
int sshwrap_signal_number(const char *name);

#endif
