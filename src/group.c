/* group.c: records gathered into jobs (see group.h). */
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "group.h"
#include "xalloc.h"

void
group_init(struct group *g, unsigned max_args, size_t max_chars,
    size_t value_extra, unsigned spread)
{
	memset(g, 0, sizeof *g);
	g->max_args = max_args > 0 ? max_args : max_chars > 0 ? 0 : 1;
	g->max_chars = max_chars;
	g->value_extra = value_extra;
	g->spread = spread;
	args_init(&g->carry);
}

/* -m/-X: what a record adds to the command line (see pfan(1)). */
static size_t
record_chars(const struct group *g, const struct args *rec)
{
	size_t n = 0;

	for (size_t i = 0; i < rec->n; i++)
		n += strlen(rec->v[i]) + 1 + g->value_extra;
	return n;
}

static bool
is_full(const struct group *g)
{
	return g->max_args > 0 && g->n >= g->max_args;
}

static void
push(struct group *g, struct args *rec)
{
	if (g->n == g->cap) {
		g->cap = g->cap ? 2 * g->cap : 16;
		g->recs = xreallocarray(g->recs, g->cap, sizeof *g->recs);
	}
	g->chars += record_chars(g, rec);
	g->recs[g->n++] = *rec;
	args_init(rec);
}

/* Gathers records until the job is full (-n count, or -m/-X length), the
 * input ends, or it would block. */
static int
fill(struct group *g, group_next_fn *next, void *ctx, char **cause)
{
	struct args rec;
	int rc;

	if (g->have_carry) {
		g->have_carry = false;
		push(g, &g->carry);
	}
	while (!g->eof && !is_full(g)) {
		rc = next(ctx, &rec, cause);
		if (rc == PFAN_EOF) {
			g->eof = true;
			break;
		}
		if (rc != PFAN_OK)
			return rc;
		if (g->max_chars > 0 && g->n > 0 &&
		    g->chars + record_chars(g, &rec) > g->max_chars) {
			g->carry = rec;
			g->have_carry = true;
			break;
		}
		push(g, &rec);
	}
	return PFAN_OK;
}

/* -m/-X: input that ended before the first job was full is shared evenly
 * by the job slots, as GNU parallel does (10 values, -j3: 4, 4, 2). */
static size_t
take(struct group *g)
{
	if (g->max_chars > 0 && g->eof && !g->emitted && g->spread > 1 &&
	    g->spread_n == 0)
		g->spread_n = (g->n + g->spread - 1) / g->spread;
	if (g->spread_n > 0 && g->spread_n < g->n)
		return g->spread_n;
	return g->n;
}

int
group_next(struct group *g, group_next_fn *next, void *ctx, struct args *a,
    char **cause)
{
	size_t k;
	int rc;

	args_init(a);
	if ((rc = fill(g, next, ctx, cause)) != PFAN_OK)
		return rc;
	if (g->n == 0)
		return PFAN_EOF;
	k = take(g);
	for (size_t i = 0; i < k; i++) {
		g->chars -= record_chars(g, &g->recs[i]);
		args_move(a, &g->recs[i]);
	}
	g->n -= k;
	memmove(g->recs, g->recs + k, g->n * sizeof *g->recs);
	g->emitted = true;
	return PFAN_OK;
}

void
group_free(struct group *g)
{
	args_free(&g->carry);
	for (size_t i = 0; i < g->n; i++)
		args_free(&g->recs[i]);
	free(g->recs);
	g->recs = NULL;
	g->n = g->cap = 0;
}
