/* hostfold.h: the inverse of hostrange_expand_list for a report: folds
 * host names that differ only in one number into one range
 * ("node01".."node12", "node15" -> "node[01-12,15]"). Pure: no I/O. */
#ifndef PFAN_HOSTFOLD_H
#define PFAN_HOSTFOLD_H
#include <stddef.h>

struct hostfold_group {
	char *label;       /* "node[01-12,15]", or the one name as it is */
	size_t *members;   /* indices into the names given, in number order */
	size_t n;
};

/* Groups names[0..n) by what surrounds their last run of digits and
 * labels each group with a range hostrange_expand turns back into exactly
 * its members. A name without digits, or with '[', ']' or ',', or whose
 * number cannot share a range with its neighbours' (node1 next to node01)
 * is a group of its own. Groups come in the order of their first member;
 * *out is malloc'd; returns the number of groups. */
size_t hostfold(char *const *names, size_t n, struct hostfold_group **out);
void hostfold_free(struct hostfold_group *g, size_t n);

#endif
