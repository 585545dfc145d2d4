/* test_shsimple.c: shsimple_argv against tests/data/shsimple_cases.txt,
 * and every accepted command checked against real shells: the words the
 * shell makes of it (printf '[%s]' before it) must be the words we made. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "shrun.h"
#include "shsimple.h"
#include "xalloc.h"

static const struct {
	const char *path, *applet;
} shells[] = {
	{ "/bin/sh", NULL }, { "/bin/bash", NULL }, { "/bin/busybox", "sh" },
};

static void
words_of(char **argv, struct buf *out)
{
	for (char **a = argv; *a != NULL; a++) {
		buf_addc(out, '[');
		buf_adds(out, *a);
		buf_addc(out, ']');
	}
}

/* Each shell must split cmd into the words want ([w1][w2]...). */
static int
check_shells(const char *cmd, const char *want)
{
	struct buf text = BUF_INIT;
	int nfail = 0;

	buf_adds(&text, "printf '[%s]' ");
	buf_adds(&text, cmd);
	for (size_t i = 0; i < sizeof shells / sizeof shells[0]; i++) {
		size_t len;
		char *out = shrun(shells[i].path, shells[i].applet, buf_cstr(&text), &len);
		if (out == NULL)
			continue;
		if (len != strlen(want) || memcmp(out, want, len) != 0) {
			print_error("%s: %s: the shell made %.*s\n", shells[i].path, cmd,
			    (int)len, out);
			nfail++;
		}
		free(out);
	}
	buf_free(&text);
	return nfail;
}

static void
test_cases(void **state)
{
	const char *srcdir = getenv("PFAN_SRCDIR");
	char *path = xasprintf("%s/tests/data/shsimple_cases.txt", srcdir ? srcdir : ".");
	FILE *f = fopen(path, "r");
	struct buf cmd = BUF_INIT;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int ncases = 0, nwords = 0, nfail = 0;

	(void)state;
	assert_non_null(f);
	/* A case is COMMAND, a tab, EXPECTED: the last tab on the line. A
	 * line without a tab is a command's first lines (backslash-newline). */
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		if (cmd.len == 0 && (strcmp(line, "#") == 0 || strncmp(line, "# ", 2) == 0))
			continue;
		char *tab = strrchr(line, '\t');
		if (tab == NULL) {
			buf_adds(&cmd, line);
			buf_addc(&cmd, '\n');
			continue;
		}
		*tab = '\0';
		buf_adds(&cmd, line);
		const char *want = tab + 1;
		char **argv = shsimple_argv(buf_cstr(&cmd));
		struct buf got = BUF_INIT;
		if (argv != NULL)
			words_of(argv, &got);
		else
			buf_adds(&got, "shell");
		if (strcmp(buf_cstr(&got), want) != 0) {
			print_error("%s: want %s, got %s\n", buf_cstr(&cmd), want, buf_cstr(&got));
			nfail++;
		}
		if (argv != NULL) {
			nfail += check_shells(buf_cstr(&cmd), want);
			nwords++;
		}
		free(argv);
		buf_free(&got);
		buf_reset(&cmd);
		ncases++;
	}
	free(line);
	fclose(f);
	buf_free(&cmd);
	free(path);
	assert_true(ncases > 50 && nwords > 10);
	assert_int_equal(nfail, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
