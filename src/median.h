/* median.h: a running median in bounded memory (the remedian), for
 * --timeout N% (a percentage of the median runtime of successful jobs). */
#ifndef PFAN_MEDIAN_H
#define PFAN_MEDIAN_H
#include <stdbool.h>

#define MEDIAN_BASE 63

struct median {
	double level[3][MEDIAN_BASE];
	unsigned long long n;
	double value;
};

void median_add(struct median *m, double v);
/* False until a value was added. */
bool median_get(const struct median *m, double *v);

#endif
