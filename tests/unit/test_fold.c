/* test_fold.c: --fold's grouping (fold.c): which hosts share a group, the
 * headers, the bytes printed, whatever jobs the bytes came in. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "errors.h"
#include "fold.h"
#include "xalloc.h"

#define RULE "---------------\n"

/* A job of host h wrote out and err (output.c's part), then its record
 * came (onall.c's part). */
static void
job(struct fold *f, size_t h, const char *out, const char *err)
{
	assert_int_equal(write(fold_fd(f, 1), out, strlen(out)), (ssize_t)strlen(out));
	assert_int_equal(write(fold_fd(f, 2), err, strlen(err)), (ssize_t)strlen(err));
	fold_mark(f, h);
}

/* What fd (a temp file) holds, NUL-terminated. */
static char *
slurp(FILE *fp)
{
	long n;
	char *s;

	fflush(fp);
	n = ftell(fp);
	s = xmalloc((size_t)n + 1);
	rewind(fp);
	assert_int_equal(fread(s, 1, (size_t)n, fp), (size_t)n);
	s[n] = '\0';
	return s;
}

static void
test_groups(void **state)
{
	char *names[] = { "node1", "node2", "node3", "node4", "node5", "node6", NULL };
	struct fold *f;
	char *cause = NULL;
	FILE *out = tmpfile(), *err = tmpfile();

	(void)state;
	assert_int_equal(fold_new(&f, NULL, &cause), PFAN_OK);
	/* node1's output in two jobs, node3's in one: the same bytes */
	job(f, 0, "same\n", "");
	job(f, 0, "two\n", "warn\n");
	job(f, 1, "same\ntwo\n", "");            /* the stderr differs */
	job(f, 2, "same\ntwo\n", "warn\n");
	job(f, 3, "", "");                      /* nothing: not printed */
	job(f, 4, "same\ntwo", "warn\n");       /* one byte short */
	job(f, 6, "left out\n", "");            /* no name */
	job(f, 5, "same\n", "");
	job(f, 5, "two\n", "warn\n");
	assert_int_equal(fold_bytes(f, 0), 14);
	assert_int_equal(fold_bytes(f, 3), 0);
	assert_int_equal(fold_print(f, names, 7, fileno(out), fileno(err), &cause), PFAN_OK);
	char *o = slurp(out), *e = slurp(err);
	assert_string_equal(o,
	    RULE "node[1,3,6] (3)\n" RULE "same\ntwo\n"
	    RULE "node2\n" RULE "same\ntwo\n"
	    RULE "node5\n" RULE "same\ntwo");
	assert_string_equal(e, "warn\nwarn\n");
	free(o);
	free(e);
	fclose(out);
	fclose(err);
	fold_free(f);
}

static void
test_label(void **state)
{
	char *one[] = { "web" };
	char *many[] = { "node01", "node02", "node05", "web" };
	char *l;

	(void)state;
	l = fold_label(one, 1);
	assert_string_equal(l, "web");
	free(l);
	l = fold_label(many, 4);
	assert_string_equal(l, "node[01-02,05],web (4)");
	free(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_label),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
