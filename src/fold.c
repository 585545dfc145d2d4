/* fold.c: --fold (fold.h).
 *
 * The hosts' output is not kept in memory: output.c writes it to two
 * unlinked temp files, a job's output whole and, with --onall's order,
 * a host's jobs one after another. Each job's record comes right after
 * its output is written, so the file offsets at that moment end the
 * job's bytes: fold_mark gives them to its host as extents. At the end
 * each host's streams are hashed (FNV-1a) and a host joins the first
 * group whose hash and lengths match and whose bytes, read back and
 * compared, are the same; so memory is a few words per host whatever the
 * output, and the files are read about twice.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "errors.h"
#include "fold.h"
#include "hostfold.h"
#include "xalloc.h"

#define CHUNK (64 * 1024)
#define RULE "---------------\n"

struct extent {
	off_t off;
	uint64_t len;
};

struct stream {
	struct extent *v;
	size_t n;
	uint64_t len;
};

struct fold_host {
	struct stream s[2];
	uint64_t hash;
};

struct fold {
	int fd[2];
	off_t mark[2];
	struct fold_host *hosts;
	size_t nhosts;
};

static int
temp_file(const char *tmpdir, char **cause)
{
	const char *dir = tmpdir != NULL && tmpdir[0] != '\0' ? tmpdir : getenv("TMPDIR");
	char *path;
	int fd;

	if (dir == NULL || dir[0] == '\0')
		dir = "/tmp";
	path = xasprintf("%s/pfan-fold.XXXXXX", dir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		*cause = xasprintf("--fold: cannot make a temp file in %s: %s", dir,
		    strerror(errno));
	else
		unlink(path);
	free(path);
	return fd;
}

int
fold_new(struct fold **out, const char *tmpdir, char **cause)
{
	struct fold *f = xcalloc(1, sizeof *f);

	*out = NULL;
	f->fd[1] = -1;
	if ((f->fd[0] = temp_file(tmpdir, cause)) < 0 ||
	    (f->fd[1] = temp_file(tmpdir, cause)) < 0) {
		fold_free(f);
		return PFAN_E_SYS;
	}
	*out = f;
	return PFAN_OK;
}

int
fold_fd(const struct fold *f, int stream)
{
	return f->fd[stream == 2];
}

static struct fold_host *
host_at(struct fold *f, size_t host)
{
	if (host >= f->nhosts) {
		f->hosts = xreallocarray(f->hosts, host + 1, sizeof *f->hosts);
		memset(f->hosts + f->nhosts, 0, (host + 1 - f->nhosts) * sizeof *f->hosts);
		f->nhosts = host + 1;
	}
	return &f->hosts[host];
}

void
fold_mark(struct fold *f, size_t host)
{
	struct fold_host *h = host_at(f, host);

	for (int i = 0; i < 2; i++) {
		off_t end = lseek(f->fd[i], 0, SEEK_CUR);
		struct stream *s = &h->s[i];

		if (end <= f->mark[i])
			continue;
		s->v = xreallocarray(s->v, s->n + 1, sizeof *s->v);
		s->v[s->n++] = (struct extent){ f->mark[i], (uint64_t)(end - f->mark[i]) };
		s->len += (uint64_t)(end - f->mark[i]);
		f->mark[i] = end;
	}
}

uint64_t
fold_bytes(const struct fold *f, size_t host)
{
	if (host >= f->nhosts)
		return 0;
	return f->hosts[host].s[0].len + f->hosts[host].s[1].len;
}

/* A read position in one host's stream. */
struct cursor {
	const struct stream *s;
	int fd;
	size_t e;
	uint64_t off;
};

/* Up to max bytes from c (0 at its end), or -1 with cause. */
static ssize_t
cursor_read(struct cursor *c, char *p, size_t max, char **cause)
{
	while (c->e < c->s->n && c->off == c->s->v[c->e].len) {
		c->e++;
		c->off = 0;
	}
	if (c->e == c->s->n)
		return 0;
	uint64_t left = c->s->v[c->e].len - c->off;
	size_t want = left < max ? (size_t)left : max;
	ssize_t r;

	do
		r = pread(c->fd, p, want, c->s->v[c->e].off + (off_t)c->off);
	while (r < 0 && errno == EINTR);
	if (r <= 0) {
		*cause = xasprintf("--fold: reading the output back: %s",
		    r == 0 ? "unexpected end of file" : strerror(errno));
		return -1;
	}
	c->off += (uint64_t)r;
	return r;
}

/* Exactly n bytes from c, or PFAN_E_SYS. */
static int
cursor_fill(struct cursor *c, char *p, size_t n, char **cause)
{
	while (n > 0) {
		ssize_t r = cursor_read(c, p, n, cause);
		if (r <= 0) {
			if (r == 0)
				*cause = xstrdup("--fold: reading the output back: too short");
			return PFAN_E_SYS;
		}
		p += r;
		n -= (size_t)r;
	}
	return PFAN_OK;
}

static int
hash_host(struct fold *f, struct fold_host *h, char *buf, char **cause)
{
	uint64_t x = 14695981039346656037ULL;

	for (int i = 0; i < 2; i++) {
		struct cursor c = { &h->s[i], f->fd[i], 0, 0 };
		ssize_t r;

		while ((r = cursor_read(&c, buf, CHUNK, cause)) > 0)
			for (ssize_t k = 0; k < r; k++)
				x = (x ^ (unsigned char)buf[k]) * 1099511628211ULL;
		if (r < 0)
			return PFAN_E_SYS;
		x = (x ^ 0x100) * 1099511628211ULL;   /* between the streams */
	}
	h->hash = x;
	return PFAN_OK;
}

/* 1: a's and b's output is the same; 0: not; -1: a read failed. */
static int
same_output(struct fold *f, const struct fold_host *a, const struct fold_host *b,
    char *bufa, char *bufb, char **cause)
{
	if (a->hash != b->hash || a->s[0].len != b->s[0].len || a->s[1].len != b->s[1].len)
		return 0;
	for (int i = 0; i < 2; i++) {
		struct cursor ca = { &a->s[i], f->fd[i], 0, 0 };
		struct cursor cb = { &b->s[i], f->fd[i], 0, 0 };
		ssize_t r;

		while ((r = cursor_read(&ca, bufa, CHUNK, cause)) > 0) {
			if (cursor_fill(&cb, bufb, (size_t)r, cause) != PFAN_OK)
				return -1;
			if (memcmp(bufa, bufb, (size_t)r) != 0)
				return 0;
		}
		if (r < 0)
			return -1;
	}
	return 1;
}

static int
write_all(int fd, const char *p, size_t n, char **cause)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			*cause = xasprintf("--fold: cannot write the output: %s",
			    w == 0 ? "short write" : strerror(errno));
			return PFAN_E_SYS;
		}
		p += w;
		n -= (size_t)w;
	}
	return PFAN_OK;
}

static int
copy_stream(struct fold *f, const struct fold_host *h, int i, int to, char *buf,
    char **cause)
{
	struct cursor c = { &h->s[i], f->fd[i], 0, 0 };
	ssize_t r;

	while ((r = cursor_read(&c, buf, CHUNK, cause)) > 0)
		if (write_all(to, buf, (size_t)r, cause) != PFAN_OK)
			return PFAN_E_SYS;
	return r < 0 ? PFAN_E_SYS : PFAN_OK;
}

char *
fold_label(char *const *names, size_t n)
{
	struct hostfold_group *g;
	size_t ng = hostfold(names, n, &g);
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < ng; i++) {
		if (i > 0)
			buf_addc(&b, ',');
		buf_adds(&b, g[i].label);
	}
	if (n > 1)
		buf_addf(&b, " (%zu)", n);
	hostfold_free(g, ng);
	buf_cstr(&b);
	return buf_steal(&b);
}

/* One group: its header and stdout on out_fd, its stderr on err_fd. */
static int
print_group(struct fold *f, char *const *names, const size_t *members, size_t n,
    int out_fd, int err_fd, char *buf, char **cause)
{
	const struct fold_host *h = &f->hosts[members[0]];
	char **gnames = xcalloc(n, sizeof *gnames);
	char *label;
	int rc;

	for (size_t i = 0; i < n; i++)
		gnames[i] = names[members[i]];
	label = fold_label(gnames, n);
	free(gnames);
	char *head = xasprintf(RULE "%s\n" RULE, label);
	free(label);
	rc = write_all(out_fd, head, strlen(head), cause);
	free(head);
	if (rc == PFAN_OK)
		rc = copy_stream(f, h, 0, out_fd, buf, cause);
	if (rc == PFAN_OK)
		rc = copy_stream(f, h, 1, err_fd, buf, cause);
	return rc;
}

int
fold_print(struct fold *f, char *const *names, size_t n, int out_fd, int err_fd,
    char **cause)
{
	char *bufa = xmalloc(CHUNK), *bufb = xmalloc(CHUNK);
	size_t *group = xcalloc(n > 0 ? n : 1, sizeof *group);   /* host -> its group's first */
	size_t *members = xcalloc(n > 0 ? n : 1, sizeof *members);
	int rc = PFAN_OK;

	(void)host_at(f, n > 0 ? n - 1 : 0);
	for (size_t h = 0; h < n && rc == PFAN_OK; h++) {
		if (names[h] == NULL)
			continue;
		rc = hash_host(f, &f->hosts[h], bufa, cause);
		group[h] = h;
		for (size_t k = 0; k < h && rc == PFAN_OK; k++) {
			if (names[k] == NULL || group[k] != k)
				continue;
			int same = same_output(f, &f->hosts[k], &f->hosts[h], bufa, bufb, cause);
			if (same < 0)
				rc = PFAN_E_SYS;
			if (same > 0) {
				group[h] = k;
				break;
			}
		}
	}
	for (size_t k = 0; k < n && rc == PFAN_OK; k++) {
		size_t nm = 0;

		if (names[k] == NULL || group[k] != k || fold_bytes(f, k) == 0)
			continue;
		for (size_t h = k; h < n; h++)
			if (names[h] != NULL && group[h] == k)
				members[nm++] = h;
		rc = print_group(f, names, members, nm, out_fd, err_fd, bufa, cause);
	}
	free(members);
	free(group);
	free(bufa);
	free(bufb);
	return rc;
}

void
fold_free(struct fold *f)
{
	if (f == NULL)
		return;
	for (int i = 0; i < 2; i++)
		if (f->fd[i] >= 0)
			close(f->fd[i]);
	for (size_t h = 0; h < f->nhosts; h++)
		for (int i = 0; i < 2; i++)
			free(f->hosts[h].s[i].v);
	free(f->hosts);
	free(f);
}
