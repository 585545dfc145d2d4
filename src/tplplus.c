/* tplplus.c: the --plus replacement strings. GNU parallel defines each as
 * Perl code with the user's text pasted into a regex; the same text is
 * pasted here into the same regex for PCRE2, so that {%.gz} strips the
 * regex .gz, as GNU's does. Where GNU matches the forms in the order of
 * its keys' length, the forms here are tried in that order. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "regsub.h"
#include "tplplus.h"
#include "xalloc.h"

enum plus_kind { PK_REGSUB, PK_DEFAULT, PK_CUT, PK_SUBSTR };

struct tplplus {
	enum plus_kind kind;
	struct regsub *rs;   /* PK_REGSUB */
	char *text;          /* PK_DEFAULT */
	size_t n, m;         /* PK_CUT: drop n bytes; PK_SUBSTR: m bytes from n */
};

/* The fixed strings, after their "{": GNU's s/// statements, the second
 * joined by || or ; (GNU: {+/} is s:/[^/]*$:: || s:.*$::). */
static const struct {
	const char *text;
	const char *pat1, *repl1, *pat2, *repl2;
	unsigned flags2;
} fixed_table[] = {
	{ "..}", "\\.[^/.]*\\.[^/.]*$", "", NULL, NULL, 0 },
	{ "...}", "\\.[^/.]*\\.[^/.]*\\.[^/.]*$", "", NULL, NULL, 0 },
	{ "/..}", ".*/", "", "\\.[^/.]*\\.[^/.]*$", "", 0 },
	{ "/...}", ".*/", "", "\\.[^/.]*\\.[^/.]*\\.[^/.]*$", "", 0 },
	{ "+/}", "/[^/]*$", "", ".*$", "", REGSUB_OR },
	{ "+.}", ".*\\.", "", ".*$", "", REGSUB_OR },
	{ "+..}", ".*\\.([^/.]*\\.[^/.]*)$", "${1}", ".*$", "", REGSUB_OR },
	{ "+...}", ".*\\.([^/.]*\\.[^/.]*\\.[^/.]*)$", "${1}", ".*$", "", REGSUB_OR },
};

/* GNU's --plus strings that pfan does not do, and why. */
static const struct {
	const char *text;
	const char *why;
} refused_table[] = {
	{ "##}", "pfan reads its input as the jobs run and does not know the number of jobs in advance" },
	{ "0#}", "pfan reads its input as the jobs run and does not know the number of jobs in advance" },
	{ "0%}", "not supported by pfan; use {%}" },
	{ "choose_k}", "not supported by pfan" },
	{ "uniq}", "not supported by pfan" },
	{ "sshlogin}", "not supported by pfan; use {host}" },
	{ "hgrp}", "not supported by pfan" },
	{ "agrp}", "not supported by pfan" },
};

/* The bash-like forms: prefix, then one part (P) or two (P/S), then "}".
 * pat and repl are printf-like with P as %1 and S as %2 (see build()). */
enum part_rule { ONE, ONE_NOT_HASH, TWO, TWO_FIRST_PLAIN };
enum form_kind { FK_SUBST, FK_SUBST_UNGREEDY, FK_DEFAULT };
static const struct {
	const char *prefix;
	enum part_rule rule;
	enum form_kind kind;
	const char *pat, *repl;  /* \1: P, \2: S quoted for a replacement */
	unsigned flags;
} form_table[] = {
	{ "/", TWO_FIRST_PLAIN, FK_SUBST, "\1", "\2", 0 },
	{ "/#", TWO, FK_SUBST, "^\1", "\2", REGSUB_GLOBAL },
	{ "/%", TWO, FK_SUBST, "\1$", "\2", REGSUB_GLOBAL },
	{ "//", TWO, FK_SUBST, "\1", "\2", REGSUB_GLOBAL },
	{ "##", ONE_NOT_HASH, FK_SUBST, "^\1", "", 0 },
	{ "#", ONE_NOT_HASH, FK_SUBST_UNGREEDY, "^\1(.*)", "${1}", 0 },
	{ "%%", ONE, FK_SUBST, "\1$", "", 0 },
	{ ":-", ONE, FK_DEFAULT, NULL, NULL, 0 },
	{ "^^", ONE, FK_SUBST, "(\1)", "\\U${1}", REGSUB_GLOBAL },
	{ ",,", ONE, FK_SUBST, "(\1)", "\\L${1}", REGSUB_GLOBAL },
	{ "%", ONE, FK_SUBST_UNGREEDY, "(.*)\1$", "${1}", 0 },
	{ "^", ONE, FK_SUBST, "^(\1)", "\\U${1}", 0 },
	{ ",", ONE, FK_SUBST, "^(\1)", "\\L${1}", 0 },
};

#define NELEM(a) (sizeof (a) / sizeof (a)[0])
#define CUT_MAX 1000000000UL

void
tplplus_free(struct tplplus *p)
{
	if (p == NULL)
		return;
	regsub_free(p->rs);
	free(p->text);
	free(p);
}

/* GNU's make_regexp_ungreedy: a ? after every quantifier * + {..} that
 * is outside a [class] and not escaped, unless one is there. */
static void
ungreedy(struct buf *b, const char *s, size_t len)
{
	bool found = false, cls = false, esc = false;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (found && c != '?')
			buf_addc(b, '?');
		found = false;
		buf_addc(b, c);
		if (esc)
			esc = false;
		else if (c == '\\')
			esc = true;
		else if (c == '[')
			cls = true;
		else if (cls)
			cls = c != ']';
		else if (c == '*' || c == '}' || c == '+')
			found = true;
	}
	if (found)
		buf_addc(b, '?');
}

/* Pastes p (the regex part) and s (literal replacement text) into fmt. */
static void
build(struct buf *b, const char *fmt, const char *p, size_t plen,
    const char *s, size_t slen, bool lazy)
{
	for (; *fmt != '\0'; fmt++) {
		if (*fmt == '\1' && lazy)
			ungreedy(b, p, plen);
		else if (*fmt == '\1')
			buf_add(b, p, plen);
		else if (*fmt == '\2') {
			for (size_t i = 0; i < slen; i++) {
				if (s[i] == '\\' || s[i] == '$')
					buf_addc(b, s[i]);
				buf_addc(b, s[i]);
			}
		} else
			buf_addc(b, *fmt);
	}
}

/* The parts of a form at s (after its prefix): *plen, and for two parts
 * *s2 and *slen. Returns the bytes through "}", 0 if they do not fit. */
static size_t
scan_parts(const char *s, size_t avail, enum part_rule rule, size_t *plen,
    const char **s2, size_t *slen)
{
	const char *close = memchr(s, '}', avail), *slash;

	if (close == NULL || close == s)
		return 0;
	if (rule == ONE_NOT_HASH && s[0] == '#')
		return 0;
	*plen = (size_t)(close - s);
	*s2 = close;
	*slen = 0;
	if (rule == ONE || rule == ONE_NOT_HASH)
		return *plen + 1;
	/* P is at least one byte, up to the first / after it. */
	slash = memchr(s + 1, '/', (size_t)(close - s - 1));
	if (slash == NULL)
		return 0;
	if (rule == TWO_FIRST_PLAIN && strcspn(s, "#%/}") < (size_t)(slash - s))
		return 0;
	*plen = (size_t)(slash - s);
	*s2 = slash + 1;
	*slen = (size_t)(close - slash - 1);
	return *plen + 1 + *slen + 1;
}

/* {:N} and {:N:M}: digits only. */
static size_t
scan_substr(const char *s, size_t avail, struct tplplus *p)
{
	size_t i = 0, *dst = &p->n;

	if (avail == 0 || s[0] != ':')
		return 0;
	p->kind = PK_CUT;
	for (i = 1;; i++) {
		size_t start = i;
		*dst = 0;
		for (; i < avail && isdigit((unsigned char)s[i]); i++)
			*dst = *dst >= CUT_MAX ? CUT_MAX : *dst * 10 + (size_t)(s[i] - '0');
		if (i == start || i == avail)
			return 0;
		if (s[i] == '}')
			return i + 1;
		if (s[i] != ':' || dst == &p->m)
			return 0;
		dst = &p->m;
		p->kind = PK_SUBSTR;
	}
}

static int
scan_form(const char *s, size_t avail, struct tplplus *p, size_t *used,
    char **what)
{
	struct buf pat = BUF_INIT, repl = BUF_INIT;
	const char *s2;
	size_t i, plen, slen, pre, n;
	int rc;

	if ((n = scan_substr(s, avail, p)) > 0) {
		*used = n;
		return 1;
	}
	for (i = 0; i < NELEM(form_table); i++) {
		pre = strlen(form_table[i].prefix);
		if (avail <= pre || memcmp(s, form_table[i].prefix, pre) != 0)
			continue;
		n = scan_parts(s + pre, avail - pre, form_table[i].rule, &plen, &s2, &slen);
		if (n > 0)
			break;
	}
	if (i == NELEM(form_table))
		return 0;
	*used = pre + n;
	if (form_table[i].kind == FK_DEFAULT) {
		p->kind = PK_DEFAULT;
		p->text = xstrndup(s + pre, plen);
		return 1;
	}
	p->kind = PK_REGSUB;
	build(&pat, form_table[i].pat, s + pre, plen, NULL, 0,
	    form_table[i].kind == FK_SUBST_UNGREEDY);
	build(&repl, form_table[i].repl, NULL, 0, s2, slen, false);
	rc = regsub_add(&p->rs, buf_cstr(&pat), pat.len, buf_cstr(&repl),
	    repl.len, form_table[i].flags, what);
	buf_free(&pat);
	buf_free(&repl);
	return rc == PFAN_OK ? 1 : rc;
}

int
tplplus_scan(const char *s, size_t avail, bool positional,
    struct tplplus **out, bool *slot, size_t *used, char **what)
{
	struct tplplus *p;
	size_t i, n;
	int rc;

	*out = NULL;
	*slot = false;
	for (i = 0; !positional && i < NELEM(refused_table); i++) {
		n = strlen(refused_table[i].text);
		if (avail >= n && memcmp(s, refused_table[i].text, n) == 0) {
			*used = n;
			*what = xstrdup(refused_table[i].why);
			return PFAN_E_INPUT;
		}
	}
	if (!positional && avail >= 5 && memcmp(s, "slot}", 5) == 0) {
		*slot = true;
		*used = 5;
		return 1;
	}
	p = xcalloc(1, sizeof *p);
	for (i = 0; i < NELEM(fixed_table); i++) {
		n = strlen(fixed_table[i].text);
		if (avail < n || memcmp(s, fixed_table[i].text, n) != 0)
			continue;
		p->kind = PK_REGSUB;
		*used = n;
		rc = regsub_add(&p->rs, fixed_table[i].pat1, strlen(fixed_table[i].pat1),
		    fixed_table[i].repl1, strlen(fixed_table[i].repl1), 0, what);
		if (rc == PFAN_OK && fixed_table[i].pat2 != NULL)
			rc = regsub_add(&p->rs, fixed_table[i].pat2,
			    strlen(fixed_table[i].pat2), fixed_table[i].repl2,
			    strlen(fixed_table[i].repl2), fixed_table[i].flags2, what);
		rc = rc == PFAN_OK ? 1 : rc;
		goto out;
	}
	rc = scan_form(s, avail, p, used, what);
out:
	if (rc == 1)
		*out = p;
	else
		tplplus_free(p);
	return rc;
}

int
tplplus_apply(struct tplplus *p, const char *v, size_t len, struct buf *out,
    char **what)
{
	buf_reset(out);
	switch (p->kind) {
	case PK_REGSUB:
		return regsub_apply(p->rs, v, len, out, what);
	case PK_DEFAULT:
		/* Perl's ||=: "" and "0" are false. */
		if (len == 0 || (len == 1 && v[0] == '0'))
			buf_adds(out, p->text);
		else
			buf_add(out, v, len);
		break;
	case PK_CUT:
		/* substr($_,0,N) = "": past the end Perl dies, GNU prints "". */
		if (p->n < len)
			buf_add(out, v + p->n, len - p->n);
		break;
	case PK_SUBSTR:
		if (p->n < len)
			buf_add(out, v + p->n, p->m < len - p->n ? p->m : len - p->n);
		break;
	}
	return PFAN_OK;
}
