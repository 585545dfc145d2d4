/* pin.c: a job's pin (pin.h): what it owns. */
#include <stdlib.h>

#include "pin.h"

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
