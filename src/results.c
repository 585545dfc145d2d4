/* results.c: each job's output saved to files besides being printed.
 *
 * DIR: at each attempt's start DIR/<seq>/ is created (mkdir -p) and
 * DIR/<seq>/stdout and DIR/<seq>/stderr are opened with O_TRUNC, so a
 * retried attempt starts them afresh; each chunk is written there as it
 * arrives, before and independently of printing. A file that can't be
 * written is closed and reported once; the rest of that stream is
 * dropped from it, and every later chunk returns PFAN_E_SYS so the job is
 * known not whole.
 *
 * CSV, TSV, JSON (GNU parallel's --results NAME.csv|.tsv|.json): the
 * record holds the whole of both streams, so they are stored per attempt
 * in spillbufs (spill.c: memory up to mem_limit, then the run's spill
 * file) and written out when the job prints, which is also the order of
 * the records. CSV quoting follows GNU parallel: a field is quoted when it
 * holds a quote (doubled), white space, the separator or a NUL; since that
 * must be known before the field's first byte, each stream notes as its
 * bytes arrive whether it will need quotes. The CSV header names the
 * values V1..Vn after the first record's count. JSON escapes \ and " and
 * bytes below 0x20 (\u00XX) and passes others through, as GNU does. A
 * write that fails breaks the file for the rest of the run: reported
 * once, and every later record's job is not whole.
 *
 * FILES (--files): stdout goes to a new file made by mkstemps in the temp
 * directory, kept and named when the job prints, removed when the attempt
 * is discarded (a retry makes another).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "errors.h"
#include "log.h"
#include "results.h"
#include "spill.h"
#include "xalloc.h"

#define WCHUNK (64 * 1024)

static const char *stream_names[2] = { "stdout", "stderr" };

enum results_kind { RES_DIR, RES_CSV, RES_TSV, RES_JSON, RES_FILES };

struct results {
	enum results_kind kind;
	char *path;            /* DIR, the record file, or the temp directory */
	int fd;                /* the record file; -1 */
	bool broken;           /* the record file failed: no more records */
	bool header_done;
	struct spill *spill;   /* CSV/JSON: stored streams */
	size_t mem_limit;
	struct buf w;          /* a record on its way out */
};

struct rstream {
	int fd;                /* -1: none */
	bool bad;              /* the file was lost: report each drop */
	bool logged;
	struct spillbuf buf;   /* CSV/JSON: the stream so far */
	bool quote;            /* CSV: the field will need quotes */
	bool store_bad;
};

struct results_job {
	struct results *r;
	unsigned long long seq;
	struct rstream s[2];
	struct args args;      /* CSV/JSON */
	char *cmd, *host;
	struct results_end end;
	uint64_t received;     /* stdout bytes: Receive */
	char *name;            /* FILES: the file */
	bool kept;
};

static bool
is_record(const struct results *r)
{
	return r->kind == RES_CSV || r->kind == RES_TSV || r->kind == RES_JSON;
}

static int
mkdir_p(const char *path)
{
	char *p = xstrdup(path), *q;
	struct stat st;
	int rc = 0;

	for (q = p + (*p == '/'); rc == 0 && (q = strchr(q, '/')) != NULL; q++) {
		*q = '\0';
		if (mkdir(p, 0777) == -1 && errno != EEXIST)
			rc = -1;
		*q = '/';
	}
	if (rc == 0 && mkdir(p, 0777) == -1 && errno != EEXIST)
		rc = -1;
	free(p);
	if (rc == 0 && stat(path, &st) == 0 && !S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		rc = -1;
	}
	return rc;
}

static void
report(struct results_job *rj, int i, char *cause)
{
	if (!rj->s[i].logged)
		log_error("job %llu: %s: %s; not saved", rj->seq, stream_names[i],
		    cause);
	rj->s[i].logged = true;
	free(cause);
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

static const char *
temp_dir(const char *tmpdir)
{
	if (tmpdir == NULL || *tmpdir == '\0')
		tmpdir = getenv("TMPDIR");
	return tmpdir != NULL && *tmpdir != '\0' ? tmpdir : "/tmp";
}

int
results_new(struct results **out, const char *spec, const char *tmpdir,
    size_t mem_limit, char **cause)
{
	struct results *r;
	enum results_kind kind = RES_DIR;

	*out = NULL;
	if (spec == NULL)
		return PFAN_OK;
	if (ends_with(spec, ".csv"))
		kind = RES_CSV;
	else if (ends_with(spec, ".tsv"))
		kind = RES_TSV;
	else if (ends_with(spec, ".json"))
		kind = RES_JSON;
	if (kind != RES_DIR && spec[0] == '-' && spec[1] == '.') {
		*cause = xasprintf("--results %s: the records on stdout are not "
		    "supported; name a file", spec);
		return PFAN_E_INPUT;
	}
	r = xcalloc(1, sizeof *r);
	r->kind = kind;
	r->fd = -1;
	r->path = xstrdup(spec);
	if (kind == RES_DIR && mkdir_p(spec) == -1) {
		*cause = xasprintf("cannot create results directory '%s': %s",
		    spec, strerror(errno));
		results_free(r);
		return PFAN_E_SYS;
	}
	if (kind != RES_DIR) {
		r->fd = open(spec, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		if (r->fd == -1) {
			*cause = xasprintf("cannot create results file '%s': %s",
			    spec, strerror(errno));
			results_free(r);
			return PFAN_E_SYS;
		}
		r->spill = spill_new(tmpdir);
		r->mem_limit = mem_limit ? mem_limit : WCHUNK;
	}
	*out = r;
	return PFAN_OK;
}

int
results_new_files(struct results **out, const char *tmpdir, char **cause)
{
	struct results *r = xcalloc(1, sizeof *r);
	struct stat st;

	r->kind = RES_FILES;
	r->fd = -1;
	r->path = xstrdup(temp_dir(tmpdir));
	if (stat(r->path, &st) == -1 || !S_ISDIR(st.st_mode)) {
		*cause = xasprintf("--files: temp directory '%s': %s", r->path,
		    stat(r->path, &st) == -1 ? strerror(errno) : "not a directory");
		results_free(r);
		*out = NULL;
		return PFAN_E_SYS;
	}
	*out = r;
	return PFAN_OK;
}

static void
open_dir_files(struct results_job *rj, bool *lost)
{
	char *dir, *path = NULL;
	int i;

	dir = xasprintf("%s/%llu", rj->r->path, rj->seq);
	if (mkdir_p(dir) == -1) {
		path = xstrdup(dir);
		i = 0;
		goto fail;
	}
	for (i = 0; i < 2; i++) {
		path = xasprintf("%s/%s", dir, stream_names[i]);
		rj->s[i].fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		if (rj->s[i].fd == -1)
			goto fail;
		free(path);
	}
	free(dir);
	return;
fail:
	report(rj, i, xasprintf("cannot create %s: %s", path, strerror(errno)));
	for (i = 0; i < 2; i++) {
		if (rj->s[i].fd != -1)
			close(rj->s[i].fd);
		rj->s[i].fd = -1;
		rj->s[i].bad = true;
		rj->s[i].logged = true;
	}
	*lost = true;
	free(path);
	free(dir);
}

static void
open_temp_file(struct results_job *rj, bool *lost)
{
	rj->name = xasprintf("%s/pfan%llu.XXXXXX.par", rj->r->path, rj->seq);
	rj->s[0].fd = mkostemps(rj->name, 4, O_CLOEXEC);
	if (rj->s[0].fd != -1)
		return;
	report(rj, 0, xasprintf("cannot create %s: %s", rj->name, strerror(errno)));
	rj->s[0].bad = true;
	free(rj->name);
	rj->name = NULL;
	*lost = true;
}

struct results_job *
results_job_start(struct results *r, unsigned long long seq,
    const struct args *args, const char *cmd, const char *host, bool *lost)
{
	struct results_job *rj;

	if (r == NULL)
		return NULL;
	rj = xcalloc(1, sizeof *rj);
	rj->r = r;
	rj->seq = seq;
	rj->s[0].fd = rj->s[1].fd = -1;
	rj->end.exit_code = -1;
	args_init(&rj->args);
	if (r->kind == RES_DIR)
		open_dir_files(rj, lost);
	else if (r->kind == RES_FILES)
		open_temp_file(rj, lost);
	else {
		if (args != NULL)
			args_copy(&rj->args, args);
		rj->cmd = xstrdup(cmd != NULL ? cmd : "");
		rj->host = xstrdup(host != NULL ? host : "");
	}
	return rj;
}

static void
lose(struct results_job *rj, int i, int err)
{
	const char *what = rj->name != NULL ? rj->name : rj->r->path;

	if (rj->r->kind == RES_DIR)
		report(rj, i, xasprintf("cannot write %s/%llu/%s: %s", what,
		    rj->seq, stream_names[i], err == 0 ? "short write" : strerror(err)));
	else
		report(rj, i, xasprintf("cannot write %s: %s", what,
		    err == 0 ? "short write" : strerror(err)));
	if (rj->s[i].fd != -1)
		close(rj->s[i].fd);
	rj->s[i].fd = -1;
	rj->s[i].bad = true;
}

/* Will a CSV field holding these bytes need quotes? */
static bool
csv_needs_quote(const struct results *r, const char *p, size_t n)
{
	char sep = r->kind == RES_TSV ? '\t' : ',';

	for (size_t k = 0; k < n; k++)
		if (p[k] == '"' || p[k] == sep || p[k] == '\0' ||
		    strchr(" \t\n\r\f\v", p[k]) != NULL)
			return true;
	return false;
}

static int
store(struct results_job *rj, int i, const char *p, size_t n)
{
	struct rstream *s = &rj->s[i];
	char *cause = NULL;

	if (s->store_bad)
		return PFAN_E_SYS;
	if (!s->quote && rj->r->kind != RES_JSON)
		s->quote = csv_needs_quote(rj->r, p, n);
	if (spillbuf_add(rj->r->spill, &s->buf, rj->r->mem_limit, p, n,
	    &cause) == PFAN_OK)
		return PFAN_OK;
	report(rj, i, cause);
	s->store_bad = true;
	return PFAN_E_SYS;
}

int
results_job_data(struct results_job *rj, int i, const char *p, size_t n)
{
	struct rstream *s;

	if (rj == NULL || (rj->r->kind == RES_FILES && i != 0))
		return PFAN_OK;
	if (i == 0)
		rj->received += n;
	if (is_record(rj->r))
		return store(rj, i, p, n);
	s = &rj->s[i];
	if (s->bad)
		return PFAN_E_SYS;
	while (n > 0 && s->fd != -1) {
		ssize_t w = write(s->fd, p, n);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
		} else if (w == -1 && errno == EINTR)
			continue;
		else {
			lose(rj, i, w == 0 ? 0 : errno);
			return PFAN_E_SYS;
		}
	}
	return PFAN_OK;
}

int
results_job_end(struct results_job *rj, const struct results_end *e)
{
	int rc = PFAN_OK;

	if (rj == NULL)
		return PFAN_OK;
	if (e != NULL)
		rj->end = *e;
	for (int i = 0; i < 2; i++) {
		struct rstream *s = &rj->s[i];

		if (s->fd != -1 && close(s->fd) == -1) {
			s->fd = -1;
			lose(rj, i, errno);
		}
		s->fd = -1;
		if (s->bad || s->store_bad)
			rc = PFAN_E_SYS;
	}
	return rc;
}

void
results_job_to_disk(struct results_job *rj)
{
	char *cause = NULL;

	if (rj == NULL || !is_record(rj->r))
		return;
	for (int i = 0; i < 2; i++)
		if (spillbuf_to_disk(rj->r->spill, &rj->s[i].buf, &cause) != PFAN_OK) {
			/* It stays in memory: nothing is lost. */
			log_debug("job %llu: %s", rj->seq, cause);
			free(cause);
			cause = NULL;
		}
}

/* Out with what the record buffer holds (all: everything, else only
 * once it holds WCHUNK). */
static void
w_flush(struct results *r, bool all)
{
	const char *p = r->w.data;
	size_t n = r->w.len;

	if (!all && n < WCHUNK)
		return;
	while (n > 0 && !r->broken) {
		ssize_t w = write(r->fd, p, n);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
		} else if (w == -1 && errno == EINTR)
			continue;
		else {
			log_error("cannot write %s: %s; no more records", r->path,
			    w == 0 ? "short write" : strerror(errno));
			r->broken = true;
		}
	}
	buf_reset(&r->w);
}

/* Bytes of a field: escaped for JSON, quotes doubled for CSV. */
static void
put_escaped(void *arg, const char *p, size_t n)
{
	struct results *r = arg;

	for (size_t k = 0; k < n; k++) {
		unsigned char c = (unsigned char)p[k];

		if (r->kind == RES_JSON && (c == '\\' || c == '"')) {
			buf_addc(&r->w, '\\');
			buf_addc(&r->w, (char)c);
		} else if (r->kind == RES_JSON && c < 0x20)
			buf_addf(&r->w, "\\u%04x", c);
		else if (r->kind != RES_JSON && c == '"')
			buf_add(&r->w, "\"\"", 2);
		else
			buf_addc(&r->w, (char)c);
	}
	w_flush(r, false);
}

/* A CSV field: separator first unless it is the line's first. */
static void
csv_str(struct results *r, const char *v, bool first)
{
	bool q = csv_needs_quote(r, v, strlen(v));

	if (!first)
		buf_addc(&r->w, r->kind == RES_TSV ? '\t' : ',');
	if (q)
		buf_addc(&r->w, '"');
	put_escaped(r, v, strlen(v));
	if (q)
		buf_addc(&r->w, '"');
}

static void
json_str(struct results *r, const char *key, const char *v)
{
	buf_addf(&r->w, "\"%s\": \"", key);
	put_escaped(r, v, strlen(v));
	buf_adds(&r->w, "\", ");
}

/* A stored stream as the record's last fields; false if some of it
 * could not be read back. */
static bool
put_stream(struct results_job *rj, int i)
{
	struct results *r = rj->r;
	struct rstream *s = &rj->s[i];
	char *cause = NULL;
	bool csv_q = r->kind != RES_JSON && s->quote;
	int rc;

	if (r->kind == RES_JSON)
		buf_addf(&r->w, "\"%s\": ", i == 0 ? "Stdout" : "Stderr");
	else
		buf_addc(&r->w, r->kind == RES_TSV ? '\t' : ',');
	if (csv_q || r->kind == RES_JSON)
		buf_addc(&r->w, '"');
	rc = spillbuf_drain(r->spill, &s->buf, spillbuf_len(&s->buf),
	    put_escaped, r, &cause);
	if (csv_q || r->kind == RES_JSON)
		buf_addc(&r->w, '"');
	if (rc != PFAN_OK)
		report(rj, i, cause);
	return rc == PFAN_OK;
}

static void
csv_header(struct results *r, size_t nargs)
{
	buf_adds(&r->w, "Seq,Host,Starttime,JobRuntime,Send,Receive,Exitval,"
	    "Signal,Command");
	for (size_t k = 0; k < nargs; k++)
		buf_addf(&r->w, ",V%zu", k + 1);
	buf_adds(&r->w, ",Stdout,Stderr\n");
	if (r->kind == RES_TSV)
		for (size_t k = 0; k < r->w.len; k++)
			if (r->w.data[k] == ',')
				r->w.data[k] = '\t';
}

/* GNU parallel's Exitval: a job killed by a signal has 0 there. */
static int
exitval(const struct results_end *e)
{
	return e->exit_code >= 0 ? e->exit_code : e->signal > 0 ? 0 : -1;
}

static int
write_record(struct results_job *rj)
{
	struct results *r = rj->r;
	const struct results_end *e = &rj->end;
	bool whole;
	char num[160];

	if (r->kind != RES_JSON && !r->header_done) {
		csv_header(r, rj->args.n);
		r->header_done = true;
	}
	if (r->kind == RES_JSON) {
		buf_addf(&r->w, "{ \"Seq\": %llu, ", rj->seq);
		json_str(r, "Host", rj->host);
		buf_addf(&r->w, "\"Starttime\": %.3f, \"JobRuntime\": %.3f, "
		    "\"Send\": 0, \"Receive\": %llu, \"Exitval\": %d, "
		    "\"Signal\": %d, ", e->start, e->runtime,
		    (unsigned long long)rj->received, exitval(e), e->signal);
		json_str(r, "Command", rj->cmd);
		buf_adds(&r->w, "\"V\": [ ");
		for (size_t k = 0; k < rj->args.n; k++) {
			buf_adds(&r->w, k > 0 ? ",\"" : "\"");
			put_escaped(r, rj->args.v[k], strlen(rj->args.v[k]));
			buf_addc(&r->w, '"');
		}
		buf_adds(&r->w, " ], ");
	} else {
		snprintf(num, sizeof num, "%llu", rj->seq);
		csv_str(r, num, true);
		csv_str(r, rj->host, false);
		snprintf(num, sizeof num, "%.3f", e->start);
		csv_str(r, num, false);
		snprintf(num, sizeof num, "%.3f", e->runtime);
		csv_str(r, num, false);
		snprintf(num, sizeof num, "%d,%llu,%d,%d", 0,
		    (unsigned long long)rj->received, exitval(e), e->signal);
		if (r->kind == RES_TSV)
			for (char *c = num; *c != '\0'; c++)
				*c = *c == ',' ? '\t' : *c;
		buf_addc(&r->w, r->kind == RES_TSV ? '\t' : ',');
		buf_adds(&r->w, num);
		csv_str(r, rj->cmd, false);
		for (size_t k = 0; k < rj->args.n; k++)
			csv_str(r, rj->args.v[k], false);
	}
	whole = put_stream(rj, 0);
	if (r->kind == RES_JSON)
		buf_adds(&r->w, ", ");
	whole = put_stream(rj, 1) && whole;
	buf_adds(&r->w, r->kind == RES_JSON ? " }\n" : "\n");
	w_flush(r, true);
	return whole && !r->broken && !rj->s[0].store_bad &&
	    !rj->s[1].store_bad ? PFAN_OK : PFAN_E_SYS;
}

int
results_job_deliver(struct results_job *rj)
{
	if (rj == NULL)
		return PFAN_OK;
	rj->kept = true;
	if (is_record(rj->r))
		return write_record(rj);
	return PFAN_OK;
}

const char *
results_job_name(const struct results_job *rj)
{
	return rj != NULL ? rj->name : NULL;
}

void
results_job_free(struct results_job *rj)
{
	if (rj == NULL)
		return;
	for (int i = 0; i < 2; i++) {
		if (rj->s[i].fd != -1)
			close(rj->s[i].fd);
		if (rj->r->spill != NULL)
			spillbuf_free(rj->r->spill, &rj->s[i].buf);
	}
	if (rj->name != NULL && !rj->kept)
		unlink(rj->name);
	free(rj->name);
	args_free(&rj->args);
	free(rj->cmd);
	free(rj->host);
	free(rj);
}

void
results_free(struct results *r)
{
	if (r == NULL)
		return;
	if (r->fd != -1 && close(r->fd) == -1)
		log_error("cannot write %s: %s", r->path, strerror(errno));
	spill_free(r->spill);
	buf_free(&r->w);
	free(r->path);
	free(r);
}
