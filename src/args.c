/* args.c: one job's argument values. */
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "xalloc.h"

void
args_init(struct args *a)
{
	a->n = 0;
	a->v = NULL;
}

void
args_push(struct args *a, const char *s, size_t len)
{
	a->v = xreallocarray(a->v, a->n + 1, sizeof *a->v);
	a->v[a->n++] = xstrndup(s, len);
}

void
args_copy(struct args *dst, const struct args *src)
{
	args_init(dst);
	for (size_t i = 0; i < src->n; i++)
		args_push(dst, src->v[i], strlen(src->v[i]));
}

void
args_move(struct args *dst, struct args *src)
{
	dst->v = xreallocarray(dst->v, dst->n + src->n, sizeof *dst->v);
	memcpy(dst->v + dst->n, src->v, src->n * sizeof *src->v);
	dst->n += src->n;
	free(src->v);
	args_init(src);
}

void
args_free(struct args *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	args_init(a);
}
