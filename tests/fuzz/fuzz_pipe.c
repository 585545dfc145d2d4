/* fuzz_pipe.c: libFuzzer target for --pipe and --pipepart's cutting
 * (pipein.c). The first three bytes pick the options; the rest is the
 * input, written to a file in the fuzz directory and read as a regular
 * file, through a pipe a few bytes at a time (so that a boundary is met
 * across reads), or cut by --pipepart.
 *
 *   byte 0: bits 0-1 --recend, 2-3 --recstart, 4-5 --header 0-3,
 *           6-7 how: file, pipe, --pipepart, pipe
 *   byte 1: bits 0-5 --block 1-64, 6-7 -N 0-3 (--pipe only)
 *   byte 2: bits 0-6 bytes written to the pipe at a time, 1-128; bit 7
 *           --retries: every block is held (pipein_block_hold) and kept
 *           to the end, so that past a few the rest spill to a file
 *
 * Checked against the whole input: the header is its first lines; the
 * blocks join into the rest byte for byte, none empty; a block other
 * than the last ends at a record boundary; with -N a block holds N
 * records (the last at most N); by size a block longer than --block has
 * no boundary within --block bytes and ends at the first one after. Each
 * block is read back as a job is fed, before and after it is held. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errors.h"
#include "execin.h"
#include "fuzz.h"
#include "pipein.h"

static const char *const recends[4] = { "\n", "", "ab", "\r\n" };
static const char *const recstarts[4] = { "", ">", "ab", "b" };

#define check(cond) do { if (!(cond)) abort(); } while (0)

/* The reference rule, on the whole input after the header. */
static bool
boundary(const struct pipein_config *c, const uint8_t *s, size_t len, size_t p)
{
	if (p == 0 || p > len || p < c->recend_len ||
	    memcmp(s + p - c->recend_len, c->recend, c->recend_len) != 0)
		return false;
	return p + c->recstart_len <= len &&
	    memcmp(s + p, c->recstart, c->recstart_len) == 0;
}

/* Boundaries in (from, to). */
static size_t
count_between(const struct pipein_config *c, const uint8_t *s, size_t len,
    size_t from, size_t to)
{
	size_t n = 0;

	for (size_t p = from + 1; p < to; p++)
		n += boundary(c, s, len, p);
	return n;
}

struct run {
	const struct pipein_config *c;
	const uint8_t *in;          /* the input after the header */
	size_t len;
	size_t pos;                 /* where the next block must start */
	const uint8_t *whole;       /* the whole input, for the header */
	size_t head_len;
	bool hold;                  /* hold every block, free them at the end */
	struct held { struct pipein_block *b; size_t start; } *held;
	size_t nheld;
};

/* The block's bytes as a job's feeder reads them: the header, then
 * in[start, start + len). */
static void
read_back(const struct run *r, const struct exec_stdin *in, size_t start)
{
	char scratch[97];

	for (uint64_t pos = 0, total = execin_total(in); pos < total;) {
		size_t n;
		const char *p = execin_at(in, pos, scratch, sizeof scratch, &n);
		check(p != NULL && n > 0 && pos + n <= total);
		if (pos < in->head_len)
			check(memcmp(p, r->whole + pos, n) == 0);
		else
			check(memcmp(p, r->in + start + (pos - in->head_len), n) == 0);
		pos += n;
	}
}

static void
take(struct run *r, struct pipein_block *b)
{
	const struct exec_stdin *in = pipein_block_stdin(b);
	const struct pipein_config *c = r->c;
	size_t start = r->pos, end;

	check(in->head_len == r->head_len);
	check(in->head_len == 0 || memcmp(in->head, r->whole, in->head_len) == 0);
	check(in->len > 0);
	check(in->len <= r->len - start);
	end = start + in->len;
	read_back(r, in, start);
	if (end < r->len) {
		check(boundary(c, r->in, r->len, end));
		if (c->nrec > 0)
			check(count_between(c, r->in, r->len, start, end) == c->nrec - 1);
		else if (c->part) {
			/* GNU's rule: the first boundary whose record end starts
			 * --block bytes on or later. */
			size_t at = start + c->block + c->recend_len;
			check(end >= at && count_between(c, r->in, r->len, at - 1, end) == 0);
		}
		else if (in->len > c->block)
			check(count_between(c, r->in, r->len, start, end) == 0);
	} else if (c->nrec > 0)
		check(count_between(c, r->in, r->len, start, end) < c->nrec);
	r->pos = end;
	if (r->hold) {
		pipein_block_hold(b);
		pipein_block_hold(b);   /* failed again: counted once */
		read_back(r, pipein_block_stdin(b), start);
		r->held = realloc(r->held, (r->nheld + 1) * sizeof *r->held);
		if (r->held == NULL)
			abort();
		r->held[r->nheld++] = (struct held){ b, start };
	} else
		pipein_block_free(b);
}

/* Blocks until PFAN_AGAIN or the end: true at the end. */
static bool
drain(struct pipein *p, struct run *r)
{
	for (;;) {
		struct pipein_block *b;
		char *cause = NULL;
		int rc = pipein_next(p, &b, &cause);

		if (rc == PFAN_OK) {
			take(r, b);
			continue;
		}
		check(cause == NULL);
		check(rc == PFAN_AGAIN || rc == PFAN_EOF);
		return rc == PFAN_EOF;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pipein_config c = { .fd = -1 };
	struct run r = { .c = &c };
	struct pipein *p = NULL;
	char *cause = NULL;
	const char *path;
	unsigned how, chunk;
	size_t whole_len;
	int fds[2] = { -1, -1 };

	if (size < 3)
		return 0;
	c.recend = recends[data[0] & 3];
	c.recend_len = strlen(c.recend);
	c.recstart = recstarts[(data[0] >> 2) & 3];
	c.recstart_len = strlen(c.recstart);
	c.header_lines = (data[0] >> 4) & 3;
	how = data[0] >> 6;
	c.block = 1 + (data[1] & 63);
	chunk = 1 + (data[2] & 127);
	r.hold = data[2] >> 7;
	r.whole = data + 3;
	whole_len = size - 3;
	/* The header: the first N lines, or the whole input when it has fewer. */
	for (unsigned i = 0; i < c.header_lines; i++) {
		const uint8_t *q = r.head_len < whole_len ?
		    memchr(r.whole + r.head_len, '\n', whole_len - r.head_len) : NULL;
		r.head_len = q != NULL ? (size_t)(q - r.whole) + 1 : whole_len;
	}
	r.in = r.whole + r.head_len;
	r.len = whole_len - r.head_len;
	path = fuzz_file("pipe", r.whole, whole_len);
	if (how == 2) {
		c.part = true;
		c.path = path;
	} else
		c.nrec = data[1] >> 6;
	if (how == 0)
		c.path = path;
	if (how & 1) {
		if (pipe(fds) != 0 || fcntl(fds[1], F_SETFL, O_NONBLOCK) != 0)
			abort();
		c.fd = fds[0];
	}
	if (pipein_open(&p, &c, &cause) != PFAN_OK)
		abort();
	if (fds[1] >= 0) {
		/* A few bytes at a time, taking what blocks there are between. */
		for (size_t off = 0; off < whole_len;) {
			size_t n = whole_len - off < chunk ? whole_len - off : chunk;
			ssize_t k = write(fds[1], r.whole + off, n);
			check(k > 0 || (k < 0 && errno == EAGAIN));
			if (k > 0)
				off += (size_t)k;
			check(!drain(p, &r));
		}
		close(fds[1]);
	}
	check(drain(p, &r));
	check(r.pos == r.len);   /* every byte given out, in order */
	/* Still whole; freed odd ones first (holes in the spill file),
	 * then the rest, read back again between. */
	for (int pass = 1; pass >= 0; pass--)
		for (size_t i = 0; i < r.nheld; i++) {
			if (r.held[i].b == NULL)
				continue;
			read_back(&r, pipein_block_stdin(r.held[i].b), r.held[i].start);
			if (i % 2 == (size_t)pass) {
				pipein_block_free(r.held[i].b);
				r.held[i] = (struct held){ NULL, 0 };
			}
		}
	free(r.held);
	pipein_free(p);
	if (fds[0] >= 0)
		close(fds[0]);
	return 0;
}
