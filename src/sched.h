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
/* The callbacks an executor calls with the sched_host as host argument. */
extern const struct exec_host_ops sched_host_ops;
/* Runs every job to the end (or until interrupted, halted, or without a
 * host for --host-wait). Returns pfan's exit status. */
int sched_run(struct sched *s);
/* Whether --halt stopped the run before its end. */
bool sched_halted(const struct sched *s);
/* Frees the scheduler; the executors are their maker's to free, before. */
void sched_free(struct sched *s);

#endif
