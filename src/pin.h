/* pin.h: the hosts one job may run on, named or by tag (a JSONL job's
 * "host" and "tags"). Empty (both counts 0): any host of the run. A job
 * may run on a host whose name is in hosts or that carries one of tags. */
#ifndef PFAN_PIN_H
#define PFAN_PIN_H
#include <stddef.h>

struct pin {
	char **hosts;    /* malloc'd names, as the hostfile names them */
	size_t nhosts;
	char **tags;     /* malloc'd tags */
	size_t ntags;
};

/* Frees what p holds; p is empty after. NULL is a no-op. */
void pin_free(struct pin *p);

#endif
