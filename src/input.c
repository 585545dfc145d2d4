/* input.c: the job arguments as a lazy iterator over records, combined as
 * GNU parallel combines its input sources.
 *
 * The first source is read through a reader (reader.c) that keeps at most
 * one record plus one chunk in memory and, on pipes and terminals, reads
 * only what poll() says is there. Every other source (and, with --link or
 * a :::+ after it, the first too) is read whole at open into records
 * already split into columns (record.c). A linked source (:::+) is merged
 * into the one before it at open, record by record, so the product below
 * never sees it. An empty source in a product counts as one empty value
 * unless every source is empty (GNU parallel does that too).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "errors.h"
#include "group.h"
#include "input.h"
#include "reader.h"
#include "record.h"
#include "xalloc.h"

struct source {
	struct args *recs;      /* each record's columns */
	size_t n, cap;
	bool linked;            /* :::+: to be merged into the one before */
	bool ended;             /* -E: its end-of-file string came */
	unsigned header_left;   /* --header records still to take */
};

struct input {
	bool link;
	bool grouping;          /* -n, -N, -m or -X: jobs take several records */
	bool no_args;           /* -N0 */
	struct group group;
	struct record_rules rules;
	unsigned header;        /* records of each source that are its header */
	char **names;           /* --header: a name per column, in order */
	size_t nnames;

	struct source *srcs;
	size_t nsrc;
	bool lazy;              /* srcs[0] is read through rd */
	struct reader rd;
	unsigned long lazy_given; /* records the lazy source gave */
	size_t first_i;         /* next record of an eager srcs[0] */
	bool any_nonempty;      /* some source had a record: pad empty ones */
	bool padded;
	bool first_padded;      /* the lazy source's one empty value given */

	struct args first;      /* product: current value of srcs[0] */
	bool have_first;
	size_t *idx;            /* product: odometer over srcs[1..] */
	size_t link_i, link_n;

	char **pending;         /* bad records of eager sources, reported first */
	size_t npending, pending_i;
	bool stdin_empty_file;
};

static void
source_add(struct source *src, struct args *rec)
{
	if (src->n == src->cap) {
		src->cap = src->cap ? src->cap * 2 : 16;
		src->recs = xreallocarray(src->recs, src->cap, sizeof *src->recs);
	}
	src->recs[src->n++] = *rec;
	args_init(rec);
}

static void
add_pending(struct input *in, char *cause)
{
	in->pending = xreallocarray(in->pending, in->npending + 1,
	    sizeof *in->pending);
	in->pending[in->npending++] = cause;
}

/* A source's header record: its columns name the values. GNU parallel
 * takes names from the first header record only. */
static void
take_header(struct input *in, struct source *src, struct args *vals)
{
	if (src->header_left-- == in->header) {
		in->names = xreallocarray(in->names, in->nnames + vals->n,
		    sizeof *in->names);
		memcpy(in->names + in->nnames, vals->v, vals->n * sizeof *vals->v);
		in->nnames += vals->n;
		free(vals->v);
		args_init(vals);
	}
	args_free(vals);
}

/* A record of an eager source: kept, skipped, or the end of its source. */
static void
add_record(struct input *in, struct source *src, const char *name,
    unsigned long recno, const char *rec, size_t len)
{
	struct args vals;
	char *cause = NULL;

	if (src->ended)
		return;
	if (src->header_left == 0) {
		enum record_verdict v = record_check(&in->rules, rec, len);
		if (v == RECORD_END)
			src->ended = true;
		if (v != RECORD_KEEP)
			return;
	}
	if (record_values(&in->rules, name, recno, rec, len, &vals, &cause) != PFAN_OK)
		add_pending(in, cause);
	else if (src->header_left > 0)
		take_header(in, src, &vals);
	else
		source_add(src, &vals);
}

static int
read_whole(struct input *in, struct source *src, struct reader *r,
    char **cause)
{
	const char *rec;
	size_t len;
	int rc;

	while (!src->ended &&
	    (rc = reader_next(r, true, &rec, &len, cause)) == PFAN_OK)
		add_record(in, src, r->name, r->recno, rec, len);
	if (src->ended)
		return PFAN_OK;
	if (rc == PFAN_E_SYS)
		rc = PFAN_E_INPUT;
	return rc == PFAN_EOF ? PFAN_OK : rc;
}

static bool
is_stdin(const struct input_source *s)
{
	return s->kind == INPUT_STDIN || s->path == NULL ||
	    strcmp(s->path, "-") == 0;
}

static int
open_file(const struct input_config *cfg, const struct input_source *s,
    struct reader *r, char **cause)
{
	struct stat st;
	int fd;
	const char *sep = cfg->null_sep ? "" : "\n";
	size_t seplen = 1;

	if (cfg->delim != NULL && cfg->delim_len > 0) {
		sep = cfg->delim;
		seplen = cfg->delim_len;
	}
	if (is_stdin(s)) {
		reader_init(r, cfg->stdin_fd, false, sep, seplen, "stdin");
		return PFAN_OK;
	}
	fd = open(s->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*cause = xasprintf("%s: %s", s->path, strerror(errno));
		return PFAN_E_INPUT;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		*cause = xasprintf("%s: %s", s->path, strerror(EISDIR));
		close(fd);
		return PFAN_E_INPUT;
	}
	reader_init(r, fd, true, sep, seplen, s->path);
	return PFAN_OK;
}

/* The lazy source's header is read now, waiting if need be: the template
 * needs the names before the first job. */
static int
read_lazy_header(struct input *in, char **cause)
{
	struct source *src = &in->srcs[0];
	const char *rec;
	size_t len;
	int rc;

	while (src->header_left > 0) {
		rc = reader_next(&in->rd, true, &rec, &len, cause);
		if (rc == PFAN_EOF)
			break;
		if (rc != PFAN_OK)
			return rc == PFAN_E_SYS ? PFAN_E_INPUT : rc;
		add_record(in, src, in->rd.name, in->rd.recno, rec, len);
	}
	src->header_left = 0;
	return PFAN_OK;
}

static int
open_source(struct input *in, const struct input_config *cfg,
    const struct input_source *s, size_t i, char **cause)
{
	struct reader r;
	int rc;

	in->srcs[i].linked = s->linked && i > 0;
	in->srcs[i].header_left = in->header;
	if (s->kind == INPUT_LIST) {
		for (size_t k = 0; k < s->nitems; k++)
			add_record(in, &in->srcs[i], ":::", k + 1, s->items[k],
			    strlen(s->items[k]));
		in->srcs[i].header_left = 0;
		return PFAN_OK;
	}
	if (i == 0 && in->lazy) {
		if ((rc = open_file(cfg, s, &in->rd, cause)) != PFAN_OK)
			return rc;
		return read_lazy_header(in, cause);
	}
	rc = open_file(cfg, s, &r, cause);
	if (rc != PFAN_OK)
		return rc;
	rc = read_whole(in, &in->srcs[i], &r, cause);
	reader_free(&r);
	in->srcs[i].header_left = 0;
	return rc;
}

/* :::+ — pairs srcs[i] with srcs[i-1] record by record, up to the
 * shorter (GNU parallel drops the rest), and removes srcs[i]. */
static void
merge_linked(struct input *in, size_t i)
{
	struct source *a = &in->srcs[i - 1], *b = &in->srcs[i];
	size_t n = a->n < b->n ? a->n : b->n;

	for (size_t k = 0; k < n; k++)
		args_move(&a->recs[k], &b->recs[k]);
	for (size_t k = n; k < a->n; k++)
		args_free(&a->recs[k]);
	for (size_t k = 0; k < b->n; k++)
		args_free(&b->recs[k]);
	a->n = n;
	free(b->recs);
	memmove(b, b + 1, (in->nsrc - i - 1) * sizeof *b);
	in->nsrc--;
}

/* GNU parallel gives an empty source one empty value as soon as another
 * source has one: `::: a :::: /dev/null` runs once, with "". */
static void
pad_empty_sources(struct input *in)
{
	struct args empty;

	if (in->padded || in->nsrc < 2)
		return;
	in->padded = true;
	for (size_t i = in->lazy ? 1 : 0; i < in->nsrc; i++) {
		if (in->srcs[i].n > 0)
			continue;
		args_init(&empty);
		args_push(&empty, "", 0);
		source_add(&in->srcs[i], &empty);
	}
}

/* --header: ":" or a regex take one record, a number that many. */
static unsigned
header_records(const char *h)
{
	char *end;
	unsigned long n;

	if (h == NULL)
		return 0;
	n = strtoul(h, &end, 10);
	if (*h >= '0' && *h <= '9' && *end == '\0')
		return n > 1000000 ? 1000000 : (unsigned)n;
	return 1;
}

static void
input_setup(struct input *in, const struct input_config *cfg,
    const struct input_source *srcs)
{
	in->link = cfg->link && in->nsrc > 1;
	in->no_args = cfg->no_args;
	group_init(&in->group, cfg->max_args, cfg->max_chars, cfg->value_extra,
	    cfg->spread);
	in->grouping = cfg->max_args > 1 || cfg->max_chars > 0;
	in->header = header_records(cfg->header);
	in->lazy = srcs[0].kind != INPUT_LIST && !in->link &&
	    !(in->nsrc > 1 && srcs[1].linked);
	in->srcs = xcalloc(in->nsrc, sizeof *in->srcs);
	in->idx = xcalloc(in->nsrc, sizeof *in->idx);
	args_init(&in->first);
}

int
input_open(struct input **out, const struct input_config *cfg, char **cause)
{
	const struct input_source stdin_source = { INPUT_STDIN, "-", NULL, 0, false };
	const struct input_source *srcs = cfg->sources;
	const char *colsep = cfg->colsep;
	struct input *in;
	int rc = PFAN_E_INPUT;

	*out = NULL;
	in = xcalloc(1, sizeof *in);
	in->rd.fd = -1;
	in->nsrc = cfg->nsources;
	if (srcs == NULL || in->nsrc == 0) {
		srcs = &stdin_source;
		in->nsrc = 1;
	}
	input_setup(in, cfg, srcs);
	/* GNU parallel: a header is split at TABs unless --colsep says. */
	if (colsep == NULL && cfg->header != NULL)
		colsep = "\t";
	struct record_opts ro = {
		.nul_ok = cfg->null_sep ||
		    (cfg->delim != NULL && cfg->delim_len == 1 && cfg->delim[0] == '\0'),
		.skip_blank = cfg->skip_blank,
		.colsep_given = cfg->colsep != NULL,
		.eof_str = cfg->eof_str,
		.trim = cfg->trim,
	};
	if (record_rules_init(&in->rules, &ro, colsep, cause) != PFAN_OK)
		goto fail;
	for (size_t i = 0; i < in->nsrc; i++)
		if ((rc = open_source(in, cfg, &srcs[i], i, cause)) != PFAN_OK)
			goto fail;
	/* Under --link every source is linked already (and wraps). */
	for (size_t i = in->nsrc; !in->link && i-- > 1;)
		if (in->srcs[i].linked)
			merge_linked(in, i);
	for (size_t i = 0; i < in->nsrc; i++)
		if (in->srcs[i].n > 0)
			in->any_nonempty = true;
	if (in->lazy && in->rd.regular && !in->rd.eof) {
		/* A regular file never blocks; a first chunk now tells main
		 * whether `pfan cmd < empty` was meant. */
		if ((rc = reader_fill(&in->rd, true, cause)) != PFAN_OK)
			goto fail;
		in->stdin_empty_file = in->nsrc == 1 && is_stdin(&srcs[0]) &&
		    in->rd.eof && in->rd.buf.len == 0 && in->rd.recno == 0;
	}
	if (in->any_nonempty)
		pad_empty_sources(in);
	for (size_t i = 0; i < in->nsrc; i++)
		if (in->srcs[i].n > in->link_n)
			in->link_n = in->srcs[i].n;
	*out = in;
	return PFAN_OK;
fail:
	if (rc == PFAN_E_SYS || rc == PFAN_OK)
		rc = PFAN_E_INPUT;
	input_free(in);
	return rc;
}

/* The lazy source's next kept record, or PFAN_EOF after -E's string. */
static int
lazy_next(struct input *in, struct args *out, char **cause)
{
	const char *rec;
	size_t len;
	int rc;

	for (;;) {
		if (in->srcs[0].ended)
			return PFAN_EOF;
		rc = reader_next(&in->rd, false, &rec, &len, cause);
		if (rc != PFAN_OK)
			return rc;
		enum record_verdict v = record_check(&in->rules, rec, len);
		if (v == RECORD_END)
			in->srcs[0].ended = true;
		if (v == RECORD_KEEP)
			break;
	}
	return record_values(&in->rules, in->rd.name, in->rd.recno, rec, len,
	    out, cause);
}

/* The first source's next value, from the reader or from memory. */
static int
first_next(struct input *in, struct args *out, char **cause)
{
	int rc;

	args_init(out);
	if (!in->lazy) {
		if (in->first_i >= in->srcs[0].n)
			return PFAN_EOF;
		*out = in->srcs[0].recs[in->first_i];
		args_init(&in->srcs[0].recs[in->first_i++]);
		return PFAN_OK;
	}
	rc = lazy_next(in, out, cause);
	if (rc == PFAN_EOF && in->nsrc > 1 && in->lazy_given == 0 &&
	    in->any_nonempty && !in->first_padded) {
		in->first_padded = true;
		args_push(out, "", 0);
		return PFAN_OK;
	}
	if (rc != PFAN_OK)
		return rc;
	in->lazy_given++;
	pad_empty_sources(in);
	return PFAN_OK;
}

static void
append_values(struct args *dst, const struct args *src)
{
	for (size_t i = 0; i < src->n; i++)
		args_push(dst, src->v[i], strlen(src->v[i]));
}

static int
next_link(struct input *in, struct args *a)
{
	if (in->link_i >= in->link_n)
		return PFAN_EOF;
	for (size_t i = 0; i < in->nsrc; i++) {
		struct source *src = &in->srcs[i];
		append_values(a, &src->recs[in->link_i % src->n]);
	}
	in->link_i++;
	return PFAN_OK;
}

/* The product: srcs[0] varies slowest, so only it needs to be lazy. */
static int
next_product(struct input *in, struct args *a, char **cause)
{
	int rc;

	if (!in->have_first) {
		if ((rc = first_next(in, &in->first, cause)) != PFAN_OK)
			return rc;
		in->have_first = true;
		memset(in->idx, 0, in->nsrc * sizeof *in->idx);
	}
	if (in->nsrc == 1) {
		*a = in->first;
		args_init(&in->first);
		in->have_first = false;
		return PFAN_OK;
	}
	append_values(a, &in->first);
	for (size_t i = 1; i < in->nsrc; i++)
		append_values(a, &in->srcs[i].recs[in->idx[i]]);
	for (size_t i = in->nsrc - 1; i >= 1; i--) {
		if (++in->idx[i] < in->srcs[i].n)
			return PFAN_OK;
		in->idx[i] = 0;
	}
	args_free(&in->first);
	in->have_first = false;
	return PFAN_OK;
}

/* One record: a product tuple, or a --link tuple. */
static int
next_record(struct input *in, struct args *a, char **cause)
{
	args_init(a);
	return in->link ? next_link(in, a) : next_product(in, a, cause);
}

static int
group_source(void *in, struct args *rec, char **cause)
{
	return next_record(in, rec, cause);
}

int
input_next(struct input *in, struct args *a, char **cause)
{
	int rc;

	args_init(a);
	if (in->pending_i < in->npending) {
		*cause = in->pending[in->pending_i];
		in->pending[in->pending_i++] = NULL;
		return PFAN_E_INPUT;
	}
	if (in->grouping)
		rc = group_next(&in->group, group_source, in, a, cause);
	else
		rc = next_record(in, a, cause);
	if (rc == PFAN_OK && in->no_args)
		args_free(a);
	return rc;
}

void
input_names(const struct input *in, char *const **names, size_t *n)
{
	*names = in->names;
	*n = in->nnames;
}

int
input_fd(const struct input *in)
{
	return in->lazy && !in->rd.eof && !in->srcs[0].ended ? in->rd.fd : -1;
}

bool
input_was_empty_stdin_file(const struct input *in)
{
	return in->stdin_empty_file;
}

void
input_free(struct input *in)
{
	if (in == NULL)
		return;
	for (size_t i = 0; i < in->nsrc; i++) {
		for (size_t k = 0; k < in->srcs[i].n; k++)
			args_free(&in->srcs[i].recs[k]);
		free(in->srcs[i].recs);
	}
	free(in->srcs);
	free(in->idx);
	reader_free(&in->rd);
	args_free(&in->first);
	group_free(&in->group);
	for (size_t i = 0; i < in->nnames; i++)
		free(in->names[i]);
	free(in->names);
	for (size_t i = 0; i < in->npending; i++)
		free(in->pending[i]);
	free(in->pending);
	record_rules_free(&in->rules);
	free(in);
}
