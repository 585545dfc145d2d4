/* outstream.c: writing job output to pfan's stdout and stderr; see the
 * header for the rules on slow, broken and closed streams. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "outstream.h"

void
outstream_init(struct outstream *s, int out_fd, int err_fd)
{
	memset(s, 0, sizeof *s);
	s->fd[0] = out_fd;
	s->fd[1] = err_fd;
	buf_init(&s->buf);
}

void
outstream_free(struct outstream *s)
{
	buf_free(&s->buf);
}

static void
write_all(struct outstream *s, int i, const char *p, size_t n)
{
	while (n > 0 && !s->broken[i]) {
		ssize_t w = write(s->fd[i], p, n);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd pfd = { .fd = s->fd[i], .events = POLLOUT };
			if (poll(&pfd, 1, -1) != -1 || errno == EINTR)
				continue;
		}
		s->broken[i] = true;
		/* Both fds may be the same pipe: one broken, both broken. */
		if (s->fd[0] == s->fd[1])
			s->broken[1 - i] = true;
		if (w == -1 && errno == EPIPE) {
			if (s->closed != NULL)
				s->closed(s->closed_arg);
			break;
		}
		log_error("cannot write job output to fd %d: %s", s->fd[i],
		    w == 0 ? "short write" : strerror(errno));
	}
}

/* all: write everything; else only up to a newline near the end, so the
 * next write starts a line. */
static void
flush_some(struct outstream *s, int i, bool all)
{
	size_t n = s->buf.len;

	if (n == 0)
		return;
	if (!all) {
		const char *nl = memrchr(s->buf.data, '\n', n);
		if (nl != NULL && (size_t)(nl - s->buf.data) + 1 >= n / 2)
			n = (size_t)(nl - s->buf.data) + 1;
	}
	write_all(s, i, s->buf.data, n);
	buf_consume(&s->buf, n);
}

void
outstream_add(struct outstream *s, int i, const char *p, size_t n)
{
	buf_add(&s->buf, p, n);
	if (s->buf.len >= OUTSTREAM_CHUNK)
		flush_some(s, i, false);
}

bool
outstream_flush(struct outstream *s, int i)
{
	flush_some(s, i, true);
	return !s->broken[i];
}

bool
outstream_write(struct outstream *s, int i, const char *p, size_t n)
{
	write_all(s, i, p, n);
	return !s->broken[i];
}
