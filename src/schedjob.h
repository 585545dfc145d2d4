/* schedjob.h: a job as the scheduler holds it, sched.c's private half:
 * its state machine (QUEUED -> STARTING -> RUNNING -> DONE, DONE ->
 * QUEUED for a retry, one checked setter) and its attempt's record.
 * Only sched.c includes it. */
#ifndef PFAN_SCHEDJOB_H
#define PFAN_SCHEDJOB_H
#include <stdbool.h>

#include "args.h"
#include "buf.h"
#include "exec.h"
#include "jobfeed.h"
#include "joblog.h"
#include "jsonjobs.h"
#include "output.h"
#include "retry.h"
#include "schedhost.h"
#include "timeouts.h"

enum job_state { JOB_QUEUED, JOB_STARTING, JOB_RUNNING, JOB_DONE };

struct job {
	unsigned long long seq;
	struct args args;
	char *cmd;                 /* canonical: the joblog's cmd */
	struct pipein_block *block;   /* --pipe: its stdin, kept until it is final */
	const struct jsonjob *json;   /* --json-jobs: its object; else NULL */
	struct buf head;           /* with --json-results: its stdout's first bytes */
	enum job_state state;
	unsigned attempt;          /* attempts so far, all kinds */
	struct sched_host *host;
	unsigned slot;
	struct exec_task *task;
	struct output_job *out;
	double start_wall, start_mono;
	struct timeout_entry timeout;
	bool timed_out, killed;
	bool requeue;              /* killed for --memfree: run it again */
	struct retry_state retry;
	struct joblog_record rec;  /* a final attempt's, until its output is out */
	char *cause;               /* rec.cause's copy */
	struct job *next;
};

/* A QUEUED job of the feed's item, taking what the item owns but its
 * pin (the caller's, to turn into retry.only against its hosts), and
 * pinned to only (--onall's; empty: anywhere). */
struct job *job_new(struct jobfeed_item *it, struct host_set only);
void job_set_state(struct job *j, enum job_state to);
/* The attempt's record, kept in j->rec until it is written. */
void job_fill_record(struct job *j, enum job_status st, const struct exec_result *r,
    double runtime, bool will_retry);
/* NULL-safe. */
void job_free(struct job *j);

#endif
