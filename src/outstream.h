/* outstream.h: pfan's own stdout and stderr, as job output reaches them.
 * One buffer for both (only one stream is printed at a time), written when
 * it holds OUTSTREAM_CHUNK bytes, cut after a newline where one is near.
 * Writes loop over short writes and EINTR, and wait for POLLOUT on EAGAIN:
 * a slow terminal or pipe slows pfan down, which is the back-pressure we
 * want. The first hard error on a stream is logged and the stream is then
 * ignored ("broken"), so a full disk does not cost a message per job.
 * EPIPE (the reader went away, as `| head -1` does) is not logged: the
 * closed callback is told, and its owner stops the run, as SIGPIPE stops
 * GNU parallel.
 *
 * Called by: output.c.
 */
#ifndef PFAN_OUTSTREAM_H
#define PFAN_OUTSTREAM_H
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

#define OUTSTREAM_CHUNK (64 * 1024)

typedef void outstream_closed_fn(void *arg);

struct outstream {
	int fd[2];                 /* 0 stdout, 1 stderr */
	bool broken[2];
	struct buf buf;            /* queued for the stream being printed */
	outstream_closed_fn *closed;
	void *closed_arg;
};

void outstream_init(struct outstream *, int out_fd, int err_fd);
void outstream_free(struct outstream *);
/* Queue bytes for stream i; written once OUTSTREAM_CHUNK are queued. */
void outstream_add(struct outstream *, int i, const char *p, size_t n);
/* Write all that is queued to stream i. false: stream i is broken, so
 * what was queued (or part of it) reached no one. */
bool outstream_flush(struct outstream *, int i);
/* Write at once, bypassing the queue (-u). Same return as flush. */
bool outstream_write(struct outstream *, int i, const char *p, size_t n);

#endif
