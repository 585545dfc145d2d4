/* timeline.c: the timeline's geometry (timeline.h). Rows shrink to fit a
 * picture about one screen tall, down to one pixel each (100 hosts of 12
 * slots still make 1200 distinct rows); bars are never narrower than a
 * pixel, so a job of 1 ms in a run of an hour still shows. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timeline.h"
#include "xalloc.h"

#define LABEL_W 170.0      /* row labels left of the plot */
#define RIGHT_W 20.0
#define TOP_H 64.0         /* title and legend */
#define PLOT_H 560.0       /* the rows' height when they fit */
#define ROW_MAX 18.0
#define ROW_MIN 1.0
#define AXIS_H 34.0
#define UTIL_H 80.0
#define BOTTOM_H 24.0
#define UTIL_COL 2.0       /* pixels per utilisation column */

double
timeline_x(const struct timeline *tl, double t)
{
	return tl->plot_x + (t - tl->t0) / tl->span * tl->plot_w;
}

static void
make_rows(struct timeline *tl, const struct runlog *rl, size_t *first_row)
{
	size_t n = 0;

	for (size_t h = 0; h < rl->nhosts; h++) {
		first_row[h] = n;
		n += rl->hosts[h].slots;
	}
	tl->rows = xcalloc(n ? n : 1, sizeof *tl->rows);
	tl->nrows = n;
	tl->row_h = n ? fmin(ROW_MAX, fmax(ROW_MIN, floor(PLOT_H / (double)n * 4) / 4)) : ROW_MAX;
	for (size_t h = 0, r = 0; h < rl->nhosts; h++)
		for (unsigned s = 1; s <= rl->hosts[h].slots; s++, r++)
			tl->rows[r] = (struct tl_row){ h, s, tl->plot_y + (double)r * tl->row_h };
	tl->plot_h = fmax((double)n * tl->row_h, ROW_MAX);
}

static void
make_bars(struct timeline *tl, const struct runlog *rl, const size_t *first_row)
{
	/* A gap between rows while they are tall enough to spare one. */
	double gap = tl->row_h >= 6 ? tl->row_h * 0.15 : 0;

	tl->bars = xcalloc(rl->n ? rl->n : 1, sizeof *tl->bars);
	for (size_t i = 0; i < rl->n; i++) {
		const struct rl_attempt *a = &rl->a[i];
		struct tl_bar *b;
		if (!runlog_ran(a))
			continue;
		b = &tl->bars[tl->nbars++];
		b->attempt = i;
		b->row = first_row[a->host] + a->slot - 1;
		b->x = timeline_x(tl, a->start);
		b->w = fmax(a->runtime / tl->span * tl->plot_w, 1.0);
		b->y = tl->rows[b->row].y + gap / 2;
		b->h = tl->row_h - gap;
	}
}

/* A round step (1, 2 or 5 times a power of ten) giving about 8 ticks. */
static double
nice_step(double range)
{
	double raw = range / 8, p = pow(10, floor(log10(raw))), m = raw / p;

	return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

static void
make_ticks(struct timeline *tl)
{
	double unit = tl->span < 180 ? 1 : tl->span < 3 * 3600 ? 60 : 3600;
	const char *name = unit == 1 ? "s" : unit == 60 ? "min" : "h";
	double step = nice_step(tl->span / unit);
	size_t n = (size_t)floor(tl->span / unit / step + 1e-9) + 1;

	tl->ticks = xcalloc(n, sizeof *tl->ticks);
	for (size_t i = 0; i < n; i++) {
		double v = (double)i * step;
		tl->ticks[i].x = tl->plot_x + v * unit / tl->span * tl->plot_w;
		snprintf(tl->ticks[i].label, sizeof tl->ticks[i].label, "%g %s", v, name);
	}
	tl->nticks = n;
}

/* The share of all slots busy in each column: each attempt adds the part
 * of its run that falls in each column it spans. */
static void
make_util(struct timeline *tl, const struct runlog *rl)
{
	double dt;

	tl->nutil = (size_t)fmax(1, floor(tl->plot_w / UTIL_COL));
	tl->util = xcalloc(tl->nutil, sizeof *tl->util);
	dt = tl->span / (double)tl->nutil;
	for (size_t i = 0; i < rl->n; i++) {
		const struct rl_attempt *a = &rl->a[i];
		double s, e;
		if (!runlog_ran(a))
			continue;
		s = (a->start - tl->t0) / dt;
		e = (a->start + a->runtime - tl->t0) / dt;
		for (size_t c = (size_t)fmax(0, floor(s)); c < tl->nutil && (double)c < e; c++)
			tl->util[c] += fmin(e, (double)c + 1) - fmax(s, (double)c);
	}
	for (size_t c = 0; c < tl->nutil; c++)
		tl->util[c] = rl->slots ? fmin(1, tl->util[c] / rl->slots) : 0;
}

void
timeline_layout(struct timeline *tl, const struct runlog *rl, double width)
{
	size_t *first_row = xcalloc(rl->nhosts ? rl->nhosts : 1, sizeof *first_row);

	memset(tl, 0, sizeof *tl);
	tl->width = fmax(width, 400);
	tl->plot_x = LABEL_W;
	tl->plot_y = TOP_H;
	tl->plot_w = tl->width - LABEL_W - RIGHT_W;
	tl->t0 = rl->t0;
	/* A run with no time (or all in one millisecond) still needs a scale. */
	tl->span = rl->t1 - rl->t0 > 0.001 ? rl->t1 - rl->t0 : 1;
	make_rows(tl, rl, first_row);
	make_bars(tl, rl, first_row);
	make_ticks(tl);
	tl->util_y = tl->plot_y + tl->plot_h + AXIS_H;
	tl->util_h = UTIL_H;
	make_util(tl, rl);
	tl->height = tl->util_y + tl->util_h + BOTTOM_H;
	free(first_row);
}

void
timeline_free(struct timeline *tl)
{
	free(tl->rows);
	free(tl->bars);
	free(tl->ticks);
	free(tl->util);
	memset(tl, 0, sizeof *tl);
}
