/* regsub.c: Perl's s/// on PCRE2. The Perl text is translated once into
 * a PCRE2 pattern and a PCRE2 replacement (Perl's \1 and $& become ${1}
 * and ${0}); every error offset PCRE2 reports is mapped back into the
 * text the user wrote. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <pcre2.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "log.h"
#include "regsub.h"
#include "xalloc.h"

/* The s/// flags: g is a substitute option, the rest compile options. */
static const struct {
	char flag;
	uint32_t compile;
	uint32_t subst;
} flag_table[] = {
	{ 'g', 0, PCRE2_SUBSTITUTE_GLOBAL },
	{ 'i', PCRE2_CASELESS, 0 },
	{ 'm', PCRE2_MULTILINE, 0 },
	{ 's', PCRE2_DOTALL, 0 },
	{ 'x', PCRE2_EXTENDED, 0 },
};

/* Perl's s/// replacement semantics, as near as PCRE2 gets: backslash
 * escapes, unset and unknown groups are empty. */
#define SUBST_OPTS (PCRE2_SUBSTITUTE_EXTENDED | PCRE2_SUBSTITUTE_UNSET_EMPTY | \
    PCRE2_SUBSTITUTE_UNKNOWN_UNSET | PCRE2_SUBSTITUTE_OVERFLOW_LENGTH)

#define NO_PERL "pfan has no Perl: only s/REGEX/REPLACEMENT/flags statements, " \
    "joined by ; or ||, are supported"

/* One s///. */
struct stmt {
	pcre2_code *code;
	pcre2_match_data *md;
	char *repl;
	size_t repl_len;
	uint32_t opts;
	bool or_prev;      /* after ||: runs only if the ones before changed nothing */
};

struct regsub {
	struct stmt *s;
	size_t n;
	struct buf tmp[2]; /* results between statements */
};

static void
stmt_clear(struct stmt *st)
{
	pcre2_code_free(st->code);
	pcre2_match_data_free(st->md);
	free(st->repl);
	memset(st, 0, sizeof *st);
}

void
regsub_free(struct regsub *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n; i++)
		stmt_clear(&r->s[i]);
	free(r->s);
	buf_free(&r->tmp[0]);
	buf_free(&r->tmp[1]);
	free(r);
}

/* The closing delimiter of a part of s/// that opened with open: for a
 * bracketing pair, nested pairs are skipped, as Perl does. NULL if none. */
static const char *
find_close(const char *p, const char *end, char open, char close)
{
	int depth = 0;

	for (; p < end; p++) {
		if (*p == '\\' && p + 1 < end)
			p++;
		else if (open != close && *p == open)
			depth++;
		else if (*p == close && depth-- == 0)
			return p;
	}
	return NULL;
}

/* Copies a part of s///, dropping the backslash of \delim as Perl does
 * (\\ stays); for the replacement, Perl's \1 and $& become PCRE2's ${1}
 * and ${0}. map[i] is where output byte i came from, so that PCRE2's
 * error offsets point into what the user wrote. */
static char *
copy_part(const char *p, const char *end, char delim, bool repl, size_t *lenp,
    size_t *map)
{
	const char *start = p;
	struct buf b = BUF_INIT;

	for (; p < end; p++) {
		size_t from = b.len, src = (size_t)(p - start);

		if (p[0] == '\\' && p + 1 < end && p[1] == delim)
			buf_addc(&b, *++p);
		else if (repl && p[0] == '\\' && p + 1 < end && p[1] >= '1' && p[1] <= '9')
			buf_addf(&b, "${%c}", *++p);
		else if (repl && p[0] == '$' && p + 1 < end && p[1] == '&')
			buf_adds(&b, "${0}"), p++;
		else if (p[0] == '\\' && p + 1 < end)
			buf_add(&b, p, 2), p++;
		else
			buf_addc(&b, *p);
		while (from < b.len)
			map[from++] = src;
	}
	map[b.len] = (size_t)(end - start);
	*lenp = b.len;
	return buf_steal(&b);
}

/* "regex error at offset 2: missing ..." */
static int
pcre_error(char **what, const char *where, int code, const size_t *map,
    size_t off)
{
	char msg[256];

	pcre2_get_error_message(code, (PCRE2_UCHAR *)msg, sizeof msg);
	if (map == NULL)
		*what = xasprintf("%s: %s", where, msg);
	else
		*what = xasprintf("%s at offset %zu: %s", where, map[off], msg);
	return PFAN_E_INPUT;
}

/* A replacement's syntax is only checked when a match uses it: check it
 * now against a pattern that always matches, so a bad one fails at parse
 * time. Returns 0 or the PCRE2 error, with its offset in *erroff. */
static int
check_repl(const struct stmt *st, size_t *erroff)
{
	int errcode, rc;
	PCRE2_SIZE off, outlen = st->repl_len + 64;
	pcre2_code *empty;
	char *out;

	empty = pcre2_compile((PCRE2_SPTR)"", 0, 0, &errcode, &off, NULL);
	if (empty == NULL)
		fatal("pcre2 cannot compile the empty pattern");
	out = xmalloc(outlen);
	rc = pcre2_substitute(empty, (PCRE2_SPTR)"", 0, 0, SUBST_OPTS, NULL, NULL,
	    (PCRE2_SPTR)st->repl, st->repl_len, (PCRE2_UCHAR *)out, &outlen);
	free(out);
	pcre2_code_free(empty);
	if (rc >= 0 || rc == PCRE2_ERROR_NOMEMORY)
		return 0;
	*erroff = outlen < st->repl_len ? outlen : st->repl_len;
	return rc;
}

/* Compiles pat (copts) and checks repl; st->repl is set. map: where each
 * byte of pat and repl came from in what the user wrote, or NULL. */
static int
stmt_compile(struct stmt *st, const char *pat, size_t patlen, uint32_t copts,
    const size_t *pmap, const size_t *rmap, char **what)
{
	int errcode;
	PCRE2_SIZE erroff;
	size_t off;

	st->code = pcre2_compile((PCRE2_SPTR)pat, patlen, copts, &errcode,
	    &erroff, NULL);
	if (st->code == NULL)
		return pcre_error(what, "regex error", errcode, pmap, erroff);
	(void)pcre2_jit_compile(st->code, PCRE2_JIT_COMPLETE);
	st->md = pcre2_match_data_create_from_pattern(st->code, NULL);
	if (st->md == NULL)
		fatal("out of memory (pcre2 match data)");
	if ((errcode = check_repl(st, &off)) != 0)
		return pcre_error(what, "replacement error", errcode, rmap, off);
	return PFAN_OK;
}

/* The flags after s///: letters up to the end of the statement. */
static const char *
parse_flags(const char *p, const char *end, uint32_t *copts, uint32_t *sopts,
    char **what)
{
	size_t i, n = sizeof flag_table / sizeof flag_table[0];

	for (; p < end && isalpha((unsigned char)*p); p++) {
		for (i = 0; i < n && flag_table[i].flag != *p; i++)
			;
		if (i == n) {
			*what = xasprintf("flag '%c' is not supported (g, i, m, s, x are)", *p);
			return NULL;
		}
		*copts |= flag_table[i].compile;
		*sopts |= flag_table[i].subst;
	}
	return p;
}

static struct stmt *
stmt_new(struct regsub **rp)
{
	struct regsub *r = *rp;

	if (r == NULL)
		r = *rp = xcalloc(1, sizeof *r);
	r->s = xreallocarray(r->s, r->n + 1, sizeof *r->s);
	memset(&r->s[r->n], 0, sizeof *r->s);
	return &r->s[r->n++];
}

/* One s/// at p: s/RE/REPL/, or with a bracketing pair s{RE}{REPL} (space
 * allowed between the two), then the flags. Sets *next past it. */
static int
parse_stmt(struct stmt *st, const char *p, const char *end, const char **next,
    char **what)
{
	static const char pairs[] = "{}()[]<>";
	const char *d1, *r0, *d2, *pair;
	char open, close, unesc;
	size_t plen, *map;
	uint32_t copts = 0;
	int rc;
	char *pat;

	if (end - p < 2 || p[0] != 's' || !ispunct((unsigned char)p[1]) || p[1] == '\\')
		goto bad;
	open = p[1];
	pair = strchr(pairs, open);
	/* Perl keeps \} in s{}{} to the regex engine, where it is literal. */
	close = pair != NULL && (pair - pairs) % 2 == 0 ? pair[1] : open;
	unesc = close == open ? open : '\0';
	if ((d1 = find_close(p + 2, end, open, close)) == NULL)
		goto bad;
	r0 = d1 + 1;
	if (close != open) {
		while (r0 < end && isspace((unsigned char)*r0))
			r0++;
		if (r0 == end || *r0++ != open)
			goto bad;
	}
	if ((d2 = find_close(r0, end, open, close)) == NULL)
		goto bad;
	st->opts = SUBST_OPTS;
	if ((*next = parse_flags(d2 + 1, end, &copts, &st->opts, what)) == NULL)
		return PFAN_E_INPUT;
	map = xreallocarray(NULL, 2 * (size_t)(d2 - p) + 2, sizeof *map);
	pat = copy_part(p + 2, d1, unesc, false, &plen, map);
	st->repl = copy_part(r0, d2, unesc, true, &st->repl_len, map + plen + 1);
	rc = stmt_compile(st, pat, plen, copts, map, map + plen + 1, what);
	free(pat);
	free(map);
	return rc;
bad:
	*what = xstrdup(NO_PERL);
	return PFAN_E_INPUT;
}

static const char *
skip_space(const char *p, const char *end)
{
	while (p < end && isspace((unsigned char)*p))
		p++;
	return p;
}

int
regsub_parse(struct regsub **out, const char *src, size_t len, char **what)
{
	const char *p = src, *end = src + len;
	struct regsub *r = NULL;
	bool or_next = false;
	int rc = PFAN_OK;

	*out = NULL;
	/* Perl's own syntax around the statements: spaces, empty ones. */
	for (;;) {
		p = skip_space(p, end);
		if (p < end && *p == ';' && !or_next) {
			p++;
			continue;
		}
		if (p == end && !or_next)
			break;
		struct stmt *st = stmt_new(&r);
		st->or_prev = or_next;
		if ((rc = parse_stmt(st, p, end, &p, what)) != PFAN_OK)
			goto out;
		p = skip_space(p, end);
		or_next = end - p >= 2 && p[0] == '|' && p[1] == '|';
		if (or_next)
			p += 2;
		else if (p < end && *p != ';') {
			*what = xstrdup(NO_PERL);
			rc = PFAN_E_INPUT;
			goto out;
		}
	}
	if (r == NULL) {
		*what = xstrdup(NO_PERL);
		rc = PFAN_E_INPUT;
		goto out;
	}
	*out = r;
	r = NULL;
out:
	regsub_free(r);
	return rc;
}

int
regsub_add(struct regsub **r, const char *pat, size_t patlen, const char *repl,
    size_t repl_len, unsigned flags, char **what)
{
	struct stmt *st = stmt_new(r);

	st->opts = SUBST_OPTS | (flags & REGSUB_GLOBAL ? PCRE2_SUBSTITUTE_GLOBAL : 0);
	st->or_prev = (flags & REGSUB_OR) != 0 && (*r)->n > 1;
	st->repl = xmalloc(repl_len + 1);
	memcpy(st->repl, repl, repl_len);
	st->repl[repl_len] = '\0';
	st->repl_len = repl_len;
	return stmt_compile(st, pat, patlen, 0, NULL, NULL, what);
}

/* One statement from in to dst; the number of substitutions, or a PCRE2
 * error. */
static int
stmt_run(struct stmt *st, const char *in, size_t len, struct buf *dst)
{
	PCRE2_SIZE outlen;
	int rc;

	buf_reset(dst);
	buf_reserve(dst, len + 64);
	outlen = dst->cap;
	rc = pcre2_substitute(st->code, (PCRE2_SPTR)in, len, 0, st->opts, st->md,
	    NULL, (PCRE2_SPTR)st->repl, st->repl_len, (PCRE2_UCHAR *)dst->data, &outlen);
	if (rc == PCRE2_ERROR_NOMEMORY && outlen != PCRE2_UNSET) {
		/* OVERFLOW_LENGTH told us the size; the second run fits. */
		buf_reserve(dst, outlen);
		outlen = dst->cap;
		rc = pcre2_substitute(st->code, (PCRE2_SPTR)in, len, 0, st->opts,
		    st->md, NULL, (PCRE2_SPTR)st->repl, st->repl_len,
		    (PCRE2_UCHAR *)dst->data, &outlen);
	}
	dst->len = rc < 0 ? 0 : outlen;
	return rc;
}

int
regsub_apply(struct regsub *r, const char *v, size_t len, struct buf *out,
    char **what)
{
	const char *cur = v;
	size_t curlen = len, k = 0;
	bool hit = false;
	int rc;

	buf_reset(out);
	for (size_t i = 0; i < r->n; i++) {
		if (!r->s[i].or_prev)
			hit = false;
		else if (hit)
			continue;
		rc = stmt_run(&r->s[i], cur, curlen, &r->tmp[k]);
		if (rc < 0)
			return pcre_error(what, "regex match error", rc, NULL, 0);
		hit = rc > 0;
		cur = r->tmp[k].data;
		curlen = r->tmp[k].len;
		k ^= 1;
	}
	if (memchr(cur, '\0', curlen) != NULL) {
		*what = xstrdup("the result holds a NUL byte, which no command can carry");
		return PFAN_E_INPUT;
	}
	buf_add(out, cur, curlen);
	return PFAN_OK;
}
