/* hostrange.h: pdsh/SLURM-style host ranges ("node[01-12]", "n[1-3,7]",
 * "r[1-2]n[1-3]") and SLURM's per-node CPU counts ("12(x2),8"). Pure string
 * work: no files, no environment. Messages in *cause name the pattern but
 * not where it came from; the caller prefixes "FILE:LINE:COL: " or "-S: ". */
#ifndef PFAN_HOSTRANGE_H
#define PFAN_HOSTRANGE_H
#include <stddef.h>

/* The most names one pattern or list may expand to: a typo such as
 * n[1-99999999] must be an error, not an allocation of gigabytes. */
#define HOSTRANGE_MAX 100000

/* Expands one pattern into *names (n malloc'd strings, in order: the last
 * bracket varies fastest). A pattern without brackets yields itself.
 * Zero padding follows the width of each lower bound: [08-10] gives 08 09
 * 10. On error *names is NULL, *n is 0 and *cause says why. */
int hostrange_expand(const char *pattern, char ***names, size_t *n, char **cause);

/* Splits a comma-separated list at the commas outside brackets:
 * "gpu[01-03,07],cpu5" gives "gpu[01-03,07]" and "cpu5". Empty items are
 * an error. */
int hostrange_split(const char *list, char ***items, size_t *n, char **cause);

/* hostrange_split, then hostrange_expand of each item, concatenated. */
int hostrange_expand_list(const char *list, char ***names, size_t *n, char **cause);

/* Parses SLURM_JOB_CPUS_PER_NODE ("12(x2),8") into one count per node
 * (12, 12, 8). Counts are positive; repeats are at least 1. */
int hostrange_cpus(const char *spec, unsigned **counts, size_t *n, char **cause);

/* Frees what hostrange_expand, _split and _expand_list return. */
void hostrange_free(char **names, size_t n);

#endif
