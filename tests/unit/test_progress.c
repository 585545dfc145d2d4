/* test_progress.c: the ETA and the progress lines (progress_fmt.c). The
 * ETA is checked against simulated runs of known job lengths: jobs go to
 * the first free slot in input order, as the scheduler gives them; a
 * quarter of the way through, the estimate must be within 20% of the
 * time the simulated run really had left. No clock is read. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "progress_fmt.h"
#include "report.h"
#include "runlog.h"

struct sim {
	double *start, *end;
	double makespan;
};

/* Lengths in input order onto `slots` slots, each job to the slot free
 * first. */
static void
simulate(const double *len, size_t n, unsigned slots, struct sim *s)
{
	double *free_at = calloc(slots, sizeof *free_at);

	s->start = calloc(n, sizeof *s->start);
	s->end = calloc(n, sizeof *s->end);
	s->makespan = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned k = 0;
		for (unsigned j = 1; j < slots; j++)
			if (free_at[j] < free_at[k])
				k = j;
		s->start[i] = free_at[k];
		s->end[i] = free_at[k] = s->start[i] + len[i];
		if (s->end[i] > s->makespan)
			s->makespan = s->end[i];
	}
	free(free_at);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* What progress.c would know at time t of the simulated run. */
static struct eta_in
seen_at(const double *len, size_t n, unsigned slots, const struct sim *s, double t)
{
	struct eta_in e = { .total = n, .slots = slots };

	for (size_t i = 0; i < n; i++) {
		if (s->end[i] <= t) {
			e.done++;
			e.ended++;
			e.sum_runtime += len[i];
		} else if (s->start[i] <= t) {
			e.running++;
			e.sum_age += t - s->start[i];
		}
	}
	return e;
}

/* The ETA a quarter of the way (by jobs done) against the truth. */
static void
check_quarter(const double *len, size_t n, unsigned slots)
{
	struct sim s;
	double *ends = calloc(n, sizeof *ends), t, eta, truth;
	struct eta_in e;

	simulate(len, n, slots, &s);
	memcpy(ends, s.end, n * sizeof *ends);
	qsort(ends, n, sizeof *ends, cmp_double);
	t = ends[n / 4 - 1];
	e = seen_at(len, n, slots, &s, t);
	eta = progress_eta(&e);
	truth = s.makespan - t;
	print_message("%zu jobs on %u slots: at %.1f s of %.1f, ETA %.1f s, truth %.1f s\n",
	    n, slots, t, s.makespan, eta, truth);
	assert_true(eta >= 0);
	assert_true(fabs(eta - truth) <= 0.2 * truth);
	free(ends);
	free(s.start);
	free(s.end);
}

/* A fixed pseudo-random sequence in [0, 1): the same run every time. */
static double
lcg(uint32_t *x)
{
	*x = *x * 1664525u + 1013904223u;
	return (double)(*x >> 8) / (double)(1u << 24);
}

static void
test_eta_equal_jobs(void **state)
{
	double len[400];

	(void)state;
	for (size_t i = 0; i < 400; i++)
		len[i] = 2.0;
	check_quarter(len, 400, 8);
	check_quarter(len, 400, 7);     /* a last round not full */
}

static void
test_eta_uniform_jobs(void **state)
{
	double len[1000];
	uint32_t x = 17;

	(void)state;
	for (size_t i = 0; i < 1000; i++)
		len[i] = 1 + 9 * lcg(&x);
	check_quarter(len, 1000, 12);
	check_quarter(len, 200, 4);
}

static void
test_eta_mixed_short_and_long(void **state)
{
	double len[1000];
	uint32_t x = 5;

	(void)state;
	/* One job in ten takes 20 times as long, at random places. */
	for (size_t i = 0; i < 1000; i++)
		len[i] = lcg(&x) < 0.1 ? 20 : 1;
	check_quarter(len, 1000, 16);
}

static void
test_eta_unknown_until_enough(void **state)
{
	struct eta_in e = { .total = 0, .done = 50, .ended = 50, .sum_runtime = 50,
	    .slots = 4 };

	(void)state;
	assert_true(progress_eta(&e) < 0);              /* total not known */
	e.total = 100;
	assert_true(progress_eta(&e) >= 0);
	e.ended = ETA_MIN_ENDED - 1;
	assert_true(progress_eta(&e) < 0);              /* too few runtimes */
	e.ended = 50;
	e.slots = 0;
	assert_true(progress_eta(&e) < 0);
	e.slots = 4;
	e.done = 100;
	assert_true(progress_eta(&e) == 0);             /* all done */
}

static void
test_bar_line(void **state)
{
	struct buf b = BUF_INIT;
	struct bar_in in = { { .total = 0, .done = 12, .running = 4 }, 1, 3.0 };
	char d[16];

	(void)state;
	progress_fmt_bar(&b, &in, 80, 1);
	/* No total yet: no graphic, done and "?". */
	assert_string_equal(buf_cstr(&b), "12/? run 4 fail 1 3.0/s ETA ?");
	buf_reset(&b);
	in.eta = (struct eta_in){ .total = 20, .done = 20, .ended = 20,
	    .sum_runtime = 20, .slots = 4 };
	progress_fmt_bar(&b, &in, 60, 1);
	assert_true(b.len <= 60);
	assert_non_null(strstr(buf_cstr(&b), "20/20 100% run 0 fail 1 3.0/s ETA 0s"));
	assert_true(buf_cstr(&b)[0] == '[');
	assert_null(strchr(buf_cstr(&b), '>'));         /* full */
	buf_reset(&b);
	progress_fmt_bar(&b, &in, 0, 0);                /* not a terminal */
	assert_string_equal(buf_cstr(&b), "20/20 100% run 0 fail 1 3.0/s ETA 0s");
	buf_reset(&b);
	progress_fmt_bar(&b, &in, 12, 1);               /* too narrow: cut */
	assert_int_equal(b.len, 12);
	buf_free(&b);
	assert_string_equal(progress_fmt_dur(d, sizeof d, 245), "4m05s");
	assert_string_equal(progress_fmt_dur(d, sizeof d, 7380), "2h03m");
	assert_string_equal(progress_fmt_dur(d, sizeof d, -1), "?");
}

static void
test_eta_line(void **state)
{
	struct buf b = BUF_INIT;
	struct eta_in e = { .total = 100, .done = 12, .ended = 12, .sum_runtime = 6,
	    .slots = 4 };

	(void)state;
	progress_fmt_eta(&b, &e);
	/* 88 left at 0.5 s on 4 slots: 11 s. */
	assert_string_equal(buf_cstr(&b), "ETA: 11s Left: 88 AVG: 0.50s");
	buf_free(&b);
}

/* The end-of-run summary from live records: 100 hosts that look alike
 * fold into one line, a host that fails everything stays visible, and
 * the whole fits on one screen. */
static void
test_live_summary_folds_hosts(void **state)
{
	struct runlog_live *lv = runlog_live_new();
	struct runlog *rl;
	char name[16], *text = NULL, *p;
	size_t len = 0, lines = 0;
	FILE *fp;

	(void)state;
	for (unsigned long long seq = 1; seq <= 1000; seq++) {
		unsigned h = (unsigned)(seq % 100) + 1;
		snprintf(name, sizeof name, "node%03u", h);
		struct joblog_record r = { .seq = seq, .attempt = 1, .host = name,
		    .slot = (unsigned)(seq / 100 % 4) + 1, .cmd = "true", .start = 1000 + (double)seq / 10,
		    .runtime = 2, .exit_code = h == 42 ? 1 : 0,
		    .status = h == 42 ? JOB_FAILED : JOB_OK, .will_retry = h == 42 };
		runlog_live_add(lv, &r);
		if (h == 42) {
			r.attempt = 2;
			r.host = "node001";
			r.exit_code = 0;
			r.status = JOB_OK;
			r.will_retry = false;
			runlog_live_add(lv, &r);
		}
	}
	rl = runlog_live_end(lv);
	fp = open_memstream(&text, &len);
	report_body(fp, rl, REPORT_FOLD_OVER);
	fclose(fp);
	print_message("%s", text);
	for (p = text; *p != '\0'; p++)
		lines += *p == '\n';
	assert_true(lines <= 24);
	assert_non_null(strstr(text, "jobs      1000: 1000 ok, 0 failed, 0 timed out\n"));
	assert_non_null(strstr(text, "attempts  1010: 0 lost and rerun, 10 retried\n"));
	assert_non_null(strstr(text, "on 400 slots of 100 hosts\n"));
	assert_non_null(strstr(text, "\nnode[001-041,043-100] (99) "));
	assert_non_null(strstr(text, "\nnode042 "));
	free(text);
	runlog_free(rl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eta_equal_jobs),
		cmocka_unit_test(test_eta_uniform_jobs),
		cmocka_unit_test(test_eta_mixed_short_and_long),
		cmocka_unit_test(test_eta_unknown_until_enough),
		cmocka_unit_test(test_bar_line),
		cmocka_unit_test(test_eta_line),
		cmocka_unit_test(test_live_summary_folds_hosts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
