/* spill.c: byte streams that keep their newest bytes in memory and the
 * rest in a temp file shared by all of them. The file is appended at its
 * end; each stream remembers its extents. Reading back gives the space to
 * the file system again: a hole is punched where the file system can, and
 * the file is cut to zero whenever nothing in it is live, so a long run
 * with big outputs does not fill $TMPDIR. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errors.h"
#include "log.h"
#include "spill.h"
#include "xalloc.h"

#define READ_CHUNK (64 * 1024)

struct spill {
	char *dir;
	int fd;                 /* -1 until the first spill */
	off_t end;              /* where the next append goes */
	uint64_t live;          /* bytes some spillbuf still refers to */
	int no_punch;           /* the file system can't punch holes */
	char *rbuf;             /* READ_CHUNK bytes, once something is read */
};

struct spill *
spill_new(const char *dir)
{
	struct spill *s = xcalloc(1, sizeof *s);

	if (dir == NULL || *dir == '\0')
		dir = getenv("TMPDIR");
	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	s->dir = xstrdup(dir);
	s->fd = -1;
	return s;
}

void
spill_free(struct spill *s)
{
	if (s == NULL)
		return;
	if (s->fd != -1)
		close(s->fd);
	free(s->rbuf);
	free(s->dir);
	free(s);
}

uint64_t
spill_live(const struct spill *s)
{
	return s != NULL ? s->live : 0;
}

static int
spill_create(struct spill *s, char **cause)
{
	char *path = xasprintf("%s/pfan-spill-XXXXXX", s->dir);
	int fd = mkostemp(path, O_CLOEXEC);

	if (fd == -1) {
		*cause = xasprintf("cannot create a temp file in %s: %s",
		    s->dir, strerror(errno));
		free(path);
		return PFAN_E_SYS;
	}
	/* Unlinked at once: nothing is left behind however pfan ends. */
	unlink(path);
	log_debug("spilling output to %s (unlinked)", path);
	free(path);
	s->fd = fd;
	s->end = 0;
	return PFAN_OK;
}

/* Hand [off, off+len) back to the file system. */
static void
spill_release(struct spill *s, off_t off, uint64_t len)
{
	s->live -= len < s->live ? len : s->live;
	if (s->live == 0) {
		if (ftruncate(s->fd, 0) == 0)
			s->end = 0;
		return;
	}
#ifdef FALLOC_FL_PUNCH_HOLE
	if (!s->no_punch && fallocate(s->fd,
	    FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, (off_t)len) == -1)
		s->no_punch = 1;
#else
	(void)off;
#endif
}

static int
disk_append(struct spill *s, struct spillbuf *b, const char *p, size_t n, char **cause)
{
	struct spill_ext *last;
	off_t at;
	size_t done = 0;
	int rc;

	if (s->fd == -1 && (rc = spill_create(s, cause)) != PFAN_OK)
		return rc;
	at = s->end;
	while (done < n) {
		ssize_t w = pwrite(s->fd, p + done, n - done, at + (off_t)done);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0) {
			*cause = xasprintf("cannot write to a temp file in %s: %s",
			    s->dir, w == 0 ? "short write" : strerror(errno));
			return PFAN_E_SYS;
		}
		done += (size_t)w;
	}
	s->end = at + (off_t)n;
	s->live += n;
	b->disk += n;
	last = b->n > b->head ? &b->ext[b->n - 1] : NULL;
	if (last != NULL && last->off + (off_t)last->len == at) {
		last->len += n;
		return PFAN_OK;
	}
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 8;
		b->ext = xreallocarray(b->ext, b->cap, sizeof *b->ext);
	}
	b->ext[b->n].off = at;
	b->ext[b->n].len = n;
	b->n++;
	return PFAN_OK;
}

/* Forget len bytes from the front of the first extent. */
static void
disk_consume(struct spill *s, struct spillbuf *b, uint64_t len)
{
	struct spill_ext *e = &b->ext[b->head];

	spill_release(s, e->off, len);
	e->off += (off_t)len;
	e->len -= len;
	b->disk -= len;
	if (e->len == 0 && ++b->head == b->n)
		b->head = b->n = 0;
}

uint64_t
spillbuf_len(const struct spillbuf *b)
{
	return b->disk + b->mem.len;
}

int
spillbuf_add(struct spill *s, struct spillbuf *b, size_t limit,
    const void *p, size_t n, char **cause)
{
	uint64_t pos = spillbuf_len(b);
	const char *nl;
	int rc;

	if (n == 0)
		return PFAN_OK;
	if (b->mem.len + n <= limit)
		buf_add(&b->mem, p, n);
	else {
		if (b->mem.len > 0) {
			rc = disk_append(s, b, b->mem.data, b->mem.len, cause);
			if (rc != PFAN_OK)
				return rc;
			buf_reset(&b->mem);
		}
		if (n <= limit)
			buf_add(&b->mem, p, n);
		else if ((rc = disk_append(s, b, p, n, cause)) != PFAN_OK)
			return rc;
	}
	if ((nl = memrchr(p, '\n', n)) != NULL)
		b->lines = pos + (uint64_t)(nl - (const char *)p) + 1;
	return PFAN_OK;
}

int
spillbuf_to_disk(struct spill *s, struct spillbuf *b, char **cause)
{
	int rc;

	if (b->mem.len > 0 &&
	    (rc = disk_append(s, b, b->mem.data, b->mem.len, cause)) != PFAN_OK)
		return rc;
	buf_free(&b->mem);
	return PFAN_OK;
}

int
spillbuf_drain(struct spill *s, struct spillbuf *b, uint64_t k,
    spillbuf_fn *fn, void *arg, char **cause)
{
	uint64_t from_disk, from_mem;
	int rc = PFAN_OK;

	if (k > spillbuf_len(b))
		k = spillbuf_len(b);
	from_disk = k < b->disk ? k : b->disk;
	from_mem = k - from_disk;
	if (from_disk > 0 && s->rbuf == NULL)
		s->rbuf = xmalloc(READ_CHUNK);
	while (from_disk > 0) {
		struct spill_ext *e = &b->ext[b->head];
		size_t want = READ_CHUNK, got = 0;

		if (want > from_disk)
			want = (size_t)from_disk;
		if (want > e->len)
			want = (size_t)e->len;
		while (got < want) {
			ssize_t r = pread(s->fd, s->rbuf + got, want - got,
			    e->off + (off_t)got);
			if (r == -1 && errno == EINTR)
				continue;
			if (r <= 0) {
				if (rc == PFAN_OK)
					*cause = xasprintf("cannot read back a "
					    "temp file in %s: %s", s->dir,
					    r == 0 ? "file too short" :
					    strerror(errno));
				rc = PFAN_E_SYS;
				break;
			}
			got += (size_t)r;
		}
		if (got == want)
			fn(arg, s->rbuf, want);
		disk_consume(s, b, want);
		from_disk -= want;
	}
	if (from_mem > 0) {
		fn(arg, b->mem.data, (size_t)from_mem);
		buf_consume(&b->mem, (size_t)from_mem);
	}
	b->lines = b->lines > k ? b->lines - k : 0;
	return rc;
}

void
spillbuf_free(struct spill *s, struct spillbuf *b)
{
	while (b->disk > 0)
		disk_consume(s, b, b->ext[b->head].len);
	free(b->ext);
	buf_free(&b->mem);
	memset(b, 0, sizeof *b);
}
