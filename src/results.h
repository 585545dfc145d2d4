/* results.h: --results, each job's output saved besides being printed.
 *
 * DIR: DIR/<seq>/stdout and DIR/<seq>/stderr, (re)created at each
 * attempt's start and written as the bytes arrive (untagged).
 * A failure to save is logged here, once per stream, and returned as
 * PFAN_E_SYS: the job's output is then not whole (output.h).
 */
#ifndef PFAN_RESULTS_H
#define PFAN_RESULTS_H
#include <stdbool.h>
#include <stddef.h>

struct results;
struct results_job;

/* PFAN_E_SYS with cause when DIR can't be made. */
int results_new(struct results **out, const char *spec, char **cause);
/* A new attempt of job seq; NULL when r is NULL. *lost is set when its
 * files could not be created. */
struct results_job *results_job_start(struct results *r, unsigned long long seq,
    bool *lost);
/* stream i: 0 stdout, 1 stderr. */
int results_job_data(struct results_job *rj, int i, const char *p, size_t n);
/* The attempt is final: its files are closed now (close() is where NFS
 * reports a failed write), not when it prints, so jobs held back by -k
 * cost no file descriptors. */
int results_job_end(struct results_job *rj);
void results_job_free(struct results_job *rj);
void results_free(struct results *r);

#endif
