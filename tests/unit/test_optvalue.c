/* test_optvalue.c: the option value parsers, as a table of cases: what is
 * typed, the value it gives, or the message that refuses it. The values
 * come from the user's command line (and a --resume joblog's header). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "optvalue.h"

enum kind {
	UINT_1_10, UINT_0_MAX, SECS, SECS_NONZERO, DURATION, TIMEOUT, SIZE,
	NICE, LOAD, HALT, JOBS, TRIM,
};

struct tcase {
	enum kind kind;
	const char *in;
	const char *want;   /* the value as value_text() prints it, or the cause */
	bool ok;
};

static const struct tcase cases[] = {
	{ UINT_1_10, "1", "1", true },
	{ UINT_1_10, "10", "10", true },
	{ UINT_1_10, "007", "7", true },
	{ UINT_1_10, "0", "--n: must be at least 1", false },
	{ UINT_1_10, "11", "--n: '11' is out of range (1 to 10)", false },
	{ UINT_1_10, "", "--n: '' is not a whole number", false },
	{ UINT_1_10, " 5", "--n: ' 5' is not a whole number", false },
	{ UINT_1_10, "+5", "--n: '+5' is not a whole number", false },
	{ UINT_1_10, "-1", "--n: '-1' is not a whole number", false },
	{ UINT_1_10, "0x5", "--n: '0x5' is not a whole number", false },
	{ UINT_1_10, "5.0", "--n: '5.0' is not a whole number", false },
	{ UINT_0_MAX, "4294967295", "4294967295", true },
	{ UINT_0_MAX, "4294967296", "--n: '4294967296' is out of range (0 to 4294967295)", false },
	{ UINT_0_MAX, "99999999999999999999999", "--n: '99999999999999999999999' is out of range (0 to 4294967295)", false },

	{ SECS, "0", "0", true },
	{ SECS, "5", "5", true },
	{ SECS, "0.5", "0.5", true },
	{ SECS, ".5", "0.5", true },
	{ SECS, "5.", "5", true },
	{ SECS, ".", "--n: '.' is not a number of seconds (like 5 or 0.5)", false },
	{ SECS, "1e3", "--n: '1e3' is not a number of seconds (like 5 or 0.5)", false },
	{ SECS, "inf", "--n: 'inf' is not a number of seconds (like 5 or 0.5)", false },
	{ SECS, "-1", "--n: '-1' is not a number of seconds (like 5 or 0.5)", false },
	{ SECS_NONZERO, "0", "--n: must be more than 0 seconds", false },
	{ SECS_NONZERO, "0.0", "--n: must be more than 0 seconds", false },
	{ SECS_NONZERO, "0.1", "0.1", true },

	{ DURATION, "90", "90", true },
	{ DURATION, "1.5", "1.5", true },
	{ DURATION, "1h30m", "5400", true },
	{ DURATION, "2.5s", "2.5", true },
	{ DURATION, "1d", "86400", true },
	{ DURATION, "1D2H3M4S", "93784", true },
	{ DURATION, "1m30", "--n: '1m30' is not a duration (SECS, or units: 1h30m, 2.5s, 1d)", false },
	{ DURATION, "", "--n: '' is not a duration (SECS, or units: 1h30m, 2.5s, 1d)", false },
	{ DURATION, "h", "--n: 'h' is not a duration (SECS, or units: 1h30m, 2.5s, 1d)", false },
	{ DURATION, "1w", "--n: '1w' is not a duration (SECS, or units: 1h30m, 2.5s, 1d)", false },
	{ DURATION, "0x10", "--n: '0x10' is not a duration (SECS, or units: 1h30m, 2.5s, 1d)", false },
	{ DURATION, "1e3", "--n: '1e3' is not a duration (SECS, or units: 1h30m, 2.5s, 1d)", false },

	{ TIMEOUT, "10", "10 0", true },
	{ TIMEOUT, "1m", "60 0", true },
	{ TIMEOUT, "0", "0 0", true },
	{ TIMEOUT, "200%", "0 2", true },
	{ TIMEOUT, "0%", "--timeout: '0%' is not a percentage", false },
	{ TIMEOUT, "%", "--timeout: '%' is not a duration (SECS, or units: 1h30m, 2.5s, 1d)", false },
	{ TIMEOUT, "x%", "--timeout: 'x%' is not a percentage", false },
	{ TIMEOUT, "1m30", "--timeout: '1m30' is not a duration (SECS, or units: 1h30m, 2.5s, 1d)", false },

	{ SIZE, "0", "0", true },
	{ SIZE, "100", "100", true },
	{ SIZE, "1k", "1000", true },
	{ SIZE, "1K", "1024", true },
	{ SIZE, "1ki", "1024", true },
	{ SIZE, "2Mi", "2097152", true },
	{ SIZE, "1g", "1000000000", true },
	{ SIZE, "1.5K", "1536", true },
	{ SIZE, "1T", "1099511627776", true },
	{ SIZE, "1X", "--n: '1X' is not a size (bytes, or with k K m M g G t T)", false },
	{ SIZE, "1kb", "--n: '1kb' is not a size (bytes, or with k K m M g G t T)", false },
	{ SIZE, "k", "--n: 'k' is not a size (bytes, or with k K m M g G t T)", false },
	{ SIZE, "-1", "--n: '-1' is not a size (bytes, or with k K m M g G t T)", false },
	{ SIZE, "99999P", "--n: '99999P' is not a size (bytes, or with k K m M g G t T)", false },

	{ NICE, "0", "0", true },
	{ NICE, "19", "19", true },
	{ NICE, "-20", "-20", true },
	{ NICE, "20", "--nice: '20' is not a niceness (-20 to 19)", false },
	{ NICE, "-21", "--nice: '-21' is not a niceness (-20 to 19)", false },
	{ NICE, "", "--nice: '' is not a niceness (-20 to 19)", false },
	{ NICE, "5x", "--nice: '5x' is not a niceness (-20 to 19)", false },

	{ LOAD, "2", "2", true },
	{ LOAD, "0.5", "0.5", true },
	{ LOAD, "0", "--load: '0' is not a load average (more than 0), +N, -N or N% (of the cores)", false },
	{ LOAD, "-1", "-1", true },
	{ LOAD, "+2", "+ 2", true },
	{ LOAD, "100%", "% 1", true },
	{ LOAD, "50.5%", "% 0.505", true },
	{ LOAD, "x", "--load: 'x' is not a load average (more than 0), +N, -N or N% (of the cores)", false },
	{ LOAD, "+1.5", "--load: '+1.5' is not a load average (more than 0), +N, -N or N% (of the cores)", false },
	{ LOAD, "0%", "--load: '0%' is not a load average (more than 0), +N, -N or N% (of the cores)", false },
	{ LOAD, "1e2", "--load: '1e2' is not a load average (more than 0), +N, -N or N% (of the cores)", false },

	/* when what count pct */
	{ HALT, "never", "never", true },
	{ HALT, "0", "never", true },
	{ HALT, "1", "soon fail 1 0", true },
	{ HALT, "2", "now fail 1 0", true },
	{ HALT, "-1", "soon success 1 0", true },
	{ HALT, "-2", "now success 1 0", true },
	{ HALT, "now,fail=3", "now fail 3 0", true },
	{ HALT, "soon,success=2", "soon success 2 0", true },
	{ HALT, "now,done=5", "now done 5 0", true },
	{ HALT, "soon,fail=20%", "soon fail 0 0.2", true },
	{ HALT, "10%", "soon fail 0 0.1", true },
	{ HALT, "now,fail=0", "--halt: 'now,fail=0': expected now|soon,fail|success|done=N|N% (or never, 0, 1, 2, -1, -2, N%)", false },
	{ HALT, "now,fail=0x1", "--halt: 'now,fail=0x1': expected now|soon,fail|success|done=N|N% (or never, 0, 1, 2, -1, -2, N%)", false },
	{ HALT, "now,fail=101%", "--halt: 'now,fail=101%': expected now|soon,fail|success|done=N|N% (or never, 0, 1, 2, -1, -2, N%)", false },
	{ HALT, "now", "--halt: 'now': expected now|soon,fail|success|done=N|N% (or never, 0, 1, 2, -1, -2, N%)", false },
	{ HALT, "never,fail=1", "--halt: 'never,fail=1': expected now|soon,fail|success|done=N|N% (or never, 0, 1, 2, -1, -2, N%)", false },
	{ HALT, "later,fail=1", "--halt: 'later,fail=1': expected now|soon,fail|success|done=N|N% (or never, 0, 1, 2, -1, -2, N%)", false },
	{ HALT, "3", "--halt: '3': expected now|soon,fail|success|done=N|N% (or never, 0, 1, 2, -1, -2, N%)", false },

	/* kind n-or-pct */
	{ JOBS, "4", "abs 4", true },
	{ JOBS, "0", "abs 0", true },
	{ JOBS, "+2", "plus 2", true },
	{ JOBS, "-1", "minus 1", true },
	{ JOBS, "50%", "pct 0.5", true },
	{ JOBS, "150%", "pct 1.5", true },
	{ JOBS, "0%", "--jobs: '0%' is not N, +N, -N or N%", false },
	{ JOBS, "+2%", "--jobs: '+2%' is not N, +N, -N or N%", false },
	{ JOBS, "1.5", "--jobs: '1.5' is not N, +N, -N or N%", false },
	{ JOBS, "0x4", "--jobs: '0x4' is not N, +N, -N or N%", false },
	{ JOBS, "", "--jobs: '' is not N, +N, -N or N%", false },
	{ JOBS, "x", "--jobs: 'x' is not N, +N, -N or N%", false },
	{ JOBS, "99999999999", "--jobs: '99999999999' is out of range (0 to 4294967295)", false },

	{ TRIM, "n", "none", true },
	{ TRIM, "l", "left", true },
	{ TRIM, "r", "right", true },
	{ TRIM, "lr", "both", true },
	{ TRIM, "rl", "both", true },
	{ TRIM, "", "--trim: '': expected n, l, r, lr or rl", false },
	{ TRIM, "LR", "--trim: 'LR': expected n, l, r, lr or rl", false },
};

/* Runs one case's parser; on success, *text is the value, printed. */
static int
run_case(const struct tcase *c, char *text, size_t size, char **cause)
{
	static const char *const whens[] = { "never", "soon", "now" };
	static const char *const whats[] = { "fail", "success", "done" };
	static const char *const jkinds[] = { "abs", "plus", "minus", "pct" };
	static const char *const trims[] = { "default", "none", "left", "right", "both" };
	unsigned u = 0;
	double d = 0, d2 = 0;
	unsigned long long ull = 0;
	int i = 0, rc;
	struct optvalue_halt h = { HALT_NEVER, HALT_FAIL, 0, 0 };
	struct optvalue_jobs j = { JOBS_ABS, 0, 0 };
	enum input_trim t = TRIM_DEFAULT;

	switch (c->kind) {
	case UINT_1_10:
		rc = optvalue_uint("n", c->in, 1, 10, &u, cause);
		snprintf(text, size, "%u", u);
		break;
	case UINT_0_MAX:
		rc = optvalue_uint("n", c->in, 0, UINT_MAX, &u, cause);
		snprintf(text, size, "%u", u);
		break;
	case SECS:
	case SECS_NONZERO:
		rc = optvalue_secs("n", c->in, c->kind == SECS_NONZERO, &d, cause);
		snprintf(text, size, "%g", d);
		break;
	case DURATION:
		rc = optvalue_duration("n", c->in, &d, cause);
		snprintf(text, size, "%g", d);
		break;
	case TIMEOUT:
		rc = optvalue_timeout(c->in, &d, &d2, cause);
		snprintf(text, size, "%g %g", d, d2);
		break;
	case SIZE:
		rc = optvalue_size("n", c->in, &ull, cause);
		snprintf(text, size, "%llu", ull);
		break;
	case NICE:
		rc = optvalue_nice(c->in, &i, cause);
		snprintf(text, size, "%d", i);
		break;
	case LOAD:
		rc = optvalue_load(c->in, &j.kind, &d, cause);
		snprintf(text, size, "%s%g", j.kind == JOBS_PLUS ? "+ " :
		    j.kind == JOBS_MINUS ? "-" : j.kind == JOBS_PCT ? "% " : "", d);
		break;
	case HALT:
		rc = optvalue_halt(c->in, &h, cause);
		if (h.when == HALT_NEVER)
			snprintf(text, size, "never");
		else
			snprintf(text, size, "%s %s %u %g", whens[h.when], whats[h.what],
			    h.count, h.pct);
		break;
	case JOBS:
		rc = optvalue_jobs(c->in, &j, cause);
		if (j.kind == JOBS_PCT)
			snprintf(text, size, "%s %g", jkinds[j.kind], j.pct);
		else
			snprintf(text, size, "%s %u", jkinds[j.kind], j.n);
		break;
	case TRIM:
	default:
		rc = optvalue_trim(c->in, &t, cause);
		snprintf(text, size, "%s", trims[t]);
		break;
	}
	return rc;
}

static void
test_cases(void **state)
{
	int failed = 0;

	(void)state;
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		const struct tcase *c = &cases[k];
		char text[128];
		char *cause = NULL;
		int rc = run_case(c, text, sizeof text, &cause);
		const char *got = rc == PFAN_OK ? text : cause;

		if ((rc == PFAN_OK) != c->ok || got == NULL || strcmp(got, c->want) != 0 ||
		    (rc == PFAN_OK && cause != NULL) ||
		    (rc != PFAN_OK && rc != PFAN_E_INPUT)) {
			print_error("case %zu: '%s': want %s \"%s\", got rc %d \"%s\"\n", k,
			    c->in, c->ok ? "ok" : "refused", c->want, rc, got ? got : "(null)");
			failed++;
		}
		free(cause);
	}
	assert_int_equal(failed, 0);
}

/* -d's escapes, as printf(1) reads them; the result may hold NUL. */
static void
test_delim(void **state)
{
	static const struct { const char *in; const char *want; size_t len; } ok[] = {
		{ "x", "x", 1 },
		{ "::", "::", 2 },
		{ "\\n", "\n", 1 },
		{ "\\t\\r", "\t\r", 2 },
		{ "\\0", "\0", 1 },
		{ "\\101", "A", 1 },
		{ "\\1012", "A2", 2 },
		{ "\\x41", "A", 1 },
		{ "\\x4g", "\004g", 2 },
		{ "\\xg", "\\xg", 3 },
		{ "\\\\", "\\", 1 },
		{ "\\q", "\\q", 2 },
		{ "a\\", "a\\", 2 },
	};
	(void)state;
	for (size_t k = 0; k < sizeof ok / sizeof ok[0]; k++) {
		char *d = NULL, *cause = NULL;
		size_t len = 0;
		assert_int_equal(optvalue_delim(ok[k].in, &d, &len, &cause), PFAN_OK);
		assert_null(cause);
		assert_int_equal(len, ok[k].len);
		assert_memory_equal(d, ok[k].want, len);
		free(d);
	}
	char *d = NULL, *cause = NULL;
	size_t len = 0;
	assert_int_equal(optvalue_delim("", &d, &len, &cause), PFAN_E_INPUT);
	assert_string_equal(cause, "--delimiter: must not be empty");
	assert_null(d);
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_delim),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
