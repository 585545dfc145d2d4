/* svg.h: renders a run's timeline (timeline.h) as a standalone SVG, or an
 * HTML page that embeds it. No script is needed to see it, nothing is
 * fetched: the file works offline; each bar's <title> is its tooltip. */
#ifndef PFAN_SVG_H
#define PFAN_SVG_H
#include <stdbool.h>
#include <stdio.h>
#include "buf.h"
#include "runlog.h"
#include "timeline.h"

/* Writes the picture to fp; subtitle is one line under the title. As
 * HTML, with a zoom (buttons, Ctrl+wheel) around the same SVG. The caller
 * checks fp for errors. */
void svg_write(FILE *fp, const struct runlog *rl, const struct timeline *tl,
    const char *subtitle, bool html);

/* Appends s as XML text, at most max characters (then "…"): & < > " '
 * escaped, bytes that are not well-formed UTF-8 and control characters
 * XML forbids replaced by U+FFFD, so any command makes a valid file. */
void svg_escape(struct buf *b, const char *s, size_t max);

/* The CSS class, and so the colour, of a status ("ok", "host_lost"). */
const char *svg_status_class(enum job_status st);

#endif
