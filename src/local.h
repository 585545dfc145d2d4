/* local.h: the executor for this machine's slots: `/bin/sh -c CMD` in its
 * own process group, stdout and stderr on non-blocking pipes, exits
 * learned through SIGCHLD (via the loop's self-pipe). See exec.h. */
#ifndef PFAN_LOCAL_H
#define PFAN_LOCAL_H
#include "exec.h"
#include "loop.h"

struct local;

/* kill_grace: seconds between TERM and KILL on cancel. */
struct local *local_new(struct loop *loop, double kill_grace);
struct executor local_executor(struct local *lo);

#endif
