/* record.h: one input record into its values, by GNU parallel's rules:
 * -E (a record equal to EOF_STR ends its source), -r (a record of white
 * space only is dropped), --colsep (split like Perl's split(/RE/, $_, -1))
 * and --trim (default: both ends of each column with --colsep, nothing
 * without). Pure: no I/O, so test_input drives it with strings. */
#ifndef PFAN_RECORD_H
#define PFAN_RECORD_H
#include <stdbool.h>
#include <stdint.h>
#include "args.h"

/* --trim (input.h's config holds one; defined here so that this pure
 * module does not include the iterator's header). */
enum input_trim { TRIM_DEFAULT, TRIM_NONE, TRIM_LEFT, TRIM_RIGHT, TRIM_BOTH };

/* What of the input's configuration the rules need. */
struct record_opts {
	bool nul_ok;            /* records end with NUL (-0, -d '\0') */
	bool skip_blank;        /* -r */
	bool colsep_given;      /* --colsep (trim's default) */
	const char *eof_str;    /* -E, or NULL */
	enum input_trim trim;
};

struct record_rules {
	void *re;               /* pcre2_code, or NULL: one column */
	void *md;
	uint32_t ngroups;       /* capturing groups: Perl's split keeps them */
	bool nul_ok;            /* records end with NUL: none can hold one */
	bool skip_blank;
	const char *eof_str;
	enum input_trim trim;   /* resolved: never TRIM_DEFAULT */
};

enum record_verdict { RECORD_KEEP, RECORD_SKIP, RECORD_END };

/* colsep may be NULL. PFAN_E_INPUT with PCRE2's message and offset. */
int record_rules_init(struct record_rules *r, const struct record_opts *ro,
    const char *colsep, char **cause);
void record_rules_free(struct record_rules *r);
/* Whether to use the record, skip it (-r) or end its source there (-E). */
enum record_verdict record_check(const struct record_rules *r, const char *rec,
    size_t len);
/* A record into *out (initialised here); on a bad record *out is empty and
 * *cause is "NAME:RECNO: what". */
int record_values(const struct record_rules *r, const char *name,
    unsigned long recno, const char *rec, size_t len, struct args *out,
    char **cause);

#endif
