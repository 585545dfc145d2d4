/* test_input.c: the input iterator against GNU parallel's behaviour
 * (20221122): product order, --link, :::+, -0, -d, -E, -r, --trim,
 * --colsep (cases in tests/data/input_colsep.txt), -n, -N0, -m, --header,
 * bad records, and lazy non-blocking reading from a pipe. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "errors.h"
#include "input.h"

/* Every job as "<v1><v2>", joined by "|"; a bad record as "!cause". */
static char *
drain(struct input *in)
{
	struct buf out = BUF_INIT;
	struct args a;
	char *cause = NULL;
	int rc;

	while ((rc = input_next(in, &a, &cause)) != PFAN_EOF) {
		assert_int_not_equal(rc, PFAN_AGAIN);
		if (out.len > 0)
			buf_addc(&out, '|');
		if (rc == PFAN_E_INPUT) {
			assert_non_null(cause);
			buf_addf(&out, "!%s", cause);
			free(cause);
			cause = NULL;
			continue;
		}
		assert_int_equal(rc, PFAN_OK);
		for (size_t i = 0; i < a.n; i++)
			buf_addf(&out, "<%s>", a.v[i]);
		args_free(&a);
	}
	return buf_steal(&out);
}

static void
expect_jobs(const struct input_config *cfg, const char *want)
{
	struct input *in = NULL;
	char *cause = NULL;

	assert_int_equal(input_open(&in, cfg, &cause), PFAN_OK);
	assert_null(cause);
	char *got = drain(in);
	assert_string_equal(got, want);
	free(got);
	input_free(in);
}

static void
expect_open_error(const struct input_config *cfg, const char *want)
{
	struct input *in = NULL;
	char *cause = NULL;

	assert_int_equal(input_open(&in, cfg, &cause), PFAN_E_INPUT);
	assert_null(in);
	assert_non_null(cause);
	assert_string_equal(cause, want);
	free(cause);
}

static struct input_source
list(char **items)
{
	struct input_source s = { INPUT_LIST, NULL, items, 0, false };

	while (items[s.nitems] != NULL)
		s.nitems++;
	return s;
}

static struct input_source
file(const char *path)
{
	struct input_source s = { INPUT_FILE, path, NULL, 0, false };

	return s;
}

/* A temporary file holding len bytes; the caller unlinks and frees it. */
static char *
temp_file(const char *data, size_t len)
{
	char *path = strdup("/tmp/test_input.XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
	return path;
}

static void
remove_temp(char *path)
{
	unlink(path);
	free(path);
}

/* A pipe already holding data and closed for writing; returns the read end. */
static int
filled_pipe(const char *data, size_t len)
{
	int p[2];

	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], data, len), (ssize_t)len);
	close(p[1]);
	return p[0];
}

static void
expect_stdin(struct input_config *cfg, const char *data, size_t len,
    const char *want)
{
	cfg->stdin_fd = filled_pipe(data, len);
	expect_jobs(cfg, want);
	close(cfg->stdin_fd);
}

static void
test_product_order(void **state)
{
	char *ab[] = { "a", "b", NULL }, *n12[] = { "1", "2", NULL };
	char *abc[] = { "a", "b", "c", NULL }, *xy[] = { "x", "y", NULL };
	struct input_source two[] = { list(ab), list(n12) };
	struct input_source three[] = { list(abc), list(n12), list(xy) };
	struct input_config cfg = { .sources = two, .nsources = 2 };

	(void)state;
	expect_jobs(&cfg, "<a><1>|<a><2>|<b><1>|<b><2>");
	cfg.sources = three;
	cfg.nsources = 3;
	expect_jobs(&cfg, "<a><1><x>|<a><1><y>|<a><2><x>|<a><2><y>|"
	    "<b><1><x>|<b><1><y>|<b><2><x>|<b><2><y>|"
	    "<c><1><x>|<c><1><y>|<c><2><x>|<c><2><y>");
}

static void
test_link_wraps(void **state)
{
	char *abc[] = { "a", "b", "c", NULL }, *n12[] = { "1", "2", NULL };
	char *abcde[] = { "a", "b", "c", "d", "e", NULL };
	char *xyz[] = { "x", "y", "z", NULL };
	struct input_source two[] = { list(abc), list(n12) };
	struct input_source three[] = { list(abcde), list(n12), list(xyz) };
	struct input_config cfg = { .sources = two, .nsources = 2, .link = true };

	(void)state;
	/* parallel --link echo ::: a b c ::: 1 2 */
	expect_jobs(&cfg, "<a><1>|<b><2>|<c><1>");
	cfg.sources = three;
	cfg.nsources = 3;
	expect_jobs(&cfg, "<a><1><x>|<b><2><y>|<c><1><z>|<d><2><x>|<e><1><y>");
}

static void
test_null_separated(void **state)
{
	struct input_config cfg = { .null_sep = true };

	(void)state;
	/* Empty records count; a newline is data; the last NUL is optional. */
	expect_stdin(&cfg, "a\0\0b\nc\0d", 9, "<a>|<>|<b\nc>|<d>");
	expect_stdin(&cfg, "a\0", 2, "<a>");
	/* Without -0 the same bytes are a bad line and a good one. */
	cfg.null_sep = false;
	expect_stdin(&cfg, "a\0b\nc\n", 6, "!stdin:1: NUL byte in input line "
	    "(use -0 for NUL-separated input)|<c>");
}

static void
test_lines(void **state)
{
	struct input_config cfg = { 0 };

	(void)state;
	expect_stdin(&cfg, "a\n\nb\n\n", 6, "<a>|<>|<b>|<>");
	expect_stdin(&cfg, "a\nb", 3, "<a>|<b>");
	expect_stdin(&cfg, "\n", 1, "<>");
	expect_stdin(&cfg, "", 0, "");
	/* Invalid UTF-8 passes through untouched. */
	expect_stdin(&cfg, "\xff\xfe\xc3\n", 4, "<\xff\xfe\xc3>");
}

static void
test_crlf(void **state)
{
	struct input_config cfg = { 0 };

	(void)state;
	/* GNU parallel keeps the \r (it only warns)... */
	expect_stdin(&cfg, "a\r\nb\r\n", 6, "<a\r>|<b\r>");
	/* ...but --colsep trims white space, \r included. */
	cfg.colsep = ",";
	expect_stdin(&cfg, "a,b\r\n", 5, "<a><b>");
}

static void
expect_next(struct input *in, int want_rc, const char *want)
{
	struct args a;
	char *cause = NULL;
	int rc = input_next(in, &a, &cause);

	assert_int_equal(rc, want_rc);
	if (rc == PFAN_OK) {
		struct buf b = BUF_INIT;
		for (size_t i = 0; i < a.n; i++)
			buf_addf(&b, "<%s>", a.v[i]);
		assert_string_equal(buf_cstr(&b), want);
		buf_free(&b);
		args_free(&a);
	} else if (rc == PFAN_E_INPUT) {
		assert_string_equal(cause, want);
	}
	free(cause);
}

static char *
unescape(const char *s)
{
	struct buf b = BUF_INIT;

	for (; *s != '\0'; s++) {
		if (*s != '\\' || s[1] == '\0') {
			buf_addc(&b, *s);
			continue;
		}
		switch (*++s) {
		case 't': buf_addc(&b, '\t'); break;
		case 'r': buf_addc(&b, '\r'); break;
		case 'v': buf_addc(&b, '\v'); break;
		case 'f': buf_addc(&b, '\f'); break;
		default: buf_addc(&b, *s); break;
		}
	}
	return buf_steal(&b);
}

/* "re: X" gives X, "re:" gives "": the value may be empty or end in blanks. */
static char *
field(const char *line, const char *key, int lineno)
{
	size_t k = strlen(key);

	if (strncmp(line, key, k) != 0 || (line[k] != '\0' && line[k] != ' '))
		fail_msg("input_colsep.txt:%d: expected '%s'", lineno, key);
	return strdup(line[k] == ' ' ? line + k + 1 : "");
}

/* One case of the table: the record in_esc split by re gives out_esc. */
static void
check_colsep_case(const char *re, const char *in_esc, const char *out_esc,
    int lineno)
{
	char *rec = unescape(in_esc), *want = unescape(out_esc);
	char *items[] = { rec, NULL };
	struct input_source src = list(items);
	struct input_config cfg = { .sources = &src, .nsources = 1,
	    .colsep = re };
	struct input *it = NULL;
	struct buf got = BUF_INIT;
	struct args a;
	char *cause = NULL;

	assert_int_equal(input_open(&it, &cfg, &cause), PFAN_OK);
	assert_int_equal(input_next(it, &a, &cause), PFAN_OK);
	buf_addf(&got, "%zu:", a.n);
	for (size_t i = 0; i < a.n; i++)
		buf_addf(&got, "<%s>", a.v[i]);
	if (strcmp(buf_cstr(&got), want) != 0)
		fail_msg("input_colsep.txt:%d: re '%s': got %s, want %s",
		    lineno, re, buf_cstr(&got), want);
	expect_next(it, PFAN_EOF, NULL);
	args_free(&a);
	buf_free(&got);
	input_free(it);
	free(rec);
	free(want);
}

static void
test_colsep_table(void **state)
{
	const char *dir = getenv("PFAN_SRCDIR");
	char path[4096], line[4096], *re = NULL, *in = NULL;
	int lineno = 0, ncases = 0;
	FILE *f;

	(void)state;
	snprintf(path, sizeof path, "%s/tests/data/input_colsep.txt",
	    dir != NULL ? dir : ".");
	f = fopen(path, "r");
	if (f == NULL)
		fail_msg("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof line, f) != NULL) {
		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || (line[0] == '\0' && re == NULL))
			continue;
		if (re == NULL) {
			re = field(line, "re:", lineno);
		} else if (in == NULL) {
			in = field(line, "in:", lineno);
		} else {
			char *out = field(line, "out:", lineno);
			check_colsep_case(re, in, out, lineno);
			ncases++;
			free(out);
			free(re);
			free(in);
			re = in = NULL;
		}
	}
	fclose(f);
	assert_null(re);
	assert_true(ncases >= 30);
}

static void
test_colsep_sources(void **state)
{
	char *a[] = { " a , b ", NULL }, *x[] = { "x,y ", "z", NULL };
	struct input_source srcs[] = { list(a), list(x) };
	struct input_config cfg = { .sources = srcs, .nsources = 2,
	    .colsep = "," };

	(void)state;
	/* Each source's columns, in source order; ::: values are split too. */
	expect_jobs(&cfg, "<a><b><x><y>|<a><b><z>");
}

static void
test_bad_regex(void **state)
{
	struct input_config cfg = { .colsep = "(" };

	(void)state;
	expect_open_error(&cfg, "--colsep: regex error at offset 1: "
	    "missing closing parenthesis");
	cfg.colsep = "a{2,1}";
	expect_open_error(&cfg, "--colsep: regex error at offset 5: "
	    "numbers out of order in {} quantifier");
}

static void
test_max_args(void **state)
{
	char *abc[] = { "a", "b", "c", NULL }, *n12[] = { "1", "2", NULL };
	struct input_source one[] = { list(abc) };
	struct input_source two[] = { list(abc), list(n12) };
	struct input_config cfg = { .sources = one, .nsources = 1, .max_args = 2 };

	(void)state;
	expect_jobs(&cfg, "<a><b>|<c>");
	cfg.max_args = 3;
	expect_jobs(&cfg, "<a><b><c>");
	cfg.max_args = 0;
	expect_jobs(&cfg, "<a>|<b>|<c>");

	/* printf 'a,b\nc,d\ne\n' | parallel -n2 --colsep , */
	struct input_config in = { .max_args = 2, .colsep = "," };
	expect_stdin(&in, "a,b\nc,d\ne\n", 10, "<a><b><c><d>|<e>");
	/* A bad record is skipped; the group goes on after it. */
	in.colsep = NULL;
	in.max_args = 2;
	expect_stdin(&in, "a\nb\0\nc\n", 7, "!stdin:2: NUL byte in input line "
	    "(use -0 for NUL-separated input)|<a><c>");
	expect_stdin(&in, "", 0, "");

	cfg.sources = two;
	cfg.nsources = 2;
	cfg.max_args = 2;
	/* parallel -n2 echo ::: a b c ::: 1 2: tuples are grouped whole */
	expect_jobs(&cfg, "<a><1><a><2>|<b><1><b><2>|<c><1><c><2>");
}

/* parallel echo ::: a b c :::+ 1 2 ::: x y (and ::::+): the linked source
 * pairs with the one before it up to the shorter; the rest is a product. */
static void
test_linked_sources(void **state)
{
	char *abc[] = { "a", "b", "c", NULL }, *n12[] = { "1", "2", NULL };
	char *xy[] = { "x", "y", NULL }, *pq[] = { "P", "Q", "R", NULL };
	struct input_source s[] = { list(abc), list(n12), list(xy), list(pq) };
	struct input_config cfg = { .sources = s, .nsources = 3 };

	(void)state;
	s[1].linked = true;
	expect_jobs(&cfg, "<a><1><x>|<a><1><y>|<b><2><x>|<b><2><y>");
	s[1].linked = false;
	s[2].linked = true;
	expect_jobs(&cfg, "<a><1><x>|<a><2><y>|<b><1><x>|<b><2><y>|"
	    "<c><1><x>|<c><2><y>");
	/* A chain: a :::+ 1 :::+ x :::+ P, the shortest wins. */
	s[1].linked = s[2].linked = s[3].linked = true;
	cfg.nsources = 4;
	expect_jobs(&cfg, "<a><1><x><P>|<b><2><y><Q>");
	/* The first source on stdin is read whole when linked. */
	struct input_source st[] = { file("-"), list(xy) };
	struct input_config in = { .sources = st, .nsources = 2 };
	st[1].linked = true;
	expect_stdin(&in, "1\n2\n3\n", 6, "<1><x>|<2><y>");
}

/* -d, -E, -r and --trim against GNU parallel 20221122. */
static void
test_record_rules(void **state)
{
	char *vals[] = { "a", " ", "", "STOP", "b", NULL };
	struct input_source l[] = { list(vals) };
	struct input_config cfg = { .sources = l, .nsources = 1 };

	(void)state;
	/* parallel -r echo ::: a ' ' '' STOP b */
	cfg.skip_blank = true;
	expect_jobs(&cfg, "<a>|<STOP>|<b>");
	/* parallel -E STOP: the source ends at its end-of-file string */
	cfg.eof_str = "STOP";
	expect_jobs(&cfg, "<a>");

	struct input_config in = { .delim = "ab", .delim_len = 2 };
	expect_stdin(&in, "xabyabz", 7, "<x>|<y>|<z>");
	/* A two-byte separator split across reads is still found. */
	expect_stdin(&in, "xaaby", 5, "<xa>|<y>");
	in.delim = "";
	in.delim_len = 1;
	expect_stdin(&in, "p q\0r\n\0", 7, "<p q>|<r\n>");
	struct input_config e = { .eof_str = "STOP", .skip_blank = true };
	expect_stdin(&e, "a\n\n \nb\nSTOP\nc\n", 14, "<a>|<b>");

	struct input_config t = { .trim = TRIM_LEFT };
	expect_stdin(&t, "  a b  \n", 8, "<a b  >");
	t.trim = TRIM_RIGHT;
	expect_stdin(&t, "  a b  \n", 8, "<  a b>");
	t.trim = TRIM_BOTH;
	expect_stdin(&t, "  a b  \n", 8, "<a b>");
	/* --colsep trims both ends unless --trim says otherwise. */
	t.colsep = ",";
	t.trim = TRIM_NONE;
	expect_stdin(&t, " a , b \n", 8, "< a >< b >");
	t.trim = TRIM_DEFAULT;
	expect_stdin(&t, " a , b \n", 8, "<a><b>");
}

/* -N0, and -m/-X sharing a short input among the job slots. */
static void
test_no_args_and_xargs(void **state)
{
	char *abc[] = { "a", "b", "c", NULL };
	char *ten[] = { "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", NULL };
	struct input_source l[] = { list(abc) };
	struct input_config cfg = { .sources = l, .nsources = 1, .no_args = true };

	struct input *in = NULL;
	struct args a;
	char *cause = NULL;
	int jobs = 0;

	(void)state;
	/* parallel -N0 echo hi ::: a b c: three jobs, none with a value */
	assert_int_equal(input_open(&in, &cfg, &cause), PFAN_OK);
	while (input_next(in, &a, &cause) == PFAN_OK) {
		assert_int_equal(a.n, 0);
		jobs++;
	}
	assert_int_equal(jobs, 3);
	input_free(in);
	/* seq 10 | parallel -j3 -m echo: 4, 4, 2 */
	struct input_source t[] = { list(ten) };
	struct input_config m = { .sources = t, .nsources = 1,
	    .max_chars = 1000, .spread = 3 };
	expect_jobs(&m, "<1><2><3><4>|<5><6><7><8>|<9><10>");
	m.spread = 1;
	expect_jobs(&m, "<1><2><3><4><5><6><7><8><9><10>");
	/* Past the length limit a job ends; no spreading then. */
	m.max_chars = 8;
	m.spread = 2;
	expect_jobs(&m, "<1><2><3><4>|<5><6><7><8>|<9><10>");
	m.value_extra = 2;
	expect_jobs(&m, "<1><2>|<3><4>|<5><6>|<7><8>|<9>|<10>");
}

/* --header: the first record of each source names its columns. */
static void
test_header(void **state)
{
	char *f1[] = { "f1", "A", "B", NULL }, *f2[] = { "f2", "1", NULL };
	struct input_source l[] = { list(f1), list(f2) };
	struct input_config cfg = { .sources = l, .nsources = 2, .header = ":" };
	struct input *in = NULL;
	char *cause = NULL;
	char *const *names;
	size_t n;

	(void)state;
	expect_jobs(&cfg, "<A><1>|<B><1>");
	assert_int_equal(input_open(&in, &cfg, &cause), PFAN_OK);
	input_names(in, &names, &n);
	assert_int_equal(n, 2);
	assert_string_equal(names[0], "f1");
	assert_string_equal(names[1], "f2");
	input_free(in);

	/* Without --colsep a header is split at TABs. */
	struct input_config st = { .header = ":" };
	expect_stdin(&st, "name\tage\nbob\t3\n", 15, "<bob><3>");
	st.colsep = ",";
	expect_stdin(&st, "name,age\nbob,3\nann,5\n", 21, "<bob><3>|<ann><5>");
	st.header = "2";
	expect_stdin(&st, "name,age\nx,y\nbob,3\n", 19, "<bob><3>");
}

static void
test_lazy_pipe(void **state)
{
	struct input_config cfg = { 0 };
	struct input *in = NULL;
	char *cause = NULL;
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	cfg.stdin_fd = p[0];
	assert_int_equal(input_open(&in, &cfg, &cause), PFAN_OK);
	assert_int_equal(input_fd(in), p[0]);
	expect_next(in, PFAN_AGAIN, NULL);
	assert_int_equal(write(p[1], "ab", 2), 2);
	expect_next(in, PFAN_AGAIN, NULL);
	assert_int_equal(write(p[1], "c\nd", 3), 3);
	expect_next(in, PFAN_OK, "<abc>");
	expect_next(in, PFAN_AGAIN, NULL);
	assert_int_equal(write(p[1], "\0\n", 2), 2);
	expect_next(in, PFAN_E_INPUT, "stdin:2: NUL byte in input line "
	    "(use -0 for NUL-separated input)");
	expect_next(in, PFAN_AGAIN, NULL);
	assert_int_equal(write(p[1], "e", 1), 1);
	close(p[1]);
	expect_next(in, PFAN_OK, "<e>");
	expect_next(in, PFAN_EOF, NULL);
	expect_next(in, PFAN_EOF, NULL);
	assert_false(input_was_empty_stdin_file(in));
	input_free(in);
	/* input_free leaves the caller's stdin open. */
	assert_true(fcntl(p[0], F_GETFD) != -1);
	close(p[0]);
	input_free(NULL);
}

static void
test_lazy_group(void **state)
{
	struct input_config cfg = { .max_args = 2 };
	struct input *in = NULL;
	char *cause = NULL;
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	cfg.stdin_fd = p[0];
	assert_int_equal(input_open(&in, &cfg, &cause), PFAN_OK);
	assert_int_equal(write(p[1], "a\n", 2), 2);
	expect_next(in, PFAN_AGAIN, NULL);
	assert_int_equal(write(p[1], "b\nc\n", 4), 4);
	expect_next(in, PFAN_OK, "<a><b>");
	expect_next(in, PFAN_AGAIN, NULL);
	close(p[1]);
	expect_next(in, PFAN_OK, "<c>");
	expect_next(in, PFAN_EOF, NULL);
	input_free(in);
	close(p[0]);
}

/* A 1 MB line fed through a pipe in pieces, interleaved with input_next. */
static void
test_long_line(void **state)
{
	size_t len = 1 << 20, off = 0;
	char *line = malloc(len + 1);
	struct input_config cfg = { 0 };
	struct input *in = NULL;
	struct args a;
	char *cause = NULL;
	int p[2], rc, again = 0;

	(void)state;
	memset(line, 'x', len);
	line[len - 1] = 'y';
	line[len] = '\n';
	assert_int_equal(pipe(p), 0);
	assert_int_equal(fcntl(p[1], F_SETFL, O_NONBLOCK), 0);
	cfg.stdin_fd = p[0];
	assert_int_equal(input_open(&in, &cfg, &cause), PFAN_OK);
	for (;;) {
		if (off <= len) {
			ssize_t n = write(p[1], line + off, len + 1 - off);
			if (n > 0)
				off += (size_t)n;
			if (off > len)
				close(p[1]);
		}
		rc = input_next(in, &a, &cause);
		if (rc != PFAN_AGAIN)
			break;
		again++;
	}
	assert_int_equal(rc, PFAN_OK);
	assert_true(again > 0);
	assert_int_equal(a.n, 1);
	assert_int_equal(strlen(a.v[0]), len);
	assert_memory_equal(a.v[0], line, len);
	args_free(&a);
	expect_next(in, PFAN_EOF, NULL);
	input_free(in);
	close(p[0]);
	free(line);
}

static void
test_files(void **state)
{
	char *ab[] = { "a", "b", NULL }, *n12[] = { "1", "2", NULL };
	char *xy = temp_file("x\ny\n", 4), *bad = temp_file("p\nq\0r\ns", 7);
	char *empty = temp_file("", 0);
	struct input_source s1[] = { list(ab), file(xy) };
	struct input_source s2[] = { file(xy), list(n12) };
	struct input_source s3[] = { list(ab), file(bad) };
	struct input_source s4[] = { list(ab), file(empty) };
	struct input_source s5[] = { file(empty), list(ab) };
	struct input_source s6[] = { file(empty), file(empty) };
	struct input_source s7[] = { file("/nonexistent/in.txt") };
	struct input_config cfg = { .sources = s1, .nsources = 2 };
	char want[256];

	(void)state;
	expect_jobs(&cfg, "<a><x>|<a><y>|<b><x>|<b><y>");
	/* The lazy first source can be a file too. */
	cfg.sources = s2;
	expect_jobs(&cfg, "<x><1>|<x><2>|<y><1>|<y><2>");
	/* A bad line in a source read at open is reported before any job. */
	cfg.sources = s3;
	snprintf(want, sizeof want, "!%s:2: NUL byte in input line (use -0 for "
	    "NUL-separated input)|<a><p>|<a><s>|<b><p>|<b><s>", bad);
	expect_jobs(&cfg, want);
	/* GNU parallel: an empty source gives one empty value, unless all
	 * sources are empty. */
	cfg.sources = s4;
	expect_jobs(&cfg, "<a><>|<b><>");
	cfg.sources = s5;
	expect_jobs(&cfg, "<><a>|<><b>");
	cfg.sources = s6;
	expect_jobs(&cfg, "");
	cfg.sources = s4;
	cfg.link = true;
	expect_jobs(&cfg, "<a><>|<b><>");
	cfg.link = false;
	cfg.sources = s7;
	cfg.nsources = 1;
	expect_open_error(&cfg, "/nonexistent/in.txt: No such file or directory");
	/* A lazy file's bad line names the file. */
	cfg.sources = &s3[1];
	snprintf(want, sizeof want, "<p>|!%s:2: NUL byte in input line (use -0 "
	    "for NUL-separated input)|<s>", bad);
	expect_jobs(&cfg, want);
	remove_temp(xy);
	remove_temp(bad);
	remove_temp(empty);
}

static void
test_stdin_as_source(void **state)
{
	char *ab[] = { "a", "b", NULL };
	struct input_source s1[] = { list(ab), file("-") };
	struct input_config cfg = { .sources = s1, .nsources = 2 };

	(void)state;
	/* -a - / :::: - after another source: read whole at open. */
	expect_stdin(&cfg, "x\ny\n", 4, "<a><x>|<a><y>|<b><x>|<b><y>");
	cfg.link = true;
	expect_stdin(&cfg, "x\ny\nz\n", 6, "<a><x>|<b><y>|<a><z>");
}

static void
test_empty_stdin_file(void **state)
{
	char *empty = temp_file("", 0), *nl = temp_file("\n", 1);
	char *ab[] = { "a", NULL };
	struct input_source lst[] = { list(ab) };
	struct input_config cfg = { 0 };
	struct input *in = NULL;
	char *cause = NULL;

	(void)state;
	cfg.stdin_fd = open(empty, O_RDONLY);
	assert_int_equal(input_open(&in, &cfg, &cause), PFAN_OK);
	assert_true(input_was_empty_stdin_file(in));
	expect_next(in, PFAN_EOF, NULL);
	assert_true(input_was_empty_stdin_file(in));
	input_free(in);

	/* Not with other sources, nor when a line (even empty) is there. */
	cfg.sources = lst;
	cfg.nsources = 1;
	assert_int_equal(input_open(&in, &cfg, &cause), PFAN_OK);
	assert_false(input_was_empty_stdin_file(in));
	input_free(in);
	close(cfg.stdin_fd);

	cfg.sources = NULL;
	cfg.nsources = 0;
	cfg.stdin_fd = open(nl, O_RDONLY);
	assert_int_equal(input_open(&in, &cfg, &cause), PFAN_OK);
	expect_next(in, PFAN_OK, "<>");
	expect_next(in, PFAN_EOF, NULL);
	assert_false(input_was_empty_stdin_file(in));
	input_free(in);
	close(cfg.stdin_fd);

	/* An empty pipe is not a file that a stray `<` emptied. */
	cfg.stdin_fd = filled_pipe("", 0);
	assert_int_equal(input_open(&in, &cfg, &cause), PFAN_OK);
	expect_next(in, PFAN_EOF, NULL);
	assert_false(input_was_empty_stdin_file(in));
	input_free(in);
	close(cfg.stdin_fd);
	remove_temp(empty);
	remove_temp(nl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_product_order),
		cmocka_unit_test(test_link_wraps),
		cmocka_unit_test(test_null_separated),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_colsep_table),
		cmocka_unit_test(test_colsep_sources),
		cmocka_unit_test(test_bad_regex),
		cmocka_unit_test(test_max_args),
		cmocka_unit_test(test_linked_sources),
		cmocka_unit_test(test_record_rules),
		cmocka_unit_test(test_no_args_and_xargs),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_lazy_pipe),
		cmocka_unit_test(test_lazy_group),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_stdin_as_source),
		cmocka_unit_test(test_empty_stdin_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
