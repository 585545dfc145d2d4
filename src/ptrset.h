/* ptrset.h: an unordered set of pointers in an array: add at the end,
 * remove by swapping the last in. For the scheduler's running jobs, which
 * it walks to cancel them all, to pick a --memfree victim and to free them.
 *
 * Called by: sched.c.
 */
#ifndef PFAN_PTRSET_H
#define PFAN_PTRSET_H
#include <stddef.h>

struct ptrset {
	void **v;
	size_t n, cap;
};

void ptrset_add(struct ptrset *, void *p);
/* Removes p if it is there; the order of the rest changes. */
void ptrset_del(struct ptrset *, const void *p);
void ptrset_free(struct ptrset *);

#endif
