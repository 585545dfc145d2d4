/* optvalue.h: the values of pfan's options, as typed on the command line:
 * whole numbers in a range, seconds, durations with units, sizes,
 * percentages, --halt's and -j's forms, -d's escapes, --trim. Pure: each
 * parser returns PFAN_OK with the value, or PFAN_E_INPUT with a cause
 * that names the option ("--retries: 'x' is not a whole number"). opt is
 * the option's long name, without the dashes. */
#ifndef PFAN_OPTVALUE_H
#define PFAN_OPTVALUE_H
#include <stdbool.h>
#include <stddef.h>
#include "input.h"

enum halt_when { HALT_NEVER, HALT_SOON, HALT_NOW };
/* What --halt counts: failed, succeeded, or finished (done=) jobs. */
enum halt_what { HALT_FAIL, HALT_SUCCESS, HALT_DONE };
/* -j N, +N (cores + N), -N (cores - N), N% (of the cores), 0 (as many as
 * possible: options_jobs_slots). */
enum jobs_kind { JOBS_ABS, JOBS_PLUS, JOBS_MINUS, JOBS_PCT };

/* --halt: when; unless HALT_NEVER, what it counts and either count or pct
 * (a fraction; the other is 0). */
struct optvalue_halt {
	enum halt_when when;
	enum halt_what what;
	unsigned count;
	double pct;
};

/* -j: n for JOBS_ABS, JOBS_PLUS and JOBS_MINUS; pct (a fraction) for
 * JOBS_PCT. */
struct optvalue_jobs {
	enum jobs_kind kind;
	unsigned n;
	double pct;
};

/* Decimal digits only, min to max. */
int optvalue_uint(const char *opt, const char *s, unsigned min, unsigned max,
    unsigned *out, char **cause);
/* Seconds, decimal (5, 0.5); nonzero: 0 is refused. */
int optvalue_secs(const char *opt, const char *s, bool nonzero, double *out,
    char **cause);
/* Seconds: a number, or GNU parallel's units (1h30m, 2.5s, 1d). */
int optvalue_duration(const char *opt, const char *s, double *out, char **cause);
/* --timeout: a duration (*secs), or N% of the median runtime (*pct, a
 * fraction); the other is 0. */
int optvalue_timeout(const char *s, double *secs, double *pct, char **cause);
/* Bytes: GNU parallel's sizes (K M G T P powers of 1024, k m g t p of 1000). */
int optvalue_size(const char *opt, const char *s, unsigned long long *out,
    char **cause);
/* --nice: -20 to 19. */
int optvalue_nice(const char *s, int *out, char **cause);
/* --load: a load average, more than 0 (JOBS_ABS), or the cores plus or
 * minus N, or N% of them (a fraction in *out), as -j. */
int optvalue_load(const char *s, enum jobs_kind *kind, double *out, char **cause);
/* --halt: GNU parallel's forms. */
int optvalue_halt(const char *s, struct optvalue_halt *out, char **cause);
/* -j N, +N, -N, N%. */
int optvalue_jobs(const char *s, struct optvalue_jobs *out, char **cause);
/* -d: the delimiter after its escapes, *out malloc'd (it may hold NUL
 * bytes: *len of them, at least 1). */
int optvalue_delim(const char *s, char **out, size_t *len, char **cause);
/* --trim n|l|r|lr|rl. */
int optvalue_trim(const char *s, enum input_trim *out, char **cause);

#endif
