/* optvalue.c: see optvalue.h. A number is checked to be decimal digits
 * before it is converted, and its range is named when it is out of it. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "optvalue.h"
#include "xalloc.h"

/* The one way numbers are read: decimal digits only. strtoul and strtod
 * alone also take leading blanks, a sign, "0x10", "inf" and "nan", and
 * strtoul turns "-1" into ULONG_MAX. */
static bool
decimal(const char *s, bool fraction)
{
	size_t digits = strspn(s, "0123456789");

	if (fraction && s[digits] == '.') {
		size_t more = strspn(s + digits + 1, "0123456789");
		return digits + more > 0 && s[digits + 1 + more] == '\0';
	}
	return digits > 0 && s[digits] == '\0';
}

int
optvalue_uint(const char *opt, const char *s, unsigned min, unsigned max, unsigned *out,
    char **cause)
{
	unsigned long v;

	if (!decimal(s, false)) {
		*cause = xasprintf("--%s: '%s' is not a whole number", opt, s);
		return PFAN_E_INPUT;
	}
	errno = 0;
	v = strtoul(s, NULL, 10);
	if (errno != ERANGE && v < min) {
		*cause = xasprintf("--%s: must be at least %u", opt, min);
		return PFAN_E_INPUT;
	}
	if (errno == ERANGE || v > max) {
		*cause = xasprintf("--%s: '%s' is out of range (%u to %u)", opt, s, min, max);
		return PFAN_E_INPUT;
	}
	*out = (unsigned)v;
	return PFAN_OK;
}

/* nonzero: 0 is refused, where it could mean nothing useful. */
int
optvalue_secs(const char *opt, const char *s, bool nonzero, double *out, char **cause)
{
	double v;

	if (!decimal(s, true)) {
		*cause = xasprintf("--%s: '%s' is not a number of seconds (like 5 or 0.5)", opt, s);
		return PFAN_E_INPUT;
	}
	errno = 0;
	v = strtod(s, NULL);
	if (errno == ERANGE || !isfinite(v)) {
		*cause = xasprintf("--%s: '%s' is out of range", opt, s);
		return PFAN_E_INPUT;
	}
	if (nonzero && v <= 0) {
		*cause = xasprintf("--%s: must be more than 0 seconds", opt);
		return PFAN_E_INPUT;
	}
	*out = v;
	return PFAN_OK;
}

/* Seconds in s: a number, or GNU parallel's units (1h30m, 2.5s, 1d). */
static int
duration(const char *s, double *out)
{
	double total = 0;
	const char *p = s;
	bool units = false;

	/* Decimal digits and GNU's units only: strtod would also take hex,
	 * exponents and "inf". */
	if (*s == '\0' || s[strspn(s, "0123456789.smhdSMHD")] != '\0')
		return PFAN_E_INPUT;
	while (*p != '\0') {
		char *end;
		double v, mult = 1;
		if ((*p < '0' || *p > '9') && *p != '.')
			return PFAN_E_INPUT;
		errno = 0;
		v = strtod(p, &end);
		if (end == p || errno != 0 || !isfinite(v))
			return PFAN_E_INPUT;
		switch (*end) {
		case 's': case 'S': mult = 1; break;
		case 'm': case 'M': mult = 60; break;
		case 'h': case 'H': mult = 3600; break;
		case 'd': case 'D': mult = 86400; break;
		case '\0':
			if (units)   /* 1m30 is not a duration */
				return PFAN_E_INPUT;
			*out = v;
			return PFAN_OK;
		default: return PFAN_E_INPUT;
		}
		units = true;
		total += v * mult;
		p = end + 1;
	}
	*out = total;
	return PFAN_OK;
}

int
optvalue_duration(const char *opt, const char *s, double *out, char **cause)
{
	if (duration(s, out) != PFAN_OK) {
		*cause = xasprintf("--%s: '%s' is not a duration (SECS, or units: 1h30m, 2.5s, 1d)",
		    opt, s);
		return PFAN_E_INPUT;
	}
	return PFAN_OK;
}

int
optvalue_timeout(const char *s, double *secs, double *pct, char **cause)
{
	size_t n = strlen(s);

	*secs = *pct = 0;
	if (n > 1 && s[n - 1] == '%') {
		char *end;
		double v = strtod(s, &end);
		if (*s >= '0' && *s <= '9' && end == s + n - 1 && isfinite(v) && v > 0) {
			*pct = v / 100;
			return PFAN_OK;
		}
		*cause = xasprintf("--timeout: '%s' is not a percentage", s);
		return PFAN_E_INPUT;
	}
	return optvalue_duration("timeout", s, secs, cause);
}

/* GNU parallel's sizes: K M G T P are powers of 1024 (Ki Mi ... too),
 * k m g t p powers of 1000. */
int
optvalue_size(const char *opt, const char *s, unsigned long long *out, char **cause)
{
	static const char units[] = "kmgtp";
	char *end;
	double v, mult = 1;
	const char *u;

	errno = 0;
	v = strtod(s, &end);
	if (*s < '0' || *s > '9' || errno != 0 || !isfinite(v))
		goto bad;
	if (*end != '\0') {
		if ((u = strchr(units, (char)(*end | 0x20))) == NULL)
			goto bad;
		bool binary = (*end >= 'A' && *end <= 'Z') || end[1] == 'i' || end[1] == 'I';
		for (const char *k = units; k <= u; k++)
			mult *= binary ? 1024 : 1000;
		end += (end[1] == 'i' || end[1] == 'I') ? 2 : 1;
		if (*end != '\0')
			goto bad;
	}
	v *= mult;
	if (v >= 1.8e19)
		goto bad;
	*out = (unsigned long long)v;
	return PFAN_OK;
bad:
	*cause = xasprintf("--%s: '%s' is not a size (bytes, or with k K m M g G t T)", opt, s);
	return PFAN_E_INPUT;
}

int
optvalue_nice(const char *s, int *out, char **cause)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < -20 || v > 19) {
		*cause = xasprintf("--nice: '%s' is not a niceness (-20 to 19)", s);
		return PFAN_E_INPUT;
	}
	*out = (int)v;
	return PFAN_OK;
}

/* GNU's forms: +N and -N whole numbers, N% and N decimal. */
int
optvalue_load(const char *s, enum jobs_kind *kind, double *out, char **cause)
{
	const char *n = s + (*s == '+' || *s == '-');
	char *end;
	double v;

	*kind = *s == '+' ? JOBS_PLUS : *s == '-' ? JOBS_MINUS : JOBS_ABS;
	errno = 0;
	v = strtod(n, &end);
	if (*kind == JOBS_ABS && strcmp(end, "%") == 0)
		*kind = JOBS_PCT, end++;
	if (*n < '0' || *n > '9' || n[strspn(n, "0123456789.%")] != '\0' ||
	    *end != '\0' || errno != 0 || !isfinite(v) ||
	    (*kind == JOBS_ABS || *kind == JOBS_PCT ? v <= 0 : v != floor(v))) {
		*cause = xasprintf("--load: '%s' is not a load average (more than "
		    "0), +N, -N or N%% (of the cores)", s);
		return PFAN_E_INPUT;
	}
	*out = *kind == JOBS_PCT ? v / 100 : v;
	return PFAN_OK;
}

/* A whole number, or N% (a fraction in *pct). */
static bool
count_or_pct(const char *s, unsigned *count, double *pct)
{
	char *end;
	double v;

	/* decimal only: strtod would take 0x1 and 1e2 */
	if (*s < '0' || *s > '9' || s[strspn(s, "0123456789.%")] != '\0')
		return false;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || !isfinite(v))
		return false;
	if (strcmp(end, "%") == 0 && v > 0 && v <= 100) {
		*count = 0;
		*pct = v / 100;
		return true;
	}
	if (*end != '\0' || v != floor(v) || v < 1 || v > UINT_MAX)
		return false;
	*count = (unsigned)v;
	*pct = 0;
	return true;
}

/* GNU parallel's forms: WHEN,WHAT=N or N%, never, and the old numbers
 * 0 1 2 -1 -2 and N% (soon,fail=N%). */
int
optvalue_halt(const char *s, struct optvalue_halt *h, char **cause)
{
	static const struct { const char *old, *now; } old_forms[] = {
		{ "0", "never" }, { "1", "soon,fail=1" }, { "2", "now,fail=1" },
		{ "-1", "soon,success=1" }, { "-2", "now,success=1" },
	};
	static const struct { const char *name; enum halt_what what; } whats[] = {
		{ "fail=", HALT_FAIL }, { "success=", HALT_SUCCESS }, { "done=", HALT_DONE },
	};
	const char *given = s, *comma, *cond;
	char pct_form[64];
	size_t wl;

	for (size_t i = 0; i < sizeof old_forms / sizeof old_forms[0]; i++)
		if (strcmp(s, old_forms[i].old) == 0)
			s = old_forms[i].now;
	if (*s >= '0' && *s <= '9' && s[strlen(s) - 1] == '%' && strlen(s) < 32) {
		snprintf(pct_form, sizeof pct_form, "soon,fail=%s", s);
		s = pct_form;
	}
	comma = strchr(s, ',');
	wl = comma ? (size_t)(comma - s) : strlen(s);
	cond = comma ? comma + 1 : NULL;
	if (wl == 3 && strncmp(s, "now", 3) == 0)
		h->when = HALT_NOW;
	else if (wl == 4 && strncmp(s, "soon", 4) == 0)
		h->when = HALT_SOON;
	else if (wl == 5 && strncmp(s, "never", 5) == 0 && cond == NULL) {
		h->when = HALT_NEVER;
		return PFAN_OK;
	} else
		goto bad;
	if (cond == NULL)
		goto bad;
	for (size_t i = 0; i < sizeof whats / sizeof whats[0]; i++) {
		size_t n = strlen(whats[i].name);
		if (strncmp(cond, whats[i].name, n) == 0 &&
		    count_or_pct(cond + n, &h->count, &h->pct)) {
			h->what = whats[i].what;
			return PFAN_OK;
		}
	}
bad:
	*cause = xasprintf("--halt: '%s': expected now|soon,fail|success|done=N|N%% "
	    "(or never, 0, 1, 2, -1, -2, N%%)", given);
	return PFAN_E_INPUT;
}

/* -j N, +N, -N, N%; 0: as many as possible. */
int
optvalue_jobs(const char *s, struct optvalue_jobs *j, char **cause)
{
	const char *given = s;
	char *end;
	double v;

	j->kind = *s == '+' ? JOBS_PLUS : *s == '-' ? JOBS_MINUS : JOBS_ABS;
	if (*s == '+' || *s == '-')
		s++;
	if (s[strspn(s, "0123456789.%")] != '\0')
		goto bad;   /* strtod would take hex, exponents, inf */
	errno = 0;
	v = strtod(s, &end);
	if (*s < '0' || *s > '9' || errno != 0 || !isfinite(v))
		goto bad;
	if (v > UINT_MAX && *end == '\0') {
		*cause = xasprintf("--jobs: '%s' is out of range (0 to %u)", given, UINT_MAX);
		return PFAN_E_INPUT;
	}
	if (j->kind == JOBS_ABS && strcmp(end, "%") == 0 && v > 0) {
		j->kind = JOBS_PCT;
		j->pct = v / 100;
		return PFAN_OK;
	}
	if (*end != '\0' || v != floor(v))
		goto bad;
	j->n = (unsigned)v;
	return PFAN_OK;
bad:
	*cause = xasprintf("--jobs: '%s' is not N, +N, -N or N%%", given);
	return PFAN_E_INPUT;
}

/* -d's escapes, as printf(1) reads them: \n \t \r \a \b \f \v \\,
 * \NNN octal (so \0 is NUL) and \xHH. */
int
optvalue_delim(const char *s, char **out, size_t *len, char **cause)
{
	static const char esc[] = "n\nt\tr\ra\ab\bf\fv\v\\\\";
	char *d = xmalloc(strlen(s) + 1);
	size_t n = 0;

	for (const char *p = s; *p != '\0'; p++) {
		const char *e;
		if (*p != '\\' || p[1] == '\0') {
			d[n++] = *p;
		} else if (p[1] >= '0' && p[1] <= '7') {
			int v = 0, k;
			for (k = 1; k <= 3 && p[k] >= '0' && p[k] <= '7'; k++)
				v = v * 8 + (p[k] - '0');
			d[n++] = (char)v;
			p += k - 1;
		} else if (p[1] == 'x' && isxdigit((unsigned char)p[2])) {
			int k = isxdigit((unsigned char)p[3]) ? 2 : 1;
			char hex[3] = { p[2], k == 2 ? p[3] : '\0', '\0' };
			d[n++] = (char)strtol(hex, NULL, 16);
			p += k + 1;
		} else if ((e = strchr(esc, p[1])) != NULL && (e - esc) % 2 == 0) {
			d[n++] = e[1];
			p++;
		} else {
			d[n++] = *p;
		}
	}
	if (n == 0) {
		free(d);
		*cause = xstrdup("--delimiter: must not be empty");
		return PFAN_E_INPUT;
	}
	*out = d;
	*len = n;
	return PFAN_OK;
}

int
optvalue_trim(const char *s, enum input_trim *out, char **cause)
{
	static const struct { const char *name; enum input_trim trim; } t[] = {
		{ "n", TRIM_NONE }, { "l", TRIM_LEFT }, { "r", TRIM_RIGHT },
		{ "lr", TRIM_BOTH }, { "rl", TRIM_BOTH },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (strcmp(s, t[i].name) == 0) {
			*out = t[i].trim;
			return PFAN_OK;
		}
	*cause = xasprintf("--trim: '%s': expected n, l, r, lr or rl", s);
	return PFAN_E_INPUT;
}
