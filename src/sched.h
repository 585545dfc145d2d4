/* sched.h: the job lifecycle: input -> queue -> slot -> running -> done,
 * retried, requeued or final. Drives any executor (exec.h). */
#ifndef PFAN_SCHED_H
#define PFAN_SCHED_H
#include <stdbool.h>
#include "exec.h"
#include "input.h"
#include "joblog.h"
#include "loop.h"
#include "options.h"
#include "output.h"
#include "resume.h"
#include "template.h"

struct sched;
struct sched_host;

struct sched_deps {
	const struct pfan_opts *opts;
	struct loop *loop;
	struct template *tmpl;
	struct input *input;
	struct output *output;
	struct joblog *joblog;      /* NULL: no joblog */
	struct resume *resume;      /* NULL: not resuming */
};

struct sched *sched_new(const struct sched_deps *deps);
/* A host with `slots` slots (0: not known until it is ready). ready: it can
 * take jobs now (local), else it waits for sched_host_ops.ready. */
struct sched_host *sched_add_host(struct sched *s, const char *name, unsigned slots, bool ready);
void sched_host_set_executor(struct sched_host *h, struct executor ex);
/* Where h's jobs run, for messages (copied; NULL: not known). */
void sched_host_set_dir(struct sched_host *h, const char *dir);
/* Who watches the run (progress.c): told of each start, each attempt's
 * end, each record as the joblog gets it, and the number of jobs once the
 * input is read. Calls come from inside the loop; a watcher must not
 * block. Every member may be NULL. */
struct sched_observer {
	/* An attempt started on host (slot of host_slots). */
	void (*started)(void *arg, const char *host, unsigned slot, unsigned host_slots);
	/* It ended after runtime seconds; its slot is free again. */
	void (*ended)(void *arg, const char *host, double runtime);
	/* Its record, when the joblog gets it (a final one after its output
	 * is out); will_retry says the job runs again. */
	void (*recorded)(void *arg, const struct joblog_record *rec);
	/* The input is read to its end: the run has njobs jobs. */
	void (*total)(void *arg, unsigned long long njobs);
};
void sched_observe(struct sched *s, const struct sched_observer *obs, void *arg);
/* The callbacks an executor calls with the sched_host as host argument. */
extern const struct exec_host_ops sched_host_ops;
/* Runs every job to the end (or until interrupted, halted, or without a
 * host for --host-wait). Returns pfan's exit status. */
int sched_run(struct sched *s);
/* Whether --halt stopped the run before its end. */
bool sched_halted(const struct sched *s);
/* Frees the scheduler and every host's executor (a shared one once). */
/* After sched_run: the end-of-run line naming the first failed jobs
 * ("60 jobs failed; first: job 1 on h0 exit 127, ..."), or NULL when
 * there is none to print (no failure, interrupted, --quiet). The caller
 * prints it once the progress display is done, and frees it. */
char *sched_failure_line(const struct sched *s);
void sched_free(struct sched *s);

#endif
