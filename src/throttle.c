/* throttle.c: GNU parallel's brakes on starting jobs, beyond free slots.
 *
 * --delay SECS: a job starts at least SECS after the previous one (GNU
 * parallel measures from the last start, as here).
 * --memfree SIZE: no job starts while MemAvailable (/proc/meminfo) is
 * under SIZE; under SIZE/2 the scheduler kills its youngest job and runs
 * it again later. At most one kill a second, so that the kill has time to
 * free its memory before the next look. The look is taken at most ten
 * times a second however busy the loop is, and at least once a second
 * however idle.
 * --load MAX: no job starts on this machine while its 1-minute load
 * average (/proc/loadavg) is above MAX. Remote hosts are not asked.
 *
 * A refusal arms one timer that wakes the loop (its idle hook then asks
 * again): the delay's end, or a second for memory and load, which move
 * slowly. Nothing polls in between.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "throttle.h"
#include "xalloc.h"

#define RECHECK_SECS 1.0

struct throttle {
	const struct pfan_opts *o;
	struct loop *loop;
	double last_start;          /* mono; 0: none yet */
	double last_kill;
	double last_look;           /* for the memory-critical check */
	struct loop_timer *wake;
	double wake_at;
};

struct throttle *
throttle_new(const struct pfan_opts *o, struct loop *loop)
{
	struct throttle *t = xcalloc(1, sizeof *t);

	t->o = o;
	t->loop = loop;
	return t;
}

void
throttle_free(struct throttle *t)
{
	if (t == NULL)
		return;
	loop_timer_del(t->loop, t->wake);
	free(t);
}

static void
on_wake(void *arg)
{
	struct throttle *t = arg;

	/* Nothing to do: the loop runs its idle hook after a timer. */
	t->wake = NULL;
}

static void
wake_in(struct throttle *t, double secs)
{
	double at = mono_now() + secs;

	if (t->wake != NULL && t->wake_at <= at)
		return;
	loop_timer_del(t->loop, t->wake);
	t->wake = loop_timer_add(t->loop, secs, on_wake, t);
	t->wake_at = at;
}

/* The first bytes of a /proc file, NUL-terminated; false when unreadable. */
static bool
read_small(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return true;
}

long long
throttle_parse_meminfo(const char *text)
{
	const char *p = strstr(text, "MemAvailable:");
	long long kb;

	if (p == NULL || sscanf(p + strlen("MemAvailable:"), "%lld", &kb) != 1 || kb < 0)
		return -1;
	return kb * 1024;
}

double
throttle_parse_loadavg(const char *text)
{
	double load;

	return sscanf(text, "%lf", &load) == 1 ? load : -1;
}

static long long
mem_available(void)
{
	char buf[4096];

	return read_small("/proc/meminfo", buf, sizeof buf) ? throttle_parse_meminfo(buf) : -1;
}

bool
throttle_may_start(struct throttle *t)
{
	const struct pfan_opts *o = t->o;

	if (o->delay > 0 && t->last_start > 0) {
		double left = t->last_start + o->delay - mono_now();
		if (left > 0) {
			wake_in(t, left);
			return false;
		}
	}
	if (o->memfree > 0) {
		long long avail = mem_available();
		if (avail >= 0 && (unsigned long long)avail < o->memfree) {
			wake_in(t, RECHECK_SECS);
			return false;
		}
	}
	return true;
}

bool
throttle_local_ok(struct throttle *t)
{
	char buf[256];
	double load;

	if (t->o->load <= 0 || !read_small("/proc/loadavg", buf, sizeof buf))
		return true;
	if ((load = throttle_parse_loadavg(buf)) < 0 || load <= t->o->load)
		return true;
	wake_in(t, RECHECK_SECS);
	return false;
}

void
throttle_started(struct throttle *t)
{
	t->last_start = mono_now();
}

bool
throttle_memory_critical(struct throttle *t)
{
	long long avail;
	double now;

	if (t->o->memfree == 0)
		return false;
	now = mono_now();
	wake_in(t, RECHECK_SECS);
	if (t->last_kill > 0 && now - t->last_kill < RECHECK_SECS)
		return false;
	if (now - t->last_look < RECHECK_SECS / 10)
		return false;
	t->last_look = now;
	avail = mem_available();
	if (avail < 0 || (unsigned long long)avail >= t->o->memfree / 2)
		return false;
	t->last_kill = now;
	return true;
}
