/* checkfmt.h: the pure half of pfan --check (check.c): what the remote
 * command answers, read; and the table of hosts, written. No I/O but the
 * FILE it is given. */
#ifndef PFAN_CHECKFMT_H
#define PFAN_CHECKFMT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Run on each host: its core count on the first line, its load averages
 * on the second (Linux's /proc/loadavg, else uptime's "load average(s):"
 * as on the BSDs and macOS). */
#define CHECKFMT_CMD "getconf _NPROCESSORS_ONLN 2>/dev/null || nproc; " \
	"cat /proc/loadavg 2>/dev/null || uptime"

/* The table's columns, in order. */
enum checkfmt_col {
	CHECK_HOST, CHECK_ADDRESS, CHECK_RESOLVED, CHECK_CONNECTED, CHECK_HOSTKEY,
	CHECK_LOGIN, CHECK_CORES, CHECK_LOAD, CHECK_RTT, CHECK_SLOTS, CHECK_NOTE,
	CHECK_NCOLS
};

/* Reads CHECKFMT_CMD's output: *cores (0: not said) and load[0..2], with
 * *has_load. False when neither could be read. */
bool checkfmt_parse(const char *out, unsigned *cores, double load[3],
    bool *has_load);

/* cells: nrows rows of CHECK_NCOLS strings (NULL or "" shows as "-").
 * A header line, then a row per host, columns padded to line up. Every
 * column but the last (NOTE) is one word: white space in a cell shows
 * as '?', so `awk` can read the table. */
void checkfmt_table(FILE *fp, char *const *cells, size_t nrows);

#endif
