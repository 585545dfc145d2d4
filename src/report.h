/* report.h: `pfan --report JOBLOG`: a summary of one run on stdout and,
 * with --svg / --html, its timeline picture. A mode of its own, like
 * --resume FILE alone: main.c hands it the options and returns its
 * status. */
#ifndef PFAN_REPORT_H
#define PFAN_REPORT_H
#include <stdbool.h>
#include <stdio.h>
#include "options.h"
#include "runlog.h"

/* Whether the options ask for a report (or for a picture, which needs
 * one). */
bool report_wanted(const struct pfan_opts *o);
/* Runs the mode: 0, or PFAN_EXIT_ERROR after printing why. */
int report_main(const struct pfan_opts *o);
/* The summary of rl as text, for tests; path names the joblog. Hosts
 * that look alike are folded into ranges when there are more than
 * fold_over of them. */
void report_summary(FILE *fp, const struct runlog *rl, const char *path,
    size_t fold_over);

#endif
