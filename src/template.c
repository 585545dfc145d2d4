/* template.c: the command template. The words are joined and scanned once
 * into literal spans and replacement tokens, regexes are compiled then, and
 * expansion per job is a walk over the tokens appending to a buf. Names and
 * meanings follow GNU parallel; where GNU's behaviour is a Perl expression
 * ({.} {/} {//}), the C here reproduces that expression byte for byte,
 * newlines and all (tests/data/template_paths.txt was made by GNU parallel).
 * A struct template is not thread-safe: expansion reuses scratch space. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <pcre2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "log.h"
#include "quote.h"
#include "template.h"
#include "xalloc.h"

enum tok_kind { TOK_LIT, TOK_VAL, TOK_SUBST, TOK_SEQ, TOK_SLOT, TOK_HOST };
enum xform { XF_NONE, XF_NOEXT, XF_BASE, XF_DIR, XF_BASENOEXT };

/* Every replacement string but {= =}. Those marked positional also exist
 * as {n...}: "{1/.}" is "{/.}" with 1 after the brace. */
static const struct {
	const char *text;
	enum tok_kind kind;
	enum xform xf;
	int positional;
} rpl_table[] = {
	{ "{}", TOK_VAL, XF_NONE, 1 },
	{ "{.}", TOK_VAL, XF_NOEXT, 1 },
	{ "{/}", TOK_VAL, XF_BASE, 1 },
	{ "{//}", TOK_VAL, XF_DIR, 1 },
	{ "{/.}", TOK_VAL, XF_BASENOEXT, 1 },
	{ "<>", TOK_VAL, XF_NONE, 0 },
	{ "{#}", TOK_SEQ, XF_NONE, 0 },
	{ "{%}", TOK_SLOT, XF_NONE, 0 },
	{ "{host}", TOK_HOST, XF_NONE, 0 },
};

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

/* Positions past this are all "beyond the values"; saves overflow checks. */
#define POS_MAX 1000000000L

struct subst {
	pcre2_code *code;
	char *repl;
	size_t repl_len;
	uint32_t opts;
};

struct tok {
	enum tok_kind kind;
	enum xform xf;
	long pos;          /* 0: every value; n > 0: n-th; n < 0: n-th from the end */
	size_t off, len;   /* the token as written, in t->text */
	struct subst *sub; /* TOK_SUBST */
};

struct template {
	char *text;        /* the words joined with spaces */
	size_t text_len;
	struct tok *toks;
	size_t ntoks;
	bool per_slot;
	bool append;       /* no replacement string: values go at the end */
	bool raw;          /* no words: the values are the command, as GNU does */
	const char *rpl;   /* -I: the string that stands for {} */
	bool context;      /* -X: words with {} repeat per value */
	pcre2_match_data *md;
	struct buf *scratch; /* a transformed value before quoting */
};

#define ONLY_SUBST "only s/REGEX/REPLACEMENT/flags is supported"
#define FROM_ONE "values are numbered from 1"

static int
tok_error(char **cause, const struct template *t, const struct tok *tk,
    const char *what)
{
	*cause = xasprintf("template: %.*s: %s", (int)tk->len, t->text + tk->off,
	    what);
	return PFAN_E_INPUT;
}

static void
tok_push(struct template *t, const struct tok *tk)
{
	t->toks = xreallocarray(t->toks, t->ntoks + 1, sizeof *t->toks);
	t->toks[t->ntoks++] = *tk;
}

static void
subst_free(struct subst *s)
{
	if (s == NULL)
		return;
	pcre2_code_free(s->code);
	free(s->repl);
	free(s);
}

/* Reads -?[0-9]+ at s; returns the number of bytes used, 0 if none. */
static size_t
scan_pos(const char *s, const char *end, long *pos)
{
	const char *p = s;
	long n = 0;
	int neg = 0;

	if (p < end && *p == '-') {
		neg = 1;
		p++;
	}
	if (p == end || !isdigit((unsigned char)*p))
		return 0;
	for (; p < end && isdigit((unsigned char)*p); p++)
		n = n >= POS_MAX ? POS_MAX : n * 10 + (*p - '0');
	*pos = neg ? -n : n;
	return (size_t)(p - s);
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

/* "template: {= ... =}: regex error at offset 2: missing ..." */
static int
pcre_error(char **cause, const struct template *t, const struct tok *tk,
    const char *what, int code, const size_t *map, size_t off)
{
	char msg[256];

	pcre2_get_error_message(code, (PCRE2_UCHAR *)msg, sizeof msg);
	if (map == NULL)
		*cause = xasprintf("template: %.*s: %s: %s", (int)tk->len,
		    t->text + tk->off, what, msg);
	else
		*cause = xasprintf("template: %.*s: %s at offset %zu: %s",
		    (int)tk->len, t->text + tk->off, what, map[off], msg);
	return PFAN_E_INPUT;
}

/* A replacement's syntax is only checked when a match uses it: check it
 * now against a pattern that always matches, so a bad one fails at parse
 * time. Returns 0 or the PCRE2 error, with its offset in *erroff. */
static int
check_repl(const struct subst *s, size_t *erroff)
{
	int errcode, rc;
	PCRE2_SIZE off, outlen = s->repl_len + 64;
	pcre2_code *empty;
	char *out;

	empty = pcre2_compile((PCRE2_SPTR)"", 0, 0, &errcode, &off, NULL);
	if (empty == NULL)
		fatal("pcre2 cannot compile the empty pattern");
	out = xmalloc(outlen);
	rc = pcre2_substitute(empty, (PCRE2_SPTR)"", 0, 0, SUBST_OPTS, NULL, NULL,
	    (PCRE2_SPTR)s->repl, s->repl_len, (PCRE2_UCHAR *)out, &outlen);
	free(out);
	pcre2_code_free(empty);
	if (rc >= 0 || rc == PCRE2_ERROR_NOMEMORY)
		return 0;
	*erroff = outlen < s->repl_len ? outlen : s->repl_len;
	return rc;
}

static int
parse_flags(struct template *t, const struct tok *tk, const char *p,
    const char *end, uint32_t *copts, uint32_t *sopts, char **cause)
{
	size_t i, n = sizeof flag_table / sizeof flag_table[0];

	for (; p < end; p++) {
		if (!isalpha((unsigned char)*p))
			return tok_error(cause, t, tk, ONLY_SUBST);
		for (i = 0; i < n && flag_table[i].flag != *p; i++)
			;
		if (i == n) {
			char what[64];
			snprintf(what, sizeof what,
			    "flag '%c' is not supported (g, i, m, s, x are)", *p);
			return tok_error(cause, t, tk, what);
		}
		*copts |= flag_table[i].compile;
		*sopts |= flag_table[i].subst;
	}
	return PFAN_OK;
}

/* {= s/REGEX/REPL/flags =} or {=n ... =} at t->text + off. */
static int
parse_subst(struct template *t, size_t off, struct tok *tk, char **cause)
{
	const char *p = t->text + off + 2, *end = t->text + t->text_len;
	const char *close, *d1, *d2;
	struct subst *s;
	size_t len, *map;
	uint32_t copts = 0;
	int errcode, rc;
	PCRE2_SIZE erroff;
	char *pat;

	tk->kind = TOK_SUBST;
	tk->off = off;
	close = memmem(p, (size_t)(end - p), "=}", 2);
	tk->len = close != NULL ? (size_t)(close + 2 - (t->text + off)) : t->text_len - off;
	if (close == NULL)
		return tok_error(cause, t, tk, "missing =}");
	p += scan_pos(p, close, &tk->pos);
	if (p > t->text + off + 2 && tk->pos == 0)
		return tok_error(cause, t, tk, FROM_ONE);
	/* Perl would take "s/a/b/;" and spaces around; so do we. */
	while (p < close && isspace((unsigned char)*p))
		p++;
	while (close > p && (isspace((unsigned char)close[-1]) || close[-1] == ';'))
		close--;
	if (close - p < 2 || p[0] != 's' || !ispunct((unsigned char)p[1]) ||
	    strchr("\\{([<", p[1]) != NULL ||
	    (d1 = find_delim(p + 2, close, p[1])) == NULL ||
	    (d2 = find_delim(d1 + 1, close, p[1])) == NULL)
		return tok_error(cause, t, tk, ONLY_SUBST);
	s = xcalloc(1, sizeof *s);
	s->opts = SUBST_OPTS;
	map = xreallocarray(NULL, 2 * (size_t)(close - p) + 1, sizeof *map);
	rc = parse_flags(t, tk, d2 + 1, close, &copts, &s->opts, cause);
	if (rc != PFAN_OK)
		goto out;
	pat = copy_part(p + 2, d1, p[1], false, &len, map);
	s->code = pcre2_compile((PCRE2_SPTR)pat, len, copts, &errcode, &erroff, NULL);
	free(pat);
	if (s->code == NULL) {
		rc = pcre_error(cause, t, tk, "regex error", errcode, map, erroff);
		goto out;
	}
	(void)pcre2_jit_compile(s->code, PCRE2_JIT_COMPLETE);
	s->repl = copy_part(d1 + 1, d2, p[1], true, &s->repl_len, map);
	if ((errcode = check_repl(s, &len)) != 0) {
		rc = pcre_error(cause, t, tk, "replacement error", errcode, map, len);
		goto out;
	}
	tk->sub = s;
	s = NULL;
out:
	free(map);
	subst_free(s);
	return rc;
}

/* Matches a replacement string at t->text + off. Returns 1 and fills tk,
 * 0 for plain text, or an error. */
static int
scan_token(struct template *t, size_t off, struct tok *tk, char **cause)
{
	const char *s = t->text + off, *end = t->text + t->text_len;
	size_t avail = t->text_len - off, i, used;
	long pos = 0;

	memset(tk, 0, sizeof *tk);
	if (t->rpl != NULL && strncmp(s, t->rpl, strlen(t->rpl)) == 0) {
		tk->kind = TOK_VAL;
		tk->off = off;
		tk->len = strlen(t->rpl);
		return 1;
	}
	if (s[0] == '{' && avail > 1 && s[1] == '=')
		return parse_subst(t, off, tk, cause) == PFAN_OK ? 1 : PFAN_E_INPUT;
	if (s[0] != '{' && s[0] != '<')
		return 0;
	used = s[0] == '{' ? scan_pos(s + 1, end, &pos) : 0;
	for (i = 0; i < sizeof rpl_table / sizeof rpl_table[0]; i++) {
		const char *rest = rpl_table[i].text + 1;
		size_t restlen = strlen(rest);

		if (rpl_table[i].text[0] != s[0] || (used > 0 && !rpl_table[i].positional))
			continue;
		if (t->rpl != NULL && (strcmp(rpl_table[i].text, "{}") == 0 ||
		    strcmp(rpl_table[i].text, "<>") == 0))
			continue;
		if (avail - 1 - used < restlen || memcmp(s + 1 + used, rest, restlen) != 0)
			continue;
		tk->kind = rpl_table[i].kind;
		tk->xf = rpl_table[i].xf;
		tk->pos = pos;
		tk->off = off;
		tk->len = 1 + used + restlen;
		if (used > 0 && pos == 0)
			return tok_error(cause, t, tk, FROM_ONE);
		return 1;
	}
	return 0;
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/* With -X a run of blanks is a literal of its own: it ends a word. */
static void
push_lit(struct template *t, size_t from, size_t to)
{
	struct tok tk = { .kind = TOK_LIT, .off = from, .len = to - from };

	while (t->context && from < to) {
		size_t e = from + 1;
		while (e < to && is_blank(t->text[e]) == is_blank(t->text[from]))
			e++;
		tk.off = from;
		tk.len = e - from;
		tok_push(t, &tk);
		from = e;
	}
	if (to > from)
		tok_push(t, &tk);
}

int
template_parse(struct template **out, int nwords, char *const words[], char **cause)
{
	return template_parse_opts(out, nwords, words, NULL, cause);
}

int
template_parse_opts(struct template **out, int nwords, char *const words[],
    const struct template_opts *opts, char **cause)
{
	struct template *t = xcalloc(1, sizeof *t);
	struct buf b = BUF_INIT;
	uint32_t groups = 0;
	size_t i, lit = 0;
	int rc = PFAN_OK;

	*out = NULL;
	for (i = 0; i < (size_t)(nwords > 0 ? nwords : 0); i++) {
		if (i > 0)
			buf_addc(&b, ' ');
		buf_adds(&b, words[i]);
	}
	t->text_len = b.len;
	t->text = buf_steal(&b);
	t->scratch = xcalloc(1, sizeof *t->scratch);
	t->raw = nwords <= 0;
	t->append = !t->raw;
	if (opts != NULL) {
		t->rpl = opts->rpl;
		t->context = opts->context;
	}
	for (i = 0; i < t->text_len;) {
		struct tok tk;

		rc = scan_token(t, i, &tk, cause);
		if (rc < 0)
			goto fail;
		if (rc == 0) {
			i++;
			continue;
		}
		push_lit(t, lit, i);
		tok_push(t, &tk);
		t->append = false;
		if (tk.kind == TOK_SLOT || tk.kind == TOK_HOST)
			t->per_slot = true;
		if (tk.kind == TOK_SUBST) {
			uint32_t n = 0;
			pcre2_pattern_info(tk.sub->code, PCRE2_INFO_CAPTURECOUNT, &n);
			groups = n > groups ? n : groups;
		}
		i += tk.len;
		lit = i;
	}
	push_lit(t, lit, t->text_len);
	t->md = pcre2_match_data_create(groups + 1, NULL);
	if (t->md == NULL)
		fatal("out of memory (pcre2 match data)");
	*out = t;
	return PFAN_OK;
fail:
	template_free(t);
	return rc;
}

bool
template_per_slot(const struct template *t)
{
	return t->per_slot;
}

void
template_free(struct template *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->ntoks; i++)
		subst_free(t->toks[i].sub);
	free(t->toks);
	free(t->text);
	pcre2_match_data_free(t->md);
	if (t->scratch != NULL)
		buf_free(t->scratch);
	free(t->scratch);
	free(t);
}

/* GNU's {.} is s:\.[^/.]*$:: — the last dot, unless a slash follows it. */
static size_t
noext_len(const char *s, size_t len)
{
	for (size_t i = len; i > 0; i--) {
		if (s[i - 1] == '/')
			return len;
		if (s[i - 1] == '.')
			return i - 1;
	}
	return len;
}

/* GNU's {/} is s:.*\/:: — and Perl's . does not match a newline, so the
 * match is from the start of the line holding the first slash to the last
 * slash on that line. */
static void
basename_into(struct buf *dst, const char *s, size_t len)
{
	const char *first = memchr(s, '/', len), *ls, *le, *last;

	if (first == NULL) {
		buf_add(dst, s, len);
		return;
	}
	for (ls = first; ls > s && ls[-1] != '\n'; ls--)
		;
	le = memchr(first, '\n', len - (size_t)(first - s));
	if (le == NULL)
		le = s + len;
	for (last = le - 1; *last != '/'; last--)
		;
	buf_add(dst, s, (size_t)(ls - s));
	buf_add(dst, last + 1, len - (size_t)(last + 1 - s));
}

/* File::Basename's fileparse: the directory part up to the last slash, or
 * "./"; *base_empty when nothing follows that slash. */
static void
fileparse_dir(const char **s, size_t *len, bool *base_empty)
{
	const char *slash = memrchr(*s, '/', *len);

	if (slash == NULL) {
		*base_empty = *len == 0;
		*s = "./";
		*len = 2;
		return;
	}
	*base_empty = slash + 1 == *s + *len;
	*len = (size_t)(slash + 1 - *s);
}

/* File::Basename's _strip_trailing_sep: s{(.)[/]*\z}{$1}s */
static void
strip_slashes(const char *s, size_t *len)
{
	while (*len > 1 && s[*len - 1] == '/')
		(*len)--;
}

/* GNU's {//} is File::Basename::dirname() on Unix. */
static void
dirname_into(struct buf *dst, const char *s, size_t len)
{
	bool base_empty;

	fileparse_dir(&s, &len, &base_empty);
	strip_slashes(s, &len);
	if (base_empty) {
		fileparse_dir(&s, &len, &base_empty);
		strip_slashes(s, &len);
	}
	buf_add(dst, s, len);
}

static int
run_subst(const struct template *t, const struct tok *tk, const char *v,
    size_t len, char **cause)
{
	struct buf *sb = t->scratch;
	const struct subst *s = tk->sub;
	PCRE2_SIZE outlen;
	int rc;

	buf_reserve(sb, len + 64);
	outlen = sb->cap;
	rc = pcre2_substitute(s->code, (PCRE2_SPTR)v, len, 0, s->opts, t->md,
	    NULL, (PCRE2_SPTR)s->repl, s->repl_len, (PCRE2_UCHAR *)sb->data, &outlen);
	if (rc == PCRE2_ERROR_NOMEMORY && outlen != PCRE2_UNSET) {
		/* OVERFLOW_LENGTH told us the size; the second run fits. */
		buf_reserve(sb, outlen);
		outlen = sb->cap;
		rc = pcre2_substitute(s->code, (PCRE2_SPTR)v, len, 0, s->opts,
		    t->md, NULL, (PCRE2_SPTR)s->repl, s->repl_len,
		    (PCRE2_UCHAR *)sb->data, &outlen);
	}
	if (rc < 0)
		return pcre_error(cause, t, tk, "regex match error", rc, NULL, 0);
	sb->len = outlen;
	if (memchr(sb->data, '\0', sb->len) != NULL)
		return tok_error(cause, t, tk,
		    "the result holds a NUL byte, which no command can carry");
	return PFAN_OK;
}

/* One value, transformed and quoted. */
static int
emit_value(const struct template *t, const struct tok *tk, const char *v,
    struct buf *out, char **cause)
{
	struct buf *sb = t->scratch;
	size_t len = strlen(v);
	int rc;

	buf_reset(sb);
	if (tk->kind == TOK_SUBST) {
		if ((rc = run_subst(t, tk, v, len, cause)) != PFAN_OK)
			return rc;
		v = sb->data;
		len = sb->len;
	} else if (tk->xf == XF_NOEXT) {
		len = noext_len(v, len);
	} else if (tk->xf == XF_DIR) {
		dirname_into(sb, v, len);
		v = sb->data;
		len = sb->len;
	} else if (tk->xf == XF_BASE || tk->xf == XF_BASENOEXT) {
		basename_into(sb, v, len);
		v = sb->data;
		len = tk->xf == XF_BASE ? sb->len : noext_len(sb->data, sb->len);
	}
	quote_shell(out, v, len);
	return PFAN_OK;
}

/* {} and friends: every value, space-separated; {n} and friends: one, or
 * nothing at all when the job has no n-th value (as GNU parallel). */
static int
emit_values(const struct template *t, const struct tok *tk,
    const struct args *a, struct buf *out, char **cause)
{
	size_t i;
	int rc = PFAN_OK;

	if (tk->pos == 0) {
		for (i = 0; i < a->n && rc == PFAN_OK; i++) {
			if (i > 0)
				buf_addc(out, ' ');
			rc = emit_value(t, tk, a->v[i], out, cause);
		}
		return rc;
	}
	if (tk->pos > 0 && (size_t)tk->pos <= a->n)
		return emit_value(t, tk, a->v[tk->pos - 1], out, cause);
	if (tk->pos < 0 && (size_t)-tk->pos <= a->n)
		return emit_value(t, tk, a->v[a->n - (size_t)-tk->pos], out, cause);
	return PFAN_OK;
}

static bool
tok_blank(const struct template *t, const struct tok *tk)
{
	return tk->kind == TOK_LIT && is_blank(t->text[tk->off]);
}

static int expand_toks(const struct template *t, size_t from, size_t to,
    const struct args *a, const struct template_ctx *ctx, struct buf *out,
    char **cause);

/* -X: toks [from, to) are one word; if it holds an all-values token, the
 * word is written once per value (GNU parallel's context replace). */
static int
expand_word(const struct template *t, size_t from, size_t to,
    const struct args *a, const struct template_ctx *ctx, struct buf *out,
    char **cause)
{
	bool all = false;
	int rc = PFAN_OK;

	for (size_t i = from; i < to; i++)
		if ((t->toks[i].kind == TOK_VAL || t->toks[i].kind == TOK_SUBST) &&
		    t->toks[i].pos == 0)
			all = true;
	if (!all || a->n <= 1)
		return expand_toks(t, from, to, a, ctx, out, cause);
	for (size_t v = 0; v < a->n && rc == PFAN_OK; v++) {
		struct args one = { 1, &a->v[v] };
		if (v > 0)
			buf_addc(out, ' ');
		for (size_t i = from; i < to && rc == PFAN_OK; i++) {
			const struct tok *tk = &t->toks[i];
			if ((tk->kind == TOK_VAL || tk->kind == TOK_SUBST) &&
			    tk->pos == 0)
				rc = emit_values(t, tk, &one, out, cause);
			else
				rc = expand_toks(t, i, i + 1, a, ctx, out, cause);
		}
	}
	return rc;
}

int
template_expand(const struct template *t, const struct args *a,
    const struct template_ctx *ctx, struct buf *out, char **cause)
{
	size_t start = out->len, i;
	int rc = PFAN_OK;

	if (t->raw) {
		for (i = 0; i < a->n; i++) {
			if (i > 0)
				buf_addc(out, ' ');
			buf_adds(out, a->v[i]);
		}
		return PFAN_OK;
	}
	if (!t->context)
		rc = expand_toks(t, 0, t->ntoks, a, ctx, out, cause);
	for (i = 0; t->context && i < t->ntoks && rc == PFAN_OK;) {
		size_t e = i + 1;
		if (!tok_blank(t, &t->toks[i]))
			while (e < t->ntoks && !tok_blank(t, &t->toks[e]))
				e++;
		rc = expand_word(t, i, e, a, ctx, out, cause);
		i = e;
	}
	if (t->append) {
		for (i = 0; i < a->n; i++) {
			buf_addc(out, ' ');
			quote_shell(out, a->v[i], strlen(a->v[i]));
		}
	}
	if (rc != PFAN_OK) {
		out->len = start;
		if (out->data != NULL)
			out->data[start] = '\0';
	}
	return rc;
}

static int
expand_toks(const struct template *t, size_t from, size_t to,
    const struct args *a, const struct template_ctx *ctx, struct buf *out,
    char **cause)
{
	int rc = PFAN_OK;

	for (size_t i = from; i < to && rc == PFAN_OK; i++) {
		const struct tok *tk = &t->toks[i];

		switch (tk->kind) {
		case TOK_LIT:
			buf_add(out, t->text + tk->off, tk->len);
			break;
		case TOK_VAL:
		case TOK_SUBST:
			rc = emit_values(t, tk, a, out, cause);
			break;
		case TOK_SEQ:
			buf_addf(out, "%llu", ctx->seq);
			break;
		case TOK_SLOT:
			if (ctx->slot == 0)
				buf_add(out, t->text + tk->off, tk->len);
			else
				buf_addf(out, "%u", ctx->slot);
			break;
		case TOK_HOST:
			if (ctx->host == NULL)
				buf_add(out, t->text + tk->off, tk->len);
			else
				quote_shell(out, ctx->host, strlen(ctx->host));
			break;
		}
	}
	return rc;
}
