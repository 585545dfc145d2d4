/* output.h: each job's stdout and stderr, printed whole and never mixed.
 *
 * Default (group): a job's stdout then its stderr are printed when it ends.
 * keep_order: printed in seq order; a finished job waits for the ones
 * before it. line_buffer: whole lines are printed as they arrive (still
 * never half a line of one job mixed into another's). tag: each line is
 * prefixed with the tag (--tag: the values; --tagstring: the template)
 * and a tab. ungroup: each chunk printed as it comes, untagged, lines of
 * jobs mixed (GNU's -u). print_cmd: the command is the first line of the
 * job's stdout (GNU's -v; not counted in output_job_bytes). files: stdout
 * goes to a temp file whose name is printed instead. results: each job's
 * streams are also saved by results.c.
 * Memory is bounded: a stream past mem_limit bytes spills to an unlinked
 * temp file in $TMPDIR (default /tmp).
 */
#ifndef PFAN_OUTPUT_H
#define PFAN_OUTPUT_H
#include <stdbool.h>
#include <stddef.h>

struct template;
struct args;

struct output_config {
	bool keep_order;
	bool line_buffer;
	bool tag;
	const struct template *tagstring;  /* --tagstring (TEMPLATE_TEXT); NULL: none */
	bool ungroup;              /* -u: passed through as it comes, untagged */
	bool print_cmd;            /* -v: the command, first in its stdout */
	bool files;                /* --files: stdout to a temp file, named */
	const char *results;       /* --results (results.h); NULL: none */
	const char *tmpdir;        /* spill and --files; NULL: $TMPDIR, /tmp */
	int out_fd, err_fd;        /* normally 1 and 2 */
	size_t mem_limit;          /* per stream; 0: default 64 KiB */
};

struct output;
struct output_job;

int output_new(struct output **out, const struct output_config *cfg, char **cause);
/* What output.c needs to know of an attempt at its start; copied. */
struct output_job_desc {
	unsigned long long seq;
	const struct args *args;   /* --tag, --tagstring, --results' V1..Vn */
	const char *cmd;           /* as run: -v, --results' Command */
	unsigned slot;             /* {%} in --tagstring; 0: unknown */
	const char *host;          /* {host} in --tagstring, --results' Host */
};
/* A new attempt; NULL when o is NULL. */
struct output_job *output_job_start(struct output *o, const struct output_job_desc *d);
/* How the attempt ended, for --results' CSV/JSON record (before finish).
 * exit_code -1: none; signal 0: none. */
struct output_job_end {
	double start, runtime;
	int exit_code, signal;
};
void output_job_ended(struct output_job *j, const struct output_job_end *e);
/* stream: 1 stdout, 2 stderr. PFAN_E_SYS with cause if a spill or results
 * file can't be written (the data is then dropped, the job goes on). */
int output_job_data(struct output_job *j, int stream, const char *data, size_t len);
unsigned long long output_job_bytes(const struct output_job *j, int stream);
/* The attempt will be retried: drop its output; for keep_order the seq
 * stays pending. Frees j. */
void output_job_discard(struct output_job *j);
/* Called once for a final attempt, right after the last of its output was
 * written to out_fd and err_fd (so the caller can record the job as done
 * only then); whole is false when some of it was lost on the way: a spill
 * file or results file that could not be written or read back, a write
 * to out_fd or err_fd that failed. Never called for output that is still
 * held back when pfan dies. */
typedef void output_done_fn(void *arg, bool whole);
/* The attempt is final: print now, or when its turn comes; then
 * done(arg, whole) if done is not NULL (at once when j is NULL). Frees j. */
void output_job_finish(struct output_job *j, output_done_fn *done, void *arg);
/* keep_order: seq will print nothing (skipped by --resume, bad input). */
void output_seq_skip(struct output *o, unsigned long long seq);
/* keep_order: no seq after `last` will come; print what is held back. */
void output_flush(struct output *o);
/* True once writing to out_fd or err_fd failed (closed pipe, full disk):
 * pfan must not exit 0 when output was lost. */
bool output_failed(const struct output *o);
/* Called (from inside an output_* call) when out_fd or err_fd is a pipe
 * whose reader has gone (EPIPE: `pfan ... | head -1`): no message is
 * printed for it, and nothing more reaches that fd; the owner should stop
 * the run. */
typedef void output_closed_fn(void *arg);
void output_on_closed(struct output *o, output_closed_fn *fn, void *arg);
void output_free(struct output *o);

#endif
