/* resume.c: reads a joblog back for --resume: how many distinct jobs are
 * done per canonical command, and the first header. The rules (what counts
 * as done, torn lines, escaped bytes) are specified in docs/JOBLOG.md. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "buf.h"
#include "errors.h"
#include "joblog.h"
#include "log.h"
#include "resume.h"
#include "xalloc.h"

#define LOAD_FLAGS (JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES)

/* One open-addressing table holds two kinds of entries: a command (seq 0,
 * owns cmd, n = done jobs not yet taken) and a done job (cmd, seq) that
 * borrows its command's string, so that retries of a job count once. */
struct entry {
	char *cmd;                /* NULL: empty slot */
	unsigned long long seq;
	unsigned long long n;
	uint64_t hash;
};

struct table {
	struct entry *e;
	size_t cap;               /* a power of two */
	size_t len;
};

struct resume {
	struct table t;
	unsigned long long done;
	unsigned long long records;   /* job records of any status */
	unsigned long long asked;     /* resume_take_done calls: jobs of the new input */
	bool have_header;
	struct joblog_header header;
	char *version;
	char *cwd;
	char **argv;              /* argc + 1, NULL-terminated */
};

enum ftype {
	F_POSINT,       /* integer >= 1 */
	F_UINT,         /* integer >= 0 */
	F_INT_NULL,     /* integer or null */
	F_NUM_NULL,     /* number or null */
	F_STR,
	F_STR_NULL,
	F_STRS,         /* array of strings */
	F_BOOL,
};

struct field {
	const char *key;
	enum ftype type;
	bool required;
};

/* In the order the writer emits them, so a bad line reports its first
 * problem. Unknown keys are ignored: a newer pfan may add some. */
static const struct field record_fields[] = {
	{ "seq", F_POSINT, true },
	{ "attempt", F_POSINT, false },
	{ "host", F_STR_NULL, false },
	{ "slot", F_UINT, false },
	{ "cmd", F_STR, true },
	{ "args", F_STRS, false },
	{ "start", F_NUM_NULL, false },
	{ "runtime", F_NUM_NULL, false },
	{ "exit", F_INT_NULL, false },
	{ "signal", F_INT_NULL, false },
	{ "status", F_STR, true },
	{ "final", F_BOOL, false },
	{ "stdout_bytes", F_UINT, false },
	{ "stderr_bytes", F_UINT, false },
};

static const struct field header_fields[] = {
	{ "pfan", F_STR, true },
	{ "argv", F_STRS, true },
	{ "cwd", F_STR_NULL, true },
	{ "start", F_NUM_NULL, true },
};

#define NFIELDS(a) (sizeof (a) / sizeof (a)[0])

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;   /* FNV-1a */

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t
hash_job(uint64_t hcmd, unsigned long long seq)
{
	uint64_t h = hcmd ^ (seq * 0x9e3779b97f4a7c15ULL);   /* splitmix64's finaliser */

	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
	h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
	return h ^ (h >> 31);
}

/* The slot holding (cmd, seq), or the empty slot where it would go. */
static struct entry *
table_find(const struct table *t, uint64_t hash, const char *cmd,
    unsigned long long seq)
{
	size_t mask = t->cap - 1, i = (size_t)hash & mask;

	for (;; i = (i + 1) & mask) {
		struct entry *e = &t->e[i];
		if (e->cmd == NULL)
			return e;
		if (e->hash == hash && e->seq == seq && strcmp(e->cmd, cmd) == 0)
			return e;
	}
}

/* Keeps the load under 1/2, with room for the two inserts a record makes. */
static void
table_reserve(struct table *t)
{
	struct table n;

	if ((t->len + 2) * 2 <= t->cap)
		return;
	n.cap = t->cap ? t->cap * 2 : 64;
	n.e = xcalloc(n.cap, sizeof *n.e);
	n.len = t->len;
	for (size_t i = 0; i < t->cap; i++)
		if (t->e[i].cmd != NULL)
			*table_find(&n, t->e[i].hash, t->e[i].cmd, t->e[i].seq) = t->e[i];
	free(t->e);
	*t = n;
}

static void
note_done(struct resume *r, const char *cmd, unsigned long long seq)
{
	uint64_t hc = hash_str(cmd), hj = hash_job(hc, seq);
	struct entry *c, *j;

	table_reserve(&r->t);
	c = table_find(&r->t, hc, cmd, 0);
	if (c->cmd == NULL) {
		*c = (struct entry){ xstrdup(cmd), 0, 0, hc };
		r->t.len++;
	}
	j = table_find(&r->t, hj, cmd, seq);
	if (j->cmd != NULL)
		return;   /* an earlier attempt of this job was done already */
	*j = (struct entry){ c->cmd, seq, 1, hj };
	r->t.len++;
	c->n++;
	r->done++;
}

/* The bytes a joblog string stands for: U+0000 followed by U+0080..U+00FF
 * is one raw byte (joblog.c's jstr). False for any other U+0000. */
static bool
unescape(struct buf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i], a, b;
		if (c != '\0') {
			buf_addc(out, (char)c);
			continue;
		}
		if (n - i < 3)
			return false;
		a = (unsigned char)s[i + 1];
		b = (unsigned char)s[i + 2];
		if ((a != 0xC2 && a != 0xC3) || (b & 0xC0) != 0x80)
			return false;
		buf_addc(out, (char)(((a & 0x03) << 6) | (b & 0x3F)));
		i += 2;
	}
	return true;
}

static bool
str_ok(const json_t *v)
{
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	struct buf b = BUF_INIT;
	bool ok;

	if (memchr(s, '\0', n) == NULL)
		return true;
	ok = unescape(&b, s, n);
	buf_free(&b);
	return ok;
}

/* A malloc'd copy of the bytes the string stands for (checked already). */
static char *
str_bytes(const json_t *v)
{
	struct buf b = BUF_INIT;

	unescape(&b, json_string_value(v), json_string_length(v));
	return buf_steal(&b);
}

/* NULL when v fits t, else what is wrong, to follow "KEY ". */
static const char *
check_type(const json_t *v, enum ftype t)
{
	size_t i;
	json_t *x;

	switch (t) {
	case F_POSINT:
	case F_UINT:
		if (!json_is_number(v))
			return "is not a number";
		if (!json_is_integer(v) || json_integer_value(v) < (t == F_POSINT))
			return t == F_POSINT ? "is not a positive integer" :
			    "is not a non-negative integer";
		return NULL;
	case F_INT_NULL:
		return json_is_null(v) || json_is_integer(v) ? NULL :
		    "is not an integer or null";
	case F_NUM_NULL:
		return json_is_null(v) || json_is_number(v) ? NULL :
		    "is not a number or null";
	case F_STR_NULL:
		if (json_is_null(v))
			return NULL;
		/* FALLTHROUGH */
	case F_STR:
		if (!json_is_string(v))
			return t == F_STR ? "is not a string" : "is not a string or null";
		return str_ok(v) ? NULL : "holds a \\u0000 that is not an escaped byte";
	case F_BOOL:
		return json_is_boolean(v) ? NULL : "is not true or false";
	case F_STRS:
		if (!json_is_array(v))
			return "is not an array of strings";
		json_array_foreach(v, i, x) {
			if (!json_is_string(x))
				return "is not an array of strings";
			if (!str_ok(x))
				return "holds a \\u0000 that is not an escaped byte";
		}
		return NULL;
	}
	return "has an unknown type";
}

static int
check_fields(const json_t *o, const struct field *f, size_t nf,
    const char *where, char **cause)
{
	for (size_t i = 0; i < nf; i++) {
		const json_t *v = json_object_get(o, f[i].key);
		const char *what;

		if (v == NULL) {
			if (!f[i].required)
				continue;
			what = "is missing";
		} else if ((what = check_type(v, f[i].type)) == NULL)
			continue;
		*cause = xasprintf("%s: %s %s", where, f[i].key, what);
		return PFAN_E_INPUT;
	}
	return PFAN_OK;
}

static bool
is_header(const json_t *o)
{
	return json_is_object(o) && json_object_get(o, "pfan") != NULL &&
	    json_object_get(o, "seq") == NULL;
}

static void
keep_header(struct resume *r, const json_t *o)
{
	const json_t *argv = json_object_get(o, "argv"), *cwd, *start;
	size_t i, n = json_array_size(argv);

	r->version = str_bytes(json_object_get(o, "pfan"));
	r->argv = xcalloc(n + 1, sizeof *r->argv);
	for (i = 0; i < n; i++)
		r->argv[i] = str_bytes(json_array_get(argv, i));
	cwd = json_object_get(o, "cwd");
	r->cwd = json_is_string(cwd) ? str_bytes(cwd) : NULL;
	start = json_object_get(o, "start");
	r->header = (struct joblog_header){
		.version = r->version,
		.argc = (int)n,
		.argv = r->argv,
		.cwd = r->cwd,
		.start = json_is_number(start) ? json_number_value(start) : 0,
	};
	r->have_header = true;
}

/* One parsed line: a header or a record. */
static int
take_object(struct resume *r, const json_t *o, const char *where, char **cause)
{
	enum job_status st;
	const char *status;
	char *cmd;
	int rc;

	if (!json_is_object(o)) {
		*cause = xasprintf("%s: not a JSON object", where);
		return PFAN_E_INPUT;
	}
	if (is_header(o)) {
		rc = check_fields(o, header_fields, NFIELDS(header_fields), where, cause);
		if (rc == PFAN_OK && !r->have_header)
			keep_header(r, o);
		return rc;
	}
	rc = check_fields(o, record_fields, NFIELDS(record_fields), where, cause);
	if (rc != PFAN_OK)
		return rc;
	r->records++;
	status = json_string_value(json_object_get(o, "status"));
	if (job_status_parse(status, &st) != PFAN_OK) {
		*cause = xasprintf("%s: unknown status \"%s\"", where, status);
		return PFAN_E_INPUT;
	}
	if (st != JOB_OK)
		return PFAN_OK;
	cmd = str_bytes(json_object_get(o, "cmd"));
	note_done(r, cmd,
	    (unsigned long long)json_integer_value(json_object_get(o, "seq")));
	free(cmd);
	return PFAN_OK;
}

/* A line that is not JSON is a torn write when nothing follows it (the
 * last line, without its '\n'), or when the next line is a header: the
 * writer of the next run sealed it with a '\n' before its own header. */
static int
load(struct resume *r, FILE *f, const char *path, char **cause)
{
	char *line = NULL, *where = NULL, *torn = NULL;
	size_t cap = 0;
	unsigned long lineno = 0, torn_line = 0;
	bool torn_nl = false;
	ssize_t n;
	int rc = PFAN_OK;

	while ((n = getline(&line, &cap, f)) >= 0) {
		bool nl = n > 0 && line[n - 1] == '\n';
		size_t len = (size_t)n - nl;
		json_error_t err;
		json_t *o;

		lineno++;
		if (len == 0)
			continue;
		o = json_loadb(line, len, LOAD_FLAGS, &err);
		if (torn != NULL) {
			if (!is_header(o)) {
				json_decref(o);
				*cause = torn;
				torn = NULL;
				rc = PFAN_E_INPUT;
				goto out;
			}
			log_warn("%s:%lu: ignoring a torn line (pfan was killed "
			    "mid-write?)", path, torn_line);
			free(torn);
			torn = NULL;
		}
		free(where);
		where = xasprintf("%s:%lu", path, lineno);
		if (o == NULL) {
			torn = xasprintf("%s: not JSON: %s", where, err.text);
			torn_line = lineno;
			torn_nl = nl;
			continue;
		}
		rc = take_object(r, o, where, cause);
		json_decref(o);
		if (rc != PFAN_OK)
			goto out;
	}
	if (ferror(f)) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		rc = PFAN_E_SYS;
		goto out;
	}
	if (torn != NULL) {
		if (torn_nl) {
			*cause = torn;
			torn = NULL;
			rc = PFAN_E_INPUT;
			goto out;
		}
		log_warn("%s:%lu: ignoring a torn last line (pfan was killed "
		    "mid-write?)", path, torn_line);
	}
out:
	free(torn);
	free(where);
	free(line);
	return rc;
}

int
resume_load(struct resume **out, const char *path, char **cause)
{
	struct resume *r = xcalloc(1, sizeof *r);
	FILE *f;
	int rc;

	*out = NULL;
	if ((f = fopen(path, "re")) == NULL) {
		if (errno == ENOENT) {
			*out = r;
			return PFAN_OK;
		}
		*cause = xasprintf("%s: %s", path, strerror(errno));
		resume_free(r);
		return PFAN_E_SYS;
	}
	rc = load(r, f, path, cause);
	fclose(f);
	if (rc != PFAN_OK) {
		resume_free(r);
		return rc;
	}
	*out = r;
	return PFAN_OK;
}

/* The stream over a locked joblog's fd: it reads with pread from offset 0
 * and its fclose leaves the fd open (closing it would drop the lock). */
struct fd_reader {
	int fd;
	off_t off;
};

static ssize_t
fd_reader_read(void *cookie, char *p, size_t n)
{
	struct fd_reader *fr = cookie;
	ssize_t k = pread(fr->fd, p, n, fr->off);

	if (k > 0)
		fr->off += k;
	return k;
}

int
resume_load_fd(struct resume **out, int fd, const char *path, char **cause)
{
	struct fd_reader fr = { fd, 0 };
	cookie_io_functions_t io = { .read = fd_reader_read };
	struct resume *r = xcalloc(1, sizeof *r);
	FILE *f;
	int rc;

	*out = NULL;
	if ((f = fopencookie(&fr, "r", io)) == NULL)
		fatal("resume: out of memory");
	rc = load(r, f, path, cause);
	fclose(f);
	if (rc != PFAN_OK) {
		resume_free(r);
		return rc;
	}
	*out = r;
	return PFAN_OK;
}

bool
resume_take_done(struct resume *r, const char *cmd)
{
	struct entry *e;

	if (r == NULL)
		return false;
	r->asked++;
	if (r->t.cap == 0)
		return false;
	e = table_find(&r->t, hash_str(cmd), cmd, 0);
	if (e->cmd == NULL || e->n == 0)
		return false;
	e->n--;
	return true;
}

const struct joblog_header *
resume_header(const struct resume *r)
{
	return r != NULL && r->have_header ? &r->header : NULL;
}

unsigned long long
resume_done_count(const struct resume *r)
{
	return r != NULL ? r->done : 0;
}

unsigned long long
resume_record_count(const struct resume *r)
{
	return r != NULL ? r->records : 0;
}

unsigned long long
resume_asked_count(const struct resume *r)
{
	return r != NULL ? r->asked : 0;
}

void
resume_free(struct resume *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->t.cap; i++)
		if (r->t.e[i].cmd != NULL && r->t.e[i].seq == 0)
			free(r->t.e[i].cmd);
	free(r->t.e);
	if (r->argv != NULL)
		for (char **p = r->argv; *p != NULL; p++)
			free(*p);
	free(r->argv);
	free(r->version);
	free(r->cwd);
	free(r);
}
