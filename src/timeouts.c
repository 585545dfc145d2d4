/* timeouts.c: --timeout's timers (timeouts.h). The armed entries are kept
 * in an array (each knows its index, so disarming is O(1)), because with
 * N% a success re-arms every one of them. */
#include <stdlib.h>

#include "median.h"
#include "timeouts.h"
#include "xalloc.h"

struct timeouts {
	struct loop *loop;
	double limit, pct;
	struct median runtimes;    /* of successful jobs, for N% */
	struct timeout_entry **armed;
	size_t narmed, caparmed;
};

struct timeouts *
timeouts_new(struct loop *loop, double limit, double pct)
{
	struct timeouts *t = xcalloc(1, sizeof *t);

	t->loop = loop;
	t->limit = limit;
	t->pct = pct;
	return t;
}

static void
unlist(struct timeouts *t, struct timeout_entry *e)
{
	if (!e->armed)
		return;
	t->armed[e->index] = t->armed[--t->narmed];
	t->armed[e->index]->index = e->index;
	e->armed = false;
}

static void
on_timer(void *arg)
{
	struct timeout_entry *e = arg;

	/* Once: a success does not re-arm what has fired. */
	e->timer = NULL;
	unlist(e->owner, e);
	e->fn(e->arg);
}

/* The entry's timer from its start, with the limit as it is now. */
static void
set_timer(struct timeouts *t, struct timeout_entry *e)
{
	double limit = t->limit, median;

	loop_timer_del(t->loop, e->timer);
	e->timer = NULL;
	if (e->own)
		limit = e->own_limit;
	else if (t->pct > 0 && median_get(&t->runtimes, &median))
		limit = t->pct * median;
	if (limit <= 0)
		return;
	limit -= mono_now() - e->start;
	e->timer = loop_timer_add(t->loop, limit > 0 ? limit : 0, on_timer, e);
}

void
timeouts_arm(struct timeouts *t, struct timeout_entry *e, double start,
    loop_timer_fn *fn, void *arg)
{
	e->owner = t;
	e->start = start;
	e->fn = fn;
	e->arg = arg;
	if (!e->armed) {
		if (t->narmed == t->caparmed) {
			t->caparmed = t->caparmed ? 2 * t->caparmed : 64;
			t->armed = xreallocarray(t->armed, t->caparmed, sizeof *t->armed);
		}
		e->index = t->narmed;
		t->armed[t->narmed++] = e;
		e->armed = true;
	}
	set_timer(t, e);
}

void
timeouts_disarm(struct timeouts *t, struct timeout_entry *e)
{
	loop_timer_del(t->loop, e->timer);
	e->timer = NULL;
	unlist(t, e);
}

void
timeouts_success(struct timeouts *t, double runtime)
{
	if (t->pct <= 0)
		return;
	median_add(&t->runtimes, runtime);
	for (size_t i = 0; i < t->narmed; i++)
		set_timer(t, t->armed[i]);
}

void
timeouts_free(struct timeouts *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->narmed; i++) {
		loop_timer_del(t->loop, t->armed[i]->timer);
		t->armed[i]->timer = NULL;
		t->armed[i]->armed = false;
	}
	free(t->armed);
	free(t);
}
