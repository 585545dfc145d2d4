/* reader.h: records (lines, NUL-terminated, or ending in any -d string) from one file descriptor,
 * without blocking the loop. A reader keeps at most one record plus one
 * chunk in memory; on pipes and terminals it reads only what poll() says
 * is there and answers PFAN_AGAIN otherwise. input.c embeds one per lazy
 * source (and uses one at open to read the other sources whole), so the
 * struct is public; its fields are read, not written, outside reader.c. */
#ifndef PFAN_READER_H
#define PFAN_READER_H
#include <stdbool.h>
#include <stddef.h>
#include "buf.h"

struct reader {
	int fd;
	bool own;               /* we opened it: close it */
	bool regular;           /* read() cannot block: skip poll() */
	bool eof;
	const char *sep;        /* the record separator (not owned) */
	size_t seplen;          /* 1 or more bytes */
	struct buf buf;
	size_t pos;             /* start of the unread records in buf */
	size_t scanned;         /* bytes after pos known to hold no sep */
	unsigned long recno;    /* records taken, for messages */
	char *name;             /* "stdin" or the path */
};

/* sep (seplen bytes, NUL allowed) must outlive the reader. */
void reader_init(struct reader *r, int fd, bool own, const char *sep,
    size_t seplen, const char *name);
/* Closes the fd if the reader opened it; a freed reader has fd -1. */
void reader_free(struct reader *r);
/* One read() of up to a chunk. Without block, a pipe with nothing to read
 * gives PFAN_AGAIN; with it (at open only) we wait, even on O_NONBLOCK.
 * PFAN_E_SYS with cause ("NAME: strerror") when the fd cannot be read:
 * the source is then over. */
int reader_fill(struct reader *r, bool block, char **cause);
/* The next record in *rec, *len (valid until the next call): PFAN_OK,
 * PFAN_EOF, PFAN_AGAIN, or PFAN_E_SYS as reader_fill. */
int reader_next(struct reader *r, bool block, const char **rec, size_t *len,
    char **cause);

#endif
