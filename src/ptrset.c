/* ptrset.c: see ptrset.h. */
#include <stdlib.h>

#include "ptrset.h"
#include "xalloc.h"

void
ptrset_add(struct ptrset *s, void *p)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->v = xreallocarray(s->v, s->cap, sizeof *s->v);
	}
	s->v[s->n++] = p;
}

void
ptrset_del(struct ptrset *s, const void *p)
{
	for (size_t i = 0; i < s->n; i++) {
		if (s->v[i] == p) {
			s->v[i] = s->v[--s->n];
			return;
		}
	}
}

void
ptrset_free(struct ptrset *s)
{
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}
