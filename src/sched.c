/* sched.c: the job lifecycle.
 *
 * Theory of operation: jobs are made lazily. Each loop iteration the idle
 * hook fills free slots: first from the pending queue (retries and jobs whose
 * host was lost), then by pulling the next record from the input, so at most
 * one record is read ahead of a free slot and `seq 1e7 | pfan` runs in
 * bounded memory. A job goes to the ready host with the most free slots that
 * it has not failed on (any host when all of them have failed it), never
 * round-robin: a slow host never holds work a free slot could run. Its slot
 * is the lowest free one on that host ({%}). A job may be pinned to hosts
 * (retry.only: --onall's to one, a JSONL job's by its pin): it waits for
 * them, never run elsewhere, and when none can come back it is recorded
 * skipped (--onall) or no_host. A pinned job that cannot start waits in
 * the pending queue while the jobs behind it go to the free hosts.
 *
 * Job states: QUEUED (made, waiting for a slot) -> STARTING (given to an
 * executor, which may still be opening a channel) -> RUNNING -> DONE (the
 * executor reported the end: retried or requeued, its record written, or
 * final, recorded once printed). One setter checks every transition.
 *
 * Each ended attempt is reported to the owner's sched_report_ops
 * (runctl.c), which writes the joblog and decides what the run does:
 * --halt, signals, a closed stdout and the exit status are its; it stops
 * the scheduler with sched_stop. An attempt that will run again is
 * reported as it ends, before its slot is given to another job. A final
 * attempt's record waits in its job until output.c says the output is
 * written out (with -k, after the slower jobs before it): the joblog
 * never says a job is done whose output a SIGKILL could still lose.
 * Output lost on the way makes the record output_lost. At any normal
 * end, even Ctrl-C twice, sched_run prints what is held back, so those
 * records are reported too.
 */
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "fsm.h"
#include "log.h"
#include "jobfeed.h"
#include "onall.h"
#include "ptrset.h"
#include "runfail.h"
#include "sched.h"
#include "schedhost.h"
#include "schedjob.h"
#include "stage.h"
#include "throttle.h"
#include "timeouts.h"
#include "xalloc.h"

struct sched {
	const struct pfan_opts *o;
	struct loop *loop;
	struct template *tmpl;
	struct jobfeed *feed;
	struct onall *onall;       /* --onall, --nonall: jobs pinned to hosts */
	struct output *out;
	const struct sched_report_ops *report;
	void *report_arg;

	struct sched_host **hosts;
	size_t nhosts;
	struct job *pending, *pending_tail;
	struct ptrset running;     /* struct job *: for cancel-all */

	unsigned long long nok, nfailed;
	bool input_eof;
	bool stopping;             /* start nothing new */
	bool killing;              /* and cancel what runs */
	struct buf cmdbuf, envbuf;
	struct stage *stage;       /* remote jobs' files and --env; NULL: none */
	struct throttle *thr;
	struct timeouts *timeouts;
	struct runfail *rf;        /* failed jobs: the missing command, the summary */
	const struct sched_observer *obs;   /* NULL: no one watches */
	void *obs_arg;
	unsigned long long nmade;  /* jobs made from the input */
};

/* Tells the observer, if there is one and it wants to know. */
#define OBSERVE(s, fn, ...) do { \
	if ((s)->obs != NULL && (s)->obs->fn != NULL) \
		(s)->obs->fn((s)->obs_arg, __VA_ARGS__); \
} while (0)

static const struct exec_job_ops job_ops;

static void
pending_push(struct sched *s, struct job *j, bool front)
{
	if (front) {
		j->next = s->pending;
		s->pending = j;
		if (s->pending_tail == NULL)
			s->pending_tail = j;
		return;
	}
	j->next = NULL;
	if (s->pending_tail != NULL)
		s->pending_tail->next = j;
	else
		s->pending = j;
	s->pending_tail = j;
}

static void
pending_unlink(struct sched *s, struct job *prev, struct job *j)
{
	if (prev != NULL)
		prev->next = j->next;
	else
		s->pending = j->next;
	if (s->pending_tail == j)
		s->pending_tail = prev;
	j->next = NULL;
}

/* Every record goes to the observer (with or without a joblog) and to
 * the owner. */
static void
report_record(struct sched *s, const struct joblog_record *rec, bool output_lost)
{
	OBSERVE(s, recorded, rec);
	s->report->record(s->report_arg, rec, output_lost);
}

static void
kill_all(struct sched *s)
{
	for (size_t i = 0; i < s->running.n; i++) {
		struct job *j = s->running.v[i];
		if (j->killed || j->task == NULL)
			continue;
		j->killed = true;
		j->host->ex.ops->cancel(j->host->ex.impl, j->task);
	}
}

/* A final attempt's output is out: only now may the joblog say so. */
static void
on_output_done(void *arg, bool whole)
{
	struct job *j = arg;
	struct sched *s = j->host->s;

	/* Lost output: the job is not done, a --resume runs it again. */
	if (!whole && j->rec.status == JOB_OK) {
		j->rec.status = JOB_OUTPUT_LOST;
		s->nok--;
	}
	report_record(s, &j->rec, !whole);
	job_free(j);
}

/* Back to the queue (its record written), or count and print. */
static void
job_settle(struct sched *s, struct job *j, enum job_status st, enum retry_step step)
{
	if (step != RETRY_FINAL) {
		output_job_discard(j->out);
		j->out = NULL;
		j->timed_out = j->killed = j->requeue = false;
		buf_reset(&j->head);
		j->host = NULL;
		if (j->block != NULL)
			pipein_block_hold(j->block);
		job_set_state(j, JOB_QUEUED);
		pending_push(s, j, true);
		return;
	}
	int job_status = j->rec.exit_code >= 0 ? j->rec.exit_code :
	    j->rec.signal > 0 ? 128 + j->rec.signal : 1;
	if (st == JOB_OK)
		s->nok++;
	else {
		s->nfailed++;
		struct runfail_job rj = { j->seq, j->rec.host != NULL ? j->rec.host :
		    "no host", j->host->dir, j->cmd, st, j->rec.exit_code, j->rec.signal };
		if (runfail_add(s->rf, &rj, s->nok > 0 || s->onall != NULL))
			s->stopping = true;
	}
	/* Its block is fed no more: not kept while -k holds its output back
	 * (a slow first block would keep every later one in memory). */
	pipein_block_free(j->block);
	j->block = NULL;
	/* Records and frees j, now or once its output's turn comes. */
	struct output_job_end e = { j->rec.start, j->rec.runtime,
	    j->rec.exit_code, j->rec.signal };
	output_job_ended(j->out, &e);
	output_job_finish(j->out, on_output_done, j);
	s->report->job_ended(s->report_arg, st != JOB_OK, job_status);
}

static void
on_job_done(void *arg, const struct exec_result *r)
{
	struct job *j = arg;
	struct sched_host *h = j->host;
	struct sched *s = h->s;
	struct retry_end e = { r, j->timed_out, j->killed, j->requeue };
	enum job_status st;
	double runtime = j->start_mono > 0 ? mono_now() - j->start_mono : 0;
	enum retry_step step;

	j->task = NULL;
	timeouts_disarm(s->timeouts, &j->timeout);
	if (r->cause != NULL && r->end != EXEC_NO_WORKDIR)   /* said per host */
		log_error("job %llu on %s: %s", j->seq, h->name, r->cause);
	st = retry_status(&j->retry, h, &e);
	if (st == JOB_NO_STATUS)
		log_error("job %llu on %s: ended without an exit status %u times "
		    "(its wrapper or connection killed?); recorded no_status, not "
		    "run again", j->seq, h->name, j->retry.no_status);
	job_set_state(j, JOB_DONE);
	if (st == JOB_OK)
		timeouts_success(s->timeouts, runtime);
	step = retry_next(&j->retry, s->hosts, s->nhosts, h, st, &e, s->stopping,
	    j->json != NULL && j->json->retries >= 0 ? (unsigned)j->json->retries :
	    s->o->retries);
	job_fill_record(j, st, r, runtime, step != RETRY_FINAL);
	if (step != RETRY_FINAL)
		report_record(s, &j->rec, false);
	schedhost_release_slot(h, j->slot);
	ptrset_del(&s->running, j);
	OBSERVE(s, ended, h->name, runtime);
	job_settle(s, j, st, step);
}

static void
on_job_timeout(void *arg)
{
	struct job *j = arg;

	if (j->task == NULL || j->killed)
		return;
	j->timed_out = true;
	j->host->ex.ops->cancel(j->host->ex.impl, j->task);
}

static void
on_job_started(void *arg)
{
	struct job *j = arg;
	struct sched *s = j->host->s;

	j->start_wall = wall_now();
	j->start_mono = mono_now();
	/* --delay counts from here too: a start that took a while to happen
	 * pushes the next one back, so the joblog's starts are the delay apart
	 * however busy the machine is. */
	throttle_started(s->thr);
	job_set_state(j, JOB_RUNNING);
	if (j->json != NULL && j->json->timeout >= 0) {
		j->timeout.own = true;
		j->timeout.own_limit = j->json->timeout;
	}
	timeouts_arm(s->timeouts, &j->timeout, j->start_mono, on_job_timeout, j);
}

static void
on_job_output(void *arg, int stream, const char *data, size_t len)
{
	struct job *j = arg;

	/* output.c reports a failing spill or results file itself, once per
	 * stream; the job goes on either way. */
	(void)output_job_data(j->out, stream, data, len);
	/* One byte past the limit: enough to know it was passed. */
	if (stream == 1 && j->json != NULL && j->host->s->o->json_results != NULL &&
	    j->head.len <= JOBLOG_STDOUT_HEAD)
		buf_add(&j->head, data, len < JOBLOG_STDOUT_HEAD + 1 - j->head.len ?
		    len : JOBLOG_STDOUT_HEAD + 1 - j->head.len);
}

static const struct exec_job_ops job_ops = {
	.started = on_job_started,
	.output = on_job_output,
	.done = on_job_done,
};

static void
start_job(struct sched *s, struct job *j, struct sched_host *h)
{
	struct template_ctx ctx = { onall_record_seq(s->onall, j->seq), 0, NULL };
	struct exec_request req = { 0 };
	char *cause = NULL;
	const char *cmd = j->cmd;
	unsigned slot;

	throttle_started(s->thr);
	slot = schedhost_take_slot(h);
	j->host = h;
	j->retry.host_oks = h->oks;
	j->slot = slot;
	j->attempt++;
	j->start_wall = j->start_mono = 0;
	ptrset_add(&s->running, j);
	job_set_state(j, JOB_STARTING);
	OBSERVE(s, started, h->name, slot, h->slots);
	if (template_per_slot(s->tmpl)) {
		ctx.slot = slot;
		ctx.host = h->name;
		buf_reset(&s->cmdbuf);
		if (template_expand(s->tmpl, &j->args, &ctx, &s->cmdbuf, &cause) == PFAN_OK)
			cmd = buf_cstr(&s->cmdbuf);
	}
	struct output_job_desc od = { j->seq, &j->args, cmd, slot, h->name };
	j->out = output_job_start(s->out, &od);
	if (cause != NULL)
		goto failed;
	if (s->stage != NULL && !h->local && stage_remote(s->stage, &cmd, &s->envbuf,
	    &j->args, &ctx, &req.stage, &cause) != PFAN_OK)
		goto failed;
	req.cmd = cmd;
	req.seq = j->seq;
	req.slot = slot;
	req.host = h->name;
	req.nice = s->o->nice;
	req.job = j;
	req.ops = &job_ops;
	req.in = j->block != NULL ? pipein_block_stdin(j->block) : NULL;
	if (h->ex.ops->start(h->ex.impl, &req, &j->task, &cause) == PFAN_OK)
		return;
failed:;
	/* Never ran: recorded as failed with no exit status; retried like any
	 * failure (another host may manage). */
	struct exec_result r = { .end = EXEC_START_FAILED, .cause = cause };
	j->task = NULL;
	on_job_done(j, &r);
	free(cause);
}

/* The next job from the input, or NULL (end, or nothing readable yet). */
static struct job *
next_fresh_job(struct sched *s)
{
	struct jobfeed_item it = { 0 };
	struct job *j;
	struct host_set only = { NULL, 0 };
	int rc = s->onall != NULL ? onall_next(s->onall, s->feed, s->nhosts, &it, &only) :
	    jobfeed_next(s->feed, &it);

	if (rc == PFAN_EOF) {
		s->input_eof = true;
		OBSERVE(s, total, s->nmade);
	}
	if (rc != PFAN_OK)
		return NULL;
	s->nmade++;
	j = job_new(&it, only);
	schedhost_pin(s->hosts, s->nhosts, &it.pin, &j->retry.only);
	pin_free(&it.pin);
	return j;
}

/* Jobs only given-up hosts could run are final, never run elsewhere:
 * --onall's skipped (with no host left, those not made yet too), pinned
 * ones no_host, under the first host they waited for (none: the pin
 * matched no host of the run). */
static void
strand_pending(struct sched *s)
{
	struct job *j, *prev = NULL, *next;

	while (s->onall != NULL && !s->input_eof &&
	    !schedhost_any_usable(s->hosts, s->nhosts) && (j = next_fresh_job(s)) != NULL)
		pending_push(s, j, false);
	for (j = s->pending; j != NULL; j = next) {
		next = j->next;
		if (j->retry.only.n > 0 &&
		    !schedhost_any_usable_in(s->hosts, s->nhosts, &j->retry.only)) {
			enum job_status st = s->onall != NULL ? JOB_SKIPPED : JOB_NO_HOST;
			size_t first = j->retry.only.v[0];
			pending_unlink(s, prev, j);
			j->host = s->hosts[first < s->nhosts ? first : 0];
			j->attempt++;
			output_seq_skip(s->out, j->seq);
			job_fill_record(j, st, NULL, 0, false);
			if (first >= s->nhosts)
				j->rec.host = NULL;
			job_settle(s, j, st, RETRY_FINAL);
		} else
			prev = j;
	}
}

static void
check_finished(struct sched *s)
{
	if (s->running.n > 0)
		return;
	if (s->stopping || (s->input_eof && s->pending == NULL))
		loop_stop(s->loop);
}

/* --load holds this machine's hosts; --memfree below half kills the
 * youngest running job, to run it again later (GNU parallel's rules). */
static void
throttle_hosts(struct sched *s)
{
	bool local_ok = throttle_local_ok(s->thr);
	struct job *youngest = NULL;

	for (size_t i = 0; i < s->nhosts; i++)
		s->hosts[i]->held = s->hosts[i]->local && !local_ok;
	if (s->stopping || !throttle_memory_critical(s->thr))
		return;
	for (size_t i = 0; i < s->running.n; i++) {
		struct job *j = s->running.v[i];
		if (j->task != NULL && !j->killed &&
		    (youngest == NULL || j->start_mono > youngest->start_mono))
			youngest = j;
	}
	if (youngest == NULL)
		return;
	log_warn("--memfree: less than half of %llu bytes free; killing job %llu to run "
	    "it again later", s->o->memfree, youngest->seq);
	youngest->killed = youngest->requeue = true;
	youngest->host->ex.ops->cancel(youngest->host->ex.impl, youngest->task);
}

/* The idle hook: fill every free slot we can. Once a walk of the pending
 * queue found no job to start, it is not walked again in this round while
 * its head is the same and every start succeeds (slots are only taken):
 * else reading N jobs pinned to a busy host walked the queue N times. */
static void
dispatch(void *arg)
{
	struct sched *s = arg;
	struct job *stuck = NULL;   /* the head of a queue found stuck */

	/* Here, not in sched_stop: that may run inside an executor's
	 * callback (a closed stdout is found writing a job's output), where
	 * cancelling its own task is not safe. */
	if (s->killing)
		kill_all(s);
	schedhost_review(s->hosts, s->nhosts);
	throttle_hosts(s);
	strand_pending(s);
	while (!s->stopping && schedhost_any_free(s->hosts, s->nhosts) &&
	    (s->pending != NULL || !s->input_eof) && throttle_may_start(s->thr)) {
		struct job *prev = NULL, *j = stuck != s->pending ? s->pending : NULL;
		struct sched_host *h = NULL;
		size_t running = s->running.n;

		for (; j != NULL; prev = j, j = j->next)
			if ((h = schedhost_pick(s->hosts, s->nhosts, &j->retry.failed_on,
			    &j->retry.only)) != NULL)
				break;
		if (j != NULL) {
			pending_unlink(s, prev, j);
			start_job(s, j, h);
			stuck = s->running.n > running ? stuck : NULL;   /* a slot came back */
			continue;
		}
		stuck = s->pending;
		if (s->input_eof || (j = next_fresh_job(s)) == NULL)
			break;
		if ((h = schedhost_pick(s->hosts, s->nhosts, &j->retry.failed_on,
		    &j->retry.only)) == NULL) {
			pending_push(s, j, false);
			if (j->retry.only.n > 0)
				continue;   /* its host is busy; another may be free */
			break;
		}
		start_job(s, j, h);
		stuck = s->running.n > running ? stuck : NULL;
	}
	s->report->hosts(s->report_arg, sched_hosts(s));
	check_finished(s);
}

struct sched *
sched_new(const struct sched_deps *d)
{
	struct sched *s = xcalloc(1, sizeof *s);

	s->o = d->opts;
	s->loop = d->loop;
	s->tmpl = d->tmpl;
	s->stage = d->stage;
	s->out = d->output;
	s->report = d->report;
	s->report_arg = d->report_arg;
	s->onall = d->onall;   /* which numbers the jobs: not the records' seqs */
	s->feed = jobfeed_new(d->opts, d->loop, d->tmpl, d->input, d->pipe, d->json,
	    d->onall != NULL ? NULL : d->output, d->resume);
	s->thr = throttle_new(d->opts, d->loop);
	s->timeouts = timeouts_new(d->loop, d->opts->timeout, d->opts->timeout_pct);
	s->rf = runfail_new();
	buf_init(&s->cmdbuf);
	buf_init(&s->envbuf);
	return s;
}

struct sched_host *
sched_add_host(struct sched *s, const char *name, unsigned slots, bool ready)
{
	struct sched_host *h = schedhost_new(s, name, slots, ready, s->nhosts);

	h->local = ready;   /* only this machine's hosts are ready at once */

	s->hosts = xreallocarray(s->hosts, s->nhosts + 1, sizeof *s->hosts);
	s->hosts[s->nhosts++] = h;
	return h;
}

void
sched_observe(struct sched *s, const struct sched_observer *obs, void *arg)
{
	s->obs = obs;
	s->obs_arg = arg;
}

void
sched_host_set_executor(struct sched_host *h, struct executor ex)
{
	h->ex = ex;
}

void
sched_host_set_dir(struct sched_host *h, const char *dir)
{
	free(h->dir);
	h->dir = dir != NULL ? xstrdup(dir) : NULL;
}

void
sched_host_set_tags(struct sched_host *h, char *const *tags, size_t ntags)
{
	schedhost_set_tags(h, tags, ntags);
}

void
sched_run(struct sched *s)
{
	for (size_t i = 0; s->o->dry_run && i < s->nhosts; i++)
		jobfeed_dry_run_host(s->feed, s->hosts[i]->name, s->hosts[i]->slots);
	loop_set_idle(s->loop, dispatch, s);
	loop_run(s->loop);
	loop_set_idle(s->loop, NULL, NULL);
	output_flush(s->out);
	if (jobfeed_skipped(s->feed) > 0)
		log_debug("--resume: skipped %llu finished jobs", jobfeed_skipped(s->feed));
}

void
sched_stop(struct sched *s, bool kill)
{
	s->stopping = true;
	s->killing = s->killing || kill;
}

size_t
sched_running(const struct sched *s)
{
	return s->running.n;
}

/* Hosts only down (reconnecting) may come back; when none can, there is
 * nothing to wait for. */
enum sched_hosts
sched_hosts(const struct sched *s)
{
	if (s->stopping || (s->input_eof && s->pending == NULL) ||
	    schedhost_any_in(s->hosts, s->nhosts, HOST_READY) ||
	    schedhost_any_in(s->hosts, s->nhosts, HOST_CONNECTING))
		return SCHED_HOSTS_OK;
	return schedhost_any_usable(s->hosts, s->nhosts) ? SCHED_HOSTS_DOWN :
	    SCHED_HOSTS_NONE;
}

/* How far a give-up counts ahead what is left: input is lazy and may be
 * endless. Records are only counted, not expanded into jobs. */
#define COUNT_AHEAD 10000000ULL

/* The joblog is complete: every attempt pfan saw end is in it. What is
 * left is what ran, waits, and the input still holds. */
void
sched_give_up(struct sched *s, struct sched_left *l)
{
	l->left = s->running.n;
	l->unread = 0;
	l->input_all = true;
	for (struct job *j = s->pending; j != NULL; j = j->next)
		l->left++;
	if (!s->input_eof)
		l->unread = jobfeed_count_rest(s->feed, COUNT_AHEAD, &l->input_all);
	if (l->input_all)
		s->input_eof = true;
	l->left += l->unread;
	s->stopping = true;
}

void
sched_tally(const struct sched *s, struct sched_tally *t)
{
	t->ok = s->nok;
	t->failed = s->nfailed;
	t->bad = jobfeed_failed(s->feed);
	t->total = jobfeed_total(s->feed);
	t->read_error = jobfeed_read_error(s->feed);
}

const char *
sched_why_no_host(const struct sched *s)
{
	return schedhost_why_none(s->hosts, s->nhosts);
}

char *
sched_failure_line(const struct sched *s)
{
	if (log_verbosity() == 0)
		return NULL;
	/* records that never became a job count as failed, as in the status */
	return runfail_summary(s->rf, s->nfailed + jobfeed_failed(s->feed));
}

void
sched_free(struct sched *s)
{
	if (s == NULL)
		return;
	/* Jobs held back by -k are ours until printed (normally done by
	 * sched_run already). */
	output_flush(s->out);
	for (size_t i = 0; i < s->nhosts; i++)
		schedhost_free(s->hosts[i]);
	while (s->pending != NULL) {
		struct job *j = s->pending;
		s->pending = j->next;
		job_free(j);
	}
	timeouts_free(s->timeouts);    /* before the jobs it points into */
	for (size_t i = 0; i < s->running.n; i++)
		job_free(s->running.v[i]);
	jobfeed_free(s->feed);
	throttle_free(s->thr);
	runfail_free(s->rf);
	ptrset_free(&s->running);
	free(s->hosts);
	buf_free(&s->cmdbuf);
	buf_free(&s->envbuf);
	free(s);
}
