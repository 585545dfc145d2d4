/* progress_fmt.h: the arithmetic and the text of --bar, --eta and
 * --progress (progress.c draws them). Pure: no I/O, no clock; the
 * caller passes the time. */
#ifndef PFAN_PROGRESS_FMT_H
#define PFAN_PROGRESS_FMT_H
#include <stddef.h>
#include "buf.h"

/* What the ETA is computed from: counts, and the runtimes of the
 * attempts that ended. */
struct eta_in {
	unsigned long long total;    /* jobs in the run; 0: input not read to its end */
	unsigned long long done;     /* jobs finished for good */
	unsigned long long running;  /* attempts running now */
	unsigned long long ended;    /* attempts that ended, with sum_runtime */
	double sum_runtime;          /* seconds */
	double sum_age;              /* how long the running attempts have run, summed */
	unsigned slots;              /* slots of the hosts that ran jobs */
};

/* Attempts that must have ended before an ETA is more than a guess. */
#define ETA_MIN_ENDED 3

/* Seconds until the last job ends, or a negative number when not known
 * yet (input not all read, fewer than ETA_MIN_ENDED attempts ended, no
 * slots). The mean job is the busy time so far (ended runtimes and
 * running ages) per ended attempt; the jobs left run at that mean on
 * all slots, each running one has the mean less its age left, and the
 * tail is never shorter than a mean job still to start. */
double progress_eta(const struct eta_in *in);

/* "12s", "4m05s", "2h03m", or "?" for a negative time. */
const char *progress_fmt_dur(char *b, size_t n, double secs);

/* The --bar line, at most width columns (0: no limit), no newline:
 * "[=====>    ] 12/100 12% run 4 fail 0 3.2/s ETA 27s"; with total 0,
 * "12/? run 4 ...". bar: draw the [===>] part (a terminal). */
struct bar_in {
	struct eta_in eta;
	unsigned long long failed;   /* of done */
	double rate;                 /* jobs done per second */
};
void progress_fmt_bar(struct buf *b, const struct bar_in *in, int width, int graphic);

/* GNU parallel's --eta line: "ETA: 27s Left: 88 AVG: 0.50s". */
void progress_fmt_eta(struct buf *b, const struct eta_in *in);

/* One --progress row and its heading. */
struct host_row {
	const char *name;
	unsigned slots;
	unsigned long long running, done, failed, lost, ended;
	double sum_runtime;
};
void progress_fmt_host_head(struct buf *b, int namew);
void progress_fmt_host_row(struct buf *b, const struct host_row *r, int namew);

#endif
