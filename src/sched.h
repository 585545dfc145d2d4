/* sched.h: the job lifecycle: input -> queue -> slot -> running -> done,
 * retried, requeued or final. Drives any executor (exec.h); reports to
 * its owner (runctl.c) through sched_report_ops. */
#ifndef PFAN_SCHED_H
#define PFAN_SCHED_H
#include <stdbool.h>
#include <stddef.h>
#include "exec.h"
#include "input.h"
#include "joblog.h"
#include "loop.h"
#include "options.h"
#include "output.h"
#include "pipein.h"
#include "resume.h"
#include "template.h"

struct sched;
struct sched_host;
struct onall;

/* Whether the jobs waiting have a host to go to. */
enum sched_hosts {
	SCHED_HOSTS_OK,             /* one is ready or connecting, or none waits */
	SCHED_HOSTS_DOWN,           /* every usable host is down, reconnecting */
	SCHED_HOSTS_NONE,           /* no host can take them, ever */
};

/* What a run given up leaves unfinished. */
struct sched_left {
	unsigned long long left;    /* running, queued, and unread below */
	unsigned long long unread;  /* input records counted, not expanded nor
	                             * matched against --resume's joblog */
	bool input_all;             /* the input was read to its end */
};

/* How the scheduler reports to its owner (runctl.c), as an executor
 * reports to it (exec.h): the owner decides what the run does next. */
struct sched_report_ops {
	/* An attempt's joblog record: one that will run again as it ends,
	 * before its slot is reused; a final one only once output.c says its
	 * output is out. output_lost: that output was not whole (an ok
	 * attempt's record then says output_lost). */
	void (*record)(void *arg, const struct joblog_record *rec, bool output_lost);
	/* A job's final attempt ended (its output may still be held back):
	 * job_status is its exit code, 128+signal, or 1 when it never ran. */
	void (*job_ended)(void *arg, bool failed, int job_status);
	/* The hosts' state for the waiting jobs, after each round of
	 * starting jobs (so: often). */
	void (*hosts)(void *arg, enum sched_hosts st);
};

struct sched_deps {
	const struct pfan_opts *opts;
	struct loop *loop;
	struct template *tmpl;
	struct stage *stage;        /* remote jobs' files and --env (stage.h); NULL: none */
	struct input *input;
	struct pipein *pipe;        /* --pipe: blocks instead of input's records */
	const struct jsonjobs *json;   /* --json-jobs: objects instead of both */
	struct output *output;
	struct resume *resume;      /* NULL: not resuming */
	struct onall *onall;        /* NULL: not --onall nor --nonall */
	const struct sched_report_ops *report;
	void *report_arg;
};

/* The run's counts so far. */
struct sched_tally {
	unsigned long long ok, failed;  /* jobs whose final attempt ended */
	unsigned long long bad;         /* records that never became a job */
	unsigned long long total;       /* every job, once known (--shuf, --halt N%); else 0 */
	bool read_error;                /* an input source could not be read */
};

struct sched *sched_new(const struct sched_deps *deps);
/* A host with `slots` slots (0: not known until it is ready). ready: it can
 * take jobs now (local), else it waits for sched_host_ops.ready. */
struct sched_host *sched_add_host(struct sched *s, const char *name, unsigned slots, bool ready);
void sched_host_set_executor(struct sched_host *h, struct executor ex);
/* Where h's jobs run, for messages (copied; NULL: not known). */
void sched_host_set_dir(struct sched_host *h, const char *dir);
/* h's tags, from the hostfile (copied): a job pinned to a tag h carries
 * may run on h. */
void sched_host_set_tags(struct sched_host *h, char *const *tags, size_t ntags);
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
/* Runs every job to the end, or until sched_stop or sched_give_up, then
 * prints what output is held back. */
void sched_run(struct sched *s);
/* Start no new job; kill: cancel the running ones too (from the loop's
 * idle hook: never inside an executor's callback). */
void sched_stop(struct sched *s, bool kill);
size_t sched_running(const struct sched *s);
enum sched_hosts sched_hosts(const struct sched *s);
/* Why no host can take the jobs (SCHED_HOSTS_NONE), for the give-up
 * message: what to do when none had the working directory. */
const char *sched_why_no_host(const struct sched *s);
/* Start no new job, for good (no host left), and count what is left. */
void sched_give_up(struct sched *s, struct sched_left *l);
void sched_tally(const struct sched *s, struct sched_tally *t);
/* After sched_run: the end-of-run line naming the first failed jobs
 * ("60 jobs failed; first: job 1 on h0 exit 127, ..."), or NULL when
 * there is none to print (no failure, --quiet). The caller prints it once
 * the progress display is done, unless a signal or a closed stdout cut
 * the run short (runctl_cut_short), and frees it. */
char *sched_failure_line(const struct sched *s);
/* Frees the scheduler; the executors are their maker's to free, before. */
void sched_free(struct sched *s);

#endif
