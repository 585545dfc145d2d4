/* schedhost.c: hosts as the scheduler sees them.
 *
 * Host health: GNU parallel's dynamic balancing sends most jobs to a host
 * where the program is missing, because it frees its slots fastest. We
 * watch for the two signs of a broken host: exit 126/127 (cannot execute,
 * not found), and a run of failures on a host while another host has never
 * failed. Such a failure is rerun elsewhere without charging --retries
 * (the job is not to blame), and the host is suspended for the run once a
 * job it failed succeeds elsewhere, or after 5 failures in a row. While a
 * host is merely suspect (126/127 seen, no success yet) it runs one job at
 * a time, and after 3 such exits it pauses while some other host has none:
 * a host that fails in milliseconds must not pull the whole input through
 * failed attempts before the verdict is in. When every host is suspect the
 * program is missing everywhere: the pause lifts and the jobs fail as jobs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsm.h"
#include "log.h"
#include "schedhost.h"
#include "xalloc.h"

#define STREAK_LIMIT 5
#define SUSPECT_PAUSE 3

/* A host's state as its executor (ready, lost) and its health (suspend)
 * move it. Being suspect or paused is not a state: it limits a READY
 * host's slots (schedhost_free_slots) and is weighed against every other
 * host on each dispatch (schedhost_review). */
static const char *const host_state_names[] = {
	"connecting", "ready", "down", "suspended", "gone",
};

#define B(s) FSM_TO(s)
static const unsigned host_next[] = {
	[HOST_CONNECTING] = B(HOST_READY) | B(HOST_DOWN) | B(HOST_SUSPENDED) | B(HOST_GONE),
	[HOST_READY] = B(HOST_DOWN) | B(HOST_SUSPENDED) | B(HOST_GONE),
	[HOST_DOWN] = B(HOST_READY) | B(HOST_SUSPENDED) | B(HOST_GONE),
	[HOST_SUSPENDED] = B(HOST_GONE),
	[HOST_GONE] = 0,
};
#undef B
static const struct fsm_def host_fsm = FSM_DEF(host_state_names, host_next);

static void
set_state(struct sched_host *h, enum host_state s)
{
	h->state = fsm_move(&host_fsm, h->state, s, "%s: sched host", h->name);
}

struct sched_host *
schedhost_new(struct sched *s, const char *name, unsigned slots, bool ready, size_t index)
{
	struct sched_host *h = xcalloc(1, sizeof *h);

	h->s = s;
	h->name = xstrdup(name);
	h->index = index;
	h->slots = slots;
	h->state = ready ? HOST_READY : HOST_CONNECTING;
	return h;
}

void
schedhost_free(struct sched_host *h)
{
	if (h == NULL)
		return;
	free(h->name);
	free(h->dir);
	free(h->freed);
	for (size_t i = 0; i < h->ntags; i++)
		free(h->tags[i]);
	free(h->tags);
	free(h);
}

unsigned
schedhost_free_slots(const struct sched_host *h)
{
	unsigned cap = h->slots;

	if (h->state != HOST_READY || h->paused || h->held)
		return 0;
	if (h->suspect > 0 && h->oks == 0)
		cap = 1;
	return h->running < cap ? cap - h->running : 0;
}

/* Not a sum: two hosts of -j 2147483648 slots added up to 0 in an
 * unsigned, and the run waited for a free slot forever. */
bool
schedhost_any_free(struct sched_host *const *hosts, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (schedhost_free_slots(hosts[i]) > 0)
			return true;
	return false;
}

/* Every freed slot is below top + 1, so the lowest free slot is the
 * heap's least, or top + 1 when nothing came back. */
unsigned
schedhost_take_slot(struct sched_host *h)
{
	unsigned slot, last;
	size_t i = 0;

	h->running++;
	if (h->nfreed == 0)
		return ++h->top;
	slot = h->freed[0];
	last = h->freed[--h->nfreed];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= h->nfreed)
			break;
		if (c + 1 < h->nfreed && h->freed[c + 1] < h->freed[c])
			c++;
		if (last <= h->freed[c])
			break;
		h->freed[i] = h->freed[c];
		i = c;
	}
	if (h->nfreed > 0)
		h->freed[i] = last;
	return slot;
}

void
schedhost_release_slot(struct sched_host *h, unsigned slot)
{
	size_t i;

	if (h->nfreed == h->capfreed) {
		h->capfreed = h->capfreed ? 2 * h->capfreed : 8;
		h->freed = xreallocarray(h->freed, h->capfreed, sizeof *h->freed);
	}
	for (i = h->nfreed++; i > 0 && h->freed[(i - 1) / 2] > slot; i = (i - 1) / 2)
		h->freed[i] = h->freed[(i - 1) / 2];
	h->freed[i] = slot;
	h->running--;
}

static bool
can_come_back(const struct sched_host *h)
{
	return h->state != HOST_GONE && h->state != HOST_SUSPENDED;
}

struct sched_host *
schedhost_pick(struct sched_host *const *hosts, size_t n, const struct host_set *failed,
    const struct host_set *only)
{
	struct sched_host *best = NULL, *fallback = NULL;
	bool other_possible = false;

	/* One host (--onall): the job waits for it, failed there or not. */
	if (only != NULL && only->n == 1 && only->v[0] < n)
		return schedhost_free_slots(hosts[only->v[0]]) > 0 ? hosts[only->v[0]] : NULL;
	for (size_t i = 0; i < n; i++) {
		struct sched_host *h = hosts[i];
		if (!host_set_allows(only, h->index))
			continue;
		unsigned f = schedhost_free_slots(h);
		bool failed_here = host_set_has(failed, h->index);
		if (!failed_here && can_come_back(h))
			other_possible = true;
		if (f == 0)
			continue;
		if (failed_here) {
			if (fallback == NULL || f > schedhost_free_slots(fallback))
				fallback = h;
		} else if (best == NULL || f > schedhost_free_slots(best))
			best = h;
	}
	if (best != NULL)
		return best;
	return other_possible ? NULL : fallback;
}

bool
schedhost_any_usable(struct sched_host *const *hosts, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (can_come_back(hosts[i]))
			return true;
	return false;
}

bool
schedhost_any_usable_in(struct sched_host *const *hosts, size_t n,
    const struct host_set *only)
{
	if (only == NULL || only->n == 0)
		return schedhost_any_usable(hosts, n);
	/* a host's index is its place in hosts: cheap for --onall's one */
	for (size_t i = 0; i < only->n; i++)
		if (only->v[i] < n && can_come_back(hosts[only->v[i]]))
			return true;
	return false;
}

void
schedhost_review(struct sched_host *const *hosts, size_t n)
{
	size_t clean = 0;

	/* Runs on every dispatch: one pass to count the clean hosts, one to
	 * decide, rather than a scan of the others per host. */
	for (size_t i = 0; i < n; i++)
		if (hosts[i]->suspect == 0 && can_come_back(hosts[i]))
			clean++;
	for (size_t i = 0; i < n; i++) {
		struct sched_host *h = hosts[i];
		bool self_clean = h->suspect == 0 && can_come_back(h);
		bool clean_other = clean > (self_clean ? 1u : 0u);
		h->paused = h->suspect >= SUSPECT_PAUSE && h->oks == 0 && clean_other;
	}
}

bool
schedhost_any_in(struct sched_host *const *hosts, size_t n, enum host_state state)
{
	for (size_t i = 0; i < n; i++)
		if (hosts[i]->state == state)
			return true;
	return false;
}

static void
host_ready(void *arg, unsigned slots)
{
	struct sched_host *h = arg;

	if (slots > 0 && slots != h->slots && h->running == 0) {
		h->slots = slots;
		h->top = 0;
		h->nfreed = 0;
	}
	if (h->state != HOST_SUSPENDED)
		set_state(h, HOST_READY);
	log_debug("%s: ready with %u slots", h->name, h->slots);
}

static void
host_lost(void *arg, const char *why, bool given_up)
{
	struct sched_host *h = arg;

	if (given_up)
		set_state(h, HOST_GONE);
	else if (h->state != HOST_SUSPENDED)
		set_state(h, HOST_DOWN);
	if (given_up)
		log_warn("%s: %s; giving up on this host for the run", h->name, why);
	else
		log_warn("%s: %s", h->name, why);
}

/* An executor's host callbacks: the host argument is the sched_host. */
const struct exec_host_ops sched_host_ops = {
	.ready = host_ready,
	.lost = host_lost,
};

static void
suspend(struct sched_host *h, const char *why)
{
	if (h->state == HOST_SUSPENDED || h->state == HOST_GONE)
		return;
	set_state(h, HOST_SUSPENDED);
	log_warn("%s: suspended for this run: %s; its jobs run on other hosts", h->name, why);
}

/* Is there a host, other than h and those the job failed on, that it may
 * run on and that may take it now or later? */
static bool
elsewhere_possible(struct sched_host *const *hosts, size_t n, const struct sched_host *h,
    const struct host_set *failed, const struct host_set *only)
{
	for (size_t i = 0; i < n; i++)
		if (hosts[i] != h && can_come_back(hosts[i]) &&
		    !host_set_has(failed, hosts[i]->index) &&
		    host_set_allows(only, hosts[i]->index))
			return true;
	return false;
}

/* A host that has succeeded at least STREAK_LIMIT times and never failed. */
static const struct sched_host *
flawless_other(struct sched_host *const *hosts, size_t n, const struct sched_host *h)
{
	for (size_t i = 0; i < n; i++)
		if (hosts[i] != h && hosts[i]->fails == 0 && hosts[i]->oks >= STREAK_LIMIT &&
		    can_come_back(hosts[i]))
			return hosts[i];
	return NULL;
}

void
schedhost_no_status(struct sched_host *const *hosts, size_t n, struct sched_host *h)
{
	const struct sched_host *good;

	h->no_status_streak++;
	if (h->no_status_streak >= STREAK_LIMIT && (good = flawless_other(hosts, n, h)) != NULL) {
		char why[256];
		snprintf(why, sizeof why, "%u jobs in a row here ended without an exit "
		    "status (sshd ChannelTimeout?), none on %s", h->no_status_streak,
		    good->name);
		suspend(h, why);
	}
}

bool
schedhost_blame(struct sched_host *const *hosts, size_t n, struct sched_host *h,
    int exit_code, const struct host_set *failed, const struct host_set *only)
{
	const struct sched_host *good;

	h->fail_streak++;
	h->fails++;
	h->no_status_streak = 0;
	if (!elsewhere_possible(hosts, n, h, failed, only))
		return false;
	if (exit_code == 126 || exit_code == 127) {
		h->suspect++;
		return true;
	}
	if (h->fail_streak >= STREAK_LIMIT && (good = flawless_other(hosts, n, h)) != NULL) {
		char why[256];
		snprintf(why, sizeof why, "%u failures in a row here, none on %s",
		    h->fail_streak, good->name);
		suspend(h, why);
		return true;
	}
	return false;
}

void
schedhost_credit(struct sched_host *const *hosts, size_t n, struct sched_host *h,
    const struct host_set *failed)
{
	h->fail_streak = 0;
	h->no_status_streak = 0;
	h->oks++;
	for (size_t i = 0; i < failed->n; i++) {
		size_t k = failed->v[i];
		if (k < n && hosts[k] != h && hosts[k]->suspect > 0) {
			char why[256];
			snprintf(why, sizeof why, "jobs exit 126/127 there (program "
			    "missing or not executable?) and succeed on %s", h->name);
			suspend(hosts[k], why);
		}
	}
}

void
schedhost_no_workdir(struct sched_host *h)
{
	if (h->state == HOST_SUSPENDED || h->state == HOST_GONE)
		return;
	set_state(h, HOST_SUSPENDED);
	h->no_workdir = true;
	log_warn("%s: no directory %s there (or the login cannot enter it); this "
	    "host takes no more jobs for the run", h->name, h->dir != NULL ? h->dir : "?");
}

const char *
schedhost_why_none(struct sched_host *const *hosts, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!hosts[i]->no_workdir)
			return "every host failed or was given up";
	return "no host has the working directory: run pfan from a directory on a "
	    "filesystem the hosts share, give --workdir DIR with a directory they "
	    "have (--workdir ... makes one), or copy the files the jobs need there first";
}

void
schedhost_pin(struct sched_host *const *hosts, size_t n, const struct pin *p,
    struct host_set *only)
{
	if (pin_empty(p))
		return;
	for (size_t i = 0; i < n; i++)
		if (pin_allows(p, hosts[i]->name, hosts[i]->tags, hosts[i]->ntags))
			host_set_add(only, hosts[i]->index);
	/* an empty set would allow every host: this one allows none */
	if (only->n == 0)
		host_set_add(only, HOST_SET_NONE);
}

void
schedhost_set_tags(struct sched_host *h, char *const *tags, size_t ntags)
{
	for (size_t i = 0; i < h->ntags; i++)
		free(h->tags[i]);
	free(h->tags);
	h->tags = ntags > 0 ? xcalloc(ntags, sizeof *h->tags) : NULL;
	for (size_t i = 0; i < ntags; i++)
		h->tags[i] = xstrdup(tags[i]);
	h->ntags = ntags;
}

void
host_set_add(struct host_set *set, size_t index)
{
	if (host_set_has(set, index))
		return;
	set->v = xreallocarray(set->v, set->n + 1, sizeof *set->v);
	set->v[set->n++] = index;
}

bool
host_set_has(const struct host_set *set, size_t index)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->v[i] == index)
			return true;
	return false;
}

bool
host_set_allows(const struct host_set *set, size_t index)
{
	return set == NULL || set->n == 0 || host_set_has(set, index);
}

void
host_set_free(struct host_set *set)
{
	free(set->v);
	set->v = NULL;
	set->n = 0;
}
