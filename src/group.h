/* group.h: several input records in one job, for -n/-N (a count) and
 * -m/-X (as many as fit in a command line, a short input shared among the
 * job slots as GNU parallel shares it). The records come from a callback,
 * so the grouping knows nothing of sources; input.c embeds one. */
#ifndef PFAN_GROUP_H
#define PFAN_GROUP_H
#include <stdbool.h>
#include <stddef.h>
#include "args.h"

struct group {
	unsigned max_args;      /* records per job; 0: no count (-m/-X) */
	size_t max_chars;       /* -m/-X: values' bytes per job; 0: no limit */
	size_t value_extra;     /* -X: bytes each value adds besides itself */
	unsigned spread;        /* job slots that share a short input */
	struct args *recs;      /* records gathered, oldest first */
	size_t n, cap, chars;
	struct args carry;      /* the record that did not fit */
	bool have_carry;
	bool eof;
	bool emitted;           /* some job was handed out */
	size_t spread_n;        /* records per job once the input ended */
};

/* The next record into *rec: PFAN_OK, PFAN_EOF, or anything else, which
 * group_next passes on (PFAN_AGAIN keeps what was gathered). */
typedef int group_next_fn(void *ctx, struct args *rec, char **cause);

void group_init(struct group *g, unsigned max_args, size_t max_chars,
    size_t value_extra, unsigned spread);
/* The next job's values, the records' values one after another, in *a. */
int group_next(struct group *g, group_next_fn *next, void *ctx,
    struct args *a, char **cause);
void group_free(struct group *g);

#endif
