/* hostrange.c: host ranges and SLURM CPU counts. Each bracket group is
 * expanded on its own first, so the size of the product is known (and
 * capped) before any name is built. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "hostrange.h"
#include "xalloc.h"

/* Nine digits always fit an unsigned long, so no overflow checks below. */
#define MAX_DIGITS 9

struct strv {
	char **v;
	size_t n;
	size_t cap;
};

static void
strv_push(struct strv *sv, char *s)
{
	if (sv->n == sv->cap) {
		sv->cap = sv->cap ? sv->cap * 2 : 8;
		sv->v = xreallocarray(sv->v, sv->cap, sizeof *sv->v);
	}
	sv->v[sv->n++] = s;
}

static void
strv_free(struct strv *sv)
{
	hostrange_free(sv->v, sv->n);
	sv->v = NULL;
	sv->n = sv->cap = 0;
}

void
hostrange_free(char **names, size_t n)
{
	if (names == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* Reads a decimal number at *p; returns its digit count (0: none there). */
static size_t
read_number(const char **p, unsigned long *value)
{
	const char *s = *p;
	size_t digits = 0;

	*value = 0;
	while (isdigit((unsigned char)*s) && digits <= MAX_DIGITS) {
		*value = *value * 10 + (unsigned long)(*s - '0');
		s++;
		digits++;
	}
	*p = s;
	return digits;
}

/* Describes what stands at s for a message: the character, or the end. */
static char *
found(const char *s)
{
	if (*s == '\0')
		return xstrdup("the end");
	return xasprintf("\"%c\"", *s);
}

/* Expands the inside of one bracket group ("01-03,7") starting at *p, up
 * to and past the closing ']'. */
static int
expand_group(const char *pattern, const char **p, struct strv *out, char **cause)
{
	const char *s = *p;

	for (;;) {
		unsigned long lo, hi;
		size_t wlo, whi;
		const char *start = s;

		wlo = read_number(&s, &lo);
		if (wlo == 0) {
			char *what = found(s);
			*cause = xasprintf("bad host range \"%s\": expected a number, found %s",
			    pattern, what);
			free(what);
			return PFAN_E_INPUT;
		}
		hi = lo;
		whi = wlo;
		if (*s == '-') {
			s++;
			whi = read_number(&s, &hi);
			if (whi == 0) {
				char *what = found(s);
				*cause = xasprintf("bad host range \"%s\": expected a number after \"-\", found %s",
				    pattern, what);
				free(what);
				return PFAN_E_INPUT;
			}
		}
		if (wlo > MAX_DIGITS || whi > MAX_DIGITS) {
			*cause = xasprintf("bad host range \"%s\": number too long", pattern);
			return PFAN_E_INPUT;
		}
		if (lo > hi) {
			*cause = xasprintf("bad host range \"%s\": %.*s is greater than %.*s",
			    pattern, (int)wlo, start, (int)whi, s - whi);
			return PFAN_E_INPUT;
		}
		if (hi - lo >= HOSTRANGE_MAX || out->n + (hi - lo) >= HOSTRANGE_MAX) {
			*cause = xasprintf("host range \"%s\" gives more than %d names",
			    pattern, HOSTRANGE_MAX);
			return PFAN_E_INPUT;
		}
		for (unsigned long v = lo; v <= hi; v++)
			strv_push(out, xasprintf("%0*lu", (int)wlo, v));
		if (*s == ']') {
			*p = s + 1;
			return PFAN_OK;
		}
		if (*s != ',') {
			char *what = found(s);
			*cause = xasprintf("bad host range \"%s\": expected \",\", \"-\" or \"]\", found %s",
			    pattern, what);
			free(what);
			return PFAN_E_INPUT;
		}
		s++;
	}
}

int
hostrange_expand(const char *pattern, char ***names, size_t *n, char **cause)
{
	struct strv *groups = NULL;    /* the values of each bracket group */
	char **texts = NULL;           /* the literal text around the groups */
	size_t ngroups = 0, ntexts = 0, total = 1, *idx = NULL;
	struct strv result = { NULL, 0, 0 };
	const char *s = pattern, *lit = pattern;
	int rc = PFAN_OK;

	*names = NULL;
	*n = 0;
	for (;;) {
		if (*s == ']') {
			*cause = xasprintf("bad host range \"%s\": \"]\" without \"[\"", pattern);
			rc = PFAN_E_INPUT;
			goto out;
		}
		if (*s != '[' && *s != '\0') {
			s++;
			continue;
		}
		texts = xreallocarray(texts, ntexts + 1, sizeof *texts);
		texts[ntexts++] = xstrndup(lit, (size_t)(s - lit));
		if (*s == '\0')
			break;
		groups = xreallocarray(groups, ngroups + 1, sizeof *groups);
		memset(&groups[ngroups], 0, sizeof *groups);
		ngroups++;
		s++;
		rc = expand_group(pattern, &s, &groups[ngroups - 1], cause);
		if (rc != PFAN_OK)
			goto out;
		total *= groups[ngroups - 1].n;
		if (total > HOSTRANGE_MAX) {
			*cause = xasprintf("host range \"%s\" gives more than %d names",
			    pattern, HOSTRANGE_MAX);
			rc = PFAN_E_INPUT;
			goto out;
		}
		lit = s;
	}

	/* An odometer over the groups, the last one turning fastest. */
	idx = xcalloc(ngroups + 1, sizeof *idx);
	for (size_t k = 0; k < total; k++) {
		struct buf b = BUF_INIT;

		for (size_t g = 0; g < ngroups; g++) {
			buf_adds(&b, texts[g]);
			buf_adds(&b, groups[g].v[idx[g]]);
		}
		buf_adds(&b, texts[ngroups]);
		strv_push(&result, buf_steal(&b));
		for (size_t g = ngroups; g-- > 0;) {
			if (++idx[g] < groups[g].n)
				break;
			idx[g] = 0;
		}
	}
	*names = result.v;
	*n = result.n;
	result.v = NULL;
out:
	strv_free(&result);
	for (size_t g = 0; g < ngroups; g++)
		strv_free(&groups[g]);
	free(groups);
	for (size_t t = 0; t < ntexts; t++)
		free(texts[t]);
	free(texts);
	free(idx);
	return rc;
}

int
hostrange_split(const char *list, char ***items, size_t *n, char **cause)
{
	struct strv out = { NULL, 0, 0 };
	const char *s = list, *start = list;
	int depth = 0;

	*items = NULL;
	*n = 0;
	for (;; s++) {
		if (*s == '[')
			depth++;
		else if (*s == ']' && depth > 0)
			depth--;
		if ((*s == ',' && depth == 0) || *s == '\0') {
			if (s == start) {
				*cause = xasprintf("empty item in \"%s\"", list);
				strv_free(&out);
				return PFAN_E_INPUT;
			}
			if (out.n >= HOSTRANGE_MAX) {
				*cause = xasprintf("more than %d items in the list", HOSTRANGE_MAX);
				strv_free(&out);
				return PFAN_E_INPUT;
			}
			strv_push(&out, xstrndup(start, (size_t)(s - start)));
			start = s + 1;
		}
		if (*s == '\0')
			break;
	}
	*items = out.v;
	*n = out.n;
	return PFAN_OK;
}

int
hostrange_expand_list(const char *list, char ***names, size_t *n, char **cause)
{
	struct strv out = { NULL, 0, 0 };
	char **items, **one;
	size_t nitems, none;
	int rc;

	*names = NULL;
	*n = 0;
	rc = hostrange_split(list, &items, &nitems, cause);
	if (rc != PFAN_OK)
		return rc;
	for (size_t i = 0; i < nitems; i++) {
		rc = hostrange_expand(items[i], &one, &none, cause);
		if (rc == PFAN_OK && out.n + none > HOSTRANGE_MAX) {
			*cause = xasprintf("\"%s\" gives more than %d names", list, HOSTRANGE_MAX);
			hostrange_free(one, none);
			rc = PFAN_E_INPUT;
		}
		if (rc != PFAN_OK) {
			strv_free(&out);
			break;
		}
		for (size_t j = 0; j < none; j++)
			strv_push(&out, one[j]);
		free(one);
	}
	hostrange_free(items, nitems);
	*names = out.v;
	*n = out.n;
	return rc;
}

static int
cpus_error(const char *spec, const char *s, char **cause)
{
	char *what = found(s);

	*cause = xasprintf("bad CPU count list \"%s\": unexpected %s", spec, what);
	free(what);
	return PFAN_E_INPUT;
}

int
hostrange_cpus(const char *spec, unsigned **counts, size_t *n, char **cause)
{
	unsigned *v = NULL;
	size_t nv = 0;
	const char *s = spec;

	*counts = NULL;
	*n = 0;
	for (;;) {
		unsigned long count, repeat = 1;
		size_t digits = read_number(&s, &count);

		if (digits == 0)
			goto bad;
		if (digits > MAX_DIGITS || count == 0 || count > HOSTRANGE_MAX) {
			*cause = xasprintf("bad CPU count list \"%s\": a count must be from 1 to %d",
			    spec, HOSTRANGE_MAX);
			goto fail;
		}
		if (*s == '(') {
			if (s[1] != 'x')
				goto bad_after_paren;
			s += 2;
			digits = read_number(&s, &repeat);
			if (digits == 0 || *s != ')')
				goto bad;
			s++;
			if (repeat == 0 || digits > MAX_DIGITS || repeat > HOSTRANGE_MAX - nv) {
				*cause = xasprintf("bad CPU count list \"%s\": a repeat must be from 1 to %d in all",
				    spec, HOSTRANGE_MAX);
				goto fail;
			}
		}
		if (nv + repeat > HOSTRANGE_MAX) {
			*cause = xasprintf("bad CPU count list \"%s\": more than %d nodes",
			    spec, HOSTRANGE_MAX);
			goto fail;
		}
		v = xreallocarray(v, nv + repeat, sizeof *v);
		for (unsigned long i = 0; i < repeat; i++)
			v[nv++] = (unsigned)count;
		if (*s == '\0')
			break;
		if (*s != ',')
			goto bad;
		s++;
	}
	*counts = v;
	*n = nv;
	return PFAN_OK;
bad_after_paren:
	s++;
bad:
	cpus_error(spec, s, cause);
fail:
	free(v);
	return PFAN_E_INPUT;
}
