/* resolve.h: host name lookups that do not stall the loop.
 *
 * getaddrinfo() blocks, for seconds when a name server is slow or gone, and
 * glibc's getaddrinfo_a() answers from threads of its own. pfan stays one
 * thread: each lookup runs in a forked child that writes the addresses to
 * a pipe the loop watches. Lookups run side by side, one child each.
 *
 * Use: resolve_start; the callback runs later, from the loop (never from
 * inside resolve_start), exactly once unless resolve_cancel came first.
 * The handle is gone once the callback returns: drop it there, and don't
 * cancel it from inside the callback. */
#ifndef PFAN_RESOLVE_H
#define PFAN_RESOLVE_H
#include <stdbool.h>

#include "loop.h"

struct addrinfo;
struct resolve;

/* On success ai is a list the callee owns (free with resolve_free_addrs)
 * and error is NULL; on failure ai is NULL and error says why, e.g.
 * "Name or service not known". temporary: the name server could not
 * answer now (EAI_AGAIN), so asking again later may do; false for a name
 * that does not exist, and on success. */
typedef void resolve_fn(void *arg, struct addrinfo *ai, const char *error,
    bool temporary);

/* Looks up host (a name or a numeric address) for TCP on port. */
struct resolve *resolve_start(struct loop *loop, const char *host,
    unsigned port, resolve_fn *fn, void *arg);
/* Stops a lookup whose callback has not run; its child is killed. */
void resolve_cancel(struct resolve *r);
void resolve_free_addrs(struct addrinfo *ai);

#endif
