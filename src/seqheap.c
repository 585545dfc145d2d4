/* seqheap.c: a binary min-heap keyed by seq. A thousand held jobs cost
 * log2(1000) moves each, where a sorted list would cost a thousand. */
#include <assert.h>
#include <stdlib.h>

#include "seqheap.h"
#include "xalloc.h"

void
seqheap_push(struct seqheap *h, unsigned long long seq, void *item)
{
	size_t k;

	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 16;
		h->v = xreallocarray(h->v, h->cap, sizeof *h->v);
	}
	k = h->n++;
	while (k > 0 && h->v[(k - 1) / 2].seq > seq) {
		h->v[k] = h->v[(k - 1) / 2];
		k = (k - 1) / 2;
	}
	h->v[k].seq = seq;
	h->v[k].item = item;
}

struct seqheap_entry
seqheap_pop(struct seqheap *h)
{
	assert(h->n > 0);
	struct seqheap_entry top = h->v[0], last = h->v[--h->n];
	size_t k = 0, c;

	while ((c = 2 * k + 1) < h->n) {
		if (c + 1 < h->n && h->v[c + 1].seq < h->v[c].seq)
			c++;
		if (h->v[c].seq >= last.seq)
			break;
		h->v[k] = h->v[c];
		k = c;
	}
	if (h->n > 0)
		h->v[k] = last;
	return top;
}

unsigned long long
seqheap_top(const struct seqheap *h)
{
	assert(h->n > 0);
	return h->v[0].seq;
}

void
seqheap_free(struct seqheap *h)
{
	free(h->v);
	h->v = NULL;
	h->n = h->cap = 0;
}
