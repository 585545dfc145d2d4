/* jlread.h: reads a joblog (docs/JOBLOG.md §6) line by line and hands each
 * header and record, checked and decoded, to its caller. --resume and
 * --report share it: the rules (types, escaped bytes, torn lines) live in
 * one place. */
#ifndef PFAN_JLREAD_H
#define PFAN_JLREAD_H
#include <stdbool.h>
#include <stdio.h>
#include "joblog.h"

/* Called once per line, in file order. The strings and arrays are the
 * decoded bytes (§2.1) and live only for the call. In a record, a null
 * exit is -1, a null signal 0, a null start or runtime NAN, an absent
 * attempt 1, an absent final true (will_retry false). */
struct jlread_ops {
	void (*header)(void *arg, const struct joblog_header *h);
	void (*record)(void *arg, const struct joblog_record *r);
};

/* Reads path. A missing file is an empty joblog when missing_ok, else
 * PFAN_E_SYS like any other failure to open ("PATH: strerror"). A torn
 * line is skipped with a warning where §6.2 allows it; any other bad line
 * is PFAN_E_INPUT with "PATH:LINE: what is wrong". */
int jlread_file(const char *path, bool missing_ok, const struct jlread_ops *ops,
    void *arg, char **cause);
/* The same from an open stream (left open); path names it in messages. */
int jlread_stream(FILE *f, const char *path, const struct jlread_ops *ops,
    void *arg, char **cause);

#endif
