/* test_stage.c: GNU parallel's path rule for staged files (stage_split),
 * the per-job plan from the templates, and --env's assignments as a real
 * shell reads them. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "stage.h"
#include "shrun.h"

static void
split_is(const char *path, const char *local, const char *remote)
{
	char *l, *r;

	stage_split(path, &l, &r);
	assert_string_equal(l, local);
	assert_string_equal(r, remote);
	free(l);
	free(r);
}

/* man parallel, --transferfile: with /home/user as the work dir,
 * /tmp/foo/bar => /tmp/foo/bar, tmp/foo/bar => ~/tmp/foo/bar,
 * /tmp/./foo/bar and tmp/./foo/bar => ~/foo/bar. */
static void
test_split(void **state)
{
	(void)state;
	split_is("/tmp/foo/bar", "/tmp/foo/bar", "/tmp/foo/bar");
	split_is("tmp/foo/bar", "tmp/foo/bar", "tmp/foo/bar");
	split_is("/tmp/./foo/bar", "/tmp/foo/bar", "foo/bar");
	split_is("tmp/./foo/bar", "tmp/foo/bar", "foo/bar");
	/* --return out/./{}.out with in/file: in/file.out there, out/in/file.out here */
	split_is("out/./in/file.out", "out/in/file.out", "in/file.out");
	split_is("./a.txt", "./a.txt", "./a.txt");
}

static void
test_plan(void **state)
{
	struct pfan_opts o;
	struct stage *st;
	struct args a;
	char *cause = NULL;
	char *tf[] = { "{}", "lib/./{/.}.cfg" };
	char *ret[] = { "{.}.out" };
	struct template_ctx ctx = { 7, 1, "node1" };

	(void)state;
	memset(&o, 0, sizeof o);
	o.transferfiles = tf;
	o.ntransferfiles = 2;
	o.returns = ret;
	o.nreturns = 1;
	o.cleanup = true;
	assert_int_equal(stage_new(&st, &o, &cause), PFAN_OK);
	args_init(&a);
	args_push(&a, "data/it's a1.txt", strlen("data/it's a1.txt"));
	const struct exec_stage *p = stage_plan(st, &a, &ctx, &cause);
	assert_non_null(p);
	assert_int_equal(p->nsend, 2);
	assert_string_equal(p->send[0].local, "data/it's a1.txt");
	assert_string_equal(p->send[0].remote, "data/it's a1.txt");
	assert_string_equal(p->send[1].local, "lib/it's a1.cfg");
	assert_string_equal(p->send[1].remote, "it's a1.cfg");
	assert_int_equal(p->nfetch, 1);
	assert_string_equal(p->fetch[0].remote, "data/it's a1.out");
	assert_true(p->cleanup);
	args_free(&a);
	stage_free(st);
	/* nothing asked: no plan at all */
	memset(&o, 0, sizeof o);
	assert_int_equal(stage_new(&st, &o, &cause), PFAN_OK);
	assert_null(st);
}

static void
test_env(void **state)
{
	struct pfan_opts o;
	struct stage *st;
	char *cause = NULL;
	char *env[] = { "PFAN_T_ODD", "PFAN_T_UNSET" };
	char *bad[] = { "A-B" };
	struct buf b = BUF_INIT;
	size_t len;

	(void)state;
	setenv("PFAN_T_ODD", "a 'b' $(c) \"d\"\n`e`", 1);
	unsetenv("PFAN_T_UNSET");
	memset(&o, 0, sizeof o);
	o.envs = env;
	o.nenvs = 2;
	assert_int_equal(stage_new(&st, &o, &cause), PFAN_OK);
	stage_env_command(st, "printf '<%s|%s>' \"$PFAN_T_ODD\" \"${PFAN_T_UNSET-unset}\"", &b);
	char *out = shrun("/bin/sh", NULL, buf_cstr(&b), &len);
	assert_non_null(out);
	assert_string_equal(out, "<a 'b' $(c) \"d\"\n`e`|unset>");
	free(out);
	buf_free(&b);
	stage_free(st);
	o.envs = bad;
	o.nenvs = 1;
	assert_int_equal(stage_new(&st, &o, &cause), PFAN_E_INPUT);
	assert_string_equal(cause, "--env: 'A-B' is not a variable name");
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_env),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
