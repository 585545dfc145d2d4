/* pipein.h: --pipe and --pipepart: one input cut into blocks at record
 * boundaries, each block the stdin of one job.
 *
 * --pipe reads a stream (stdin, or -a FILE) without blocking: a block is
 * made only when the scheduler asks for one (a slot is free), so pfan
 * holds the block being read plus one per job that has one (running, or
 * waiting to run again: past a bound, those wait in a temp file);
 * reading pauses while no slot is free.
 * --pipepart cuts a seekable file by offsets, reading only near each cut
 * to find the record's end: a block is a range of the file. */
#ifndef PFAN_PIPEIN_H
#define PFAN_PIPEIN_H
#include <stdbool.h>
#include <stddef.h>
#include "execin.h"

struct pipein_config {
	int fd;                   /* the stream when path is NULL or "-" */
	const char *path;         /* -a FILE: opened here (--pipepart: needed) */
	bool part;                /* --pipepart */
	size_t block;             /* --block: bytes per block, about */
	const char *recstart;     /* a record starts with it ("": any byte) */
	size_t recstart_len;
	const char *recend;       /* a record ends with it ("": any byte) */
	size_t recend_len;
	unsigned nrec;            /* -N: records per block (0: by size) */
	unsigned header_lines;    /* --header N: lines given to every block */
	const char *tmpdir;       /* --tmpdir: where held blocks spill (NULL: $TMPDIR, /tmp) */
};

struct pipein;
struct pipein_block;

/* The strings in cfg must outlive p. Opens path (cause "FILE: what" if
 * it cannot, or --pipepart's is no regular file). */
int pipein_open(struct pipein **p, const struct pipein_config *cfg, char **cause);
/* The next block: PFAN_OK and *b (the caller's, until pipein_block_free),
 * PFAN_AGAIN (poll pipein_fd for POLLIN), PFAN_EOF, or PFAN_E_SYS with
 * cause (the input ends there). */
int pipein_next(struct pipein *p, struct pipein_block **b, char **cause);
int pipein_fd(const struct pipein *p);
/* What a job is fed; valid until the block is freed. */
const struct exec_stdin *pipein_block_stdin(const struct pipein_block *b);
/* b failed and waits to be fed again (--retries): kept whole until it is
 * freed, in memory or, past a few blocks' worth held, in a temp file. */
void pipein_block_hold(struct pipein_block *b);
/* NULL-safe. Blocks borrow the header from p: free them before p. */
void pipein_block_free(struct pipein_block *b);
void pipein_free(struct pipein *p);

/* Where the first record boundary after `from` is in buf[0..len) (a
 * position p, from < p < len or p == len at EOF, such that the record
 * end precedes p and the record start follows it); 0 when none is known
 * yet. Pure, for the unit test. */
size_t pipein_find_boundary(const struct pipein_config *cfg, const char *buf,
    size_t len, size_t from, bool eof);

#endif
