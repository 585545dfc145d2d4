/* test_keepalive.c: the loss bound of a connection, by its rule: three
 * keepalive intervals, and at least 60 s once it has carried jobs for
 * more than 10 minutes without a break. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "keepalive.h"

static void
test_short_jobs_three_intervals(void **state)
{
	(void)state;
	/* The default --keepalive 5: a dead host is noticed in 15 s. */
	assert_true(keepalive_loss_bound(5, 0) == 15);
	assert_true(keepalive_loss_bound(5, 599) == 15);
	assert_true(keepalive_loss_bound(5, 600) == 15);
	assert_true(keepalive_loss_bound(1, 30) == 3);
}

static void
test_long_jobs_ride_out_a_freeze(void **state)
{
	(void)state;
	/* An hour into its jobs, a 20 s freeze must not lose the host. */
	assert_true(keepalive_loss_bound(5, 601) == 60);
	assert_true(keepalive_loss_bound(5, 3600) > 20);
	assert_true(keepalive_loss_bound(1, 3600) == 60);
}

static void
test_long_interval_keeps_its_own_bound(void **state)
{
	(void)state;
	/* Three intervals past 60 s stay as they are, short run or long. */
	assert_true(keepalive_loss_bound(30, 0) == 90);
	assert_true(keepalive_loss_bound(30, 3600) == 90);
	assert_true(keepalive_loss_bound(20, 3600) == 60);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_short_jobs_three_intervals),
		cmocka_unit_test(test_long_jobs_ride_out_a_freeze),
		cmocka_unit_test(test_long_interval_keeps_its_own_bound),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
