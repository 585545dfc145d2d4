/* retry.h: what becomes of a job's ended attempt: its joblog status, and
 * whether the job is final, retried (charged to --retries), or run again
 * elsewhere without charge (its host was lost, or looks at fault). The
 * rules only; sched.c acts on the answer. */
#ifndef PFAN_RETRY_H
#define PFAN_RETRY_H
#include <stdbool.h>
#include <stddef.h>
#include "exec.h"
#include "joblog.h"
#include "schedhost.h"

/* What a job carries from attempt to attempt; zeroed at first. */
struct retry_state {
	unsigned failures;            /* counted against --retries */
	unsigned no_status;           /* attempts that ended without an exit status */
	unsigned long long host_oks;  /* its host's successes when the attempt started */
	struct host_set failed_on;    /* hosts this job failed on */
	struct host_set only;         /* the hosts it may run on (--onall: its
	                               * one host, never another); empty: any */
};

/* How the attempt ended. */
struct retry_end {
	const struct exec_result *r;
	bool timed_out;               /* pfan killed it: --timeout */
	bool killed;                  /* pfan killed it: anything else */
	bool requeue;                 /* killed for --memfree: run it again */
};

enum retry_step { RETRY_FINAL, RETRY_CHARGED, RETRY_RERUN };

/* The attempt's status on h (an end without an exit status counted). */
enum job_status retry_status(struct retry_state *rs, const struct sched_host *h,
    const struct retry_end *e);
/* What becomes of the attempt of status st on h, one of n hosts. stopping:
 * nothing is to run again; retries: --retries. */
enum retry_step retry_next(struct retry_state *rs, struct sched_host *const *hosts,
    size_t n, struct sched_host *h, enum job_status st, const struct retry_end *e,
    bool stopping, unsigned retries);

#endif
