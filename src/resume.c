/* resume.c: reads a joblog back for --resume: how many distinct jobs are
 * done per canonical command, and the first header. What counts as done is
 * specified in docs/JOBLOG.md §6.3; jlread.c reads and checks the lines. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "errors.h"
#include "jlread.h"
#include "log.h"
#include "resume.h"
#include "xalloc.h"

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

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

/* The first header is the run's command line; later ones are ignored. */
static void
on_header(void *arg, const struct joblog_header *h)
{
	struct resume *r = arg;

	if (r->have_header)
		return;
	r->version = xstrdup(h->version);
	r->argv = xcalloc((size_t)h->argc + 1, sizeof *r->argv);
	for (int i = 0; i < h->argc; i++)
		r->argv[i] = xstrdup(h->argv[i]);
	r->cwd = dup_or_null(h->cwd);
	r->header = (struct joblog_header){
		.version = r->version,
		.argc = h->argc,
		.argv = r->argv,
		.cwd = r->cwd,
		.start = isfinite(h->start) ? h->start : 0,
	};
	r->have_header = true;
}

/* A --json-jobs id's key in the table, kept apart from the commands by
 * a control byte no command starts with unless made to. */
static char *
id_key(const char *id)
{
	return xasprintf("\x1fid:%s", id);
}

static void
on_record(void *arg, const struct joblog_record *rec)
{
	struct resume *r = arg;
	const char *id = rec->job != NULL ?
	    json_string_value(json_object_get((const json_t *)rec->job, "id")) : NULL;

	r->records++;
	if (rec->status != JOB_OK)
		return;
	if (id == NULL) {
		note_done(r, rec->cmd, rec->seq);
		return;
	}
	char *key = id_key(id);
	note_done(r, key, rec->seq);
	free(key);
}

static const struct jlread_ops resume_ops = { on_header, on_record };

int
resume_load(struct resume **out, const char *path, char **cause)
{
	struct resume *r = xcalloc(1, sizeof *r);
	int rc;

	*out = NULL;
	if ((rc = jlread_file(path, true, &resume_ops, r, cause)) != PFAN_OK) {
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
	rc = jlread_stream(f, path, &resume_ops, r, cause);
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

bool
resume_take_done_id(struct resume *r, const char *id)
{
	char *key = id_key(id);
	bool done = resume_take_done(r, key);

	free(key);
	return done;
}

bool
resume_seq_done(struct resume *r, const char *cmd, unsigned long long seq)
{
	uint64_t hj;
	struct entry *e;

	if (r == NULL)
		return false;
	r->asked++;
	if (r->t.cap == 0 || seq == 0)
		return false;
	hj = hash_job(hash_str(cmd), seq);
	e = table_find(&r->t, hj, cmd, seq);
	return e->cmd != NULL;
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
