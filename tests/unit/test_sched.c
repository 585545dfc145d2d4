/* test_sched.c: the scheduler against a fake executor. The fake "runs" a
 * job by a timer and ends it the way the test's outcome function says, so
 * the tests can check slot caps, host choice, retries, requeues on host
 * loss, --halt, and --resume skipping without spawning anything. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errors.h"
#include "halt.h"
#include "median.h"
#include "throttle.h"
#include "runfail.h"
#include "runctl.h"
#include "sched.h"
#include "xalloc.h"

#define MAX_HOSTS 4
#define MAX_RUNS 1000

struct run_rec {
	char cmd[64];
	int host;
	unsigned slot;
	struct exec_result result;
};

struct fake;

struct exec_task {
	struct fake *f;
	int host;
	void *job;
	const struct exec_job_ops *ops;
	struct loop_timer *timer;
	struct run_rec rec;
	bool cancelled;
};

struct fake_host {
	struct fake *f;
	int index;
	unsigned running, peak;
	bool slot_busy[64];
	bool slot_clash;
};

typedef struct exec_result outcome_fn(struct fake *f, const char *cmd, int host);

struct fake {
	struct loop *loop;
	struct fake_host hosts[MAX_HOSTS];
	struct run_rec runs[MAX_RUNS];
	size_t nruns;
	outcome_fn *outcome;
	double duration;
	const char *slow_cmd;     /* this one runs 100 times longer */
	int lost_once_host;       /* -1: none */
	bool lost_done;
};

static void
fake_finish(void *arg)
{
	struct exec_task *t = arg;
	struct fake_host *h = &t->f->hosts[t->host];
	struct fake *f = t->f;

	t->timer = NULL;
	t->ops->output(t->job, 1, t->rec.cmd, strlen(t->rec.cmd));
	t->ops->output(t->job, 1, "\n", 1);
	if (t->cancelled) {
		t->rec.result.end = EXEC_SIGNALED;
		t->rec.result.signal = 15;
	} else
		t->rec.result = f->outcome(f, t->rec.cmd, t->host);
	h->running--;
	h->slot_busy[t->rec.slot] = false;
	if (f->nruns < MAX_RUNS)
		f->runs[f->nruns++] = t->rec;
	t->ops->done(t->job, &t->rec.result);
	free(t);
}

static int
fake_start(void *impl, const struct exec_request *req, struct exec_task **out, char **cause)
{
	struct fake_host *h = impl;
	struct exec_task *t = xcalloc(1, sizeof *t);

	(void)cause;
	t->f = h->f;
	t->host = h->index;
	t->job = req->job;
	t->ops = req->ops;
	snprintf(t->rec.cmd, sizeof t->rec.cmd, "%s", req->cmd);
	t->rec.host = h->index;
	t->rec.slot = req->slot;
	if (h->slot_busy[req->slot])
		h->slot_clash = true;
	h->slot_busy[req->slot] = true;
	if (++h->running > h->peak)
		h->peak = h->running;
	t->timer = loop_timer_add(h->f->loop, h->f->duration *
	    (h->f->slow_cmd != NULL && strcmp(req->cmd, h->f->slow_cmd) == 0 ? 100 : 1),
	    fake_finish, t);
	*out = t;
	t->ops->started(t->job);
	return PFAN_OK;
}

static void
fake_cancel(void *impl, struct exec_task *t)
{
	(void)impl;
	t->cancelled = true;
	loop_timer_del(t->f->loop, t->timer);
	t->timer = loop_timer_add(t->f->loop, 0, fake_finish, t);
}

static void
fake_free(void *impl)
{
	(void)impl;
}

static const struct executor_ops fake_ops = { fake_start, fake_cancel, fake_free };

static struct exec_result
all_ok(struct fake *f, const char *cmd, int host)
{
	struct exec_result r = { .end = EXEC_EXITED, .exit_code = 0, .cause = NULL };
	(void)f; (void)cmd; (void)host;
	return r;
}

static struct exec_result
host0_fails(struct fake *f, const char *cmd, int host)
{
	struct exec_result r = { .end = EXEC_EXITED, .exit_code = host == 0 ? 127 : 0, .cause = NULL };
	(void)f; (void)cmd;
	return r;
}

static struct exec_result
host0_lost_once(struct fake *f, const char *cmd, int host)
{
	struct exec_result r = { .end = EXEC_EXITED, .exit_code = 0, .cause = NULL };
	(void)cmd;
	if (host == 0 && !f->lost_done) {
		r.end = EXEC_LOST;
		r.cause = "connection reset";
		f->lost_done = true;
	}
	return r;
}

static struct exec_result
all_127(struct fake *f, const char *cmd, int host)
{
	struct exec_result r = { .end = EXEC_EXITED, .exit_code = 127, .cause = NULL };
	(void)f; (void)cmd; (void)host;
	return r;
}

static struct exec_result
host0_exit1(struct fake *f, const char *cmd, int host)
{
	struct exec_result r = { .end = EXEC_EXITED, .exit_code = host == 0 ? 1 : 0, .cause = NULL };
	(void)f; (void)cmd;
	return r;
}

static struct exec_result
odd_fails(struct fake *f, const char *cmd, int host)
{
	struct exec_result r = { .end = EXEC_EXITED, .exit_code = 0, .cause = NULL };
	(void)f; (void)host;
	r.exit_code = atoi(cmd + strlen("job ")) % 2;
	return r;
}

struct world {
	struct pfan_opts o;
	struct input_source src;
	char *items[200];
	char itembuf[200][16];
	struct fake f;
	struct loop *loop;
	struct template *tmpl;
	struct input *input;
	struct output *out;
	struct joblog *joblog;
	struct resume *resume;
	struct sched *s;
	struct runctl *rc;
	char logpath[64];
};

static void
world_init(struct world *w, size_t njobs, outcome_fn *outcome)
{
	char *words[] = { "job", "{}" };
	struct output_config oc;
	char *cause = NULL;

	memset(w, 0, sizeof *w);
	for (size_t i = 0; i < njobs; i++) {
		snprintf(w->itembuf[i], sizeof w->itembuf[i], "%zu", i + 1);
		w->items[i] = w->itembuf[i];
	}
	w->src.kind = INPUT_LIST;
	w->src.items = w->items;
	w->src.nitems = njobs;
	w->o.input.sources = &w->src;
	w->o.input.nsources = 1;
	w->o.input.stdin_fd = -1;
	w->o.kill_grace = 0.1;
	w->o.host_wait = 1;
	w->loop = loop_new();
	w->f.loop = w->loop;
	w->f.outcome = outcome;
	w->f.duration = 0.002;
	assert_int_equal(template_parse(&w->tmpl, 2, words, 0, &cause), PFAN_OK);
	memset(&oc, 0, sizeof oc);
	oc.out_fd = open("/dev/null", O_WRONLY);
	oc.err_fd = oc.out_fd;
	assert_int_equal(output_new(&w->out, &oc, &cause), PFAN_OK);
	strcpy(w->logpath, "/tmp/test_sched.XXXXXX");
	int fd = mkstemp(w->logpath);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(joblog_open(&w->joblog, w->logpath, &cause), PFAN_OK);
}

static void
world_start(struct world *w)
{
	struct sched_deps d = {
		.opts = &w->o, .loop = w->loop, .tmpl = w->tmpl, .output = w->out,
		.resume = w->resume, .report = &runctl_report_ops,
	};
	char *cause = NULL;

	assert_int_equal(input_open(&w->input, &w->o.input, &cause), PFAN_OK);
	d.input = w->input;
	w->rc = runctl_new(&w->o, w->loop, w->out, w->joblog);
	d.report_arg = w->rc;
	w->s = sched_new(&d);
}

/* The run's exit status. */
static int
world_run(struct world *w)
{
	return runctl_run(w->rc, w->s);
}

static void
add_host(struct world *w, int index, const char *name, unsigned slots)
{
	struct sched_host *h = sched_add_host(w->s, name, slots, true);
	struct executor ex = { &fake_ops, &w->f.hosts[index] };

	w->f.hosts[index].f = &w->f;
	w->f.hosts[index].index = index;
	sched_host_set_executor(h, ex);
}

static void
world_free(struct world *w)
{
	sched_free(w->s);
	runctl_free(w->rc);
	joblog_close(w->joblog);
	output_free(w->out);
	input_free(w->input);
	template_free(w->tmpl);
	resume_free(w->resume);
	loop_free(w->loop);
	unlink(w->logpath);
}

/* A new output for the world: keep_order, and a memory limit (0: the
 * default) with its spill file in tmpdir (NULL: $TMPDIR). */
static void
world_output(struct world *w, bool keep_order, size_t mem_limit, const char *tmpdir)
{
	struct output_config oc;
	const char *old = getenv("TMPDIR");
	char *saved = old != NULL ? xstrdup(old) : NULL;
	char *cause = NULL;

	output_free(w->out);
	memset(&oc, 0, sizeof oc);
	oc.out_fd = open("/dev/null", O_WRONLY);
	oc.err_fd = oc.out_fd;
	oc.keep_order = keep_order;
	oc.mem_limit = mem_limit;
	w->o.keep_order = keep_order;
	if (tmpdir != NULL)
		setenv("TMPDIR", tmpdir, 1);
	assert_int_equal(output_new(&w->out, &oc, &cause), PFAN_OK);
	if (saved != NULL)
		setenv("TMPDIR", saved, 1);
	else
		unsetenv("TMPDIR");
	free(saved);
}

/* The joblog's text. */
static char *
joblog_text(const struct world *w)
{
	FILE *fp = fopen(w->logpath, "r");
	char *text = xcalloc(1, 1 << 16);

	assert_non_null(fp);
	assert_true(fread(text, 1, (1 << 16) - 1, fp) < (1 << 16) - 1);
	fclose(fp);
	return text;
}

static size_t
count_in(const char *text, const char *what)
{
	size_t n = 0;

	for (const char *p = text; (p = strstr(p, what)) != NULL; p++)
		n++;
	return n;
}

static size_t
count_runs(const struct world *w, int host, enum exec_end end, int code)
{
	size_t n = 0;
	for (size_t i = 0; i < w->f.nruns; i++)
		if ((host < 0 || w->f.runs[i].host == host) && w->f.runs[i].result.end == end &&
		    w->f.runs[i].result.exit_code == code)
			n++;
	return n;
}

static void
test_slots_are_a_hard_cap_and_all_get_filled(void **state)
{
	struct world w;

	(void)state;
	world_init(&w, 60, all_ok);
	world_start(&w);
	add_host(&w, 0, "a", 3);
	add_host(&w, 1, "b", 5);
	assert_int_equal(world_run(&w), 0);
	assert_int_equal(w.f.nruns, 60);
	assert_int_equal(w.f.hosts[0].peak, 3);
	assert_int_equal(w.f.hosts[1].peak, 5);
	assert_false(w.f.hosts[0].slot_clash);
	assert_false(w.f.hosts[1].slot_clash);
	world_free(&w);
}

static void
test_first_job_goes_to_the_host_with_most_free_slots(void **state)
{
	struct world w;

	(void)state;
	world_init(&w, 1, all_ok);
	world_start(&w);
	add_host(&w, 0, "small", 2);
	add_host(&w, 1, "big", 8);
	assert_int_equal(world_run(&w), 0);
	assert_int_equal(w.f.runs[0].host, 1);
	world_free(&w);
}

static void
test_retry_prefers_a_host_it_has_not_failed_on(void **state)
{
	struct world w;

	(void)state;
	world_init(&w, 20, host0_fails);
	w.o.retries = 2;   /* two attempts in all */
	world_start(&w);
	add_host(&w, 0, "broken", 4);
	add_host(&w, 1, "good", 1);
	assert_int_equal(world_run(&w), 0);
	/* Every job ended ok on the good host; no job failed twice. */
	assert_int_equal(count_runs(&w, 1, EXEC_EXITED, 0), 20);
	assert_int_equal(count_runs(&w, 0, EXEC_EXITED, 127), w.f.nruns - 20);
	world_free(&w);
}

/* The test: two hosts, the program missing on one (exit 127), no
 * --retries: every job ends ok on the other, and the broken host is
 * suspended rather than fed the queue. */
static void
test_program_missing_on_one_host(void **state)
{
	struct world w;

	(void)state;
	world_init(&w, 40, host0_fails);
	world_start(&w);
	add_host(&w, 0, "broken", 8);
	add_host(&w, 1, "good", 2);
	assert_int_equal(world_run(&w), 0);
	assert_int_equal(count_runs(&w, 1, EXEC_EXITED, 0), 40);
	/* Its 8 slots were filled before any verdict; then, suspect, it ran
	 * one job at a time, and none after the first success elsewhere:
	 * about 9 attempts, not the 32 that its share would be. */
	assert_true(count_runs(&w, 0, EXEC_EXITED, 127) <= 12);
	world_free(&w);
}

/* Exit 1 everywhere on one host while the other never fails: after 5 in a
 * row the host is suspended and those jobs rerun elsewhere uncharged. */
static void
test_failure_streak_suspends_a_host(void **state)
{
	struct world w;

	(void)state;
	world_init(&w, 60, host0_exit1);
	world_start(&w);
	add_host(&w, 0, "flaky", 1);
	add_host(&w, 1, "good", 1);
	int rc = world_run(&w);
	size_t bad = count_runs(&w, 0, EXEC_EXITED, 1);
	/* Until "good" had 5 successes, host 0's failures were the jobs'. */
	assert_true(bad >= 5);
	assert_true(bad < 15);
	assert_int_equal(count_runs(&w, 1, EXEC_EXITED, 0) + (size_t)rc, 60);
	world_free(&w);
}

/* The program missing everywhere: no host is suspended or paused for
 * good, every job ends failed (after trying each host), nothing hangs. */
static void
test_program_missing_everywhere(void **state)
{
	struct world w;

	(void)state;
	world_init(&w, 30, all_127);
	world_start(&w);
	add_host(&w, 0, "a", 4);
	add_host(&w, 1, "b", 2);
	/* Missing everywhere: after RUNFAIL_MISSING_LIMIT such jobs nothing
	 * more starts (those running finish); the status counts the failed. */
	int st = world_run(&w);
	assert_true(st >= RUNFAIL_MISSING_LIMIT);
	assert_true(st < 30);
	/* Each job tried on both hosts at most (no endless bouncing), and far
	 * fewer than the 30 jobs of the input were tried. */
	assert_true(w.f.nruns <= 2 * ((size_t)st + 6));
	assert_true(w.f.nruns < 30);
	world_free(&w);
}

/* One host only: exit 127 is the job's failure, nothing is suspended. */
static void
test_single_host_failures_are_the_jobs(void **state)
{
	struct world w;

	(void)state;
	world_init(&w, 6, host0_fails);
	world_start(&w);
	add_host(&w, 0, "only", 2);
	/* each attempt final (nothing rerun), and the missing program stops
	 * the run after RUNFAIL_MISSING_LIMIT of them (plus those running) */
	int st = world_run(&w);
	assert_true(st >= RUNFAIL_MISSING_LIMIT && st <= RUNFAIL_MISSING_LIMIT + 1);
	assert_int_equal(w.f.nruns, (size_t)st);
	world_free(&w);
}

static struct sched_host *lost_hosts[2];

static void
lose_both_hosts(void *arg)
{
	(void)arg;
	sched_host_ops.lost(lost_hosts[0], "connection refused", true);
	sched_host_ops.lost(lost_hosts[1], "connection refused", true);
}

/* Every host given up before any job ran: pfan stops at once with 255
 * instead of waiting for --host-wait. */
static void
test_no_host_left_is_pfans_error(void **state)
{
	struct world w;
	struct executor ex = { &fake_ops, NULL };

	(void)state;
	world_init(&w, 5, all_ok);
	w.o.host_wait = 3600;
	world_start(&w);
	for (int i = 0; i < 2; i++) {
		w.f.hosts[i].f = &w.f;
		w.f.hosts[i].index = i;
		ex.impl = &w.f.hosts[i];
		lost_hosts[i] = sched_add_host(w.s, i ? "b" : "a", 2, false);
		sched_host_set_executor(lost_hosts[i], ex);
	}
	loop_timer_add(w.loop, 0.01, lose_both_hosts, NULL);
	assert_int_equal(world_run(&w), 255);
	assert_int_equal(w.f.nruns, 0);
	world_free(&w);
}

static void
test_failures_count_in_the_exit_status(void **state)
{
	struct world w;

	(void)state;
	world_init(&w, 9, odd_fails);
	world_start(&w);
	add_host(&w, 0, "a", 2);
	assert_int_equal(world_run(&w), 5);
	world_free(&w);
}

static void
test_host_lost_requeues_without_using_a_retry(void **state)
{
	struct world w;

	(void)state;
	world_init(&w, 10, host0_lost_once);
	w.o.retries = 0;
	world_start(&w);
	add_host(&w, 0, "flaky", 2);
	add_host(&w, 1, "steady", 2);
	int rc = world_run(&w);
	assert_int_equal(rc, 0);
	/* 10 ok runs, plus one lost attempt per job host 0 got. */
	assert_int_equal(count_runs(&w, -1, EXEC_EXITED, 0), 10);
	assert_true(count_runs(&w, 0, EXEC_LOST, 0) >= 1);
	world_free(&w);
}

static void
test_halt_now_kills_the_running_jobs(void **state)
{
	struct world w;

	(void)state;
	world_init(&w, 50, odd_fails);
	w.o.halt_when = HALT_NOW;
	w.o.halt_count = 1;
	world_start(&w);
	add_host(&w, 0, "a", 4);
	int rc = world_run(&w);
	assert_true(rc >= 1);
	/* It stopped early: far from all 50 ran. */
	assert_true(w.f.nruns < 20);
	world_free(&w);
}

static void
test_resume_skips_jobs_the_joblog_has_done(void **state)
{
	struct world w;
	struct joblog_record rec;
	char *args[] = { "3" };
	char *cause = NULL;

	(void)state;
	world_init(&w, 5, all_ok);
	memset(&rec, 0, sizeof rec);
	rec.seq = 3;
	rec.attempt = 1;
	rec.host = "a";
	rec.slot = 1;
	rec.cmd = "job 3";
	rec.nargs = 1;
	rec.args = args;
	rec.exit_code = 0;
	rec.status = JOB_OK;
	assert_int_equal(joblog_append(w.joblog, &rec, &cause), PFAN_OK);
	assert_int_equal(resume_load(&w.resume, w.logpath, &cause), PFAN_OK);
	world_start(&w);
	add_host(&w, 0, "a", 2);
	assert_int_equal(world_run(&w), 0);
	assert_int_equal(w.f.nruns, 4);
	for (size_t i = 0; i < w.f.nruns; i++)
		assert_string_not_equal(w.f.runs[i].cmd, "job 3");
	world_free(&w);
}

/* With -k, jobs 2..6 end long before job 1, but their output waits for
 * it: their records are written only once it is printed, so the joblog
 * holds them in seq order, after job 1's. */
static void
test_keep_order_records_wait_for_the_output(void **state)
{
	struct world w;
	char *text, *p;

	(void)state;
	world_init(&w, 6, all_ok);
	world_output(&w, true, 0, NULL);
	w.f.slow_cmd = "job 1";
	world_start(&w);
	add_host(&w, 0, "a", 3);
	assert_int_equal(world_run(&w), 0);
	/* Started together, job 2's deadline is before job 1's. */
	assert_string_not_equal(w.f.runs[0].cmd, "job 1");
	text = joblog_text(&w);
	p = text;
	for (int i = 1; i <= 6; i++) {
		char want[32];
		snprintf(want, sizeof want, "\"seq\":%d,", i);
		assert_non_null(p = strstr(p, want));
	}
	assert_int_equal(count_in(text, "\"status\":\"ok\""), 6);
	free(text);
	world_free(&w);
}

/* Output that could not be kept (no spill file) is not ok: the record
 * says output_lost, a --resume runs the job again, and pfan exits 255. */
static void
test_lost_output_is_not_ok(void **state)
{
	struct world w;
	char *text;

	(void)state;
	world_init(&w, 4, all_ok);
	world_output(&w, false, 2, "/nonexistent/pfan-test");
	world_start(&w);
	add_host(&w, 0, "a", 2);
	assert_int_equal(world_run(&w), 255);
	text = joblog_text(&w);
	assert_int_equal(count_in(text, "\"status\":\"output_lost\""), 4);
	assert_int_equal(count_in(text, "\"status\":\"ok\""), 0);
	free(text);
	world_free(&w);
}

/* --halt soon,fail=2: nothing on a success, stop at the second failure
 * with the failed count as the status; fail=1 gives the job's status. */
static void
test_halt_counts(void **state)
{
	struct pfan_opts o;
	struct halt_state h;

	(void)state;
	memset(&o, 0, sizeof o);
	memset(&h, 0, sizeof h);
	o.halt_when = HALT_SOON;
	o.halt_what = HALT_FAIL;
	o.halt_count = 2;
	assert_false(halt_after_job(&o, &h, 1, 0, 0, false, 0));
	assert_false(halt_after_job(&o, &h, 1, 1, 0, true, 3));
	assert_true(halt_after_job(&o, &h, 1, 2, 0, true, 4));
	assert_int_equal(halt_exit_status(&o, &h, 2, 3), 2);
	memset(&h, 0, sizeof h);
	o.halt_count = 1;
	assert_true(halt_after_job(&o, &h, 0, 1, 0, true, 137));
	assert_int_equal(halt_exit_status(&o, &h, 1, 1), 137);
	/* success=: status 0; N% of 10 jobs, not reached: % of those ended. */
	memset(&h, 0, sizeof h);
	o.halt_what = HALT_SUCCESS;
	assert_true(halt_after_job(&o, &h, 1, 3, 0, false, 0));
	assert_int_equal(halt_exit_status(&o, &h, 3, 4), 0);
	memset(&h, 0, sizeof h);
	o.halt_what = HALT_FAIL;
	o.halt_count = 0;
	o.halt_pct = 0.2;
	assert_false(halt_after_job(&o, &h, 9, 1, 10, true, 2));
	assert_int_equal(halt_exit_status(&o, &h, 1, 10), 10);
	o.halt_when = HALT_NEVER;
	assert_int_equal(halt_exit_status(&o, &h, 1, 10), -1);
}

static void
test_median(void **state)
{
	struct median m;
	double v;

	(void)state;
	memset(&m, 0, sizeof m);
	assert_false(median_get(&m, &v));
	median_add(&m, 5);
	median_add(&m, 1);
	median_add(&m, 9);
	assert_true(median_get(&m, &v));
	assert_true(v == 5);
	/* Past one level: still near the middle of 1..1000. */
	memset(&m, 0, sizeof m);
	for (int i = 1; i <= 1000; i++)
		median_add(&m, i);
	assert_true(median_get(&m, &v));
	assert_true(v > 400 && v < 600);
}

static void
test_throttle_parsers(void **state)
{
	(void)state;
	assert_true(throttle_parse_meminfo("MemTotal: 100 kB\nMemFree: 5 kB\n"
	    "MemAvailable:    2048 kB\n") == 2048LL * 1024);
	assert_true(throttle_parse_meminfo("MemTotal: 100 kB\n") == -1);
	assert_true(throttle_parse_loadavg("1.50 0.80 0.40 1/100 42\n") == 1.5);
	assert_true(throttle_parse_loadavg("") == -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slots_are_a_hard_cap_and_all_get_filled),
		cmocka_unit_test(test_first_job_goes_to_the_host_with_most_free_slots),
		cmocka_unit_test(test_retry_prefers_a_host_it_has_not_failed_on),
		cmocka_unit_test(test_failures_count_in_the_exit_status),
		cmocka_unit_test(test_program_missing_on_one_host),
		cmocka_unit_test(test_no_host_left_is_pfans_error),
		cmocka_unit_test(test_failure_streak_suspends_a_host),
		cmocka_unit_test(test_single_host_failures_are_the_jobs),
		cmocka_unit_test(test_program_missing_everywhere),
		cmocka_unit_test(test_host_lost_requeues_without_using_a_retry),
		cmocka_unit_test(test_halt_counts),
		cmocka_unit_test(test_median),
		cmocka_unit_test(test_throttle_parsers),
		cmocka_unit_test(test_halt_now_kills_the_running_jobs),
		cmocka_unit_test(test_resume_skips_jobs_the_joblog_has_done),
		cmocka_unit_test(test_keep_order_records_wait_for_the_output),
		cmocka_unit_test(test_lost_output_is_not_ok),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
