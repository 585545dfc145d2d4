/* pipein.c: --pipe and --pipepart's blocks (pipein.h).
 *
 * A record boundary is a position whose bytes before end with --recend
 * and whose bytes after begin with --recstart (GNU parallel's rule; an
 * empty string matches anywhere). A --pipe block by size ends at the last
 * boundary within --block bytes, or, when a record is longer than that,
 * at the first one after (the block grows to hold the record); with -N at
 * the N-th boundary. The input's end ends the last block wherever it is.
 *
 * The stream is read with poll() first (unless it is a regular file), so
 * a pipe with nothing in it answers PFAN_AGAIN instead of blocking the
 * loop. The buffer is handed to the block it becomes (no copy of the
 * block); only the bytes after the cut are copied to a fresh buffer.
 *
 * --pipepart never reads a block: it reads windows of the file near each
 * cut (from --block bytes on) until it finds a boundary, and hands out
 * the range; the executors pread it as they feed the job (execin.c).
 *
 * --retries keeps a failed --pipe block to feed it again. Such blocks
 * could pile up (a block that failed on one host waits for another while
 * the first takes fresh blocks), so past HOLD_BLOCKS blocks' worth of
 * them in memory, a held block moves to one unlinked temp file and is fed
 * from there as a range, like --pipepart's. A freed range is given back
 * to the file system (a hole), and the file is emptied when none is left.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errors.h"
#include "log.h"
#include "pipein.h"
#include "xalloc.h"

#define READ_MIN 65536          /* the least read; the window of --pipepart */
#define HOLD_BLOCKS 4           /* --block bytes of failed blocks kept in memory */

struct pipein {
	struct pipein_config c;
	int fd;
	bool own_fd;
	bool regular;
	const char *name;
	/* --pipe: the bytes read and not yet in a block */
	char *buf;
	size_t len, cap;
	bool eof;
	bool head_done;
	char *head;             /* the --header lines */
	size_t head_len;
	/* --pipepart: where the next block starts, and the file's size */
	uint64_t pos, size;
	/* --retries: failed blocks in memory, and those in the spill file */
	size_t held;
	int spill_fd;           /* -1: not made yet */
	bool spill_failed;      /* it could not be made: keep them in memory */
	uint64_t spill_end;     /* where the next spilled block goes */
	size_t nspilled;
};

struct pipein_block {
	struct pipein *p;
	struct exec_stdin in;
	char *mem;
	bool held;              /* in memory, counted in p->held */
	bool spilled;           /* in p->spill_fd */
};

static bool
is_boundary(const struct pipein_config *c, const char *buf, size_t len, size_t p)
{
	if (p < c->recend_len || memcmp(buf + p - c->recend_len, c->recend, c->recend_len) != 0)
		return false;
	return p + c->recstart_len <= len &&
	    memcmp(buf + p, c->recstart, c->recstart_len) == 0;
}

size_t
pipein_find_boundary(const struct pipein_config *c, const char *buf, size_t len,
    size_t from, bool eof)
{
	size_t p = from + 1;

	while (p <= len) {
		/* Jump to the next candidate: just after the end's last byte,
		 * or at the start's first one. */
		if (c->recend_len > 0) {
			const char *q = memchr(buf + p - 1, c->recend[c->recend_len - 1],
			    len - (p - 1));
			if (q == NULL)
				break;
			p = (size_t)(q - buf) + 1;
		} else if (c->recstart_len > 0) {
			const char *q = p < len ? memchr(buf + p, c->recstart[0], len - p) : NULL;
			if (q == NULL)
				break;
			p = (size_t)(q - buf);
		}
		if (p + c->recstart_len > len)
			break;  /* what follows is not read yet */
		if (is_boundary(c, buf, len, p))
			return p;
		p++;
	}
	return eof && len > from ? len : 0;
}

/* The last boundary in (0, max], or 0. */
static size_t
last_boundary(const struct pipein_config *c, const char *buf, size_t len, size_t max)
{
	for (size_t p = max; p > 0; p--) {
		if (c->recend_len > 0) {
			const char *q = memrchr(buf, c->recend[c->recend_len - 1], p);
			if (q == NULL)
				return 0;
			p = (size_t)(q - buf) + 1;
		} else if (c->recstart_len > 0) {
			const char *q = memrchr(buf, c->recstart[0], p + 1 <= len ? p + 1 : len);
			if (q == NULL || q == buf)
				return 0;
			p = (size_t)(q - buf);
		}
		if (is_boundary(c, buf, len, p))
			return p;
	}
	return 0;
}

/* Where the next block ends in the buffer, or 0: read more first. */
static size_t
find_cut(const struct pipein *p)
{
	const struct pipein_config *c = &p->c;
	size_t cut = 0;

	if (c->nrec > 0) {
		for (unsigned i = 0; i < c->nrec; i++) {
			size_t next = pipein_find_boundary(c, p->buf, p->len, cut, p->eof);
			if (next == 0)
				return p->eof ? p->len : 0;
			/* A boundary at the end of what is read is one, but the
			 * next record may be on its way: read on (at the end,
			 * the next search gives p->len). */
			cut = next;
		}
		return cut;
	}
	if (p->len < c->block)
		return p->eof ? p->len : 0;
	if ((cut = last_boundary(c, p->buf, p->len, c->block)) > 0)
		return cut;
	/* At the end, what is left is the last block even when it is
	 * --block bytes exactly (nothing after `from` to find). */
	cut = pipein_find_boundary(c, p->buf, p->len, c->block, p->eof);
	return cut == 0 && p->eof ? p->len : cut;
}

/* Reads what is there. PFAN_OK (something read, or the end seen),
 * PFAN_AGAIN, PFAN_E_SYS. */
static int
fill(struct pipein *p, char **cause)
{
	struct pollfd pfd = { p->fd, POLLIN, 0 };
	ssize_t n;

	if (p->len == p->cap) {
		size_t want = p->c.block + READ_MIN;
		p->cap = p->cap * 2 > want ? p->cap * 2 : want;
		p->buf = xrealloc(p->buf, p->cap);
	}
	if (!p->regular) {
		int k = poll(&pfd, 1, 0);
		if (k == 0 || (k < 0 && errno == EINTR))
			return PFAN_AGAIN;
	}
	n = read(p->fd, p->buf + p->len, p->cap - p->len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return PFAN_AGAIN;
	if (n < 0) {
		*cause = xasprintf("%s: %s", p->name, strerror(errno));
		p->eof = true;
		return PFAN_E_SYS;
	}
	if (n == 0)
		p->eof = true;
	p->len += (size_t)n;
	return PFAN_OK;
}

/* --header N: the first N lines, once. false: read more first. */
static bool
take_head(struct pipein *p)
{
	size_t end = 0;

	for (unsigned i = 0; i < p->c.header_lines; i++) {
		const char *q = end < p->len ? memchr(p->buf + end, '\n', p->len - end) : NULL;
		if (q == NULL) {
			if (!p->eof)
				return false;
			end = p->len;
			break;
		}
		end = (size_t)(q - p->buf) + 1;
	}
	p->head = xmalloc(end + 1);
	memcpy(p->head, p->buf, end);
	p->head_len = end;
	memmove(p->buf, p->buf + end, p->len - end);
	p->len -= end;
	p->head_done = true;
	return true;
}

static struct pipein_block *
block_new(const struct pipein *p)
{
	struct pipein_block *b = xcalloc(1, sizeof *b);

	b->p = (struct pipein *)p;
	b->in.head = p->head;
	b->in.head_len = p->head_len;
	b->in.fd = -1;
	return b;
}

static int
next_stream(struct pipein *p, struct pipein_block **out, char **cause)
{
	size_t cut;
	int rc;

	for (;;) {
		if ((p->head_done || take_head(p)) && (cut = find_cut(p)) > 0) {
			struct pipein_block *b = block_new(p);
			size_t rest = p->len - cut, cap = p->c.block + READ_MIN;
			char *next = xmalloc(rest > cap ? rest : cap);
			memcpy(next, p->buf + cut, rest);
			b->mem = p->buf;
			b->in.data = b->mem;
			b->in.len = cut;
			p->buf = next;
			p->cap = rest > cap ? rest : cap;
			p->len = rest;
			*out = b;
			return PFAN_OK;
		}
		if (p->eof && p->head_done)
			return PFAN_EOF;
		if ((rc = fill(p, cause)) != PFAN_OK)
			return rc;
	}
}

/* --pipepart: the first boundary whose record end starts at or after
 * `at` (GNU parallel's rule), reading windows from there; the file's end
 * when there is none. */
static int
part_cut(struct pipein *p, uint64_t at, uint64_t *cut, char **cause)
{
	const struct pipein_config *c = &p->c;
	size_t back = c->recend_len;
	uint64_t start = at;
	size_t win = READ_MIN;
	char *w = NULL;

	for (;;) {
		size_t want = start + win > p->size ? (size_t)(p->size - start) : win;
		ssize_t n;
		w = xrealloc(w, want > 0 ? want : 1);
		do
			n = pread(p->fd, w, want, (off_t)start);
		while (n < 0 && errno == EINTR);
		if (n < 0) {
			*cause = xasprintf("%s: %s", p->name, strerror(errno));
			free(w);
			return PFAN_E_SYS;
		}
		bool eof = start + (uint64_t)n >= p->size || (size_t)n < want;
		size_t b = 0;
		bool found = back == 0 && n > 0 && is_boundary(c, w, (size_t)n, 0);
		if (!found) {
			b = pipein_find_boundary(c, w, (size_t)n, back > 0 ? back - 1 : 0, eof);
			found = b > 0;
		}
		if (found || eof) {
			*cut = found ? start + b : p->size;
			free(w);
			return PFAN_OK;
		}
		win *= 2;
	}
}

static int
part_head(struct pipein *p, char **cause)
{
	size_t cap = READ_MIN;

	for (;;) {
		size_t want = cap > p->size ? (size_t)p->size : cap;
		ssize_t n;
		p->buf = xrealloc(p->buf, want + 1);
		do
			n = pread(p->fd, p->buf, want, 0);
		while (n < 0 && errno == EINTR);
		if (n < 0) {
			*cause = xasprintf("%s: %s", p->name, strerror(errno));
			return PFAN_E_SYS;
		}
		p->len = (size_t)n;
		p->eof = (size_t)n < cap;
		if (take_head(p))
			break;
		cap *= 2;
	}
	p->pos = p->head_len;
	free(p->buf);
	p->buf = NULL;
	p->len = 0;
	return PFAN_OK;
}

static int
next_part(struct pipein *p, struct pipein_block **out, char **cause)
{
	uint64_t cut;
	int rc;

	if (!p->head_done && (rc = part_head(p, cause)) != PFAN_OK)
		return rc;
	if (p->pos >= p->size)
		return PFAN_EOF;
	/* --block bytes on from the last cut, then the next record: GNU
	 * parallel's rule, so the blocks are its --pipepart's. */
	uint64_t target = p->pos + p->c.block;
	if (target >= p->size)
		cut = p->size;
	else if ((rc = part_cut(p, target, &cut, cause)) != PFAN_OK)
		return rc;
	struct pipein_block *b = block_new(p);
	b->in.fd = p->fd;
	b->in.off = p->pos;
	b->in.len = (size_t)(cut - p->pos);
	p->pos = cut;
	*out = b;
	return PFAN_OK;
}

int
pipein_next(struct pipein *p, struct pipein_block **b, char **cause)
{
	*b = NULL;
	return p->c.part ? next_part(p, b, cause) : next_stream(p, b, cause);
}

int
pipein_open(struct pipein **out, const struct pipein_config *cfg, char **cause)
{
	struct pipein *p = xcalloc(1, sizeof *p);
	struct stat st;

	p->c = *cfg;
	if (p->c.block == 0)
		p->c.block = 1;
	p->name = cfg->path != NULL ? cfg->path : "stdin";
	p->head_done = cfg->header_lines == 0;
	p->fd = cfg->fd;
	p->spill_fd = -1;
	if (cfg->path != NULL && strcmp(cfg->path, "-") == 0) {
		p->c.path = NULL;
		p->name = "stdin";
	}
	/* Before open: opening a FIFO would wait for its writer. */
	if (cfg->part && p->c.path != NULL && stat(cfg->path, &st) == 0 &&
	    !S_ISREG(st.st_mode)) {
		*cause = xasprintf("%s: --pipepart needs a regular file (use --pipe)",
		    cfg->path);
		free(p);
		return PFAN_E_INPUT;
	}
	if (p->c.path != NULL) {
		p->fd = open(cfg->path, O_RDONLY | O_CLOEXEC);
		if (p->fd < 0) {
			*cause = xasprintf("%s: %s", cfg->path, strerror(errno));
			free(p);
			return PFAN_E_INPUT;
		}
		p->own_fd = true;
	}
	if (fstat(p->fd, &st) == 0 && S_ISREG(st.st_mode)) {
		p->regular = true;
		p->size = (uint64_t)st.st_size;
	} else if (cfg->part) {
		*cause = xasprintf("%s: --pipepart needs a regular file (use --pipe)",
		    p->name);
		pipein_free(p);
		return PFAN_E_INPUT;
	}
	*out = p;
	return PFAN_OK;
}

int
pipein_fd(const struct pipein *p)
{
	return p->c.part ? -1 : p->fd;
}

const struct exec_stdin *
pipein_block_stdin(const struct pipein_block *b)
{
	return &b->in;
}

static int
spill_file(const char *tmpdir)
{
	const char *dir = tmpdir != NULL && tmpdir[0] != '\0' ? tmpdir : getenv("TMPDIR");
	char *path;
	int fd;

	if (dir == NULL || dir[0] == '\0')
		dir = "/tmp";
	path = xasprintf("%s/pfan-pipe.XXXXXX", dir);
	if ((fd = mkostemp(path, O_CLOEXEC)) >= 0)
		unlink(path);
	else
		log_warn("--pipe: cannot make a temp file in %s for blocks to retry "
		    "(kept in memory): %s", dir, strerror(errno));
	free(path);
	return fd;
}

static bool
spill(struct pipein *p, struct pipein_block *b)
{
	size_t done = 0;

	if (p->spill_failed)
		return false;
	if (p->spill_fd < 0 && (p->spill_fd = spill_file(p->c.tmpdir)) < 0) {
		p->spill_failed = true;
		return false;
	}
	while (done < b->in.len) {
		ssize_t k = pwrite(p->spill_fd, b->mem + done, b->in.len - done,
		    (off_t)(p->spill_end + done));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			log_debug("--pipe: block kept in memory: spill: %s", strerror(errno));
			return false;
		}
		done += (size_t)k;
	}
	b->in.fd = p->spill_fd;
	b->in.off = p->spill_end;
	b->in.data = NULL;
	p->spill_end += b->in.len;
	p->nspilled++;
	free(b->mem);
	b->mem = NULL;
	b->spilled = true;
	return true;
}

void
pipein_block_hold(struct pipein_block *b)
{
	struct pipein *p = b->p;

	if (b->mem == NULL || b->held)
		return;   /* a range of a file already, or counted */
	if (p->held + b->in.len > HOLD_BLOCKS * p->c.block && spill(p, b))
		return;
	b->held = true;
	p->held += b->in.len;
}

void
pipein_block_free(struct pipein_block *b)
{
	if (b == NULL)
		return;
	struct pipein *p = b->p;
	if (b->held)
		p->held -= b->in.len;
	if (b->spilled && --p->nspilled == 0) {
		if (ftruncate(p->spill_fd, 0) == 0)
			p->spill_end = 0;
	} else if (b->spilled)
		/* Best effort: the file's size stays, its blocks go. */
		(void)fallocate(p->spill_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		    (off_t)b->in.off, (off_t)b->in.len);
	free(b->mem);
	free(b);
}

void
pipein_free(struct pipein *p)
{
	if (p == NULL)
		return;
	if (p->own_fd)
		close(p->fd);
	if (p->spill_fd >= 0)
		close(p->spill_fd);
	free(p->buf);
	free(p->head);
	free(p);
}
