/* jobfeed.h: input records -> numbered jobs, each with its canonical
 * command (its identity in the joblog); jobs --resume says are done are
 * skipped, --dry-run prints them instead. sched.c pulls one job at a time,
 * only when a slot is free. */
#ifndef PFAN_JOBFEED_H
#define PFAN_JOBFEED_H
#include "args.h"
#include "input.h"
#include "jsonjobs.h"
#include "loop.h"
#include "options.h"
#include "output.h"
#include "pin.h"
#include "pipein.h"
#include "resume.h"
#include "template.h"

struct jobfeed;

struct jobfeed_item {
	unsigned long long seq;
	struct args args;
	char *cmd;          /* canonical command, malloc'd */
	struct pipein_block *block;   /* --pipe: its stdin (the caller's); else NULL */
	struct pin pin;     /* hosts it may run on (the caller's); zero: any */
	const struct jsonjob *json;   /* --json-jobs: its object (the run's); else NULL */
};

/* pipe: --pipe's blocks, each a job of the template without values, in
 * place of input's records (input is then NULL); json: --json-jobs's
 * objects, each a job, in place of both (the template is then unused). */
struct jobfeed *jobfeed_new(const struct pfan_opts *o, struct loop *loop,
    const struct template *tmpl, struct input *input, struct pipein *pipe,
    const struct jsonjobs *json, struct output *out, struct resume *resume);
/* For --dry-run's {%} and {host}: the run's hosts, in order, each with
 * its slots (name is borrowed: it must outlive f). */
void jobfeed_dry_run_host(struct jobfeed *f, const char *name, unsigned slots);
/* PFAN_OK and *item (the caller owns its contents), PFAN_AGAIN (nothing
 * readable yet: the loop wakes when there is), or PFAN_EOF. */
int jobfeed_next(struct jobfeed *f, struct jobfeed_item *item);
/* Records that never became a job (bad input, expansion errors). */
unsigned long long jobfeed_failed(const struct jobfeed *f);
unsigned long long jobfeed_skipped(const struct jobfeed *f);
/* An input source failed to read (not a bad record): the input ended
 * there, and the run is to exit 255. */
bool jobfeed_read_error(const struct jobfeed *f);
/* With --shuf or --halt N%: the number of input records, once all are
 * read (0 before). */
unsigned long long jobfeed_total(const struct jobfeed *f);
/* The jobs the input still holds, counted up to limit without waiting:
 * records only, neither expanded nor matched against --resume's joblog
 * (so jobs it says are done are among them); *all: the input's end was
 * reached. What is counted is read: no job comes from it any more. */
unsigned long long jobfeed_count_rest(struct jobfeed *f, unsigned long long limit,
    bool *all);
void jobfeed_free(struct jobfeed *f);

#endif
