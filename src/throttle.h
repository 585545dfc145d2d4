/* throttle.h: when the next job may start, apart from free slots:
 * --delay between starts, --memfree, and --load for this machine. */
#ifndef PFAN_THROTTLE_H
#define PFAN_THROTTLE_H
#include <stdbool.h>
#include "loop.h"
#include "options.h"

struct throttle;

struct throttle *throttle_new(const struct pfan_opts *o, struct loop *loop);
void throttle_free(struct throttle *t);
/* May any job start now (--delay, --memfree)? When not, a timer wakes the
 * loop when it is worth asking again. */
bool throttle_may_start(struct throttle *t);
/* May a job start on this machine now (--load)? Timer as above. */
bool throttle_local_ok(struct throttle *t);
/* A job was just given to a host. */
void throttle_started(struct throttle *t);
/* --memfree: less than half of SIZE is available, and no job was killed
 * for it in the last second: the caller kills its youngest job. */
bool throttle_memory_critical(struct throttle *t);

/* Parsers, exposed for the unit tests: MemAvailable in bytes from the
 * text of /proc/meminfo, and the 1-minute load from /proc/loadavg's.
 * -1 when absent. */
long long throttle_parse_meminfo(const char *text);
double throttle_parse_loadavg(const char *text);

#endif
