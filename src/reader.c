/* reader.c: one file descriptor's records, read without blocking (see
 * reader.h). Records are found with memchr over the bytes not yet scanned,
 * so a long record arriving in many chunks is scanned once. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errors.h"
#include "reader.h"
#include "xalloc.h"

#define INPUT_CHUNK 65536

void
reader_init(struct reader *r, int fd, bool own, const char *sep, size_t seplen,
    const char *name)
{
	struct stat st;

	memset(r, 0, sizeof *r);
	r->fd = fd;
	r->own = own;
	r->sep = sep;
	r->seplen = seplen;
	r->regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	buf_init(&r->buf);
	r->name = xstrdup(name);
}

void
reader_free(struct reader *r)
{
	if (r->own && r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	buf_free(&r->buf);
	free(r->name);
	r->name = NULL;
}

/* A source that cannot be read is over: report it once, then EOF. */
static int
reader_error(struct reader *r, char **cause)
{
	*cause = xasprintf("%s: %s", r->name, strerror(errno));
	r->eof = true;
	r->pos = r->buf.len = r->scanned = 0;
	return PFAN_E_SYS;
}

/* One read() of up to a chunk. Without block, a pipe with nothing to read
 * gives PFAN_AGAIN; with it (at open only) we wait, even on O_NONBLOCK. */
int
reader_fill(struct reader *r, bool block, char **cause)
{
	struct pollfd p = { .fd = r->fd, .events = POLLIN };
	ssize_t n;

	if (r->pos > 0) {
		memmove(r->buf.data, r->buf.data + r->pos, r->buf.len - r->pos);
		r->buf.len -= r->pos;
		r->pos = 0;
	}
	for (;;) {
		if (!r->regular && !block) {
			int k = poll(&p, 1, 0);
			if (k < 0 && errno == EINTR)
				continue;
			if (k == 0)
				return PFAN_AGAIN;
			if (k < 0)
				return reader_error(r, cause);
		}
		buf_reserve(&r->buf, INPUT_CHUNK);
		n = read(r->fd, r->buf.data + r->buf.len, INPUT_CHUNK);
		if (n > 0) {
			r->buf.len += (size_t)n;
			r->buf.data[r->buf.len] = '\0';
			return PFAN_OK;
		}
		if (n == 0) {
			r->eof = true;
			return PFAN_OK;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if (!block)
				return PFAN_AGAIN;
			(void)poll(&p, 1, -1);
			continue;
		}
		return reader_error(r, cause);
	}
}

/* The next record in *rec, *len: valid until the next call. */
int
reader_next(struct reader *r, bool block, const char **rec, size_t *len,
    char **cause)
{
	for (;;) {
		size_t avail = r->buf.len - r->pos;
		char *start = r->buf.data != NULL ? r->buf.data + r->pos : NULL;
		char *end = NULL;

		if (avail > r->scanned && r->seplen == 1)
			end = memchr(start + r->scanned, r->sep[0], avail - r->scanned);
		else if (avail > r->scanned)
			end = memmem(start + r->scanned, avail - r->scanned, r->sep,
			    r->seplen);
		if (end != NULL || (r->eof && avail > 0)) {
			*rec = start;
			*len = end != NULL ? (size_t)(end - start) : avail;
			r->pos += end != NULL ? *len + r->seplen : avail;
			r->scanned = 0;
			r->recno++;
			return PFAN_OK;
		}
		if (r->eof)
			return PFAN_EOF;
		/* A separator may straddle this chunk and the next. */
		r->scanned = avail >= r->seplen ? avail - (r->seplen - 1) : 0;
		int rc = reader_fill(r, block, cause);
		if (rc != PFAN_OK)
			return rc;
	}
}
