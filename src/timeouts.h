/* timeouts.h: --timeout, one timer per running job from its start: a
 * fixed limit, or N% of the median runtime of the successful jobs (none
 * until one succeeded), which moves every running job's limit as jobs
 * succeed. For sched.c. */
#ifndef PFAN_TIMEOUTS_H
#define PFAN_TIMEOUTS_H
#include <stdbool.h>
#include <stddef.h>
#include "loop.h"

struct timeouts;

/* A job's place in the timers; zeroed by the caller before first use. */
struct timeout_entry {
	struct timeouts *owner;
	struct loop_timer *timer;
	double start;          /* mono_now() at the job's start */
	loop_timer_fn *fn;
	void *arg;
	size_t index;          /* in the armed list */
	bool armed;
	bool own;              /* the job's own limit (0: none), not the run's */
	double own_limit;
};

/* limit: seconds (0: none); pct: the fraction of the median (0: fixed). */
struct timeouts *timeouts_new(struct loop *loop, double limit, double pct);
/* The job started at `start`: fn(arg) runs once its limit passes (once;
 * the entry is then disarmed). */
void timeouts_arm(struct timeouts *t, struct timeout_entry *e, double start,
    loop_timer_fn *fn, void *arg);
/* The job ended (or was killed): no timer. NULL-safe for an unarmed e. */
void timeouts_disarm(struct timeouts *t, struct timeout_entry *e);
/* A job succeeded after runtime seconds: with N%, every armed limit moves. */
void timeouts_success(struct timeouts *t, double runtime);
void timeouts_free(struct timeouts *t);

#endif
