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

#define ONLY_SUBST "only s/REGEX/REPLACEMENT/flags is supported"

struct regsub {
	pcre2_code *code;
	pcre2_match_data *md;
	char *repl;
	size_t repl_len;
	uint32_t opts;
};

void
regsub_free(struct regsub *r)
{
	if (r == NULL)
		return;
	pcre2_code_free(r->code);
	pcre2_match_data_free(r->md);
	free(r->repl);
	free(r);
}

/* Finds the first delim not escaped by a backslash; NULL if none. */
static const char *
find_delim(const char *p, const char *end, char delim)
{
	for (; p < end; p++) {
		if (*p == '\\' && p + 1 < end)
			p++;
		else if (*p == delim)
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
check_repl(const struct regsub *r, size_t *erroff)
{
	int errcode, rc;
	PCRE2_SIZE off, outlen = r->repl_len + 64;
	pcre2_code *empty;
	char *out;

	empty = pcre2_compile((PCRE2_SPTR)"", 0, 0, &errcode, &off, NULL);
	if (empty == NULL)
		fatal("pcre2 cannot compile the empty pattern");
	out = xmalloc(outlen);
	rc = pcre2_substitute(empty, (PCRE2_SPTR)"", 0, 0, SUBST_OPTS, NULL, NULL,
	    (PCRE2_SPTR)r->repl, r->repl_len, (PCRE2_UCHAR *)out, &outlen);
	free(out);
	pcre2_code_free(empty);
	if (rc >= 0 || rc == PCRE2_ERROR_NOMEMORY)
		return 0;
	*erroff = outlen < r->repl_len ? outlen : r->repl_len;
	return rc;
}

static int
parse_flags(const char *p, const char *end, uint32_t *copts, uint32_t *sopts,
    char **what)
{
	size_t i, n = sizeof flag_table / sizeof flag_table[0];

	for (; p < end; p++) {
		if (!isalpha((unsigned char)*p)) {
			*what = xstrdup(ONLY_SUBST);
			return PFAN_E_INPUT;
		}
		for (i = 0; i < n && flag_table[i].flag != *p; i++)
			;
		if (i == n) {
			*what = xasprintf("flag '%c' is not supported (g, i, m, s, x are)", *p);
			return PFAN_E_INPUT;
		}
		*copts |= flag_table[i].compile;
		*sopts |= flag_table[i].subst;
	}
	return PFAN_OK;
}

int
regsub_parse(struct regsub **out, const char *src, size_t len, char **what)
{
	const char *p = src, *close = src + len, *d1, *d2;
	struct regsub *r = NULL;
	size_t plen, *map = NULL;
	uint32_t copts = 0;
	int errcode, rc;
	PCRE2_SIZE erroff;
	char *pat;

	*out = NULL;
	/* Perl would take "s/a/b/;" and spaces around; so do we. */
	while (p < close && isspace((unsigned char)*p))
		p++;
	while (close > p && (isspace((unsigned char)close[-1]) || close[-1] == ';'))
		close--;
	if (close - p < 2 || p[0] != 's' || !ispunct((unsigned char)p[1]) ||
	    strchr("\\{([<", p[1]) != NULL ||
	    (d1 = find_delim(p + 2, close, p[1])) == NULL ||
	    (d2 = find_delim(d1 + 1, close, p[1])) == NULL) {
		*what = xstrdup(ONLY_SUBST);
		return PFAN_E_INPUT;
	}
	r = xcalloc(1, sizeof *r);
	r->opts = SUBST_OPTS;
	map = xreallocarray(NULL, 2 * (size_t)(close - p) + 1, sizeof *map);
	rc = parse_flags(d2 + 1, close, &copts, &r->opts, what);
	if (rc != PFAN_OK)
		goto out;
	pat = copy_part(p + 2, d1, p[1], false, &plen, map);
	r->code = pcre2_compile((PCRE2_SPTR)pat, plen, copts, &errcode, &erroff, NULL);
	free(pat);
	if (r->code == NULL) {
		rc = pcre_error(what, "regex error", errcode, map, erroff);
		goto out;
	}
	(void)pcre2_jit_compile(r->code, PCRE2_JIT_COMPLETE);
	r->md = pcre2_match_data_create_from_pattern(r->code, NULL);
	if (r->md == NULL)
		fatal("out of memory (pcre2 match data)");
	r->repl = copy_part(d1 + 1, d2, p[1], true, &r->repl_len, map);
	if ((errcode = check_repl(r, &plen)) != 0) {
		rc = pcre_error(what, "replacement error", errcode, map, plen);
		goto out;
	}
	*out = r;
	r = NULL;
out:
	free(map);
	regsub_free(r);
	return rc;
}

int
regsub_apply(struct regsub *r, const char *v, size_t len, struct buf *out,
    char **what)
{
	PCRE2_SIZE outlen;
	int rc;

	buf_reset(out);
	buf_reserve(out, len + 64);
	outlen = out->cap;
	rc = pcre2_substitute(r->code, (PCRE2_SPTR)v, len, 0, r->opts, r->md,
	    NULL, (PCRE2_SPTR)r->repl, r->repl_len, (PCRE2_UCHAR *)out->data, &outlen);
	if (rc == PCRE2_ERROR_NOMEMORY && outlen != PCRE2_UNSET) {
		/* OVERFLOW_LENGTH told us the size; the second run fits. */
		buf_reserve(out, outlen);
		outlen = out->cap;
		rc = pcre2_substitute(r->code, (PCRE2_SPTR)v, len, 0, r->opts,
		    r->md, NULL, (PCRE2_SPTR)r->repl, r->repl_len,
		    (PCRE2_UCHAR *)out->data, &outlen);
	}
	if (rc < 0) {
		buf_reset(out);
		return pcre_error(what, "regex match error", rc, NULL, 0);
	}
	out->len = outlen;
	if (memchr(out->data, '\0', out->len) != NULL) {
		buf_reset(out);
		*what = xstrdup("the result holds a NUL byte, which no command can carry");
		return PFAN_E_INPUT;
	}
	return PFAN_OK;
}
