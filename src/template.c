/* template.c: the command template. The words are joined and scanned once
 * into literal spans and replacement tokens, regexes are compiled then, and
 * expansion per job is a walk over the tokens appending to a buf. Names and
 * meanings follow GNU parallel; where GNU's behaviour is a Perl expression
 * ({.} {/} {//}), the C here reproduces that expression byte for byte,
 * newlines and all (tests/data/template_paths.txt was made by GNU parallel).
 * A struct template is not thread-safe: expansion reuses scratch space. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "quote.h"
#include "regsub.h"
#include "tplplus.h"
#include "template.h"
#include "xalloc.h"

enum tok_kind { TOK_LIT, TOK_VAL, TOK_SUBST, TOK_PLUS, TOK_SEQ, TOK_SLOT, TOK_HOST };
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

/* Positions past this are all "beyond the values"; saves overflow checks. */
#define POS_MAX 1000000000L

struct tok {
	enum tok_kind kind;
	enum xform xf;
	long pos;          /* 0: every value; n > 0: n-th; n < 0: n-th from the end */
	size_t off, len;   /* the token as written, in t->text */
	struct regsub *sub; /* TOK_SUBST */
	struct tplplus *plus; /* TOK_PLUS */
};

struct template {
	char *text;        /* the words joined with spaces */
	size_t text_len;
	struct tok *toks;
	size_t ntoks;
	bool per_slot;
	bool append;       /* no replacement string: values go at the end */
	bool raw;          /* no words: the values are the command, as GNU does */
	bool plus;         /* --plus */
	const char *rpl;   /* -I: the string that stands for {} */
	bool context;      /* -X: words with {} repeat per value */
	bool as_text;      /* TEMPLATE_TEXT: values as they are, none appended */
	char *qtext;       /* -q: text with NUL between the words, each a word */
	struct buf *scratch; /* a transformed value before quoting */
};

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

/* {= s/REGEX/REPL/flags =} or {=n ... =} at t->text + off. */
static int
parse_subst(struct template *t, size_t off, struct tok *tk, char **cause)
{
	const char *p = t->text + off + 2, *end = t->text + t->text_len;
	const char *close;
	char *what = NULL;
	int rc;

	tk->kind = TOK_SUBST;
	tk->off = off;
	close = memmem(p, (size_t)(end - p), "=}", 2);
	tk->len = close != NULL ? (size_t)(close + 2 - (t->text + off)) : t->text_len - off;
	if (close == NULL)
		return tok_error(cause, t, tk, "missing =}");
	p += scan_pos(p, close, &tk->pos);
	if (p > t->text + off + 2 && tk->pos == 0)
		return tok_error(cause, t, tk, FROM_ONE);
	rc = regsub_parse(&tk->sub, p, (size_t)(close - p), &what);
	if (rc != PFAN_OK) {
		tok_error(cause, t, tk, what);
		free(what);
	}
	return rc;
}

/* A --plus string at t->text + off, whose position (if any) took used
 * bytes after the brace. */
static int
scan_plus(struct template *t, size_t off, size_t used, long pos,
    struct tok *tk, char **cause)
{
	const char *s = t->text + off + 1;
	size_t avail = t->text_len - off - 1, n = 0;
	char *what = NULL;
	bool slot, positional = false;
	int rc;

	/* The unnumbered strings first: {0%} is one, not {0...}. */
	rc = tplplus_scan(s, avail, false, &tk->plus, &slot, &n, &what);
	if (rc == 0 && used > 0) {
		positional = true;
		rc = tplplus_scan(s + used, avail - used, true, &tk->plus, &slot,
		    &n, &what);
		n += used;
	}
	tk->off = off;
	tk->len = 1 + n;
	tk->pos = positional ? pos : 0;
	tk->kind = slot ? TOK_SLOT : TOK_PLUS;
	if (rc < 0) {
		tok_error(cause, t, tk, what);
		free(what);
		return rc;
	}
	if (rc == 1 && positional && pos == 0) {
		tplplus_free(tk->plus);
		tk->plus = NULL;
		return tok_error(cause, t, tk, FROM_ONE);
	}
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
	return t->plus && s[0] == '{' ? scan_plus(t, off, used, pos, tk, cause) : 0;
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
template_parse(struct template **out, int nwords, char *const words[],
    unsigned flags, char **cause)
{
	struct template_opts o = { NULL, false, flags };

	return template_parse_opts(out, nwords, words, &o, cause);
}

/* GNU parallel's rule: when a replacement string is (part of) the
 * command's first word, and not a variable's value (V={}), the values
 * are the command to run and none is quoted (`parallel {} ::: "ls -l"`
 * runs ls; quoted, the shell would look for a program named "ls -l"). */
static bool
in_command_word(const char *text, size_t off)
{
	for (size_t i = 0; i < off; i++)
		if (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' ||
		    text[i] == '=')
			return false;
	return true;
}

int
template_parse_opts(struct template **out, int nwords, char *const words[],
    const struct template_opts *opts, char **cause)
{
	struct template *t = xcalloc(1, sizeof *t);
	struct buf b = BUF_INIT;
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
	/* -q: a literal keeps its word breaks as NUL for quote_words(). */
	if (opts != NULL && (opts->flags & TEMPLATE_QUOTE) != 0) {
		size_t at = 0;

		t->qtext = xstrdup(t->text);
		for (i = 0; i + 1 < (size_t)nwords; i++) {
			at += strlen(words[i]);
			t->qtext[at++] = '\0';
		}
	}
	t->scratch = xcalloc(1, sizeof *t->scratch);
	t->raw = nwords <= 0;
	t->append = !t->raw;
	if (opts != NULL) {
		t->rpl = opts->rpl;
		t->context = opts->context;
		t->plus = (opts->flags & TEMPLATE_PLUS) != 0;
		t->as_text = (opts->flags & TEMPLATE_TEXT) != 0;
		t->append = !t->raw && !t->as_text;
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
		if (t->append && !t->as_text && in_command_word(t->text, i))
			t->as_text = true;
		t->append = false;
		if (tk.kind == TOK_SLOT || tk.kind == TOK_HOST)
			t->per_slot = true;
		i += tk.len;
		lit = i;
	}
	push_lit(t, lit, t->text_len);
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
		regsub_free(t->toks[i].sub), tplplus_free(t->toks[i].plus);
	free(t->toks);
	free(t->text);
	free(t->qtext);
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
		char *what = NULL;

		if ((rc = regsub_apply(tk->sub, v, len, sb, &what)) != PFAN_OK) {
			tok_error(cause, t, tk, what);
			free(what);
			return rc;
		}
		v = sb->data;
		len = sb->len;
	} else if (tk->kind == TOK_PLUS) {
		char *what = NULL;

		if ((rc = tplplus_apply(tk->plus, v, len, sb, &what)) != PFAN_OK) {
			tok_error(cause, t, tk, what);
			free(what);
			return rc;
		}
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
	if (t->as_text || t->qtext != NULL)
		buf_add(out, v, len);
	else
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
				buf_addc(out, t->qtext != NULL ? '\0' : ' ');
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
			buf_addc(out, t->qtext != NULL ? '\0' : ' ');
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
			if (t->qtext != NULL)   /* -q: GNU's too, so one word */
				quote_shell(out, a->v[i], strlen(a->v[i]));
			else
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
	if (t->qtext != NULL && rc == PFAN_OK)
		quote_words(out, start);
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
			buf_add(out, (t->qtext != NULL ? t->qtext : t->text) + tk->off,
			    tk->len);
			break;
		case TOK_VAL:
		case TOK_SUBST:
		case TOK_PLUS:
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
			else if (t->as_text || t->qtext != NULL)
				buf_adds(out, ctx->host);
			else
				quote_shell(out, ctx->host, strlen(ctx->host));
			break;
		}
	}
	return rc;
}
