/* seqheap.h: the --keep-order queue, a min-heap of (seq, item) pairs.
 * output.c holds jobs that finished out of turn here, and skipped seqs as
 * entries without an item, and drains it while its top is the seq whose
 * turn it is. Items are the caller's; the heap never frees them.
 *
 * Called by: output.c.
 */
#ifndef PFAN_SEQHEAP_H
#define PFAN_SEQHEAP_H
#include <stddef.h>

struct seqheap_entry {
	unsigned long long seq;
	void *item;                /* NULL: a skip */
};

struct seqheap {
	struct seqheap_entry *v;
	size_t n, cap;
};

void seqheap_push(struct seqheap *, unsigned long long seq, void *item);
/* The smallest seq; the heap must not be empty. */
struct seqheap_entry seqheap_pop(struct seqheap *);
/* The smallest seq without removing it; the heap must not be empty. */
unsigned long long seqheap_top(const struct seqheap *);
void seqheap_free(struct seqheap *);

#endif
