/* recsink.h: where the run's joblog records go: each appended as it comes
 * (one write, joblog.c), made durable by fdatasync at most once a second
 * and at the end, so a run of many short jobs does not sync per record. */
#ifndef PFAN_RECSINK_H
#define PFAN_RECSINK_H
#include "joblog.h"
#include "loop.h"

struct recsink;

/* jl NULL: no joblog; records go nowhere. jl stays the caller's. */
struct recsink *recsink_new(struct loop *loop, struct joblog *jl);
/* PFAN_OK, or an error with cause: the record is not in the joblog. */
int recsink_write(struct recsink *rs, const struct joblog_record *rec, char **cause);
/* fdatasync what was written, now (the run's end). */
int recsink_sync(struct recsink *rs, char **cause);
void recsink_free(struct recsink *rs);

#endif
