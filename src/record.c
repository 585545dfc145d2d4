/* record.c: one record into its values (see record.h). Where GNU
 * parallel's behaviour is odd but observable we follow it, so that
 * scripts move over unchanged: \r is kept, and --colsep splits like Perl's
 * split(/RE/, $line, -1), then trims each column. */
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "errors.h"
#include "record.h"
#include "xalloc.h"

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
	    c == '\r';
}

/* --trim: Perl's \s off the left, the right, or both ends. */
static void
push_trimmed(const struct record_rules *r, struct args *a, const char *s,
    size_t len)
{
	if (r->trim == TRIM_LEFT || r->trim == TRIM_BOTH)
		while (len > 0 && is_space(*s)) {
			s++;
			len--;
		}
	if (r->trim == TRIM_RIGHT || r->trim == TRIM_BOTH)
		while (len > 0 && is_space(s[len - 1]))
			len--;
	args_push(a, s, len);
}

/* Perl's split(/RE/, $line, -1): a match may not be empty where the last
 * one ended (Perl's minend of 1), captured groups are fields too, and the
 * rest after the last match is a field even when empty. */
static int
split_columns(const struct record_rules *r, const char *rec, size_t len,
    struct args *out, char **why)
{
	size_t s = 0;

	while (s < len) {
		int rc = pcre2_match(r->re, (PCRE2_SPTR)rec, len, s,
		    PCRE2_NOTEMPTY_ATSTART, r->md, NULL);
		if (rc == PCRE2_ERROR_NOMATCH)
			break;
		if (rc < 0) {
			PCRE2_UCHAR msg[256];
			pcre2_get_error_message(rc, msg, sizeof msg);
			*why = xasprintf("--colsep: %s", (char *)msg);
			return PFAN_E_INPUT;
		}
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(r->md);
		push_trimmed(r, out, rec + s, ov[0] - s);
		for (uint32_t g = 1; g <= r->ngroups; g++) {
			if (g >= (uint32_t)rc || ov[2 * g] == PCRE2_UNSET)
				args_push(out, "", 0);
			else
				push_trimmed(r, out, rec + ov[2 * g],
				    ov[2 * g + 1] - ov[2 * g]);
		}
		s = ov[1];
	}
	push_trimmed(r, out, rec + s, len - s);
	return PFAN_OK;
}

int
record_rules_init(struct record_rules *r, const struct record_opts *ro,
    const char *colsep, char **cause)
{
	int err;
	PCRE2_SIZE off;

	memset(r, 0, sizeof *r);
	r->nul_ok = ro->nul_ok;
	r->skip_blank = ro->skip_blank;
	r->eof_str = ro->eof_str;
	r->trim = ro->trim;
	if (r->trim == TRIM_DEFAULT)
		/* GNU trims by default only when --colsep is given, not for
		 * the TAB split that --header implies. */
		r->trim = ro->colsep_given ? TRIM_BOTH : TRIM_NONE;
	if (colsep == NULL)
		return PFAN_OK;
	r->re = pcre2_compile((PCRE2_SPTR)colsep, PCRE2_ZERO_TERMINATED, 0,
	    &err, &off, NULL);
	if (r->re == NULL) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(err, msg, sizeof msg);
		*cause = xasprintf("--colsep: regex error at offset %zu: %s",
		    (size_t)off, (char *)msg);
		return PFAN_E_INPUT;
	}
	r->md = pcre2_match_data_create_from_pattern(r->re, NULL);
	pcre2_pattern_info(r->re, PCRE2_INFO_CAPTURECOUNT, &r->ngroups);
	return PFAN_OK;
}

void
record_rules_free(struct record_rules *r)
{
	pcre2_match_data_free(r->md);
	pcre2_code_free(r->re);
	r->md = r->re = NULL;
}

enum record_verdict
record_check(const struct record_rules *r, const char *rec, size_t len)
{
	if (r->eof_str != NULL && strlen(r->eof_str) == len &&
	    memcmp(rec, r->eof_str, len) == 0)
		return RECORD_END;
	if (r->skip_blank) {
		size_t i = 0;
		while (i < len && is_space(rec[i]))
			i++;
		if (i == len)
			return RECORD_SKIP;
	}
	return RECORD_KEEP;
}

int
record_values(const struct record_rules *r, const char *name,
    unsigned long recno, const char *rec, size_t len, struct args *out,
    char **cause)
{
	char *why = NULL;

	args_init(out);
	if (!r->nul_ok && memchr(rec, '\0', len) != NULL)
		why = xstrdup("NUL byte in input line "
		    "(use -0 for NUL-separated input)");
	else if (r->re == NULL)
		push_trimmed(r, out, rec, len);
	else if (split_columns(r, rec, len, out, &why) != PFAN_OK)
		args_free(out);
	if (why == NULL)
		return PFAN_OK;
	*cause = xasprintf("%s:%lu: %s", name, recno, why);
	free(why);
	return PFAN_E_INPUT;
}
