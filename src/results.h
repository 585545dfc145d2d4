/* results.h: each job's output saved to files besides being printed.
 *
 * --results DIR: DIR/<seq>/stdout and DIR/<seq>/stderr, (re)created at
 * each attempt's start and written as the bytes arrive (untagged).
 * --results NAME.csv, NAME.tsv, NAME.json: one file, GNU parallel's
 * format: a record per job (Seq, Host, Starttime, JobRuntime, Send,
 * Receive, Exitval, Signal, Command, its values, Stdout, Stderr), written
 * when the job's output is printed; the streams are kept until then
 * (spilling to a temp file past mem_limit).
 * --files (results_new_files): each job's stdout goes to a new file in
 * the temp directory instead of the terminal; its name is printed.
 * A failure to save is logged here, once per stream or file, and
 * returned as PFAN_E_SYS: the job's output is then not whole (output.h).
 */
#ifndef PFAN_RESULTS_H
#define PFAN_RESULTS_H
#include <stdbool.h>
#include <stddef.h>
#include "args.h"

struct results;
struct results_job;

/* How the attempt ended, for the CSV/JSON record. exit_code -1: none. */
struct results_end {
	double start, runtime;
	int exit_code, signal;
};

/* spec: --results' argument; tmpdir: NULL for $TMPDIR or /tmp. PFAN_E_SYS
 * (or PFAN_E_INPUT) with cause when it can't be made. */
int results_new(struct results **out, const char *spec, const char *tmpdir,
    size_t mem_limit, char **cause);
int results_new_files(struct results **out, const char *tmpdir, char **cause);
/* A new attempt; NULL when r is NULL. args, cmd and host are copied where
 * the format records them. *lost is set when its files can't be made. */
struct results_job *results_job_start(struct results *r, unsigned long long seq,
    const struct args *args, const char *cmd, const char *host, bool *lost);
/* stream i: 0 stdout, 1 stderr (--files takes stdout only). */
int results_job_data(struct results_job *rj, int i, const char *p, size_t n);
/* The attempt is final: files are closed now (close() is where NFS
 * reports a failed write), not when it prints, so jobs held back by -k
 * cost no file descriptors. e may be NULL. */
int results_job_end(struct results_job *rj, const struct results_end *e);
/* Held back (-k): stored streams go to the spill file. */
void results_job_to_disk(struct results_job *rj);
/* Its output is printed now: the CSV/JSON record is written, a --files
 * file is kept. */
int results_job_deliver(struct results_job *rj);
/* --files: the file's name; else NULL. */
const char *results_job_name(const struct results_job *rj);
/* Frees rj; a --files file never delivered is removed. */
void results_job_free(struct results_job *rj);
void results_free(struct results *r);

#endif
