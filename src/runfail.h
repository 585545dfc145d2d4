/* runfail.h: what pfan tells the user about failed jobs as a whole: a
 * command that is missing everywhere (stop instead of failing the whole
 * input), and the end-of-run line naming the first failed jobs. Pure
 * bookkeeping and messages; the scheduler decides what to do. */
#ifndef PFAN_RUNFAIL_H
#define PFAN_RUNFAIL_H
#include <stdbool.h>

#include "joblog.h"

/* Final 126/127 exits, with no job succeeded anywhere, after which pfan
 * starts no more jobs: the command is not there to run. */
#define RUNFAIL_MISSING_LIMIT 3
/* How many failed jobs the end-of-run line names. */
#define RUNFAIL_FIRST 3

struct runfail;

/* One job's final attempt. */
struct runfail_job {
	unsigned long long seq;
	const char *host;
	const char *dir;        /* where it ran, for the message; may be NULL */
	const char *cmd;        /* its command line */
	enum job_status status;
	int exit_code;          /* -1: none */
	int signal;             /* 0: none */
};

struct runfail *runfail_new(void);
void runfail_free(struct runfail *rf);
/* Notes a failed job's final attempt. any_ok: a job has succeeded in this
 * run (or the run asks every host, --onall: a command missing on some
 * must not stop the others). True, once, when the run should start no more jobs: the
 * RUNFAIL_MISSING_LIMIT-th exit 126/127 with nothing succeeded (the
 * message is printed then). */
bool runfail_add(struct runfail *rf, const struct runfail_job *j, bool any_ok);
/* "N jobs failed; first: job S on HOST exit C, ..." for nfailed failed
 * jobs (those runfail_add saw first are named), or NULL when nfailed is 0
 * or every failed job never ran (each such job's cause is said already).
 * The caller frees it. */
char *runfail_summary(const struct runfail *rf, unsigned long long nfailed);

#endif
