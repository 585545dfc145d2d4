/* sshtaskq.c: a queue of SSH tasks; see sshtaskq.h. */
#include <stdlib.h>
#include <string.h>

#include "sshchan.h"
#include "sshtaskq.h"
#include "xalloc.h"

void
sshchan_list_push(struct sshchan_list *l, struct exec_task *t)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xreallocarray(l->v, l->cap, sizeof *l->v);
	}
	l->v[l->n++] = t;
}

void
sshchan_list_remove(struct sshchan_list *l, size_t i)
{
	memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof *l->v);
	l->n--;
}

void
sshchan_list_move(struct sshchan_list *to, struct sshchan_list *from)
{
	for (size_t i = 0; i < from->n; i++)
		sshchan_list_push(to, from->v[i]);
	from->n = 0;
}

void
sshchan_list_fail(struct sshchan_list *l, enum exec_end end, const char *cause)
{
	struct sshchan_list v = *l;

	/* done callbacks may start new tasks: fail a detached copy */
	memset(l, 0, sizeof *l);
	for (size_t i = 0; i < v.n; i++)
		sshchan_fail(v.v[i], end, cause);
	free(v.v);
}

void
sshchan_list_free(struct sshchan_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		sshchan_free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof *l);
}
