/* test_runfail.c: when a missing command stops the run, and the end-of-run
 * line naming the first failed jobs (runfail.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>

#include "log.h"
#include "runfail.h"

static struct runfail_job
job(unsigned long long seq, const char *host, int code)
{
	struct runfail_job j = { seq, host, "/data/run", "./think 1 20", JOB_FAILED, code, 0 };
	return j;
}

static void
test_missing_stops_at_limit(void **state)
{
	struct runfail *rf = runfail_new();
	unsigned i;

	(void)state;
	log_set_verbosity(0);
	for (i = 1; i < RUNFAIL_MISSING_LIMIT; i++) {
		struct runfail_job j = job(i, "h0", 127);
		assert_false(runfail_add(rf, &j, false));
	}
	struct runfail_job j = job(i, "h1", 126);
	assert_true(runfail_add(rf, &j, false));
	/* said once */
	j.seq++;
	assert_false(runfail_add(rf, &j, false));
	runfail_free(rf);
}

static void
test_success_anywhere_means_the_jobs_fault(void **state)
{
	struct runfail *rf = runfail_new();

	(void)state;
	for (unsigned i = 1; i <= 2 * RUNFAIL_MISSING_LIMIT; i++) {
		struct runfail_job j = job(i, "h0", 127);
		assert_false(runfail_add(rf, &j, true));
	}
	/* other failures never count */
	struct runfail *rf2 = runfail_new();
	for (unsigned i = 1; i <= 2 * RUNFAIL_MISSING_LIMIT; i++) {
		struct runfail_job j = job(i, "h0", 1);
		assert_false(runfail_add(rf2, &j, false));
	}
	runfail_free(rf);
	runfail_free(rf2);
}

static void
test_summary(void **state)
{
	struct runfail *rf = runfail_new();
	struct runfail_job a = job(4, "h0", 127), b = job(2, "h1", -1), c = job(9, "h0", 3),
	    d = job(1, "h2", 5);
	char *s;

	(void)state;
	b.signal = 9;
	assert_null(runfail_summary(rf, 0));
	assert_null(runfail_summary(rf, 2));   /* none ran: said already */
	struct runfail_job never = job(7, "h0", -1);
	runfail_add(rf, &never, true);
	assert_null(runfail_summary(rf, 1));
	runfail_free(rf);
	rf = runfail_new();
	runfail_add(rf, &a, true);
	s = runfail_summary(rf, 1);
	assert_string_equal(s, "1 job failed; first: job 4 on h0 exit 127");
	free(s);
	runfail_add(rf, &b, true);
	runfail_add(rf, &c, true);
	runfail_add(rf, &d, true);
	s = runfail_summary(rf, 60);
	assert_string_equal(s, "60 jobs failed; first: job 4 on h0 exit 127, "
	    "job 2 on h1 signal 9, job 9 on h0 exit 3");
	free(s);
	runfail_free(rf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_missing_stops_at_limit),
		cmocka_unit_test(test_success_anywhere_means_the_jobs_fault),
		cmocka_unit_test(test_summary),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
