/* joblog.c: the JSONL joblog writer. Each record is encoded with jansson and
 * written with one write() on an O_APPEND fd; docs/JOBLOG.md specifies the
 * format, how bytes that are not UTF-8 are escaped, and when we fdatasync. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "buf.h"
#include "errors.h"
#include "joblog.h"
#include "log.h"
#include "xalloc.h"

/* %.15g: a millisecond-rounded time below 10^12 s prints exactly as its
 * decimal digits (DBL_DIG is 15), never in exponent form, the same on every
 * run. jansson's default (%.17g) prints 2.004 as 2.0039999999999998. */
#define JOBLOG_DUMP_FLAGS \
	(JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15))

struct joblog {
	char *path;
	int fd;
	bool regular;    /* a regular file: fdatasync applies */
	bool need_nl;    /* the file ends in a torn line: start the next write with \n */
	bool dirty;      /* written since the last fdatasync */
	bool sync_dir;   /* we created the file: its directory entry must be synced once */
	bool was_empty;  /* nothing in it at open: our header is its first */
	bool readable;   /* opened read-write, not write-only */
};

static const char *const status_names[] = {
	[JOB_OK] = "ok",
	[JOB_FAILED] = "failed",
	[JOB_TIMEOUT] = "timeout",
	[JOB_KILLED] = "killed",
	[JOB_HOST_LOST] = "host_lost",
	[JOB_SKIPPED] = "skipped",
	[JOB_OUTPUT_LOST] = "output_lost",
	[JOB_NO_STATUS] = "no_status",
	[JOB_NO_HOST] = "no_host",
};
#define NSTATUS (sizeof status_names / sizeof status_names[0])

const char *
job_status_name(enum job_status s)
{
	if ((unsigned)s >= NSTATUS)
		fatal("job status %d out of range", (int)s);
	return status_names[s];
}

int
job_status_parse(const char *name, enum job_status *s)
{
	for (size_t i = 0; i < NSTATUS; i++) {
		if (strcmp(name, status_names[i]) == 0) {
			*s = (enum job_status)i;
			return PFAN_OK;
		}
	}
	return PFAN_E_INPUT;
}

static void
set_cause(char **cause, const char *path, const char *what)
{
	if (cause != NULL)
		*cause = xasprintf("%s: %s", path, what);
}

/* Length of the well-formed UTF-8 sequence at s (Unicode table 3-7), 0 when
 * there is none. It is the rule jansson applies (no overlongs, surrogates
 * or code points past U+10FFFF), so we escape exactly what it refuses. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xBF;
	size_t len;

	if (c < 0x80)
		return 1;
	if (c < 0xC2)
		return 0;
	if (c < 0xE0)
		len = 2;
	else if (c < 0xF0) {
		len = 3;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c < 0xF5) {
		len = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else
		return 0;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	return len;
}

/* A JSON string for arbitrary bytes. Valid UTF-8 goes in as is; each byte
 * that is not part of a well-formed sequence becomes U+0000 followed by the
 * code point of the same number (U+0080..U+00FF). A C string never holds
 * U+0000, so the mapping is one-to-one and the reader undoes it. */
static json_t *
jstr(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, k;
	struct buf b = BUF_INIT;
	json_t *j;

	if ((j = json_string(s)) != NULL)
		return j;
	buf_reserve(&b, n + n / 2);
	while (i < n) {
		if ((k = utf8_len(p + i, n - i)) > 0) {
			buf_add(&b, p + i, k);
			i += k;
			continue;
		}
		buf_addc(&b, '\0');
		buf_addc(&b, (char)(0xC0 | (p[i] >> 6)));
		buf_addc(&b, (char)(0x80 | (p[i] & 0x3F)));
		i++;
	}
	j = json_stringn(b.data, b.len);
	buf_free(&b);
	if (j == NULL)
		fatal("joblog: cannot encode a string as JSON");
	return j;
}

/* Seconds rounded to the millisecond; null for a time that is not finite
 * (jansson has no NaN). Rounds by hand to keep libm out of the link. */
static json_t *
jtime(double v)
{
	if (!isfinite(v))
		return json_null();
	if (v > -1e15 && v < 1e15) {
		double x = v * 1000.0;
		long long k = (long long)(x < 0 ? x - 0.5 : x + 0.5);
		v = (double)k / 1000.0;
	}
	if (v == 0)
		v = 0;   /* no "-0.0" */
	return json_real(v);
}

static void
set(json_t *o, const char *key, json_t *v)
{
	if (v == NULL || json_object_set_new(o, key, v) != 0)
		fatal("joblog: out of memory encoding %s", key);
}

static int
dump_to_buf(const char *p, size_t n, void *data)
{
	buf_add(data, p, n);
	return 0;
}

static void
dump_line(json_t *o, struct buf *out)
{
	if (json_dump_callback(o, dump_to_buf, out, JOBLOG_DUMP_FLAGS) != 0)
		fatal("joblog: cannot encode a line");
	buf_addc(out, '\n');
	json_decref(o);
}

static void
encode_record(struct buf *out, const struct joblog_record *r)
{
	json_t *o = json_object(), *args = json_array();

	if (o == NULL || args == NULL)
		fatal("joblog: out of memory");
	if (r->cmd == NULL)
		fatal("joblog: record %llu has no command", r->seq);
	set(o, "seq", json_integer((json_int_t)r->seq));
	set(o, "attempt", json_integer(r->attempt));
	set(o, "host", r->host != NULL ? jstr(r->host) : json_null());
	set(o, "slot", json_integer(r->slot));
	set(o, "cmd", jstr(r->cmd));
	for (size_t i = 0; i < r->nargs; i++)
		if (json_array_append_new(args, jstr(r->args[i])) != 0)
			fatal("joblog: out of memory");
	set(o, "args", args);
	set(o, "start", jtime(r->start));
	set(o, "runtime", jtime(r->runtime));
	set(o, "exit", r->exit_code == -1 ? json_null() : json_integer(r->exit_code));
	set(o, "signal", r->signal == 0 ? json_null() : json_integer(r->signal));
	set(o, "status", json_string(job_status_name(r->status)));
	set(o, "final", json_boolean(!r->will_retry));
	set(o, "stdout_bytes", json_integer((json_int_t)r->stdout_bytes));
	set(o, "stderr_bytes", json_integer((json_int_t)r->stderr_bytes));
	if (r->staged) {
		set(o, "sent_bytes", json_integer((json_int_t)r->sent_bytes));
		set(o, "received_bytes", json_integer((json_int_t)r->received_bytes));
		set(o, "staging", jtime(r->stage_secs));
	}
	if (r->cause != NULL)
		set(o, "cause", jstr(r->cause));
	if (r->job != NULL)
		set(o, "job", json_deep_copy((const json_t *)r->job));
	dump_line(o, out);
}

static void
encode_header(struct buf *out, const struct joblog_header *h)
{
	json_t *o = json_object(), *argv = json_array();

	if (o == NULL || argv == NULL)
		fatal("joblog: out of memory");
	if (h->version == NULL)
		fatal("joblog: header without a version");
	set(o, "pfan", jstr(h->version));
	for (int i = 0; i < h->argc; i++)
		if (json_array_append_new(argv, jstr(h->argv[i])) != 0)
			fatal("joblog: out of memory");
	set(o, "argv", argv);
	set(o, "cwd", h->cwd != NULL ? jstr(h->cwd) : json_null());
	set(o, "start", jtime(h->start));
	dump_line(o, out);
}

char *
joblog_encode_record(const struct joblog_record *r)
{
	struct buf b = BUF_INIT;

	encode_record(&b, r);
	return buf_steal(&b);
}

char *
joblog_encode_header(const struct joblog_header *h)
{
	struct buf b = BUF_INIT;

	encode_header(&b, h);
	return buf_steal(&b);
}

/* Whether the file's last byte is '\n'. When we cannot tell (no read
 * permission), say no: an extra '\n' only makes an empty line, which
 * readers skip, while a missing one would glue two records together. */
static bool
ends_in_newline(int fd, off_t size)
{
	char c;

	return pread(fd, &c, 1, size - 1) == 1 && c == '\n';
}

/* One writer per joblog: a second pfan appending to the same file would run
 * the same jobs again (each read the file before the other wrote). A POSIX
 * record lock, because F_GETLK names the holder's pid (flock and OFD locks
 * cannot), and because it is never inherited: the guard, the resolver and
 * the jobs pfan forks hold none of it, and a child closing its copy of the
 * fd does not release the parent's. It vanishes with pfan, however pfan
 * dies. Its one trap: pfan closing *any* fd of this file releases it, so
 * --resume reads the file through this fd (joblog_fd) and never reopens it. */
static int
lock_file(int fd, const char *path, char **cause)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

	if (fcntl(fd, F_SETLK, &fl) == 0)
		return PFAN_OK;
	if (errno != EAGAIN && errno != EACCES) {
		/* No locks here (an NFS mount without lockd): run unguarded,
		 * as before, rather than not at all. */
		log_warn("%s: cannot lock the joblog (%s): nothing stops another "
		    "pfan from writing it at the same time", path, strerror(errno));
		return PFAN_OK;
	}
	fl = (struct flock){ .l_type = F_WRLCK, .l_whence = SEEK_SET };
	if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK && fl.l_pid > 0)
		*cause = xasprintf("%s: in use by pfan (pid %ld)", path, (long)fl.l_pid);
	else
		*cause = xasprintf("%s: in use by another pfan", path);
	return PFAN_E_INPUT;
}

static int
open_locked(struct joblog **out, const char *path, int create, char **cause)
{
	struct joblog *jl;
	struct stat st;
	bool existed, readable;
	int fd;

	*out = NULL;
	existed = stat(path, &st) == 0;
	/* Read too: --resume reads the file through the locked fd. */
	fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC | create, 0644);
	readable = fd >= 0;
	if (fd < 0 && errno == EACCES)
		fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | create, 0644);
	if (fd < 0 || fstat(fd, &st) < 0) {
		set_cause(cause, path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return PFAN_E_SYS;
	}
	if (lock_file(fd, path, cause) != PFAN_OK) {
		close(fd);
		return PFAN_E_INPUT;
	}
	jl = xcalloc(1, sizeof *jl);
	jl->path = xstrdup(path);
	jl->fd = fd;
	jl->regular = S_ISREG(st.st_mode);
	jl->sync_dir = jl->regular && !existed;
	jl->was_empty = jl->regular && st.st_size == 0;
	jl->readable = readable;
	if (jl->regular && st.st_size > 0)
		jl->need_nl = !ends_in_newline(fd, st.st_size);
	*out = jl;
	return PFAN_OK;
}

int
joblog_open(struct joblog **out, const char *path, char **cause)
{
	return open_locked(out, path, O_CREAT, cause);
}

int
joblog_open_existing(struct joblog **out, const char *path, char **cause)
{
	return open_locked(out, path, 0, cause);
}

int
joblog_fd(const struct joblog *jl)
{
	return jl->readable ? jl->fd : -1;
}

bool
joblog_was_empty(const struct joblog *jl)
{
	return jl->was_empty;
}

bool
joblog_is_file(const struct joblog *jl, const char *path)
{
	struct stat a, b;

	/* stat, not open: closing a second fd would drop the lock. */
	return stat(path, &a) == 0 && fstat(jl->fd, &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* One write() per line, so that a crash tears at most the last line and
 * concurrent appends (O_APPEND) never interleave within a line. */
static int
write_line(struct joblog *jl, const struct buf *b, char **cause)
{
	ssize_t n;

	do
		n = write(jl->fd, b->data, b->len);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		set_cause(cause, jl->path, strerror(errno));
		return PFAN_E_SYS;
	}
	if (n > 0) {
		jl->dirty = true;
		jl->need_nl = b->data[n - 1] != '\n';
	}
	if ((size_t)n != b->len) {
		if (cause != NULL)
			*cause = xasprintf("%s: short write (%zd of %zu bytes)",
			    jl->path, n, b->len);
		return PFAN_E_SYS;
	}
	return PFAN_OK;
}

int
joblog_write_header(struct joblog *jl, const struct joblog_header *h, char **cause)
{
	struct buf b = BUF_INIT;
	int rc;

	if (jl->need_nl)
		buf_addc(&b, '\n');
	encode_header(&b, h);
	rc = write_line(jl, &b, cause);
	buf_free(&b);
	return rc;
}

int
joblog_append(struct joblog *jl, const struct joblog_record *r, char **cause)
{
	struct buf b = BUF_INIT;
	int rc;

	if (jl->need_nl)
		buf_addc(&b, '\n');
	encode_record(&b, r);
	rc = write_line(jl, &b, cause);
	buf_free(&b);
	return rc;
}

/* A new file's name is durable only once its directory is synced. */
static int
sync_parent(const char *path, char **cause)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd, rc = PFAN_OK;

	if (slash == NULL)
		dir = xstrdup(".");
	else if (slash == path)
		dir = xstrdup("/");
	else
		dir = xstrndup(path, (size_t)(slash - path));
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || (fsync(fd) < 0 && errno != EINVAL)) {
		set_cause(cause, dir, strerror(errno));
		rc = PFAN_E_SYS;
	}
	if (fd >= 0)
		close(fd);
	free(dir);
	return rc;
}

int
joblog_sync(struct joblog *jl, char **cause)
{
	if (!jl->dirty && !jl->sync_dir)
		return PFAN_OK;
	if (jl->dirty && jl->regular && fdatasync(jl->fd) < 0) {
		set_cause(cause, jl->path, strerror(errno));
		return PFAN_E_SYS;
	}
	jl->dirty = false;
	if (jl->sync_dir) {
		if (sync_parent(jl->path, cause) != PFAN_OK)
			return PFAN_E_SYS;
		jl->sync_dir = false;
	}
	return PFAN_OK;
}

void
joblog_close(struct joblog *jl)
{
	char *cause = NULL;

	if (jl == NULL)
		return;
	if (joblog_sync(jl, &cause) != PFAN_OK) {
		log_error("%s", cause);
		free(cause);
	}
	if (close(jl->fd) < 0)
		log_error("%s: %s", jl->path, strerror(errno));
	free(jl->path);
	free(jl);
}
