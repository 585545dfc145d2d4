/* pin.h: the hosts one job may run on, named or by tag (a JSONL job's
 * "host" and "tags"). Empty (both counts 0): any host of the run. A job
 * may run on a host whose name is in hosts or that carries one of tags. */
#ifndef PFAN_PIN_H
#define PFAN_PIN_H
#include <stdbool.h>
#include <stddef.h>

struct pin {
	char **hosts;    /* malloc'd names, as the hostfile names them */
	size_t nhosts;
	char **tags;     /* malloc'd tags */
	size_t ntags;
};

/* No host named and no tag: the job may run on any host. NULL too. */
bool pin_empty(const struct pin *p);
/* Whether the host called name, carrying those tags, may run a job
 * pinned by p (any host, when p is empty). */
bool pin_allows(const struct pin *p, const char *name, char *const *tags, size_t ntags);
/* Frees what p holds and zeroes it; NULL is fine. */
void pin_free(struct pin *p);

#endif
