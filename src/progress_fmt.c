/* progress_fmt.c: the ETA and the progress lines (progress_fmt.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "progress_fmt.h"

double
progress_eta(const struct eta_in *in)
{
	unsigned long long queued;
	double mean, work, left_running, tail;

	if (in->total == 0 || in->ended < ETA_MIN_ENDED || in->slots == 0)
		return -1;
	if (in->done >= in->total)
		return 0;
	/* Busy time per ended attempt, the running ones' time so far
	 * included: the runtimes of the ended alone are biased short (short
	 * jobs end first), and with one job in ten 20 times longer the ETA a
	 * quarter of the way was 27% low. */
	mean = (in->sum_runtime + in->sum_age) / (double)in->ended;
	queued = in->total > in->done + in->running ? in->total - in->done - in->running : 0;
	/* A running attempt older than the mean is taken to end now: the
	 * estimate may be low for a long job, never negative. */
	left_running = (double)in->running * mean - in->sum_age;
	if (left_running < 0)
		left_running = 0;
	work = (double)queued * mean + left_running;
	/* Fewer jobs than slots: the last job to start bounds the end. */
	tail = queued > 0 ? mean : in->running > 0 ? left_running / (double)in->running : 0;
	return fmax(work / in->slots, tail);
}

const char *
progress_fmt_dur(char *b, size_t n, double s)
{
	long long t;

	if (!isfinite(s) || s < 0) {
		snprintf(b, n, "?");
		return b;
	}
	t = llround(s);
	if (t < 60)
		snprintf(b, n, "%llds", t);
	else if (t < 3600)
		snprintf(b, n, "%lldm%02llds", t / 60, t % 60);
	else
		snprintf(b, n, "%lldh%02lldm", t / 3600, t % 3600 / 60);
	return b;
}

/* The part after the graphic, counts first: the part a narrow terminal
 * keeps. */
static void
bar_text(struct buf *b, const struct bar_in *in)
{
	const struct eta_in *e = &in->eta;
	char d[32];

	if (e->total > 0)
		buf_addf(b, "%llu/%llu %3.0f%%", e->done, e->total,
		    100.0 * (double)e->done / (double)e->total);
	else
		buf_addf(b, "%llu/?", e->done);
	buf_addf(b, " run %llu fail %llu %.1f/s ETA %s", e->running, in->failed,
	    in->rate, progress_fmt_dur(d, sizeof d, progress_eta(e)));
}

#define BAR_MAX 40       /* columns of [===>] at most */
#define BAR_MIN 10       /* fewer free than this: no graphic */

void
progress_fmt_bar(struct buf *b, const struct bar_in *in, int width, int graphic)
{
	struct buf t = BUF_INIT;
	int n, cols;

	bar_text(&t, in);
	n = (int)t.len;
	cols = width > 0 ? width - n - 3 : BAR_MAX;
	if (cols > BAR_MAX)
		cols = BAR_MAX;
	if (graphic && in->eta.total > 0 && cols >= BAR_MIN) {
		int full = (int)((double)cols * (double)in->eta.done / (double)in->eta.total);
		if (full > cols)
			full = cols;
		buf_addc(b, '[');
		for (int i = 0; i < cols; i++)
			buf_addc(b, i < full ? '=' : i == full ? '>' : ' ');
		buf_adds(b, "] ");
	}
	if (width > 0 && n > width)
		n = width;
	buf_add(b, buf_cstr(&t), (size_t)n);
	buf_free(&t);
}

void
progress_fmt_eta(struct buf *b, const struct eta_in *in)
{
	char d[32];
	double avg = in->ended > 0 ? in->sum_runtime / (double)in->ended : NAN;

	buf_addf(b, "ETA: %s Left: ", progress_fmt_dur(d, sizeof d, progress_eta(in)));
	if (in->total > 0)
		buf_addf(b, "%llu", in->total - (in->done < in->total ? in->done : in->total));
	else
		buf_adds(b, "?");
	if (isfinite(avg))
		buf_addf(b, " AVG: %.2fs", avg);
	else
		buf_adds(b, " AVG: ?");
}

/* A mean runtime: short jobs need the decimals. */
static const char *
fmt_mean(char *b, size_t n, double s)
{
	if (s < 10)
		snprintf(b, n, "%.2fs", s);
	else
		progress_fmt_dur(b, n, s);
	return b;
}

void
progress_fmt_host_head(struct buf *b, int namew)
{
	buf_addf(b, "%-*s %5s %7s %7s %6s %5s %9s", namew, "host", "slots", "running",
	    "done", "failed", "lost", "mean run");
}

void
progress_fmt_host_row(struct buf *b, const struct host_row *r, int namew)
{
	char d[32];

	buf_addf(b, "%-*.*s %5u %7llu %7llu %6llu %5llu %9s", namew, namew, r->name,
	    r->slots, r->running, r->done, r->failed, r->lost,
	    r->ended > 0 ? fmt_mean(d, sizeof d, r->sum_runtime / (double)r->ended) : "-");
}
