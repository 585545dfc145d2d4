/* test_template.c: template parsing and expansion. Most cases live in
 * tests/data/template_*.txt; this file runs them, checks the path forms
 * against GNU parallel's own output (template_paths.txt), and sends
 * hostile values through a real /bin/sh to see them come back intact. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "args.h"
#include "buf.h"
#include "errors.h"
#include "quote.h"
#include "template.h"
#include "shrun.h"
#include "xalloc.h"

#define MAX_WORDS 32

/* One case of a data file. */
struct tcase {
	const char *file;
	int line;
	char *words[MAX_WORDS];
	int nwords;
	struct args a;
	unsigned long long seq;
	unsigned slot;
	char *host;
	unsigned flags;   /* TEMPLATE_PLUS, TEMPLATE_QUOTE: "plus", "quote" lines */
	char kind[16];    /* expect, expand-error, error */
	char *want;
};

static FILE *
open_data(const char *name)
{
	const char *dir = getenv("PFAN_SRCDIR");
	char path[4096];
	FILE *f;

	snprintf(path, sizeof path, "%s/tests/data/%s", dir ? dir : ".", name);
	f = fopen(path, "r");
	if (f == NULL)
		fail_msg("cannot open %s (set PFAN_SRCDIR to the source tree)", path);
	return f;
}

/* Parses a "C-escaped" string at *p, advancing *p past it. */
static char *
unescape(const char *file, int line, const char **p)
{
	struct buf b = BUF_INIT;
	const char *s = *p + 1;

	for (; *s != '"'; s++) {
		if (*s == '\0')
			fail_msg("%s:%d: unterminated string", file, line);
		if (*s != '\\') {
			buf_addc(&b, *s);
			continue;
		}
		switch (*++s) {
		case 'n': buf_addc(&b, '\n'); break;
		case 't': buf_addc(&b, '\t'); break;
		case 'r': buf_addc(&b, '\r'); break;
		case '\\': buf_addc(&b, '\\'); break;
		case '"': buf_addc(&b, '"'); break;
		case 'x':
			if (!isxdigit((unsigned char)s[1]) || !isxdigit((unsigned char)s[2]))
				fail_msg("%s:%d: bad \\x escape", file, line);
			buf_addc(&b, (char)strtol((char[]){ s[1], s[2], 0 }, NULL, 16));
			s += 2;
			break;
		default:
			fail_msg("%s:%d: bad escape \\%c", file, line, *s);
		}
	}
	*p = s + 1;
	return buf_steal(&b);
}

/* The value of "key VALUE": the rest of the line, or a quoted string. */
static char *
field_value(const char *file, int line, const char *rest)
{
	char *v;

	if (*rest != '"')
		return strdup(rest);
	v = unescape(file, line, &rest);
	if (*rest != '\0')
		fail_msg("%s:%d: text after the closing quote", file, line);
	return v;
}

static void
tcase_clear(struct tcase *tc)
{
	for (int i = 0; i < tc->nwords; i++)
		free(tc->words[i]);
	args_free(&tc->a);
	free(tc->host);
	free(tc->want);
	memset(tc, 0, sizeof *tc);
	tc->seq = 1;
}

/* Reads the next case; false at the end of the file. */
static bool
tcase_read(FILE *f, const char *file, int *lineno, struct tcase *tc)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	tcase_clear(tc);
	tc->file = file;
	while ((n = getline(&line, &cap, f)) > 0) {
		char *key = line, *rest, *v;

		(*lineno)++;
		if (line[n - 1] == '\n')
			line[n - 1] = '\0';
		if (*line == '#' || *line == '\0')
			continue;
		rest = strchr(line, ' ');
		if (rest != NULL)
			*rest++ = '\0';
		else
			rest = line + strlen(line);
		v = field_value(file, *lineno, rest);
		if (strcmp(key, "template") == 0) {
			assert_true(tc->nwords < MAX_WORDS);
			tc->words[tc->nwords++] = v;
			continue;
		}
		if (strcmp(key, "plus") == 0)
			tc->flags |= TEMPLATE_PLUS;
		else if (strcmp(key, "quote") == 0)
			tc->flags |= TEMPLATE_QUOTE;
		else if (strcmp(key, "arg") == 0)
			args_push(&tc->a, v, strlen(v));
		else if (strcmp(key, "seq") == 0)
			tc->seq = strtoull(v, NULL, 10);
		else if (strcmp(key, "slot") == 0)
			tc->slot = (unsigned)strtoul(v, NULL, 10);
		else if (strcmp(key, "host") == 0) {
			tc->host = v;
			continue;
		} else if (strcmp(key, "expect") == 0 || strcmp(key, "error") == 0 ||
		    strcmp(key, "expand-error") == 0) {
			snprintf(tc->kind, sizeof tc->kind, "%s", key);
			tc->want = v;
			tc->line = *lineno;
			free(line);
			return true;
		} else
			fail_msg("%s:%d: unknown key %s", file, *lineno, key);
		free(v);
	}
	free(line);
	if (tc->nwords > 0 || tc->a.n > 0)
		fail_msg("%s:%d: case without expect or error", file, *lineno);
	return false;
}

/* Runs one case; prints what went wrong and returns 1 on a failure. */
static int
tcase_run(const struct tcase *tc)
{
	struct template *t = NULL;
	struct template_ctx ctx = { tc->seq, tc->slot, tc->host };
	struct buf out = BUF_INIT;
	char *cause = NULL;
	const char *got;
	int rc, failed = 0;

	rc = template_parse(&t, tc->nwords, tc->words, tc->flags, &cause);
	if (strcmp(tc->kind, "error") == 0) {
		got = rc == PFAN_E_INPUT && cause != NULL ? cause : "(no error)";
		if (strcmp(got, tc->want) != 0 || t != NULL)
			failed = 1;
		goto done;
	}
	if (rc != PFAN_OK) {
		got = cause;
		failed = 1;
		goto done;
	}
	buf_adds(&out, "prefix:");
	rc = template_expand(t, &tc->a, &ctx, &out, &cause);
	if (strcmp(tc->kind, "expand-error") == 0) {
		got = rc == PFAN_E_INPUT && cause != NULL ? cause : buf_cstr(&out);
		/* A failed expansion leaves the buf as it was. */
		if (strcmp(got, tc->want) != 0 || strcmp(buf_cstr(&out), "prefix:") != 0)
			failed = 1;
		goto done;
	}
	got = rc == PFAN_OK ? buf_cstr(&out) + 7 : cause;
	if (rc != PFAN_OK || strcmp(got, tc->want) != 0)
		failed = 1;
done:
	if (failed)
		print_error("%s:%d: %s\n  want: [%s]\n  got:  [%s]\n", tc->file,
		    tc->line, tc->kind, tc->want, got);
	free(cause);
	buf_free(&out);
	template_free(t);
	return failed;
}

static void
run_data_file(const char *name, int min_cases)
{
	struct tcase tc;
	int lineno = 0, ncases = 0, failures = 0;
	FILE *f = open_data(name);

	memset(&tc, 0, sizeof tc);
	while (tcase_read(f, name, &lineno, &tc)) {
		ncases++;
		failures += tcase_run(&tc);
	}
	tcase_clear(&tc);
	fclose(f);
	assert_int_equal(failures, 0);
	/* A truncated or misread file must not pass quietly. */
	assert_true(ncases >= min_cases);
}

static void
test_expand_file(void **state)
{
	(void)state;
	run_data_file("template_expand.txt", 50);
}

static void
test_error_file(void **state)
{
	(void)state;
	run_data_file("template_errors.txt", 30);
}

/* Expands words with the values, runs the result in /bin/sh, and checks
 * that it printed the NUL-separated fields want[0..nwant). */
static void
assert_sh_prints(const char *tmpl, const struct args *a, const char *host,
    const char *const want[], size_t nwant)
{
	char *words[] = { (char *)tmpl };
	struct template_ctx ctx = { 1, 1, host };
	struct template *t;
	struct buf cmd = BUF_INIT, w = BUF_INIT;
	char *cause = NULL, *out;
	size_t outlen;

	assert_int_equal(template_parse(&t, 1, words, 0, &cause), PFAN_OK);
	assert_int_equal(template_expand(t, a, &ctx, &cmd, &cause), PFAN_OK);
	for (size_t i = 0; i < nwant; i++)
		buf_add(&w, want[i], strlen(want[i]) + 1);
	out = shrun("/bin/sh", NULL, cmd.data, &outlen);
	assert_non_null(out);
	if (outlen != w.len || memcmp(out, w.data, w.len) != 0)
		fail_msg("%s: the shell printed %zu bytes, wanted %zu", cmd.data,
		    outlen, w.len);
	free(out);
	buf_free(&w);
	buf_free(&cmd);
	template_free(t);
}

static const char *const hostile[] = {
	"a b; rm -rf ~", "'", "''", "a'b", "$(touch /tmp/pfan-pwned)", "`id`",
	"$HOME", "a\nb", "\n", "x\n\n", "", " ", "\t", "\\", "\"", "*", "~",
	"!", "#", "&&", "|", ";", "<x", "(", "{}", "{1}", "<>", "%s", "-n",
	"\xff\xfe", "\xc3\x28", "\x01\x7f", "a=b", "\r",
};

/* Every way a value reaches the command, for every hostile value. */
static void
test_hostile_round_trip(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
		const char *v = hostile[i];
		struct args a;
		char xy[64], pv[64];

		args_init(&a);
		args_push(&a, v, strlen(v));
		snprintf(xy, sizeof xy, "x%sy", v);
		snprintf(pv, sizeof pv, "p%s", v);
		assert_sh_prints("printf '%s\\0' {} <> {1} {-1} x{}y {= s/^/p/ =}", &a,
		    NULL, (const char *const[]){ v, v, v, v, xy, pv }, 6);
		assert_sh_prints("printf '%s\\0'", &a, NULL,
		    (const char *const[]){ v }, 1);
		assert_sh_prints("printf '%s\\0' {host} {%}", &a, v,
		    (const char *const[]){ v, "1" }, 2);
		args_push(&a, "second", 6);
		assert_sh_prints("printf '%s\\0' {} {2} {=1 s/^// =}", &a, NULL,
		    (const char *const[]){ v, "second", "second", v }, 4);
		args_free(&a);
	}
}

/* Reads template_paths.txt: value and GNU's {.} {/} {//} {/.} of it. */
static void
test_gnu_paths(void **state)
{
	static const char *const forms[] = { "{.}", "{/}", "{//}", "{/.}" };
	FILE *f = open_data("template_paths.txt");
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0, rows = 0;

	(void)state;
	while (getline(&line, &cap, f) > 0) {
		const char *p = line;
		char *field[5];
		struct args a;
		int i;

		lineno++;
		if (*line == '#')
			continue;
		for (i = 0; i < 5; i++) {
			while (*p == ' ')
				p++;
			if (*p != '"')
				fail_msg("template_paths.txt:%d: want 5 fields", lineno);
			field[i] = unescape("template_paths.txt", lineno, &p);
		}
		args_init(&a);
		args_push(&a, field[0], strlen(field[0]));
		/* The exact command text: GNU's result, quoted. */
		for (i = 0; i < 4; i++) {
			/* Not the first word: there, GNU does not quote. */
			char *words[] = { "echo", (char *)forms[i] }, *cause = NULL;
			char *q = quote_shell_str(field[i + 1]);
			char *want = xasprintf("echo %s", q);
			struct template *t;
			struct buf out = BUF_INIT;
			struct template_ctx ctx = { 1, 0, NULL };

			assert_int_equal(template_parse(&t, 2, words, 0, &cause), PFAN_OK);
			assert_int_equal(template_expand(t, &a, &ctx, &out, &cause), PFAN_OK);
			if (strcmp(buf_cstr(&out), want) != 0)
				fail_msg("template_paths.txt:%d: %s gave [%s], GNU [%s]",
				    lineno, forms[i], buf_cstr(&out), want);
			free(q);
			free(want);
			buf_free(&out);
			template_free(t);
		}
		/* And through the shell, as the second of two values. */
		assert_sh_prints("printf '%s\\0' {.} {/} {//} {/.}", &a, NULL,
		    (const char *const[]){ field[1], field[2], field[3], field[4] }, 4);
		args_free(&a);
		args_push(&a, "first.x/y", 9);
		args_push(&a, field[0], strlen(field[0]));
		assert_sh_prints("printf '%s\\0' {2.} {2/} {2//} {2/.} {1/.}", &a, NULL,
		    (const char *const[]){ field[1], field[2], field[3], field[4], "y" }, 5);
		args_free(&a);
		for (i = 0; i < 5; i++)
			free(field[i]);
		rows++;
	}
	free(line);
	fclose(f);
	assert_true(rows >= 40);
}

static char *
expand1(const struct template *t, const struct args *a, unsigned slot,
    const char *host)
{
	struct template_ctx ctx = { 9, slot, host };
	struct buf out = BUF_INIT;
	char *cause = NULL;

	assert_int_equal(template_expand(t, a, &ctx, &out, &cause), PFAN_OK);
	assert_null(cause);
	return buf_steal(&out);
}

static struct template *
parse1(const char *s)
{
	char *words[] = { (char *)s }, *cause = NULL;
	struct template *t = NULL;

	assert_int_equal(template_parse(&t, 1, words, 0, &cause), PFAN_OK);
	assert_non_null(t);
	return t;
}

static void
test_per_slot(void **state)
{
	static const struct {
		const char *tmpl;
		bool per_slot;
	} cases[] = {
		{ "echo {%}", true }, { "echo {host}", true },
		{ "a {} {host} {%}", true }, { "echo {}", false },
		{ "echo {#}", false }, { "echo %", false }, { "echo {hosts}", false },
		{ "echo", false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct template *t = parse1(cases[i].tmpl);
		assert_int_equal(template_per_slot(t), cases[i].per_slot);
		template_free(t);
	}
}

/* One parsed template gives the canonical and the per-slot command, again
 * and again, without state leaking from one expansion to the next. */
static void
test_canonical_and_slot(void **state)
{
	struct template *t = parse1("run {%} {host} {#} {= s/a/bb/g =} {/}");
	struct args a;

	(void)state;
	args_init(&a);
	args_push(&a, "d/aXa", 5);
	for (int round = 0; round < 3; round++) {
		char *c = expand1(t, &a, 0, NULL), *s = expand1(t, &a, 4, "n1");

		assert_string_equal(c, "run {%} {host} 9 d/bbXbb aXa");
		assert_string_equal(s, "run 4 n1 9 d/bbXbb aXa");
		free(c);
		free(s);
	}
	args_free(&a);
	template_free(t);
}

/* Big values and big results: the scratch space grows, nothing is cut. */
static void
test_large_values(void **state)
{
	struct template *t = parse1("x {= s/a/aaa/g =} {/} {//}");
	struct buf v = BUF_INIT, want = BUF_INIT;
	struct args a;
	char *got;

	(void)state;
	for (int i = 0; i < 50000; i++)
		buf_adds(&v, "a");
	args_init(&a);
	args_push(&a, v.data, v.len);
	buf_adds(&want, "x ");
	for (int i = 0; i < 3 * 50000; i++)
		buf_addc(&want, 'a');
	buf_adds(&want, " ");
	buf_add(&want, v.data, v.len);
	buf_adds(&want, " .");
	got = expand1(t, &a, 0, NULL);
	assert_string_equal(got, want.data);
	free(got);
	args_free(&a);
	buf_free(&v);
	buf_free(&want);
	template_free(t);
}

static void
test_parse_failure_leaves_nothing(void **state)
{
	char *words[] = { "echo", "{= s/(/x/ =}" }, *cause = NULL;
	struct template *t = (struct template *)words;

	(void)state;
	assert_int_equal(template_parse(&t, 2, words, 0, &cause), PFAN_E_INPUT);
	assert_null(t);
	assert_non_null(cause);
	free(cause);
	template_free(NULL);
}

/* -I and -X, as GNU parallel 20221122 expands them:
 * parallel -I XX echo XX-{} {1} '{1.}' ::: a.x   -> a.x-{} {1} a
 * parallel -j1 -X echo 'x{}y' '{1}' ::: a b c     -> xay xby xcy a */
static void
test_opts_rpl_and_context(void **state)
{
	char *w1[] = { "echo", "XX-{}", "{1}", "<>", "{1.}" };
	char *w2[] = { "echo", "x{}y", "{1}", "'{= s/a/A/ =}'", "p" };
	char *a_x[] = { "a.x" }, *abc[] = { "a", "b", "c" };
	struct args one = { 1, a_x }, three = { 3, abc };
	struct template_opts rpl = { "XX", false, 0 }, ctx = { NULL, true, 0 };
	struct template *t = NULL;
	char *cause = NULL, *got;

	(void)state;
	assert_int_equal(template_parse_opts(&t, 5, w1, &rpl, &cause), PFAN_OK);
	got = expand1(t, &one, 0, NULL);
	assert_string_equal(got, "echo a.x-{} {1} <> a");
	free(got);
	template_free(t);
	assert_int_equal(template_parse_opts(&t, 5, w2, &ctx, &cause), PFAN_OK);
	got = expand1(t, &three, 0, NULL);
	assert_string_equal(got, "echo xay xby xcy a 'A' 'b' 'c' p");
	free(got);
	/* One value: the word once, as without -X. */
	got = expand1(t, &one, 0, NULL);
	assert_string_equal(got, "echo xa.xy a.x 'A.x' p");
	free(got);
	template_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expand_file),
		cmocka_unit_test(test_error_file),
		cmocka_unit_test(test_gnu_paths),
		cmocka_unit_test(test_hostile_round_trip),
		cmocka_unit_test(test_per_slot),
		cmocka_unit_test(test_canonical_and_slot),
		cmocka_unit_test(test_large_values),
		cmocka_unit_test(test_parse_failure_leaves_nothing),
		cmocka_unit_test(test_opts_rpl_and_context),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
