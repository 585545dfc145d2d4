/* pin.c: which hosts a pinned job may run on (pin.h). Pure: the scheduler
 * asks about each of its hosts once, when the job is made, and keeps the
 * answer as a set of host indexes (schedhost.h's host_set). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pin.h"

bool
pin_empty(const struct pin *p)
{
	return p == NULL || (p->nhosts == 0 && p->ntags == 0);
}

/* Names ignore case, as hosts_find and the hostfile's duplicate check do
 * (DNS does); tags are the hostfile's words, matched exactly, as
 * host_has_tag does. */
bool
pin_allows(const struct pin *p, const char *name, char *const *tags, size_t ntags)
{
	if (pin_empty(p))
		return true;
	for (size_t i = 0; i < p->nhosts; i++)
		if (strcasecmp(p->hosts[i], name) == 0)
			return true;
	for (size_t i = 0; i < p->ntags; i++)
		for (size_t k = 0; k < ntags; k++)
			if (strcmp(p->tags[i], tags[k]) == 0)
				return true;
	return false;
}

void
pin_free(struct pin *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->nhosts; i++)
		free(p->hosts[i]);
	for (size_t i = 0; i < p->ntags; i++)
		free(p->tags[i]);
	free(p->hosts);
	free(p->tags);
	p->hosts = p->tags = NULL;
	p->nhosts = p->ntags = 0;
}
