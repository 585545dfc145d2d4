/* progress.h: what a researcher sees while a run goes: --bar, --eta and
 * --progress on stderr (redrawn in place on a terminal, a plain line
 * every 30 s otherwise), and the end-of-run summary (--summary, or with
 * any of those). Fed by the scheduler's observer hook (sched.h); draws
 * on a loop timer, never per job. stdout is never touched. */
#ifndef PFAN_PROGRESS_H
#define PFAN_PROGRESS_H
#include <stdbool.h>
#include <stdio.h>
#include "loop.h"
#include "options.h"
#include "sched.h"

struct progress;

/* Whether the options ask for anything of this module. */
bool progress_wanted(const struct pfan_opts *o);
/* Writes to fp (stderr); whether it is a terminal decides the mode. */
struct progress *progress_new(const struct pfan_opts *o, struct loop *loop, FILE *fp);
/* The table to hand sched_observe with p as its argument. */
extern const struct sched_observer progress_observer;
/* The run ended: the last drawing, then the summary if wanted. */
void progress_end(struct progress *p);
void progress_free(struct progress *p);   /* NULL: no-op */

#endif
