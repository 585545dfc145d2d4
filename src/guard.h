/* guard.h: local jobs die with pfan, however pfan dies.
 *
 * Remote jobs die when pfan does because sshd closes their channels (the
 * wrapper, sshwrap.c). A local job runs in a process group of its own, so
 * nothing of the kernel's kills it when a SIGKILLed pfan vanishes. The
 * guard is one small child process, forked before any job, that reads a
 * pipe from pfan: pfan names each job's process group as it starts and
 * ends. When the pipe reaches its end with groups still named (pfan died,
 * or exited with jobs running), the guard sends each group TERM, then KILL
 * after the grace, and exits. One process for the run, two short writes
 * per job: no fork on a job's path.
 *
 * Use: guard_new before starting jobs; guard_add after a job's spawn,
 * guard_del once its leader is reaped; guard_free at the end. */
#ifndef PFAN_GUARD_H
#define PFAN_GUARD_H
#include <sys/types.h>

#include "loop.h"

struct guard;

/* NULL (with a warning) when the guard cannot be started: jobs then run
 * unguarded, as they would without it. */
struct guard *guard_new(struct loop *loop, double grace);
void guard_add(struct guard *g, pid_t pgid);   /* NULL-safe */
void guard_del(struct guard *g, pid_t pgid);   /* NULL-safe */
/* Closes the pipe: the guard kills what is still named, then exits. */
void guard_free(struct guard *g);

#endif
