/* test_runid.c: a run's id read back: this process lives; a reaped child,
 * and this pid with another start time (a reused pid), are dead; another
 * machine's run, and what is not an id, are foreign (never judged dead). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "runid.h"
#include "xalloc.h"

/* id with its last field (the start) replaced by start */
static char *
with_start(const char *id, long long start)
{
	const char *u = strrchr(id, '_');

	return xasprintf("%.*s_%lld", (int)(u - id), id, start);
}

static void
test_self_alive(void **state)
{
	char *id = runid_self(), *name = xasprintf("%s_00ff_node1", id);
	size_t len;

	(void)state;
	assert_int_equal(runid_judge(name, &len), RUNID_ALIVE);
	assert_int_equal(len, strlen(id));
	assert_int_equal(runid_judge(id, &len), RUNID_ALIVE);
	free(name);
	free(id);
}

static void
test_dead(void **state)
{
	char *id = runid_self(), *u = strrchr(id, '_');
	long long start = strtoll(u + 1, NULL, 10);
	size_t len;
	pid_t child = fork();

	(void)state;
	assert_true(child >= 0);
	if (child == 0)
		_exit(0);
	assert_int_equal(waitpid(child, NULL, 0), child);
	/* the child's pid, gone */
	char *m = xasprintf("%.*s", (int)strcspn(id, "_"), id);
	char *gone = xasprintf("%s_%ld_%lld_00ff_h", m, (long)child, start);
	assert_int_equal(runid_judge(gone, &len), RUNID_DEAD);
	/* this pid, another start: reused (only where start times are known) */
	if (start > 0) {
		char *reused = with_start(id, start + 1);
		assert_int_equal(runid_judge(reused, &len), RUNID_DEAD);
		free(reused);
	}
	free(gone);
	free(m);
	free(id);
}

static void
test_foreign(void **state)
{
	size_t len;

	(void)state;
	/* another machine, whatever its pid */
	assert_int_equal(runid_judge("no-such-machine.example_1_2_00ff_h", &len), RUNID_FOREIGN);
	/* not ids */
	char *id = runid_self();
	char *m = xasprintf("%.*s", (int)strcspn(id, "_"), id);
	const char *tails[] = { "_x_1", "_1", "_-5_1", "_ 5_1", "_5_1x", "" };
	for (size_t i = 0; i < sizeof tails / sizeof *tails; i++) {
		char *n = xasprintf("%s%s", m, tails[i]);
		assert_int_equal(runid_judge(n, &len), RUNID_FOREIGN);
		free(n);
	}
	/* a machine whose name starts like ours */
	char *longer = xasprintf("%sx_1_2", m);
	assert_int_equal(runid_judge(longer, &len), RUNID_FOREIGN);
	free(longer);
	free(m);
	free(id);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_self_alive),
		cmocka_unit_test(test_dead),
		cmocka_unit_test(test_foreign),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
