/* median.c: the remedian (Rousseeuw and Bassett, 1990), as GNU parallel
 * keeps for --timeout N%: the last BASE values, the medians of the last
 * BASE groups of them, and of those; the estimate is the median of the
 * highest level in use. 3 x 63 doubles cover 250,047 values exactly
 * enough; beyond, the oldest groups are overwritten. */
#include <stdlib.h>
#include <string.h>

#include "median.h"

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median_of(const double *v, size_t n)
{
	double tmp[MEDIAN_BASE];

	memcpy(tmp, v, n * sizeof *v);
	qsort(tmp, n, sizeof *tmp, cmp_double);
	return tmp[(n - 1) / 2];
}

void
median_add(struct median *m, double v)
{
	unsigned long long i = m->n++;
	unsigned long long b = MEDIAN_BASE;
	size_t n0 = m->n < b ? (size_t)m->n : b;
	size_t n1 = (size_t)((i / b) % b) + 1, n2 = (size_t)((i / b / b) % b) + 1;

	if (m->n > b * b)
		n1 = b;
	m->level[0][i % b] = v;
	m->level[1][(i / b) % b] = median_of(m->level[0], n0);
	m->level[2][(i / b / b) % b] = median_of(m->level[1], n1);
	if (m->n > b * b * b)
		n2 = b;
	m->value = median_of(m->level[2], n2);
}

bool
median_get(const struct median *m, double *v)
{
	if (m->n == 0)
		return false;
	*v = m->value;
	return true;
}
