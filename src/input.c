/* input.c: the job arguments as a lazy iterator over records (lines or
 * NUL-terminated), combined as GNU parallel combines its input sources.
 *
 * The first source is read through a reader that keeps at most one record
 * plus one chunk in memory and, on pipes and terminals, reads only what
 * poll() says is there. Every other source (and, with --link, every
 * source) is read whole at open into records already split into columns.
 * Where GNU parallel's behaviour is odd but observable we follow it, so
 * that scripts move over unchanged: \r is kept, --colsep splits like
 * Perl's split(/RE/, $line, -1) and trims white space around each column,
 * and an empty source in a product counts as one empty value unless every
 * source is empty.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "buf.h"
#include "errors.h"
#include "input.h"
#include "reader.h"
#include "xalloc.h"

struct source {
	struct args *recs;      /* each record's columns */
	size_t n, cap;
};

struct input {
	bool null_sep;
	bool link;
	unsigned max_args;
	pcre2_code *re;
	pcre2_match_data *md;
	uint32_t ngroups;       /* capturing groups: Perl's split keeps them */

	struct source *srcs;
	size_t nsrc;
	bool lazy;              /* srcs[0] is read through rd */
	struct reader rd;
	size_t first_i;         /* next record of an eager srcs[0] */
	bool any_nonempty;      /* some source had a record: pad empty ones */
	bool padded;
	bool first_padded;      /* the lazy source's one empty value given */

	struct args first;      /* product: current value of srcs[0] */
	bool have_first;
	size_t *idx;            /* product: odometer over srcs[1..] */
	struct args group;      /* -n: values gathered so far */
	unsigned ngroup;
	size_t link_i, link_n;

	char **pending;         /* bad records of eager sources, reported first */
	size_t npending, pending_i;
	bool stdin_empty_file;
};

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
	    c == '\r';
}

/* GNU parallel trims Perl's \s from both ends when --colsep is given. */
static void
push_trimmed(struct args *a, const char *s, size_t len)
{
	while (len > 0 && is_space(*s)) {
		s++;
		len--;
	}
	while (len > 0 && is_space(s[len - 1]))
		len--;
	args_push(a, s, len);
}

/* Perl's split(/RE/, $line, -1): a match may not be empty where the last
 * one ended (Perl's minend of 1), captured groups are fields too, and the
 * rest after the last match is a field even when empty. */
static int
split_columns(struct input *in, const char *rec, size_t len, struct args *out,
    char **why)
{
	size_t s = 0;

	while (s < len) {
		int rc = pcre2_match(in->re, (PCRE2_SPTR)rec, len, s,
		    PCRE2_NOTEMPTY_ATSTART, in->md, NULL);
		if (rc == PCRE2_ERROR_NOMATCH)
			break;
		if (rc < 0) {
			PCRE2_UCHAR msg[256];
			pcre2_get_error_message(rc, msg, sizeof msg);
			*why = xasprintf("--colsep: %s", (char *)msg);
			return PFAN_E_INPUT;
		}
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(in->md);
		push_trimmed(out, rec + s, ov[0] - s);
		for (uint32_t g = 1; g <= in->ngroups; g++) {
			if (g >= (uint32_t)rc || ov[2 * g] == PCRE2_UNSET)
				args_push(out, "", 0);
			else
				push_trimmed(out, rec + ov[2 * g],
				    ov[2 * g + 1] - ov[2 * g]);
		}
		s = ov[1];
	}
	push_trimmed(out, rec + s, len - s);
	return PFAN_OK;
}

/* A record into its values; on a bad record *out is empty and *cause says
 * where. */
static int
record_values(struct input *in, const char *name, unsigned long recno,
    const char *rec, size_t len, struct args *out, char **cause)
{
	char *why = NULL;

	args_init(out);
	if (!in->null_sep && memchr(rec, '\0', len) != NULL)
		why = xstrdup("NUL byte in input line "
		    "(use -0 for NUL-separated input)");
	else if (in->re == NULL)
		args_push(out, rec, len);
	else if (split_columns(in, rec, len, out, &why) != PFAN_OK)
		args_free(out);
	if (why == NULL)
		return PFAN_OK;
	*cause = xasprintf("%s:%lu: %s", name, recno, why);
	free(why);
	return PFAN_E_INPUT;
}

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

static void
add_record(struct input *in, struct source *src, const char *name,
    unsigned long recno, const char *rec, size_t len)
{
	struct args vals;
	char *cause = NULL;

	if (record_values(in, name, recno, rec, len, &vals, &cause) == PFAN_OK)
		source_add(src, &vals);
	else
		add_pending(in, cause);
}

static int
read_whole(struct input *in, struct source *src, struct reader *r,
    char **cause)
{
	const char *rec;
	size_t len;
	int rc;

	while ((rc = reader_next(r, true, &rec, &len, cause)) == PFAN_OK)
		add_record(in, src, r->name, r->recno, rec, len);
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
	char sep = cfg->null_sep ? '\0' : '\n';

	if (is_stdin(s)) {
		reader_init(r, cfg->stdin_fd, false, sep, "stdin");
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
	reader_init(r, fd, true, sep, s->path);
	return PFAN_OK;
}

static int
open_source(struct input *in, const struct input_config *cfg,
    const struct input_source *s, size_t i, char **cause)
{
	struct reader r;
	int rc;

	if (s->kind == INPUT_LIST) {
		for (size_t k = 0; k < s->nitems; k++)
			add_record(in, &in->srcs[i], ":::", k + 1, s->items[k],
			    strlen(s->items[k]));
		return PFAN_OK;
	}
	if (i == 0 && in->lazy)
		return open_file(cfg, s, &in->rd, cause);
	rc = open_file(cfg, s, &r, cause);
	if (rc != PFAN_OK)
		return rc;
	rc = read_whole(in, &in->srcs[i], &r, cause);
	reader_free(&r);
	return rc;
}

static int
compile_colsep(struct input *in, const char *pattern, char **cause)
{
	int err;
	PCRE2_SIZE off;

	in->re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, 0,
	    &err, &off, NULL);
	if (in->re == NULL) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(err, msg, sizeof msg);
		*cause = xasprintf("--colsep: regex error at offset %zu: %s",
		    (size_t)off, (char *)msg);
		return PFAN_E_INPUT;
	}
	in->md = pcre2_match_data_create_from_pattern(in->re, NULL);
	pcre2_pattern_info(in->re, PCRE2_INFO_CAPTURECOUNT, &in->ngroups);
	return PFAN_OK;
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

int
input_open(struct input **out, const struct input_config *cfg, char **cause)
{
	const struct input_source stdin_source = { INPUT_STDIN, "-", NULL, 0 };
	const struct input_source *srcs = cfg->sources;
	struct input *in;
	int rc;

	*out = NULL;
	in = xcalloc(1, sizeof *in);
	in->rd.fd = -1;
	in->nsrc = cfg->nsources;
	if (srcs == NULL || in->nsrc == 0) {
		srcs = &stdin_source;
		in->nsrc = 1;
	}
	in->null_sep = cfg->null_sep;
	in->link = cfg->link && in->nsrc > 1;
	in->max_args = cfg->max_args > 0 ? cfg->max_args : 1;
	in->lazy = srcs[0].kind != INPUT_LIST && !in->link;
	in->srcs = xcalloc(in->nsrc, sizeof *in->srcs);
	in->idx = xcalloc(in->nsrc, sizeof *in->idx);
	args_init(&in->first);
	args_init(&in->group);
	rc = PFAN_E_INPUT;
	if (in->max_args > 1 && in->nsrc > 1) {
		*cause = xstrdup("-n with several input sources is not supported");
		goto fail;
	}
	if (cfg->colsep != NULL && compile_colsep(in, cfg->colsep, cause) != PFAN_OK)
		goto fail;
	for (size_t i = 0; i < in->nsrc; i++) {
		if ((rc = open_source(in, cfg, &srcs[i], i, cause)) != PFAN_OK)
			goto fail;
		if (in->srcs[i].n > 0)
			in->any_nonempty = true;
	}
	if (in->lazy && in->rd.regular) {
		/* A regular file never blocks; a first chunk now tells main
		 * whether `pfan cmd < empty` was meant. */
		if ((rc = reader_fill(&in->rd, true, cause)) != PFAN_OK)
			goto fail;
		in->stdin_empty_file = in->nsrc == 1 && is_stdin(&srcs[0]) &&
		    in->rd.eof && in->rd.buf.len == 0;
	}
	if (in->any_nonempty)
		pad_empty_sources(in);
	for (size_t i = 0; i < in->nsrc; i++)
		if (in->srcs[i].n > in->link_n)
			in->link_n = in->srcs[i].n;
	*out = in;
	return PFAN_OK;
fail:
	if (rc == PFAN_E_SYS)
		rc = PFAN_E_INPUT;
	input_free(in);
	return rc;
}

/* The first source's next value, from the reader or from memory. */
static int
first_next(struct input *in, struct args *out, char **cause)
{
	const char *rec;
	size_t len;
	int rc;

	args_init(out);
	if (!in->lazy) {
		if (in->first_i >= in->srcs[0].n)
			return PFAN_EOF;
		*out = in->srcs[0].recs[in->first_i];
		args_init(&in->srcs[0].recs[in->first_i++]);
		return PFAN_OK;
	}
	rc = reader_next(&in->rd, false, &rec, &len, cause);
	if (rc == PFAN_EOF && in->nsrc > 1 && in->rd.recno == 0 &&
	    in->any_nonempty && !in->first_padded) {
		in->first_padded = true;
		args_push(out, "", 0);
		return PFAN_OK;
	}
	if (rc != PFAN_OK)
		return rc;
	rc = record_values(in, in->rd.name, in->rd.recno, rec, len, out, cause);
	if (rc != PFAN_OK)
		return rc;
	pad_empty_sources(in);
	return PFAN_OK;
}

static void
append_values(struct args *dst, const struct args *src)
{
	for (size_t i = 0; i < src->n; i++)
		args_push(dst, src->v[i], strlen(src->v[i]));
}

/* Move src's values to the end of dst. */
static void
move_values(struct args *dst, struct args *src)
{
	dst->v = xreallocarray(dst->v, dst->n + src->n, sizeof *dst->v);
	memcpy(dst->v + dst->n, src->v, src->n * sizeof *src->v);
	dst->n += src->n;
	free(src->v);
	args_init(src);
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

static int
next_group(struct input *in, struct args *a, char **cause)
{
	struct args vals;
	int rc = PFAN_OK;

	while (in->ngroup < in->max_args) {
		rc = first_next(in, &vals, cause);
		if (rc != PFAN_OK)
			break;
		move_values(&in->group, &vals);
		in->ngroup++;
	}
	if (rc != PFAN_OK && rc != PFAN_EOF)
		return rc;
	if (in->ngroup == 0)
		return PFAN_EOF;
	*a = in->group;
	args_init(&in->group);
	in->ngroup = 0;
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

int
input_next(struct input *in, struct args *a, char **cause)
{
	args_init(a);
	if (in->pending_i < in->npending) {
		*cause = in->pending[in->pending_i];
		in->pending[in->pending_i++] = NULL;
		return PFAN_E_INPUT;
	}
	if (in->link)
		return next_link(in, a);
	if (in->max_args > 1)
		return next_group(in, a, cause);
	return next_product(in, a, cause);
}

int
input_fd(const struct input *in)
{
	return in->lazy && !in->rd.eof ? in->rd.fd : -1;
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
	args_free(&in->group);
	for (size_t i = 0; i < in->npending; i++)
		free(in->pending[i]);
	free(in->pending);
	pcre2_match_data_free(in->md);
	pcre2_code_free(in->re);
	free(in);
}
