/* timeline.h: the layout of a run's timeline picture, in pixels: one row
 * per host slot, one bar per attempt that ran, a time axis with round
 * ticks, and the share of slots busy over time. Pure arithmetic on a
 * runlog; svg.c turns it into text. */
#ifndef PFAN_TIMELINE_H
#define PFAN_TIMELINE_H
#include <stddef.h>
#include "runlog.h"

struct tl_row {
	size_t host;               /* index into the runlog's hosts */
	unsigned slot;             /* 1-based */
	double y;
};

struct tl_bar {
	size_t attempt;            /* index into the runlog's attempts */
	size_t row;
	double x, y, w, h;
};

struct tl_tick {
	double x;
	char label[24];            /* "90 s", "12 min", "1.5 h" */
};

struct timeline {
	double width, height;                  /* the whole picture */
	double plot_x, plot_y, plot_w, plot_h; /* where the bars go */
	double row_h;
	double t0, span;                       /* seconds: plot_x is t0 */
	struct tl_row *rows;
	size_t nrows;
	struct tl_bar *bars;                   /* in attempt order */
	size_t nbars;
	struct tl_tick *ticks;
	size_t nticks;
	double util_y, util_h;                 /* the busy-slots strip */
	double *util;                          /* busy share 0..1 per column */
	size_t nutil;                          /* columns across plot_w */
};

/* Lays rl out in a picture width pixels wide (at least 400). */
void timeline_layout(struct timeline *tl, const struct runlog *rl, double width);
/* The x of time t (seconds since the epoch). */
double timeline_x(const struct timeline *tl, double t);
void timeline_free(struct timeline *tl);

#endif
