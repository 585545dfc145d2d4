/* test_output.c: output grouping, ordering, spilling, tagging, line
 * buffering and --results, checked byte for byte on memfds. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "errors.h"
#include "args.h"
#include "output.h"

struct fix {
	int out, err;
	struct output_config cfg;
	struct output *o;
	char tmp[64];          /* a scratch directory, "" if none */
};

static int
setup(void **state)
{
	struct fix *f = calloc(1, sizeof *f);

	assert_non_null(f);
	f->out = memfd_create("out", MFD_CLOEXEC);
	f->err = memfd_create("err", MFD_CLOEXEC);
	assert_true(f->out >= 0 && f->err >= 0);
	f->cfg.out_fd = f->out;
	f->cfg.err_fd = f->err;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;
	char cmd[128];

	output_free(f->o);
	close(f->out);
	close(f->err);
	if (f->tmp[0] != '\0') {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->tmp);
		assert_int_equal(system(cmd), 0);
	}
	free(f);
	return 0;
}

static void
open_output(struct fix *f)
{
	char *cause = NULL;

	assert_int_equal(output_new(&f->o, &f->cfg, &cause), PFAN_OK);
	assert_null(cause);
}

static char *
contents(int fd, size_t *len)
{
	struct stat st;
	char *p;

	assert_int_equal(fstat(fd, &st), 0);
	p = malloc((size_t)st.st_size + 1);
	assert_non_null(p);
	assert_int_equal(pread(fd, p, (size_t)st.st_size, 0), st.st_size);
	p[st.st_size] = '\0';
	*len = (size_t)st.st_size;
	return p;
}

static void
assert_fd(int fd, const char *want)
{
	size_t n;
	char *got = contents(fd, &n);

	assert_string_equal(got, want);
	assert_int_equal(n, strlen(want));
	free(got);
}

static void
assert_file(const char *path, const char *want)
{
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_fd(fd, want);
	close(fd);
}

static void
put(struct output_job *j, int stream, const char *s)
{
	assert_int_equal(output_job_data(j, stream, s, strlen(s)), PFAN_OK);
}

/* A job whose values are the words of vals (NULL: none). */
static struct output_job *
start_v(struct fix *f, unsigned long long seq, const char *vals)
{
	struct args a;
	struct output_job_desc d = { seq, &a, NULL, 0, NULL };
	char *copy = strdup(vals != NULL ? vals : ""), *w, *save = NULL;
	struct output_job *j;

	args_init(&a);
	for (w = strtok_r(copy, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save))
		args_push(&a, w, strlen(w));
	j = output_job_start(f->o, &d);
	args_free(&a);
	free(copy);
	assert_non_null(j);
	return j;
}

static struct output_job *
start(struct fix *f, unsigned long long seq)
{
	struct output_job *j = start_v(f, seq, NULL);

	assert_non_null(j);
	return j;
}

/* Find pfan's unlinked spill file through /proc/self/fd; false if there
 * is none. */
static bool
spill_stat(struct stat *out)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	bool found = false;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		char path[300], link[PATH_MAX];
		ssize_t n;

		snprintf(path, sizeof path, "/proc/self/fd/%s", e->d_name);
		if ((n = readlink(path, link, sizeof link - 1)) < 0)
			continue;
		link[n] = '\0';
		if (strstr(link, "pfan-spill-") == NULL)
			continue;
		assert_false(found);
		assert_non_null(strstr(link, "(deleted)"));
		assert_int_equal(stat(path, out), 0);
		found = true;
	}
	closedir(d);
	return found;
}

/* The spill file's size, -1 if there is none. */
static long long
spill_size(void)
{
	struct stat st;

	return spill_stat(&st) ? (long long)st.st_size : -1;
}

static void
test_group_interleaved(void **state)
{
	struct fix *f = *state;
	struct output_job *a, *b, *c;

	open_output(f);
	a = start(f, 1);
	b = start(f, 2);
	c = start(f, 3);
	put(a, 1, "a1 ");
	put(b, 1, "b1 ");
	put(c, 2, "c-err1 ");
	put(a, 2, "a-err ");
	put(c, 1, "c1\n");
	put(b, 1, "b2\n");
	put(a, 1, "a2\n");
	put(c, 2, "c-err2\n");
	assert_int_equal(output_job_bytes(a, 1), 6);
	assert_int_equal(output_job_bytes(a, 2), 6);
	assert_int_equal(output_job_bytes(c, 2), 14);
	assert_fd(f->out, "");
	output_job_finish(b, NULL, NULL);
	assert_fd(f->out, "b1 b2\n");
	assert_fd(f->err, "");
	output_job_finish(c, NULL, NULL);
	output_job_finish(a, NULL, NULL);
	assert_fd(f->out, "b1 b2\nc1\na1 a2\n");
	assert_fd(f->err, "c-err1 c-err2\na-err ");
}

/* One fd for both: a job's stdout comes whole, then its stderr. */
static void
test_stdout_then_stderr_same_fd(void **state)
{
	struct fix *f = *state;
	struct output_job *a, *b;

	f->cfg.err_fd = f->out;
	open_output(f);
	a = start(f, 1);
	b = start(f, 2);
	put(a, 2, "a-e1\n");
	put(b, 1, "b-o\n");
	put(a, 1, "a-o1\n");
	put(a, 2, "a-e2\n");
	put(a, 1, "a-o2\n");
	output_job_finish(a, NULL, NULL);
	output_job_finish(b, NULL, NULL);
	assert_fd(f->out, "a-o1\na-o2\na-e1\na-e2\nb-o\n");
}

static void
test_keep_order(void **state)
{
	struct fix *f = *state;
	struct output_job *j[6];

	f->cfg.keep_order = true;
	open_output(f);
	for (int i = 1; i <= 5; i++) {
		char s[16];
		j[i] = start(f, (unsigned long long)i);
		snprintf(s, sizeof s, "o%d\n", i);
		put(j[i], 1, s);
		snprintf(s, sizeof s, "e%d\n", i);
		put(j[i], 2, s);
	}
	output_job_finish(j[3], NULL, NULL);
	assert_fd(f->out, "");
	output_job_finish(j[1], NULL, NULL);
	assert_fd(f->out, "o1\n");
	assert_fd(f->err, "e1\n");
	output_job_finish(j[5], NULL, NULL);
	assert_fd(f->out, "o1\n");
	output_job_finish(j[2], NULL, NULL);
	assert_fd(f->out, "o1\no2\no3\n");
	assert_fd(f->err, "e1\ne2\ne3\n");
	output_job_finish(j[4], NULL, NULL);
	assert_fd(f->out, "o1\no2\no3\no4\no5\n");
	assert_fd(f->err, "e1\ne2\ne3\ne4\ne5\n");
}

static void
test_keep_order_skips(void **state)
{
	struct fix *f = *state;
	struct output_job *j3, *j5, *j6;

	f->cfg.keep_order = true;
	open_output(f);
	j3 = start(f, 3);
	j5 = start(f, 5);
	j6 = start(f, 6);
	put(j3, 1, "3\n");
	put(j5, 1, "5\n");
	put(j6, 1, "6\n");
	output_seq_skip(f->o, 2);       /* ahead of its turn */
	output_job_finish(j5, NULL, NULL);
	output_job_finish(j3, NULL, NULL);
	assert_fd(f->out, "");
	output_seq_skip(f->o, 1);       /* in turn: 2 skipped, 3 printed */
	assert_fd(f->out, "3\n");
	output_seq_skip(f->o, 4);
	assert_fd(f->out, "3\n5\n");
	output_seq_skip(f->o, 2);       /* already past: ignored */
	output_job_finish(j6, NULL, NULL);
	assert_fd(f->out, "3\n5\n6\n");
}

static void
test_discard_retry(void **state)
{
	struct fix *f = *state;
	struct output_job *a, *b;

	f->cfg.keep_order = true;
	open_output(f);
	a = start(f, 1);
	b = start(f, 2);
	put(a, 1, "first attempt\n");
	put(a, 2, "it failed\n");
	put(b, 1, "two\n");
	output_job_discard(a);
	assert_fd(f->out, "");
	output_job_finish(b, NULL, NULL);
	assert_fd(f->out, "");          /* seq 1 still pending */
	a = start(f, 1);
	put(a, 1, "second attempt\n");
	assert_int_equal(output_job_bytes(a, 1), 15);
	assert_int_equal(output_job_bytes(a, 2), 0);
	output_job_finish(a, NULL, NULL);
	assert_fd(f->out, "second attempt\ntwo\n");
	assert_fd(f->err, "");
}

static void
test_flush_with_gaps(void **state)
{
	struct fix *f = *state;
	struct output_job *j1, *j2, *j4, *j6;

	f->cfg.keep_order = true;
	open_output(f);
	j1 = start(f, 1);               /* still running at the flush */
	j2 = start(f, 2);
	j4 = start(f, 4);
	j6 = start(f, 6);
	put(j1, 1, "1\n");
	put(j2, 1, "2\n");
	put(j4, 1, "4\n");
	put(j6, 1, "6\n");
	output_job_finish(j4, NULL, NULL);
	output_seq_skip(f->o, 5);
	output_job_finish(j2, NULL, NULL);
	assert_fd(f->out, "");
	output_flush(f->o);
	assert_fd(f->out, "2\n4\n");
	output_job_finish(j6, NULL, NULL);          /* after the flush: at once */
	assert_fd(f->out, "2\n4\n6\n");
	output_job_finish(j1, NULL, NULL);
	assert_fd(f->out, "2\n4\n6\n1\n");
}

/* Held jobs are printed at output_free rather than lost. */
static void
test_free_prints_held(void **state)
{
	struct fix *f = *state;
	struct output_job *j2;

	f->cfg.keep_order = true;
	open_output(f);
	j2 = start(f, 2);
	put(j2, 1, "2\n");
	output_job_finish(j2, NULL, NULL);
	assert_fd(f->out, "");
	output_free(f->o);
	f->o = NULL;
	assert_fd(f->out, "2\n");
}

static void
test_spill_small_limit(void **state)
{
	struct fix *f = *state;
	struct output_job *a, *b;
	char want[1001], want_b[64];

	f->cfg.mem_limit = 16;
	open_output(f);
	a = start(f, 1);
	b = start(f, 2);
	for (int i = 0; i < 1000; i++)
		want[i] = (i % 50 == 49) ? '\n' : (char)('a' + i % 26);
	want[1000] = '\0';
	put(b, 1, "short\n");
	for (int i = 0; i < 1000; i += 7)
		assert_int_equal(output_job_data(a, 1, want + i,
		    i + 7 <= 1000 ? 7 : 1000 - (size_t)i), PFAN_OK);
	assert_int_equal(output_job_data(a, 2, want, 100), PFAN_OK);
	/* A chunk bigger than the limit goes straight to the file. */
	assert_int_equal(output_job_data(b, 1, want, 40), PFAN_OK);
	/* At most 16 bytes per stream stay in memory. */
	assert_true(spill_size() >= 1000 - 16 + 100 - 16 + 46 - 16);
	assert_int_equal(output_job_bytes(a, 1), 1000);
	output_job_finish(a, NULL, NULL);
	assert_fd(f->out, want);
	output_job_finish(b, NULL, NULL);
	snprintf(want_b, sizeof want_b, "short\n%.40s", want);
	{
		size_t n;
		char *got = contents(f->out, &n);
		assert_int_equal(n, 1000 + 46);
		assert_memory_equal(got + 1000, want_b, 46);
		free(got);
	}
	want[100] = '\0';
	assert_fd(f->err, want);
	/* Nothing is live in the file any more: it was cut to zero. */
	assert_int_equal(spill_size(), 0);
}

/* Space read back is given back while other jobs still use the file. */
static void
test_spill_space_released(void **state)
{
	struct fix *f = *state;
	struct output_job *a, *b;
	enum { PIECE = 1 << 16, PIECES = 32 };
	char *piece = malloc(PIECE), probe[PATH_MAX];
	const char *tmpdir = getenv("TMPDIR");
	struct stat st;
	int fd;
	bool punch;

	assert_non_null(piece);
	memset(piece, 'p', PIECE);
	/* Where the spill file goes: can that file system punch holes? */
	snprintf(probe, sizeof probe, "%s/pfan-test-punch-XXXXXX",
	    tmpdir != NULL && *tmpdir != '\0' ? tmpdir : "/tmp");
	fd = mkstemp(probe);
	assert_true(fd >= 0);
	unlink(probe);
	punch = write(fd, piece, PIECE) == PIECE && fallocate(fd,
	    FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, PIECE) == 0;
	close(fd);
	if (!punch) {
		free(piece);
		skip();
	}
	open_output(f);
	a = start(f, 1);
	b = start(f, 2);
	for (int i = 0; i < PIECES; i++) {
		assert_int_equal(output_job_data(a, 1, piece, PIECE), PFAN_OK);
		assert_int_equal(output_job_data(b, 1, piece, PIECE), PFAN_OK);
	}
	assert_true(spill_stat(&st));
	assert_true((long long)st.st_blocks * 512 >= 2LL * PIECE * PIECES - 2 * PIECE);
	output_job_finish(a, NULL, NULL);
	assert_true(spill_stat(&st));
	assert_true((long long)st.st_blocks * 512 <= (long long)PIECE * (PIECES + 2));
	output_job_finish(b, NULL, NULL);
	assert_int_equal(spill_size(), 0);
	free(piece);
}

/* Jobs held by keep_order move to the spill file once held memory passes
 * its budget, even though each is under mem_limit. */
static void
test_spill_held_jobs(void **state)
{
	struct fix *f = *state;
	struct output_job *j[201];
	char want[4096] = "";

	f->cfg.keep_order = true;
	f->cfg.mem_limit = 16;
	open_output(f);
	for (int i = 1; i <= 200; i++) {
		char s[32];
		j[i] = start(f, (unsigned long long)i);
		snprintf(s, sizeof s, "job %d\n", i);
		put(j[i], 1, s);
		strcat(want, s);
	}
	for (int i = 200; i >= 2; i--)
		output_job_finish(j[i], NULL, NULL);
	assert_fd(f->out, "");
	assert_true(spill_size() > 1000);
	output_job_finish(j[1], NULL, NULL);
	assert_fd(f->out, want);
	assert_int_equal(spill_size(), 0);
}

static void
test_spill_unwritable(void **state)
{
	struct fix *f = *state;
	struct output_job *a, *b;
	const char *old = getenv("TMPDIR");
	char *saved = old != NULL ? strdup(old) : NULL;

	setenv("TMPDIR", "/nonexistent/pfan-test", 1);
	f->cfg.mem_limit = 16;
	open_output(f);
	if (saved != NULL)
		setenv("TMPDIR", saved, 1);
	else
		unsetenv("TMPDIR");
	free(saved);
	a = start(f, 1);
	b = start(f, 2);
	put(a, 1, "0123456789");
	assert_int_equal(output_job_data(a, 1, "abcdefghij", 10), PFAN_E_SYS);
	assert_int_equal(output_job_data(a, 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZ", 26),
	    PFAN_E_SYS);
	put(b, 1, "b\n");               /* others go on */
	assert_int_equal(output_job_bytes(a, 1), 46);
	output_job_finish(a, NULL, NULL);
	output_job_finish(b, NULL, NULL);
	assert_fd(f->out, "0123456789b\n");
}

static void
test_tag(void **state)
{
	struct fix *f = *state;
	struct output_job *a, *b, *c;

	f->cfg.tag = true;
	open_output(f);
	a = start_v(f, 1, "x y");
	b = start_v(f, 2, "a\\nb");
	c = start_v(f, 3, "empty");
	put(a, 1, "one\ntw");
	put(a, 1, "o\n");
	put(a, 1, "\nthree\n");
	put(a, 2, "err");
	/* As `parallel --tag printf {} ::: 'a\nb'`: no newline added. */
	put(b, 1, "a\nb");
	output_job_finish(a, NULL, NULL);
	output_job_finish(b, NULL, NULL);
	output_job_finish(c, NULL, NULL);
	assert_fd(f->out, "x y\tone\nx y\ttwo\nx y\t\nx y\tthree\n"
	    "a\\nb\ta\na\\nb\tb");
	assert_fd(f->err, "x y\terr");
}

static void
test_tag_spilled(void **state)
{
	struct fix *f = *state;
	struct output_job *a;
	char line[32], *want;
	size_t n = 0;

	f->cfg.tag = true;
	f->cfg.mem_limit = 16;
	open_output(f);
	want = calloc(1, 300 * 40);
	assert_non_null(want);
	a = start_v(f, 7, "T");
	for (int i = 0; i < 300; i++) {
		int len = snprintf(line, sizeof line, "line %d\n", i);
		/* Split each line so tags fall inside chunks and at edges. */
		assert_int_equal(output_job_data(a, 1, line, 3), PFAN_OK);
		assert_int_equal(output_job_data(a, 1, line + 3,
		    (size_t)len - 3), PFAN_OK);
		n += (size_t)sprintf(want + n, "T\t%s", line);
	}
	put(a, 1, "end");
	strcat(want, "T\tend");
	assert_true(spill_size() > 1000);
	output_job_finish(a, NULL, NULL);
	assert_fd(f->out, want);
	free(want);
}

static void
test_line_buffer(void **state)
{
	struct fix *f = *state;
	struct output_job *a, *b;

	f->cfg.line_buffer = true;
	open_output(f);
	a = start(f, 1);
	b = start(f, 2);
	put(a, 1, "a1\na");
	assert_fd(f->out, "a1\n");
	put(b, 1, "b");
	put(b, 2, "b-err\nb-");
	assert_fd(f->out, "a1\n");
	assert_fd(f->err, "b-err\n");
	put(a, 1, "2 more");
	assert_fd(f->out, "a1\n");
	put(b, 1, "1\nb2\n");
	assert_fd(f->out, "a1\nb1\nb2\n");
	put(a, 1, " still\na3");
	assert_fd(f->out, "a1\nb1\nb2\na2 more still\n");
	output_job_finish(a, NULL, NULL);
	assert_fd(f->out, "a1\nb1\nb2\na2 more still\na3");
	output_job_finish(b, NULL, NULL);
	assert_fd(f->err, "b-err\nb-");
}

/* As `parallel --tag --line-buffer`: the held tail and the rest of its
 * line print as one tagged line. */
static void
test_line_buffer_tag(void **state)
{
	struct fix *f = *state;
	struct output_job *a;

	f->cfg.line_buffer = true;
	f->cfg.tag = true;
	f->cfg.mem_limit = 16;
	open_output(f);
	a = start_v(f, 1, "X");
	put(a, 1, "a\nb");
	assert_fd(f->out, "X\ta\n");
	/* A tail longer than mem_limit spills and still comes back whole. */
	put(a, 1, "cccccccccccccccccccccccccccccc");
	put(a, 1, "c\nd\ne");
	assert_fd(f->out, "X\ta\nX\tbccccccccccccccccccccccccccccccc\nX\td\n");
	output_job_finish(a, NULL, NULL);
	assert_fd(f->out, "X\ta\nX\tbccccccccccccccccccccccccccccccc\nX\td\nX\te");
}

/* -k --line-buffer: the job next in order prints live, others wait. */
static void
test_line_buffer_keep_order(void **state)
{
	struct fix *f = *state;
	struct output_job *a, *b, *c;

	f->cfg.line_buffer = true;
	f->cfg.keep_order = true;
	open_output(f);
	a = start(f, 1);
	b = start(f, 2);
	c = start(f, 3);
	put(b, 1, "b1\nb");
	put(c, 1, "c1\n");
	put(a, 1, "a1\n");
	assert_fd(f->out, "a1\n");
	output_job_finish(c, NULL, NULL);
	put(a, 1, "a2");
	assert_fd(f->out, "a1\n");
	output_job_finish(a, NULL, NULL);           /* b becomes live: its lines so far */
	assert_fd(f->out, "a1\na2b1\n");
	put(b, 1, "2\n");
	assert_fd(f->out, "a1\na2b1\nb2\n");
	output_job_finish(b, NULL, NULL);
	assert_fd(f->out, "a1\na2b1\nb2\nc1\n");
}

static void
test_results(void **state)
{
	struct fix *f = *state;
	struct output_job *a, *b;
	char dir[128], path[192];

	strcpy(f->tmp, "/tmp/pfan-test-output-XXXXXX");
	assert_non_null(mkdtemp(f->tmp));
	snprintf(dir, sizeof dir, "%s/res/deep", f->tmp);
	f->cfg.results = dir;
	open_output(f);
	a = start(f, 1);
	b = start(f, 12);
	put(a, 1, "attempt one, longer\n");
	put(a, 2, "oops\n");
	snprintf(path, sizeof path, "%s/1/stdout", dir);
	assert_file(path, "attempt one, longer\n");     /* as it arrives */
	output_job_discard(a);
	a = start(f, 1);
	assert_file(path, "");                          /* retry truncates */
	put(a, 1, "two\n");
	output_job_finish(a, NULL, NULL);
	output_job_finish(b, NULL, NULL);
	assert_file(path, "two\n");
	snprintf(path, sizeof path, "%s/1/stderr", dir);
	assert_file(path, "");
	snprintf(path, sizeof path, "%s/12/stdout", dir);
	assert_file(path, "");
	assert_fd(f->out, "two\n");
}

static void
test_results_unwritable(void **state)
{
	struct fix *f = *state;
	struct output_job *a;
	char dir[128];
	char *cause = NULL;

	strcpy(f->tmp, "/tmp/pfan-test-output-XXXXXX");
	assert_non_null(mkdtemp(f->tmp));
	snprintf(dir, sizeof dir, "%s/file", f->tmp);
	assert_int_equal(close(open(dir, O_CREAT | O_WRONLY, 0600)), 0);
	f->cfg.results = dir;
	assert_int_equal(output_new(&f->o, &f->cfg, &cause), PFAN_E_SYS);
	assert_null(f->o);
	assert_non_null(strstr(cause, "file"));
	free(cause);

	/* The directory goes away under a running pfan: jobs go on. */
	snprintf(dir, sizeof dir, "%s/res", f->tmp);
	open_output(f);
	assert_int_equal(rmdir(dir), 0);
	assert_int_equal(close(open(dir, O_CREAT | O_WRONLY, 0600)), 0);
	a = start(f, 1);
	assert_int_equal(output_job_data(a, 1, "x\n", 2), PFAN_E_SYS);
	output_job_finish(a, NULL, NULL);
	assert_fd(f->out, "x\n");
}

static void
test_bad_calls(void **state)
{
	struct fix *f = *state;
	struct output_config bad = { .out_fd = -1, .err_fd = 2 };
	struct output *o = NULL;
	char *cause = NULL;
	struct output_job *a;

	assert_int_equal(output_new(&o, &bad, &cause), PFAN_E_INPUT);
	assert_null(o);
	assert_non_null(cause);
	free(cause);
	open_output(f);
	a = start(f, 1);
	assert_int_equal(output_job_data(a, 3, "x", 1), PFAN_E_INPUT);
	assert_int_equal(output_job_data(a, 0, "x", 1), PFAN_E_INPUT);
	assert_int_equal(output_job_data(NULL, 1, "x", 1), PFAN_E_INPUT);
	assert_int_equal(output_job_bytes(a, 3), 0);
	assert_int_equal(output_job_data(a, 1, NULL, 0), PFAN_OK);
	output_job_finish(NULL, NULL, NULL);
	output_job_discard(NULL);
	output_job_finish(a, NULL, NULL);
	assert_fd(f->out, "");
	output_free(NULL);
}

/* A non-blocking pipe with a slow reader: every byte arrives, in order. */
static void
test_nonblocking_pipe(void **state)
{
	struct fix *f = *state;
	struct output_job *a;
	enum { N = 1 << 20 };
	char *data = malloc(N);
	int p[2], status;
	pid_t pid;

	assert_non_null(data);
	for (size_t i = 0; i < N; i++)
		data[i] = (char)('0' + i % 10);
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char b[4096];
		ssize_t r;
		close(p[1]);
		usleep(100000);
		while ((r = read(p[0], b, sizeof b)) > 0)
			if (write(f->err, b, (size_t)r) != r)
				_exit(1);
		_exit(r == 0 ? 0 : 1);
	}
	close(p[0]);
	assert_int_equal(fcntl(p[1], F_SETFL, O_NONBLOCK), 0);
	f->cfg.out_fd = p[1];
	open_output(f);
	a = start(f, 1);
	assert_int_equal(output_job_data(a, 1, data, N), PFAN_OK);
	output_job_finish(a, NULL, NULL);
	output_free(f->o);
	f->o = NULL;
	close(p[1]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	{
		size_t n;
		char *got = contents(f->err, &n);
		assert_int_equal(n, N);
		assert_memory_equal(got, data, N);
		free(got);
	}
	free(data);
}

/* Each write() carries whole lines: a SOCK_SEQPACKET reader sees every
 * write as one message. */
static void
test_writes_whole_lines(void **state)
{
	struct fix *f = *state;
	struct output_job *a;
	enum { LINES = 3000, LEN = 100 };
	char *data = malloc(LINES * LEN);
	int sv[2], status;
	pid_t pid;

	assert_non_null(data);
	for (size_t i = 0; i < LINES * LEN; i++)
		data[i] = i % LEN == LEN - 1 ? '\n' : 'x';
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		static char b[1 << 18];
		ssize_t r;
		close(sv[0]);
		while ((r = recv(sv[1], b, sizeof b, 0)) > 0)
			if (dprintf(f->err, "%zd %c\n", r, b[r - 1] == '\n' ?
			    'L' : 'P') < 0)
				_exit(1);
		_exit(r == 0 ? 0 : 1);
	}
	close(sv[1]);
	f->cfg.out_fd = sv[0];
	f->cfg.line_buffer = true;
	open_output(f);
	a = start(f, 1);
	assert_int_equal(output_job_data(a, 1, data, LINES * LEN - 50), PFAN_OK);
	assert_int_equal(output_job_data(a, 1, data + LINES * LEN - 50, 50),
	    PFAN_OK);
	output_job_finish(a, NULL, NULL);
	output_free(f->o);
	f->o = NULL;
	close(sv[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	{
		size_t n, total = 0, writes = 0;
		char *got = contents(f->err, &n), *line, *save = NULL;
		for (line = strtok_r(got, "\n", &save); line != NULL;
		    line = strtok_r(NULL, "\n", &save)) {
			long len;
			char kind;
			assert_int_equal(sscanf(line, "%ld %c", &len, &kind), 2);
			assert_int_equal(kind, 'L');
			total += (size_t)len;
			writes++;
		}
		assert_int_equal(total, LINES * LEN);
		assert_true(writes >= 4);
		free(got);
	}
	free(data);
}

static long
rss_kib(void)
{
	FILE *fp = fopen("/proc/self/statm", "r");
	long size, resident;

	assert_non_null(fp);
	assert_int_equal(fscanf(fp, "%ld %ld", &size, &resident), 2);
	fclose(fp);
	return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static void
gen(uint64_t pos, char *p, size_t n, unsigned salt)
{
	for (size_t i = 0; i < n; i++, pos++)
		p[i] = pos % 73 == 72 ? '\n' : (char)('A' + (pos * 7 + salt) % 26);
}

/* 50 MB from two jobs, one held by keep_order, through the default 64 KiB
 * limit: exact bytes out, and pfan's memory does not grow with them. */
static void
test_50mb(void **state)
{
	struct fix *f = *state;
	struct output_job *a, *b;
	enum { TOTAL = 25 << 20, STEP = 4093 };
	char *chunk = malloc(1 << 16), *back = malloc(1 << 16);
	long before, peak = 0;
	uint64_t pos;

	assert_non_null(chunk);
	assert_non_null(back);
	f->cfg.keep_order = true;
	open_output(f);
	a = start(f, 1);
	b = start(f, 2);
	before = rss_kib();
	for (pos = 0; pos < TOTAL; pos += STEP) {
		size_t n = TOTAL - pos < STEP ? (size_t)(TOTAL - pos) : STEP;
		gen(pos, chunk, n, 1);
		assert_int_equal(output_job_data(a, 1, chunk, n), PFAN_OK);
		gen(pos, chunk, n, 2);
		assert_int_equal(output_job_data(b, 1, chunk, n), PFAN_OK);
		if (pos % (1 << 22) < STEP) {
			long r = rss_kib();
			peak = r > peak ? r : peak;
		}
	}
	assert_int_equal(output_job_bytes(b, 1), TOTAL);
	output_job_finish(b, NULL, NULL);           /* held behind a */
	assert_true(spill_size() >= 2LL * TOTAL - (2 << 16));
	output_job_finish(a, NULL, NULL);
	{
		long r = rss_kib();
		peak = r > peak ? r : peak;
	}
	print_message("# rss before %ld KiB, peak %ld KiB\n", before, peak);
	assert_true(peak - before < 8 * 1024);

	struct stat st;
	assert_int_equal(fstat(f->out, &st), 0);
	assert_int_equal(st.st_size, 2LL * TOTAL);
	for (pos = 0; pos < 2ULL * TOTAL; pos += 1 << 16) {
		size_t n = 1 << 16;
		assert_int_equal(pread(f->out, back, n, (off_t)pos), (ssize_t)n);
		gen(pos % TOTAL, chunk, n, pos < TOTAL ? 1 : 2);
		if (memcmp(back, chunk, n) != 0)
			fail_msg("output differs in the 64 KiB at %llu",
			    (unsigned long long)pos);
	}
	free(chunk);
	free(back);
}

/* What a done callback saw: how often it came, in which order, whether
 * the output was whole and how much out_fd held by then. */
struct seen {
	int fd;
	int *clock;
	int calls, order;
	bool whole;
	off_t printed;
};

static void
on_done(void *arg, bool whole)
{
	struct seen *s = arg;
	struct stat st;

	assert_int_equal(fstat(s->fd, &st), 0);
	s->calls++;
	s->order = ++*s->clock;
	s->whole = whole;
	s->printed = st.st_size;
}

/* A finished job is reported done only once its output is written: with
 * -k, a job held behind a slower one is not done until that one ends. */
static void
test_done_after_printed(void **state)
{
	struct fix *f = *state;
	struct output_job *j[5];
	struct seen seen[5];
	int clock = 0;

	memset(seen, 0, sizeof seen);
	f->cfg.keep_order = true;
	open_output(f);
	for (int i = 1; i <= 4; i++) {
		seen[i].fd = f->out;
		seen[i].clock = &clock;
		j[i] = start(f, (unsigned long long)i);
		put(j[i], 1, "ab\n");
	}
	output_job_finish(j[2], on_done, &seen[2]);
	output_job_finish(j[3], on_done, &seen[3]);
	output_job_finish(j[4], on_done, &seen[4]);
	assert_int_equal(clock, 0);     /* held behind 1: not done */
	output_job_finish(j[1], on_done, &seen[1]);
	for (int i = 1; i <= 4; i++) {
		assert_int_equal(seen[i].calls, 1);
		assert_int_equal(seen[i].order, i);
		assert_true(seen[i].whole);
		assert_int_equal(seen[i].printed, 3 * i);
	}

	/* Held jobs are done when a flush prints them; no owner: at once. */
	j[1] = start(f, 6);
	put(j[1], 1, "six\n");
	memset(&seen[1], 0, sizeof seen[1]);
	seen[1].fd = f->out;
	seen[1].clock = &clock;
	output_job_finish(j[1], on_done, &seen[1]);
	assert_int_equal(seen[1].calls, 0);
	output_flush(f->o);
	assert_int_equal(seen[1].calls, 1);
	assert_int_equal(seen[1].printed, 16);
	memset(&seen[0], 0, sizeof seen[0]);
	seen[0].fd = f->out;
	seen[0].clock = &clock;
	output_job_finish(NULL, on_done, &seen[0]);
	assert_int_equal(seen[0].calls, 1);
	assert_true(seen[0].whole);
}

/* Output lost on the way (spill file, results file, out_fd) is reported:
 * the job must not be recorded ok. */
static void
test_done_not_whole(void **state)
{
	struct fix *f = *state;
	struct output_job *a, *b, *c;
	struct seen sa = { .fd = f->out }, sb = { .fd = f->out }, sc = { .fd = f->out };
	int clock = 0;
	const char *old = getenv("TMPDIR");
	char *saved = old != NULL ? strdup(old) : NULL;
	char dir[128];

	sa.clock = sb.clock = sc.clock = &clock;
	strcpy(f->tmp, "/tmp/pfan-test-output-XXXXXX");
	assert_non_null(mkdtemp(f->tmp));
	snprintf(dir, sizeof dir, "%s/res", f->tmp);
	f->cfg.results = dir;
	f->cfg.mem_limit = 16;
	setenv("TMPDIR", "/nonexistent/pfan-test", 1);
	open_output(f);
	if (saved != NULL)
		setenv("TMPDIR", saved, 1);
	else
		unsetenv("TMPDIR");
	free(saved);
	/* a: past mem_limit, and the spill file can't be made. */
	a = start(f, 1);
	put(a, 1, "0123456789");
	assert_int_equal(output_job_data(a, 1, "abcdefghij", 10), PFAN_E_SYS);
	output_job_finish(a, on_done, &sa);
	assert_int_equal(sa.calls, 1);
	assert_false(sa.whole);
	/* b: its results directory is gone; c: small output, all well. */
	snprintf(dir, sizeof dir, "%s/res/2", f->tmp);
	assert_int_equal(close(open(dir, O_CREAT | O_WRONLY, 0600)), 0);
	b = start(f, 2);
	c = start(f, 3);
	put(c, 1, "c\n");
	assert_int_equal(output_job_data(b, 1, "b\n", 2), PFAN_E_SYS);
	output_job_finish(b, on_done, &sb);
	output_job_finish(c, on_done, &sc);
	assert_false(sb.whole);
	assert_true(sc.whole);
	assert_fd(f->out, "0123456789b\nc\n");
}

/* A job printed to a broken stdout lost its output; one with nothing to
 * print there lost nothing. */
static void
test_done_broken_stdout(void **state)
{
	struct fix *f = *state;
	struct output_job *a, *b, *c;
	struct seen sa = { .fd = f->err }, sb = { .fd = f->err }, sc = { .fd = f->err };
	int clock = 0;

	sa.clock = sb.clock = sc.clock = &clock;
	f->cfg.out_fd = open("/dev/full", O_WRONLY | O_CLOEXEC);
	if (f->cfg.out_fd == -1)
		skip();
	f->cfg.line_buffer = true;
	open_output(f);
	a = start(f, 1);
	b = start(f, 2);
	c = start(f, 3);
	put(b, 2, "to stderr only\n");
	put(c, 1, "live line\n");      /* printed live, and lost */
	put(a, 1, "x");
	output_job_finish(b, on_done, &sb);
	output_job_finish(c, on_done, &sc);
	output_job_finish(a, on_done, &sa);
	assert_true(output_failed(f->o));
	assert_false(sa.whole);
	assert_true(sb.whole);
	assert_false(sc.whole);
	assert_fd(f->err, "to stderr only\n");
	close(f->cfg.out_fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_group_interleaved, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stdout_then_stderr_same_fd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keep_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keep_order_skips, setup, teardown),
		cmocka_unit_test_setup_teardown(test_discard_retry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flush_with_gaps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_prints_held, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spill_small_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spill_space_released, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spill_held_jobs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spill_unwritable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tag, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tag_spilled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_line_buffer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_line_buffer_tag, setup, teardown),
		cmocka_unit_test_setup_teardown(test_line_buffer_keep_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_results, setup, teardown),
		cmocka_unit_test_setup_teardown(test_results_unwritable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_calls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nonblocking_pipe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writes_whole_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_50mb, setup, teardown),
		cmocka_unit_test_setup_teardown(test_done_after_printed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_done_not_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(test_done_broken_stdout, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
