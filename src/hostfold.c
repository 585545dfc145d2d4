/* hostfold.c: folds host names into ranges (hostfold.h). A bucket is the
 * names with the same text before and after their last number; it folds
 * when one zero-padding width prints all its numbers the way the names
 * spell them, since hostrange_expand pads each range to the width of its
 * lower bound. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "hostfold.h"
#include "xalloc.h"

/* As hostrange.c: nine digits always fit an unsigned long. */
#define MAX_DIGITS 9

struct split {
	size_t pre;              /* bytes before the number */
	size_t ndig;             /* 0: not foldable */
	unsigned long num;
	const char *suf;
};

struct bucket {
	size_t *members;         /* in input order */
	size_t n;
};

static struct split
split_name(const char *name)
{
	struct split s = { 0, 0, 0, NULL };
	size_t len = strlen(name), end = len, start;

	if (strpbrk(name, "[],") != NULL)
		return s;
	while (end > 0 && (name[end - 1] < '0' || name[end - 1] > '9'))
		end--;
	start = end;
	while (start > 0 && name[start - 1] >= '0' && name[start - 1] <= '9')
		start--;
	if (end == start || end - start > MAX_DIGITS)
		return s;
	s.pre = start;
	s.ndig = end - start;
	s.suf = name + end;
	for (size_t i = start; i < end; i++)
		s.num = s.num * 10 + (unsigned long)(name[i] - '0');
	return s;
}

static bool
same_frame(const char *a, const struct split *sa, const char *b,
    const struct split *sb)
{
	return sa->pre == sb->pre && strncmp(a, b, sa->pre) == 0 &&
	    strcmp(sa->suf, sb->suf) == 0;
}

static size_t
ndigits(unsigned long v)
{
	size_t d = 1;

	while (v >= 10) {
		v /= 10;
		d++;
	}
	return d;
}

/* The padding width that spells every number of the bucket as its name
 * does, or 0 when there is none (node1 with node01, or a number twice). */
static size_t
bucket_width(const struct split *sp, const struct bucket *b)
{
	size_t w = 1;

	for (size_t i = 0; i < b->n; i++) {
		const struct split *s = &sp[b->members[i]];
		if (s->ndig > ndigits(s->num)) {   /* zero-padded */
			if (w > 1 && w != s->ndig)
				return 0;
			w = s->ndig;
		}
	}
	for (size_t i = 0; i < b->n; i++) {
		const struct split *s = &sp[b->members[i]];
		if (s->ndig < w)
			return 0;
		for (size_t j = i + 1; j < b->n; j++)
			if (sp[b->members[j]].num == s->num)
				return 0;
	}
	return w;
}

static int
by_number(const void *a, const void *b, void *sp)
{
	unsigned long x = ((const struct split *)sp)[*(const size_t *)a].num;
	unsigned long y = ((const struct split *)sp)[*(const size_t *)b].num;

	return (x > y) - (x < y);
}

static size_t
first_member(const struct hostfold_group *g)
{
	size_t m = g->members[0];

	for (size_t i = 1; i < g->n; i++)
		if (g->members[i] < m)
			m = g->members[i];
	return m;
}

static int
by_first_member(const void *a, const void *b)
{
	size_t x = first_member(a), y = first_member(b);

	return (x > y) - (x < y);
}

static void
add_group(struct hostfold_group **g, size_t *ng, char *label, size_t *members,
    size_t n)
{
	*g = xreallocarray(*g, *ng + 1, sizeof **g);
	(*g)[(*ng)++] = (struct hostfold_group){ label, members, n };
}

static void
single(struct hostfold_group **g, size_t *ng, char *const *names, size_t i)
{
	size_t *m = xmalloc(sizeof *m);

	*m = i;
	add_group(g, ng, xstrdup(names[i]), m, 1);
}

/* "pre[a-b,c]suf" for a bucket whose members are sorted by number. */
static char *
range_label(const char *first, const struct split *sp, const size_t *m,
    size_t n, size_t w)
{
	struct buf b = BUF_INIT;

	buf_add(&b, first, sp[m[0]].pre);
	buf_addc(&b, '[');
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j + 1 < n && sp[m[j + 1]].num == sp[m[j]].num + 1)
			j++;
		buf_addf(&b, "%s%0*lu", i ? "," : "", (int)w, sp[m[i]].num);
		if (j > i)
			buf_addf(&b, "-%0*lu", (int)w, sp[m[j]].num);
		i = j + 1;
	}
	buf_addc(&b, ']');
	buf_adds(&b, sp[m[0]].suf);
	return buf_steal(&b);
}

size_t
hostfold(char *const *names, size_t n, struct hostfold_group **out)
{
	struct split *sp = xcalloc(n ? n : 1, sizeof *sp);
	struct bucket *bk = NULL;
	size_t nb = 0, ng = 0;
	struct hostfold_group *g = NULL;

	for (size_t i = 0; i < n; i++) {
		size_t k;
		sp[i] = split_name(names[i]);
		for (k = 0; k < nb && sp[i].ndig > 0; k++) {
			size_t f = bk[k].members[0];
			if (sp[f].ndig > 0 && same_frame(names[f], &sp[f], names[i], &sp[i]))
				break;
		}
		if (k == nb || sp[i].ndig == 0) {
			bk = xreallocarray(bk, nb + 1, sizeof *bk);
			bk[nb] = (struct bucket){ xmalloc(n * sizeof(size_t)), 0 };
			k = nb++;
		}
		bk[k].members[bk[k].n++] = i;
	}
	for (size_t k = 0; k < nb; k++) {
		struct bucket *b = &bk[k];
		size_t w = b->n > 1 ? bucket_width(sp, b) : 0;
		if (w == 0) {
			for (size_t i = 0; i < b->n; i++)
				single(&g, &ng, names, b->members[i]);
			free(b->members);
			continue;
		}
		const char *first = names[b->members[0]];
		qsort_r(b->members, b->n, sizeof *b->members, by_number, sp);
		add_group(&g, &ng, range_label(first, sp, b->members, b->n, w),
		    b->members, b->n);
	}
	free(bk);
	if (ng > 1)
		qsort(g, ng, sizeof *g, by_first_member);
	free(sp);
	*out = g;
	return ng;
}

void
hostfold_free(struct hostfold_group *g, size_t n)
{
	if (g == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		free(g[i].label);
		free(g[i].members);
	}
	free(g);
}
