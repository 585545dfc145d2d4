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

/* A joblog text: a header, then one record line per (seq, attempt, cmd, status). */
struct line {
	unsigned long long seq;
	unsigned attempt;
	const char *cmd;
	enum job_status st;
};

static char *
log_text(const struct line *l, size_t n)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, HEADER_LINE);
	for (size_t i = 0; i < n; i++) {
		struct joblog_record r = rec(l[i].seq, l[i].attempt, l[i].cmd, l[i].st);
		char *s = joblog_encode_record(&r);
		buf_adds(&b, s);
		free(s);
	}
	return buf_steal(&b);
}

static struct resume *
load_lines(const struct line *l, size_t n)
{
	char *text = log_text(l, n), *path = tmp_text(text), *cause = NULL;
	struct resume *r = NULL;

	assert_int_equal(resume_load(&r, path, &cause), PFAN_OK);
	assert_null(cause);
	assert_non_null(r);
	free(text);
	tmp_done(path);
	return r;
}

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
 * each call, and resume matches the raw bytes back; the Latin-1 reading of
 * a bad byte (a valid command of its own) does not match. */
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

	struct line l[] = { { 1, 1, "echo caf\xe9", JOB_OK } };
	r = load_lines(l, 1);
	assert_false(resume_take_done(r, "echo caf\xc3\xa9"));
	assert_true(resume_take_done(r, "echo caf\xe9"));
	resume_free(r);
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

static void
test_resume_missing_empty_blank(void **state)
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
	assert_int_equal(resume_load(&r, path, &cause), PFAN_OK);
	assert_null(resume_header(r));
	assert_false(resume_take_done(r, ""));
	resume_free(r);
	tmp_done(path);

	path = tmp_text("\n\n{\"seq\":2,\"cmd\":\"b\",\"status\":\"ok\"}\n\n");
	assert_int_equal(resume_load(&r, path, &cause), PFAN_OK);
	assert_null(cause);
	assert_null(resume_header(r));
	assert_true(resume_take_done(r, "b"));
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

/* Every malformed line, as line 3 after a header and a good record. */
static void
test_resume_malformed(void **state)
{
	static const struct {
		const char *line, *cause;
	} cases[] = {
		{ "{\"seq\":1,\"att", "not JSON: premature end of input near '\"att'" },
		{ "{\"seq\":1,\"cmd\":\"a\",\"status\":\"ok\"} x", "not JSON: end of file expected near 'x'" },
		{ "{\"seq\":1,\"seq\":2,\"cmd\":\"a\",\"status\":\"ok\"}", "not JSON: duplicate object key near '\"seq\"'" },
		{ "seq 1 ok", "not JSON: '[' or '{' expected near 'seq'" },
		{ "[1,2]", "not a JSON object" },
		{ "{}", "seq is missing" },
		{ "{\"seq\":\"7\",\"cmd\":\"a\",\"status\":\"ok\"}", "seq is not a number" },
		{ "{\"seq\":0,\"cmd\":\"a\",\"status\":\"ok\"}", "seq is not a positive integer" },
		{ "{\"seq\":-3,\"cmd\":\"a\",\"status\":\"ok\"}", "seq is not a positive integer" },
		{ "{\"seq\":1.5,\"cmd\":\"a\",\"status\":\"ok\"}", "seq is not a positive integer" },
		{ "{\"seq\":1,\"status\":\"ok\"}", "cmd is missing" },
		{ "{\"seq\":1,\"cmd\":null,\"status\":\"ok\"}", "cmd is not a string" },
		{ "{\"seq\":1,\"cmd\":\"a\\u0000b\",\"status\":\"ok\"}", "cmd holds a \\u0000 that is not an escaped byte" },
		{ "{\"seq\":1,\"cmd\":\"a\\u0000\"}", "cmd holds a \\u0000 that is not an escaped byte" },
		{ "{\"seq\":1,\"cmd\":\"a\"}", "status is missing" },
		{ "{\"seq\":1,\"cmd\":\"a\",\"status\":0}", "status is not a string" },
		{ "{\"seq\":1,\"cmd\":\"a\",\"status\":\"done\"}", "unknown status \"done\"" },
		{ "{\"seq\":1,\"attempt\":0,\"cmd\":\"a\",\"status\":\"ok\"}", "attempt is not a positive integer" },
		{ "{\"seq\":1,\"host\":5,\"cmd\":\"a\",\"status\":\"ok\"}", "host is not a string or null" },
		{ "{\"seq\":1,\"slot\":-1,\"cmd\":\"a\",\"status\":\"ok\"}", "slot is not a non-negative integer" },
		{ "{\"seq\":1,\"cmd\":\"a\",\"args\":[\"x\",1],\"status\":\"ok\"}", "args is not an array of strings" },
		{ "{\"seq\":1,\"cmd\":\"a\",\"args\":\"x\",\"status\":\"ok\"}", "args is not an array of strings" },
		{ "{\"seq\":1,\"cmd\":\"a\",\"start\":\"now\",\"status\":\"ok\"}", "start is not a number or null" },
		{ "{\"seq\":1,\"cmd\":\"a\",\"runtime\":true,\"status\":\"ok\"}", "runtime is not a number or null" },
		{ "{\"seq\":1,\"cmd\":\"a\",\"exit\":\"0\",\"status\":\"ok\"}", "exit is not an integer or null" },
		{ "{\"seq\":1,\"cmd\":\"a\",\"signal\":9.0,\"status\":\"ok\"}", "signal is not an integer or null" },
		{ "{\"seq\":1,\"cmd\":\"a\",\"status\":\"ok\",\"stdout_bytes\":-1}", "stdout_bytes is not a non-negative integer" },
		{ "{\"seq\":1,\"cmd\":\"a\",\"status\":\"ok\",\"stderr_bytes\":\"3\"}", "stderr_bytes is not a number" },
		{ "{\"pfan\":1,\"argv\":[],\"cwd\":null,\"start\":0}", "pfan is not a string" },
		{ "{\"pfan\":\"0.1.0\",\"cwd\":null,\"start\":0}", "argv is missing" },
		{ "{\"pfan\":\"0.1.0\",\"argv\":[1],\"cwd\":null,\"start\":0}", "argv is not an array of strings" },
		{ "{\"pfan\":\"0.1.0\",\"argv\":[],\"start\":0}", "cwd is missing" },
		{ "{\"pfan\":\"0.1.0\",\"argv\":[],\"cwd\":null,\"start\":\"x\"}", "start is not a number or null" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *text = xasprintf("%s{\"seq\":1,\"cmd\":\"a\",\"status\":\"ok\"}\n%s\n"
		    "{\"seq\":2,\"cmd\":\"b\",\"status\":\"ok\"}\n", HEADER_LINE, cases[i].line);
		char *path = tmp_text(text), *cause = NULL, *want;
		struct resume *r = (struct resume *)&r;

		want = xasprintf("%s:3: %s", path, cases[i].cause);
		assert_int_equal(resume_load(&r, path, &cause), PFAN_E_INPUT);
		assert_null(r);
		assert_non_null(cause);
		assert_string_equal(cause, want);
		free(cause);
		free(want);
		tmp_done(path);
		free(text);
	}
}

/* A last line without '\n' is forgiven only when it is not JSON. */
static void
test_resume_torn_rules(void **state)
{
	char *path, *cause = NULL, *want, *err;
	struct resume *r;
	struct capture cap;

	(void)state;
	path = tmp_text(HEADER_LINE "{\"seq\":1,\"cmd\":\"a\",\"status\":\"ok\"}\n"
	    "{\"seq\":2,\"cmd\":\"a\",\"stat");
	capture_start(&cap);
	assert_int_equal(resume_load(&r, path, &cause), PFAN_OK);
	err = capture_end(&cap);
	want = xasprintf("pfan: warning: %s:3: ignoring a torn last line (pfan "
	    "was killed mid-write?)\n", path);
	assert_string_equal(err, want);
	free(want);
	free(err);
	assert_int_equal(resume_done_count(r), 1);
	resume_free(r);
	tmp_done(path);

	/* Complete JSON without its '\n' is a record (an editor dropped it). */
	path = tmp_text("{\"seq\":1,\"cmd\":\"a\",\"status\":\"ok\"}");
	assert_int_equal(resume_load(&r, path, &cause), PFAN_OK);
	assert_true(resume_take_done(r, "a"));
	resume_free(r);
	tmp_done(path);

	path = tmp_text("{\"seq\":1,\"cmd\":\"a\",\"status\":\"ok\"}\n{\"seq\":\"2\",\"cmd\":\"a\",\"status\":\"ok\"}");
	assert_int_equal(resume_load(&r, path, &cause), PFAN_E_INPUT);
	want = xasprintf("%s:2: seq is not a number", path);
	assert_string_equal(cause, want);
	free(want);
	free(cause);
	cause = NULL;
	tmp_done(path);

	/* Torn with '\n' and nothing after it: not a write pfan makes. */
	path = tmp_text("{\"seq\":1,\"cmd\":\"a\",\"status\":\"ok\"}\n{\"seq\":2,\"cm\n");
	assert_int_equal(resume_load(&r, path, &cause), PFAN_E_INPUT);
	want = xasprintf("%s:2: not JSON: premature end of input near '\"cm'", path);
	assert_string_equal(cause, want);
	free(want);
	free(cause);
	cause = NULL;
	tmp_done(path);

	/* Torn in the middle, followed by a record rather than a header. */
	path = tmp_text(HEADER_LINE "{\"seq\":1,\"cm\n{\"seq\":1,\"cmd\":\"a\",\"status\":\"ok\"}\n");
	assert_int_equal(resume_load(&r, path, &cause), PFAN_E_INPUT);
	want = xasprintf("%s:2: not JSON: premature end of input near '\"cm'", path);
	assert_string_equal(cause, want);
	free(want);
	free(cause);
	tmp_done(path);
}

/* The k-th job with a command in the new input matches the k-th distinct
 * done job with that command in the log. */
static void
test_resume_kth(void **state)
{
	static const struct line l[] = {
		{ 1, 1, "echo A", JOB_OK },
		{ 2, 1, "echo A", JOB_OK },
		{ 3, 1, "echo A", JOB_OK },
		{ 4, 1, "echo B", JOB_OK },
		{ 5, 1, "echo C", JOB_KILLED },
	};
	struct resume *r = load_lines(l, 5);

	(void)state;
	assert_int_equal(resume_done_count(r), 4);
	assert_true(resume_take_done(r, "echo A"));
	assert_true(resume_take_done(r, "echo A"));
	assert_true(resume_take_done(r, "echo B"));
	assert_false(resume_take_done(r, "echo B"));
	assert_false(resume_take_done(r, "echo C"));
	assert_false(resume_take_done(r, "echo D"));
	assert_false(resume_take_done(r, "echo"));
	assert_true(resume_take_done(r, "echo A"));
	assert_false(resume_take_done(r, "echo A"));
	assert_int_equal(resume_done_count(r), 4);
	resume_free(r);
}

/* Attempts of one job (same cmd and seq) count once; an ok among them makes
 * the job done, whatever came before or after it. */
static void
test_resume_retries(void **state)
{
	static const struct line l[] = {
		{ 7, 1, "x", JOB_FAILED },
		{ 7, 2, "x", JOB_OK },
		{ 8, 1, "y", JOB_HOST_LOST },
		{ 8, 2, "y", JOB_TIMEOUT },
		{ 8, 3, "y", JOB_FAILED },
		{ 9, 1, "z", JOB_HOST_LOST },
		{ 9, 2, "z", JOB_OK },
		{ 9, 3, "z", JOB_KILLED },
		{ 10, 1, "x", JOB_KILLED },
		{ 7, 1, "x", JOB_OK },      /* a later run re-ran seq 7 */
	};
	struct resume *r;

	(void)state;
	r = load_lines(l, sizeof l / sizeof l[0]);
	assert_int_equal(resume_done_count(r), 2);
	assert_true(resume_take_done(r, "x"));
	assert_false(resume_take_done(r, "x"));
	assert_false(resume_take_done(r, "y"));
	assert_true(resume_take_done(r, "z"));
	assert_false(resume_take_done(r, "z"));
	resume_free(r);
}

/* Only ok is a verdict that a resume keeps (issue 4: "every job not
 * recorded ok runs"). */
static void
test_resume_statuses(void **state)
{
	static const struct {
		enum job_status st;
		bool done;
	} cases[] = {
		{ JOB_OK, true },
		{ JOB_FAILED, false },
		{ JOB_TIMEOUT, false },
		{ JOB_KILLED, false },
		{ JOB_HOST_LOST, false },
		{ JOB_SKIPPED, false },
		{ JOB_OUTPUT_LOST, false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct line l[] = { { 1, 1, "cmd", cases[i].st } };
		struct resume *r = load_lines(l, 1);
		assert_int_equal(resume_take_done(r, "cmd"), cases[i].done);
		resume_free(r);
	}
}

/* "final" says whether pfan meant to retry; the reader checks its type
 * but a failed record is no verdict either way. */
static void
test_resume_final_field(void **state)
{
	static const char text[] =
	    "{\"seq\":1,\"cmd\":\"a\",\"status\":\"failed\",\"final\":false}\n"
	    "{\"seq\":2,\"cmd\":\"b\",\"status\":\"failed\",\"final\":true}\n"
	    "{\"seq\":3,\"cmd\":\"c\",\"status\":\"timeout\",\"final\":false}\n"
	    "{\"seq\":3,\"cmd\":\"c\",\"status\":\"ok\",\"final\":true}\n";
	char *path = tmp_file(text, sizeof text - 1), *cause = NULL;
	struct resume *r = NULL;

	(void)state;
	assert_int_equal(resume_load(&r, path, &cause), PFAN_OK);
	assert_false(resume_take_done(r, "a"));
	assert_false(resume_take_done(r, "b"));
	assert_true(resume_take_done(r, "c"));
	resume_free(r);
	static const char bad[] = "{\"seq\":1,\"cmd\":\"a\",\"status\":\"ok\",\"final\":1}\n";
	unlink(path);
	free(path);
	path = tmp_file(bad, sizeof bad - 1);
	assert_int_equal(resume_load(&r, path, &cause), PFAN_E_INPUT);
	assert_non_null(strstr(cause, ":1: final is not true or false"));
	free(cause);
	unlink(path);
	free(path);
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
		cmocka_unit_test(test_encode_fields),
		cmocka_unit_test(test_encode_header),
		cmocka_unit_test(test_encode_bytes),
		cmocka_unit_test(test_bytes_round_trip),
		cmocka_unit_test(test_writer_lines),
		cmocka_unit_test(test_writer_errors),
		cmocka_unit_test(test_append_after_torn_line),
		cmocka_unit_test(test_resume_missing_empty_blank),
		cmocka_unit_test(test_resume_malformed),
		cmocka_unit_test(test_resume_torn_rules),
		cmocka_unit_test(test_resume_kth),
		cmocka_unit_test(test_resume_retries),
		cmocka_unit_test(test_resume_statuses),
		cmocka_unit_test(test_resume_final_field),
		cmocka_unit_test(test_resume_header),
		cmocka_unit_test(test_resume_large),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
