/* test_joblog.c: the joblog writer (joblog.c) and the resume reader
 * (resume.c): exact lines, escaping of bytes that are not UTF-8, torn
 * lines, every malformed-line message, and the --resume matching rules. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>

#include "buf.h"
#include "errors.h"
#include "joblog.h"
#include "resume.h"
#include "xalloc.h"

/*
 * write() is interposed so that a test can count the calls joblog.c makes
 * and make one fail or come up short. Only fds above 2 are touched: log.c's
 * messages on stderr go straight through.
 */
static struct {
	int calls;
	int fail_errno;     /* next write fails with this errno */
	size_t short_by;    /* next write writes this many bytes less */
} wr;

ssize_t
write(int fd, const void *p, size_t n)
{
	if (fd > 2) {
		wr.calls++;
		if (wr.fail_errno != 0) {
			errno = wr.fail_errno;
			wr.fail_errno = 0;
			return -1;
		}
		if (wr.short_by > 0 && wr.short_by < n) {
			n -= wr.short_by;
			wr.short_by = 0;
		}
	}
	return syscall(SYS_write, fd, p, n);
}

/* A path for a new temporary file under $TMPDIR, holding n bytes of s
 * (s NULL: the file does not exist). */
static char *
tmp_file(const char *s, size_t n)
{
	const char *dir = getenv("TMPDIR");
	char *path = xasprintf("%s/test_joblog.XXXXXX",
	    dir != NULL && *dir != '\0' ? dir : "/tmp");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	if (s != NULL)
		assert_int_equal(syscall(SYS_write, fd, s, n), (long)n);
	close(fd);
	if (s == NULL)
		unlink(path);
	return path;
}

static char *
tmp_text(const char *s)
{
	return tmp_file(s, strlen(s));
}

static void
tmp_done(char *path)
{
	unlink(path);
	free(path);
}

static char *
slurp(const char *path)
{
	struct buf b = BUF_INIT;
	char chunk[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	while ((n = read(fd, chunk, sizeof chunk)) > 0)
		buf_add(&b, chunk, (size_t)n);
	close(fd);
	return buf_steal(&b);
}

/* stderr (log.c's warnings) goes to a file between capture_start and
 * capture_end, which returns what was written. */
struct capture {
	int saved;
	char *path;
};

static void
capture_start(struct capture *c)
{
	int fd;

	c->path = tmp_text("");
	fd = open(c->path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	c->saved = dup(2);
	dup2(fd, 2);
	close(fd);
}

static char *
capture_end(struct capture *c)
{
	char *s;

	dup2(c->saved, 2);
	close(c->saved);
	s = slurp(c->path);
	tmp_done(c->path);
	return s;
}

static struct joblog_record
rec(unsigned long long seq, unsigned attempt, const char *cmd, enum job_status st)
{
	return (struct joblog_record){
		.seq = seq, .attempt = attempt, .host = "node03", .slot = 5,
		.cmd = cmd, .start = 1795389297.258, .runtime = 2.004,
		.exit_code = st == JOB_OK ? 0 : 1, .status = st,
	};
}

static const char *header_argv[] = { "pfan", "--joblog", "x.jsonl", "echo", "{}" };

static const struct joblog_header test_header = {
	.version = "0.1.0", .argc = 5, .argv = (char *const *)header_argv,
	.cwd = "/home/u", .start = 1795389297.258,
};

#define HEADER_LINE "{\"pfan\":\"0.1.0\",\"argv\":[\"pfan\",\"--joblog\"," \
	"\"x.jsonl\",\"echo\",\"{}\"],\"cwd\":\"/home/u\",\"start\":1795389297.258}\n"

static void
test_status_names(void **state)
{
	static const char *names[] = { "ok", "failed", "timeout", "killed",
		"host_lost", "skipped", "output_lost" };
	enum job_status s;

	(void)state;
	for (int i = JOB_OK; i <= JOB_OUTPUT_LOST; i++) {
		assert_string_equal(job_status_name((enum job_status)i), names[i]);
		assert_int_equal(job_status_parse(names[i], &s), PFAN_OK);
		assert_int_equal(s, i);
	}
	assert_int_equal(job_status_parse("OK", &s), PFAN_E_INPUT);
	assert_int_equal(job_status_parse("", &s), PFAN_E_INPUT);
	assert_int_equal(job_status_parse("done", &s), PFAN_E_INPUT);
}

static void
test_encode_design_example(void **state)
{
	char *args[] = { "17" };
	struct joblog_record r = rec(17, 1, "./think 17 20", JOB_OK);
	char *s;

	(void)state;
	r.nargs = 1;
	r.args = args;
	r.stdout_bytes = 71;
	s = joblog_encode_record(&r);
	assert_string_equal(s, "{\"seq\":17,\"attempt\":1,\"host\":\"node03\","
	    "\"slot\":5,\"cmd\":\"./think 17 20\",\"args\":[\"17\"],"
	    "\"start\":1795389297.258,\"runtime\":2.004,\"exit\":0,"
	    "\"signal\":null,\"status\":\"ok\",\"final\":true,\"stdout_bytes\":71,"
	    "\"stderr_bytes\":0}\n");
	free(s);
}

/* Files staged: the bytes each way and the time, then why it failed;
 * neither is written for an attempt that staged nothing and has no cause. */
static void
test_encode_staged(void **state)
{
	struct joblog_record r = rec(3, 2, "./job < a.txt > a.out", JOB_FAILED);
	char *s;

	(void)state;
	r.exit_code = -1;
	r.staged = true;
	r.sent_bytes = 10240;
	r.received_bytes = 0;
	r.stage_secs = 0.0314;
	r.cause = "cannot send to 'a.txt': no space left on the host";
	s = joblog_encode_record(&r);
	assert_non_null(strstr(s, "\"stderr_bytes\":0,\"sent_bytes\":10240,"
	    "\"received_bytes\":0,\"staging\":0.031,"
	    "\"cause\":\"cannot send to 'a.txt': no space left on the host\"}\n"));
	free(s);
	r.staged = false;
	r.cause = NULL;
	s = joblog_encode_record(&r);
	assert_null(strstr(s, "sent_bytes"));
	assert_null(strstr(s, "cause"));
	free(s);
}

/* Null rules and number formatting: millisecond rounding, no exponent. */
static void
test_encode_fields(void **state)
{
	static const struct {
		const char *host;
		double start, runtime;
		int exit_code, sig;
		enum job_status st;
		const char *expect;
	} cases[] = {
		{ "n1", 1795389297.2584, 0.0, -1, 9, JOB_TIMEOUT,
		  "\"host\":\"n1\",\"slot\":5,\"cmd\":\"c\",\"args\":[],"
		  "\"start\":1795389297.258,\"runtime\":0.0,\"exit\":null,"
		  "\"signal\":9,\"status\":\"timeout\"" },
		{ NULL, 0.0, 1e-7, -1, 0, JOB_SKIPPED,
		  "\"host\":null,\"slot\":5,\"cmd\":\"c\",\"args\":[],"
		  "\"start\":0.0,\"runtime\":0.0,\"exit\":null,"
		  "\"signal\":null,\"status\":\"skipped\"" },
		{ "n2", 1795389297.0, 0.0016, 3, 0, JOB_FAILED,
		  "\"host\":\"n2\",\"slot\":5,\"cmd\":\"c\",\"args\":[],"
		  "\"start\":1795389297.0,\"runtime\":0.002,\"exit\":3,"
		  "\"signal\":null,\"status\":\"failed\"" },
		{ "n3", 1795389297.9996, 123456.7891, 255, 15, JOB_KILLED,
		  "\"host\":\"n3\",\"slot\":5,\"cmd\":\"c\",\"args\":[],"
		  "\"start\":1795389298.0,\"runtime\":123456.789,\"exit\":255,"
		  "\"signal\":15,\"status\":\"killed\"" },
		{ "n4", INFINITY, -0.0001, 0, 0, JOB_HOST_LOST,
		  "\"host\":\"n4\",\"slot\":5,\"cmd\":\"c\",\"args\":[],"
		  "\"start\":null,\"runtime\":0.0,\"exit\":0,"
		  "\"signal\":null,\"status\":\"host_lost\"" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct joblog_record r = rec(3, 2, "c", cases[i].st);
		char *s, *want;

		r.host = cases[i].host;
		r.start = cases[i].start;
		r.runtime = cases[i].runtime;
		r.exit_code = cases[i].exit_code;
		r.signal = cases[i].sig;
		r.stdout_bytes = 1ULL << 40;
		r.stderr_bytes = 12;
		s = joblog_encode_record(&r);
		want = xasprintf("{\"seq\":3,\"attempt\":2,%s,\"final\":true,"
		    "\"stdout_bytes\":1099511627776,\"stderr_bytes\":12}\n",
		    cases[i].expect);
		assert_string_equal(s, want);
		free(s);
		free(want);
	}
}

static void
test_encode_header(void **state)
{
	struct joblog_header h = test_header;
	char *s;

	(void)state;
	s = joblog_encode_header(&h);
	assert_string_equal(s, HEADER_LINE);
	free(s);
	h.cwd = NULL;
	h.argc = 0;
	h.start = 12.5;
	s = joblog_encode_header(&h);
	assert_string_equal(s, "{\"pfan\":\"0.1.0\",\"argv\":[],\"cwd\":null,\"start\":12.5}\n");
	free(s);
}

/* Bytes that are not UTF-8: U+0000 then U+00XX per bad byte. */
static void
test_encode_bytes(void **state)
{
	static const struct {
		const char *in, *json;
	} cases[] = {
		{ "caf\xc3\xa9", "\"caf\xc3\xa9\"" },
		{ "caf\xe9", "\"caf\\u0000\xc3\xa9\"" },
		{ "\xff", "\"\\u0000\xc3\xbf\"" },
		{ "\xe2\x82", "\"\\u0000\xc3\xa2\\u0000\xc2\x82\"" },        /* cut euro sign */
		{ "\xe2\x82\xac", "\"\xe2\x82\xac\"" },
		{ "\xed\xa0\x80", "\"\\u0000\xc3\xad\\u0000\xc2\xa0\\u0000\xc2\x80\"" },  /* surrogate */
		{ "\xc0\xaf", "\"\\u0000\xc3\x80\\u0000\xc2\xaf\"" },        /* overlong */
		{ "\xf4\x90\x80\x80", "\"\\u0000\xc3\xb4\\u0000\xc2\x90\\u0000\xc2\x80\\u0000\xc2\x80\"" },
		{ "\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"" },
		{ "a\tb\"c\\/", "\"a\\tb\\\"c\\\\/\"" },
		{ "x\x80y", "\"x\\u0000\xc2\x80y\"" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *argv[] = { cases[i].in };
		struct joblog_header h = { "0.1.0", 1, (char *const *)argv, NULL, 0 };
		char *s = joblog_encode_header(&h);
		char *want = xasprintf("{\"pfan\":\"0.1.0\",\"argv\":[%s],"
		    "\"cwd\":null,\"start\":0.0}\n", cases[i].json);
		assert_string_equal(s, want);
		free(s);
		free(want);
	}
}

/* Random byte strings: every encoding is JSON jansson reads, the same on
 * each call, and resume matches the raw bytes back (that the Latin-1
 * reading of a bad byte does not match is a case of joblog_cases.txt). */
static void
test_bytes_round_trip(void **state)
{
	enum { N = 2000 };
	char *cmds[N], *text, *path, *cause = NULL;
	struct buf b = BUF_INIT;
	struct resume *r;
	unsigned long long x = 88172645463325252ULL;

	(void)state;
	buf_adds(&b, HEADER_LINE);
	for (int i = 0; i < N; i++) {
		struct buf c = BUF_INIT;
		int len = 1 + (int)(x % 24);
		buf_addf(&c, "%d ", i);
		for (int k = 0; k < len; k++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			buf_addc(&c, (char)(1 + x % 255));
		}
		cmds[i] = buf_steal(&c);
		struct joblog_record rr = rec((unsigned long long)i + 1, 1, cmds[i], JOB_OK);
		char *s1 = joblog_encode_record(&rr), *s2 = joblog_encode_record(&rr);
		json_error_t err;
		json_t *o = json_loads(s1, JSON_ALLOW_NUL, &err);
		assert_string_equal(s1, s2);
		assert_non_null(o);
		json_decref(o);
		buf_adds(&b, s1);
		free(s1);
		free(s2);
	}
	text = buf_steal(&b);
	path = tmp_text(text);
	assert_int_equal(resume_load(&r, path, &cause), PFAN_OK);
	assert_int_equal(resume_done_count(r), N);
	for (int i = 0; i < N; i++) {
		assert_true(resume_take_done(r, cmds[i]));
		assert_false(resume_take_done(r, cmds[i]));
		free(cmds[i]);
	}
	resume_free(r);
	tmp_done(path);
	free(text);
}

/* Each record is one write(), and the file holds exactly the lines. */
static void
test_writer_lines(void **state)
{
	char *path = tmp_file(NULL, 0), *cause = NULL, *got;
	struct buf want = BUF_INIT;
	struct joblog *jl;

	(void)state;
	assert_int_equal(joblog_open(&jl, path, &cause), PFAN_OK);
	wr.calls = 0;
	assert_int_equal(joblog_write_header(jl, &test_header, &cause), PFAN_OK);
	buf_adds(&want, HEADER_LINE);
	for (unsigned i = 1; i <= 50; i++) {
		struct joblog_record r = rec(i, 1, "echo x", i % 7 ? JOB_OK : JOB_FAILED);
		char *s = joblog_encode_record(&r);
		assert_int_equal(joblog_append(jl, &r, &cause), PFAN_OK);
		buf_adds(&want, s);
		free(s);
		if (i % 10 == 0)
			assert_int_equal(joblog_sync(jl, &cause), PFAN_OK);
	}
	assert_int_equal(wr.calls, 51);
	joblog_close(jl);
	assert_null(cause);
	got = slurp(path);
	assert_string_equal(got, buf_cstr(&want));
	free(got);

	/* Reopened: appended after the last line, no blank line between. */
	assert_int_equal(joblog_open(&jl, path, &cause), PFAN_OK);
	struct joblog_record r = rec(51, 1, "echo y", JOB_OK);
	char *s = joblog_encode_record(&r);
	assert_int_equal(joblog_append(jl, &r, &cause), PFAN_OK);
	buf_adds(&want, s);
	free(s);
	joblog_close(jl);
	got = slurp(path);
	assert_string_equal(got, buf_cstr(&want));
	free(got);
	buf_free(&want);
	tmp_done(path);
}

static void
test_writer_errors(void **state)
{
	char *path = tmp_file(NULL, 0), *cause = NULL, *got;
	struct joblog *jl;
	struct joblog_record r = rec(1, 1, "echo x", JOB_OK);
	char *line = joblog_encode_record(&r), *want;
	size_t n = strlen(line);

	(void)state;
	assert_int_equal(joblog_open(&jl, "/nonexistent-pfan-dir/x.jsonl", &cause),
	    PFAN_E_SYS);
	assert_null(jl);
	assert_string_equal(cause, "/nonexistent-pfan-dir/x.jsonl: No such file or directory");
	free(cause);
	cause = NULL;

	assert_int_equal(joblog_open(&jl, path, &cause), PFAN_OK);
	wr.fail_errno = ENOSPC;
	assert_int_equal(joblog_append(jl, &r, &cause), PFAN_E_SYS);
	want = xasprintf("%s: No space left on device", path);
	assert_string_equal(cause, want);
	free(want);
	free(cause);
	cause = NULL;

	/* A short write tears the line; the next record starts on a new one. */
	wr.short_by = 5;
	assert_int_equal(joblog_append(jl, &r, &cause), PFAN_E_SYS);
	want = xasprintf("%s: short write (%zu of %zu bytes)", path, n - 5, n);
	assert_string_equal(cause, want);
	free(want);
	free(cause);
	cause = NULL;
	assert_int_equal(joblog_append(jl, &r, &cause), PFAN_OK);
	joblog_close(jl);
	got = slurp(path);
	want = xasprintf("%.*s\n%s", (int)(n - 5), line, line);
	assert_string_equal(got, want);
	free(want);
	free(got);
	free(line);
	tmp_done(path);
}

/* A run killed mid-write; the next run seals the torn line with '\n'
 * before its header, and a later resume reads the whole file. */
static void
test_append_after_torn_line(void **state)
{
	static const char old[] = HEADER_LINE "{\"seq\":1,\"att";
	char *path = tmp_text(old), *cause = NULL, *got, *want, *err;
	struct joblog_record r = rec(1, 1, "echo a", JOB_OK);
	char *line = joblog_encode_record(&r);
	struct resume *res;
	struct capture cap;
	struct joblog *jl;

	(void)state;
	capture_start(&cap);
	assert_int_equal(resume_load(&res, path, &cause), PFAN_OK);
	err = capture_end(&cap);
	want = xasprintf("pfan: warning: %s:2: ignoring a torn last line (pfan "
	    "was killed mid-write?)\n", path);
	assert_string_equal(err, want);
	free(want);
	free(err);
	assert_int_equal(resume_done_count(res), 0);
	resume_free(res);

	assert_int_equal(joblog_open(&jl, path, &cause), PFAN_OK);
	assert_int_equal(joblog_write_header(jl, &test_header, &cause), PFAN_OK);
	assert_int_equal(joblog_append(jl, &r, &cause), PFAN_OK);
	joblog_close(jl);
	got = slurp(path);
	want = xasprintf("%s\n%s%s", old, HEADER_LINE, line);
	assert_string_equal(got, want);
	free(want);
	free(got);

	capture_start(&cap);
	assert_int_equal(resume_load(&res, path, &cause), PFAN_OK);
	err = capture_end(&cap);
	want = xasprintf("pfan: warning: %s:2: ignoring a torn line (pfan "
	    "was killed mid-write?)\n", path);
	assert_string_equal(err, want);
	free(want);
	free(err);
	assert_null(cause);
	assert_int_equal(resume_done_count(res), 1);
	assert_true(resume_take_done(res, "echo a"));
	resume_free(res);
	free(line);
	tmp_done(path);
}

/* A missing file and a directory (an empty file and blank lines are cases
 * of joblog_cases.txt). */
static void
test_resume_missing_dir(void **state)
{
	char *path = tmp_file(NULL, 0), *cause = NULL;
	struct resume *r;

	(void)state;
	assert_int_equal(resume_load(&r, path, &cause), PFAN_OK);
	assert_null(resume_header(r));
	assert_int_equal(resume_done_count(r), 0);
	assert_false(resume_take_done(r, "anything"));
	resume_free(r);
	tmp_done(path);

	path = tmp_text("");
	unlink(path);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(resume_load(&r, path, &cause), PFAN_E_SYS);
	assert_null(r);
	char *want = xasprintf("%s: Is a directory", path);
	assert_string_equal(cause, want);
	free(want);
	free(cause);
	rmdir(path);
	free(path);

	resume_free(NULL);
	joblog_close(NULL);
	assert_null(resume_header(NULL));
}

/*
 * The reading and matching rules, from tests/data/joblog_cases.txt (its
 * head gives the format): each case's joblog goes to a file that
 * resume_load reads with stderr captured; then each expectation in turn.
 */
#define CASES_FILE "joblog_cases.txt"

struct jcase {
	int start;            /* the case's first line in the file */
	struct buf text;      /* its joblog */
	struct buf warns;     /* the warnings it expects */
	bool loaded;
	int rc;
	char *path, *cause, *err;
	struct resume *r;
	int failures;
};

/* A "C-escaped" string (\n \t \\ \" \xHH) or else the text as it is. */
static char *
case_value(int line, const char *s)
{
	struct buf b = BUF_INIT;

	if (*s != '"')
		return xstrdup(s);
	for (s++; *s != '"'; s++) {
		if (*s == '\0')
			fail_msg(CASES_FILE ":%d: unterminated string", line);
		if (*s != '\\') {
			buf_addc(&b, *s);
			continue;
		}
		switch (*++s) {
		case 'n': buf_addc(&b, '\n'); break;
		case 't': buf_addc(&b, '\t'); break;
		case '\\': buf_addc(&b, '\\'); break;
		case '"': buf_addc(&b, '"'); break;
		case 'x': {
			unsigned v;
			if (sscanf(s + 1, "%2x", &v) != 1 || strlen(s) < 3)
				fail_msg(CASES_FILE ":%d: bad \\x escape", line);
			buf_addc(&b, (char)v);
			s += 2;
			break;
		}
		default:
			fail_msg(CASES_FILE ":%d: bad escape \\%c", line, *s);
		}
	}
	if (s[1] != '\0')
		fail_msg(CASES_FILE ":%d: text after the closing quote", line);
	return buf_steal(&b);
}

static void
case_fail(struct jcase *c, int line, const char *fmt, ...)
{
	va_list ap;
	char msg[4096];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	print_error(CASES_FILE ":%d (case of line %d): %s\n", line, c->start, msg);
	c->failures++;
}

/* The joblog lines: header, line, rec, tail. False for another key. */
static bool
case_input(struct jcase *c, int line, const char *key, const char *rest)
{
	if (strcmp(key, "header") == 0) {
		buf_adds(&c->text, HEADER_LINE);
	} else if (strcmp(key, "line") == 0 || strcmp(key, "tail") == 0) {
		char *v = case_value(line, rest);
		buf_adds(&c->text, v);
		if (key[0] == 'l')
			buf_addc(&c->text, '\n');
		free(v);
	} else if (strcmp(key, "rec") == 0) {
		unsigned long long seq;
		unsigned attempt;
		char st[32];
		int n = 0;
		enum job_status status;

		if (sscanf(rest, "%llu %u %31s %n", &seq, &attempt, st, &n) != 3 || n == 0 ||
		    job_status_parse(st, &status) != PFAN_OK)
			fail_msg(CASES_FILE ":%d: rec SEQ ATTEMPT STATUS CMD", line);
		char *cmd = case_value(line, rest + n);
		struct joblog_record r = rec(seq, attempt, cmd, status);
		char *s = joblog_encode_record(&r);
		buf_adds(&c->text, s);
		free(s);
		free(cmd);
	} else
		return false;
	if (c->loaded)
		fail_msg(CASES_FILE ":%d: a joblog line after the expectations", line);
	return true;
}

static void
case_load(struct jcase *c)
{
	struct capture cap;

	c->path = tmp_file(buf_cstr(&c->text), c->text.len);
	capture_start(&cap);
	c->rc = resume_load(&c->r, c->path, &c->cause);
	c->err = capture_end(&cap);
	c->loaded = true;
}

/* The expectations: error, warn, done, no-header, skip, run. */
static void
case_check(struct jcase *c, int line, const char *key, const char *rest)
{
	int n = 0, num;
	char *v;

	if (!c->loaded)
		case_load(c);
	if (strcmp(key, "error") == 0 || strcmp(key, "warn") == 0) {
		if (sscanf(rest, "%d %n", &num, &n) != 1 || n == 0)
			fail_msg(CASES_FILE ":%d: %s N TEXT", line, key);
		v = case_value(line, rest + n);
		if (key[0] == 'w') {
			buf_addf(&c->warns, "pfan: warning: %s:%d: %s\n", c->path, num, v);
		} else {
			char *want = xasprintf("%s:%d: %s", c->path, num, v);
			if (c->rc != PFAN_E_INPUT || c->r != NULL || c->cause == NULL ||
			    strcmp(c->cause, want) != 0)
				case_fail(c, line, "want error [%s], got %d [%s]", want,
				    c->rc, c->cause ? c->cause : "(none)");
			free(want);
		}
		free(v);
		return;
	}
	if (c->rc != PFAN_OK || c->cause != NULL || c->r == NULL) {
		case_fail(c, line, "resume_load failed: %s", c->cause ? c->cause : "?");
		return;
	}
	if (strcmp(key, "done") == 0) {
		unsigned long long got = resume_done_count(c->r);
		if (strtoull(rest, NULL, 10) != got)
			case_fail(c, line, "want %s done, got %llu", rest, got);
	} else if (strcmp(key, "no-header") == 0) {
		if (resume_header(c->r) != NULL)
			case_fail(c, line, "a header where there is none");
	} else if (strcmp(key, "skip") == 0 || strcmp(key, "run") == 0) {
		bool want = key[0] == 's';
		v = case_value(line, rest);
		if (resume_take_done(c->r, v) != want)
			case_fail(c, line, "%s [%s]: resume would %s it", key, v,
			    want ? "run" : "skip");
		free(v);
	} else
		fail_msg(CASES_FILE ":%d: unknown key %s", line, key);
}

/* Ends a case: the warnings are exactly those expected. */
static int
case_end(struct jcase *c, int line)
{
	int failures;

	if (!c->loaded)
		fail_msg(CASES_FILE ":%d: a case without expectations", line);
	if (strcmp(c->err, buf_cstr(&c->warns)) != 0)
		case_fail(c, line, "want warnings [%s], got [%s]", buf_cstr(&c->warns),
		    c->err);
	failures = c->failures;
	resume_free(c->r);
	tmp_done(c->path);
	free(c->cause);
	free(c->err);
	buf_free(&c->text);
	buf_free(&c->warns);
	memset(c, 0, sizeof *c);
	return failures;
}

static void
test_resume_cases(void **state)
{
	const char *dir = getenv("PFAN_SRCDIR");
	char *path = xasprintf("%s/tests/data/" CASES_FILE, dir != NULL ? dir : ".");
	FILE *f = fopen(path, "r");
	struct jcase c;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int lineno = 0, ncases = 0, failures = 0;

	(void)state;
	if (f == NULL)
		fail_msg("cannot open %s (set PFAN_SRCDIR to the source tree)", path);
	memset(&c, 0, sizeof c);
	while ((n = getline(&line, &cap, f)) >= 0) {
		char *key = line, *rest;

		lineno++;
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (*line == '#')
			continue;
		if (*line == '\0') {
			if (c.start != 0) {
				failures += case_end(&c, lineno);
				ncases++;
			}
			continue;
		}
		if (c.start == 0)
			c.start = lineno;
		rest = strchr(line, ' ');
		if (rest != NULL)
			*rest++ = '\0';
		else
			rest = line + n;
		if (!case_input(&c, lineno, key, rest))
			case_check(&c, lineno, key, rest);
	}
	if (c.start != 0) {
		failures += case_end(&c, lineno);
		ncases++;
	}
	free(line);
	fclose(f);
	free(path);
	assert_int_equal(failures, 0);
	/* A truncated or misread file must not pass quietly. */
	assert_true(ncases >= 55);
}

static void
test_resume_header(void **state)
{
	const char *argv2[] = { "pfan", "--resume", "caf\xe9.jsonl" };
	struct joblog_header h2 = { "0.2.0", 3, (char *const *)argv2, "/w\xff", 5.0 };
	char *path = tmp_file(NULL, 0), *cause = NULL;
	const struct joblog_header *h;
	struct joblog *jl;
	struct resume *r;

	(void)state;
	assert_int_equal(joblog_open(&jl, path, &cause), PFAN_OK);
	assert_int_equal(joblog_write_header(jl, &h2, &cause), PFAN_OK);
	assert_int_equal(joblog_write_header(jl, &test_header, &cause), PFAN_OK);
	joblog_close(jl);
	assert_int_equal(resume_load(&r, path, &cause), PFAN_OK);
	h = resume_header(r);
	assert_non_null(h);
	assert_string_equal(h->version, "0.2.0");
	assert_int_equal(h->argc, 3);
	for (int i = 0; i < 3; i++)
		assert_string_equal(h->argv[i], argv2[i]);
	assert_null(h->argv[3]);
	assert_string_equal(h->cwd, "/w\xff");
	assert_true(h->start == 5.0);
	assert_int_equal(resume_done_count(r), 0);
	resume_free(r);
	tmp_done(path);

	path = tmp_text("{\"pfan\":\"0.1.0\",\"argv\":[\"pfan\"],\"cwd\":null,\"start\":null}\n");
	assert_int_equal(resume_load(&r, path, &cause), PFAN_OK);
	h = resume_header(r);
	assert_non_null(h);
	assert_null(h->cwd);
	assert_int_equal(h->argc, 1);
	assert_string_equal(h->argv[0], "pfan");
	resume_free(r);
	tmp_done(path);
}

/* Enough commands to grow the table many times, and a 300 kB line. */
static void
test_resume_large(void **state)
{
	enum { N = 30000 };
	struct buf b = BUF_INIT, big = BUF_INIT;
	char *path, *cause = NULL;
	struct resume *r;

	(void)state;
	for (int i = 0; i < 300000; i++)
		buf_addc(&big, (char)('a' + i % 26));
	for (int i = 1; i <= N; i++) {
		char *cmd = xasprintf("./think %d", i % (N / 2));
		struct joblog_record rr = rec((unsigned long long)i, 1, cmd, JOB_OK);
		char *s = joblog_encode_record(&rr);
		buf_adds(&b, s);
		free(s);
		free(cmd);
	}
	struct joblog_record rr = rec(N + 1, 1, buf_cstr(&big), JOB_OK);
	char *s = joblog_encode_record(&rr);
	buf_adds(&b, s);
	free(s);
	path = tmp_file(b.data, b.len);
	assert_int_equal(resume_load(&r, path, &cause), PFAN_OK);
	assert_int_equal(resume_done_count(r), N + 1);
	for (int i = 0; i < N / 2; i++) {
		char *cmd = xasprintf("./think %d", i);
		assert_true(resume_take_done(r, cmd));
		assert_true(resume_take_done(r, cmd));
		assert_false(resume_take_done(r, cmd));
		free(cmd);
	}
	assert_true(resume_take_done(r, buf_cstr(&big)));
	assert_false(resume_take_done(r, buf_cstr(&big)));
	resume_free(r);
	tmp_done(path);
	buf_free(&b);
	buf_free(&big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_names),
		cmocka_unit_test(test_encode_design_example),
		cmocka_unit_test(test_encode_staged),
		cmocka_unit_test(test_encode_fields),
		cmocka_unit_test(test_encode_header),
		cmocka_unit_test(test_encode_bytes),
		cmocka_unit_test(test_bytes_round_trip),
		cmocka_unit_test(test_writer_lines),
		cmocka_unit_test(test_writer_errors),
		cmocka_unit_test(test_append_after_torn_line),
		cmocka_unit_test(test_resume_missing_dir),
		cmocka_unit_test(test_resume_cases),
		cmocka_unit_test(test_resume_header),
		cmocka_unit_test(test_resume_large),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
