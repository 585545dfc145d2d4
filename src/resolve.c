/* resolve.c: getaddrinfo in a child process, answered through a pipe.
 *
 * Theory of operation. resolve_start forks the resolver, which answers on
 * a pipe and exits. We reap it ourselves (local.c reaps only its own
 * jobs): at the pipe's end it has exited or is exiting, and a cancel kills
 * it with SIGKILL first, so waitpid returns at once either way. (A double
 * fork would save the wait, but leave zombies where init does not reap,
 * as in some containers.)
 *
 * The resolver keeps only the pipe: stdin, stdout and stderr become
 * /dev/null and every other descriptor is closed, so it holds no job
 * pipe, no SSH socket and no terminal a Makefile waits on. It ignores
 * SIGINT (one Ctrl-C lets pfan's run go on) and takes the default for the
 * rest; when pfan dies first, its write fails with SIGPIPE and it dies too.
 *
 * A numeric address is answered without a child (AI_NUMERICHOST never
 * blocks), from the loop all the same.
 *
 * The answer on the pipe, all native-endian int32: getaddrinfo's return
 * code and errno, then per address
 * family, socktype, protocol, address length, and the address bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "child.h"
#include "resolve.h"
#include "xalloc.h"

#define ANSWER_FD 3
#define MAX_ANSWER (64 * 1024)   /* far more than any real host's addresses */

struct resolve {
	struct loop *loop;
	resolve_fn *fn;
	void *arg;
	int fd;                      /* read end, -1 once closed */
	pid_t resolver;              /* 0 once reaped */
	struct buf in;
	struct loop_timer *known;    /* the answer needs no child: from the loop */
	char *error;
	bool too_long;
};

static void
put_int(struct buf *b, int32_t v)
{
	buf_add(b, &v, sizeof v);
}

static bool
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

/* getaddrinfo, its answer encoded as on the pipe. flags: AI_NUMERICHOST
 * to look only at numbers, which never blocks. */
static int
lookup(struct buf *out, const char *host, unsigned port, int flags)
{
	struct addrinfo hints, *ai = NULL;
	char service[16];
	int rc;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = flags;
	snprintf(service, sizeof service, "%u", port);
	errno = 0;
	rc = getaddrinfo(host, service, &hints, &ai);
	put_int(out, rc);
	put_int(out, rc == EAI_SYSTEM ? errno : 0);
	for (struct addrinfo *p = rc == 0 ? ai : NULL; p != NULL; p = p->ai_next) {
		put_int(out, p->ai_family);
		put_int(out, p->ai_socktype);
		put_int(out, p->ai_protocol);
		put_int(out, (int32_t)p->ai_addrlen);
		buf_add(out, p->ai_addr, p->ai_addrlen);
	}
	if (rc == 0)
		freeaddrinfo(ai);
	return rc;
}

/* In the resolver: look up, answer, exit. Never returns. */
static void
resolver_main(const char *host, unsigned port)
{
	struct buf out = BUF_INIT;

	lookup(&out, host, port, 0);
	_exit(write_all(ANSWER_FD, out.data, out.len) ? 0 : 1);
}

/* In the child: keep only the pipe, then resolve. */
static void
child_main(int wfd, const char *host, unsigned port)
{
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	if (!child_keep_only(wfd, ANSWER_FD))
		_exit(1);
	resolver_main(host, port);
}

static void
reap(struct resolve *r, bool kill_first)
{
	if (r->resolver <= 0)
		return;
	if (kill_first)
		kill(r->resolver, SIGKILL);
	while (waitpid(r->resolver, NULL, 0) < 0 && errno == EINTR)
		;
	r->resolver = 0;
}

static void
finish(struct resolve *r, struct addrinfo *ai, const char *error, bool temporary)
{
	resolve_fn *fn = r->fn;
	void *arg = r->arg;

	r->fn = NULL;
	fn(arg, ai, error, temporary);
}

static void
close_pipe(struct resolve *r)
{
	if (r->fd >= 0) {
		loop_io_del(r->loop, r->fd);
		close(r->fd);
		r->fd = -1;
	}
}

static bool
take_int(const char **p, const char *end, int32_t *v)
{
	if ((size_t)(end - *p) < sizeof *v)
		return false;
	memcpy(v, *p, sizeof *v);
	*p += sizeof *v;
	return true;
}

/* Builds our own addrinfo list from the answer: NULL when it is torn. */
static struct addrinfo *
decode_addrs(const char *p, const char *end)
{
	struct addrinfo *head = NULL, **tail = &head;

	while (p < end) {
		int32_t family, socktype, protocol, len;
		if (!take_int(&p, end, &family) || !take_int(&p, end, &socktype) ||
		    !take_int(&p, end, &protocol) || !take_int(&p, end, &len) ||
		    len <= 0 || (size_t)len > sizeof(struct sockaddr_storage) ||
		    end - p < len) {
			resolve_free_addrs(head);
			return NULL;
		}
		struct addrinfo *a = xcalloc(1, sizeof *a);
		a->ai_family = family;
		a->ai_socktype = socktype;
		a->ai_protocol = protocol;
		a->ai_addrlen = (socklen_t)len;
		a->ai_addr = xmalloc((size_t)len);
		memcpy(a->ai_addr, p, (size_t)len);
		p += len;
		*tail = a;
		tail = &a->ai_next;
	}
	return head;
}

static void
answer(struct resolve *r)
{
	const char *p = r->in.data, *end = p + r->in.len;
	int32_t rc, err;
	struct addrinfo *ai;

	if (!take_int(&p, end, &rc) || !take_int(&p, end, &err)) {
		finish(r, NULL, "the resolver process died before it answered", false);
		return;
	}
	if (rc != 0) {
		finish(r, NULL, rc == EAI_SYSTEM ? strerror(err) : gai_strerror(rc),
		    rc == EAI_AGAIN);
		return;
	}
	if ((ai = decode_addrs(p, end)) == NULL) {
		finish(r, NULL, "the resolver's answer was torn", false);
		return;
	}
	finish(r, ai, NULL, false);
}

/* Reads what the pipe has. False at its end (EOF or an error), or when
 * the answer is too long to be real. */
static bool
on_pipe_data(struct resolve *r)
{
	char chunk[4096];
	ssize_t n;

	for (;;) {
		n = read(r->fd, chunk, sizeof chunk);
		if (n > 0) {
			if (r->in.len + (size_t)n > MAX_ANSWER) {
				r->too_long = true;
				return false;
			}
			buf_add(&r->in, chunk, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		return n < 0 && errno == EAGAIN;
	}
}

static void
on_readable(void *arg, int fd, short revents)
{
	struct resolve *r = arg;

	(void)fd;
	(void)revents;
	if (on_pipe_data(r))
		return;
	close_pipe(r);
	reap(r, r->too_long);
	if (r->too_long)
		finish(r, NULL, "the resolver's answer is too long", false);
	else
		answer(r);
	resolve_cancel(r);
}

/* The answer was known without a child (a number, or a failure to fork):
 * give it from the loop, as any other. */
static void
on_known(void *arg)
{
	struct resolve *r = arg;

	r->known = NULL;
	if (r->error != NULL)
		finish(r, NULL, r->error, false);
	else
		answer(r);
	resolve_cancel(r);
}

struct resolve *
resolve_start(struct loop *loop, const char *host, unsigned port,
    resolve_fn *fn, void *arg)
{
	struct resolve *r = xcalloc(1, sizeof *r);
	int fds[2];
	pid_t pid;

	r->loop = loop;
	r->fn = fn;
	r->arg = arg;
	r->fd = -1;
	/* An address needs no name server: no child for it. */
	if (lookup(&r->in, host, port, AI_NUMERICHOST) == 0) {
		r->known = loop_timer_add(loop, 0, on_known, r);
		return r;
	}
	buf_reset(&r->in);
	if (pipe2(fds, O_CLOEXEC) != 0) {
		r->error = xasprintf("pipe: %s", strerror(errno));
		r->known = loop_timer_add(loop, 0, on_known, r);
		return r;
	}
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		child_main(fds[1], host, port);
	}
	close(fds[1]);
	if (pid < 0) {
		r->error = xasprintf("fork: %s", strerror(errno));
		close(fds[0]);
		r->known = loop_timer_add(loop, 0, on_known, r);
		return r;
	}
	r->resolver = pid;
	r->fd = fds[0];
	fcntl(r->fd, F_SETFL, fcntl(r->fd, F_GETFL) | O_NONBLOCK);
	loop_io_set(loop, r->fd, POLLIN, on_readable, r);
	return r;
}

/* Also how a lookup frees itself once its callback has run. */
void
resolve_cancel(struct resolve *r)
{
	if (r == NULL)
		return;
	close_pipe(r);
	reap(r, true);
	loop_timer_del(r->loop, r->known);
	buf_free(&r->in);
	free(r->error);
	free(r);
}

void
resolve_free_addrs(struct addrinfo *ai)
{
	while (ai != NULL) {
		struct addrinfo *next = ai->ai_next;
		free(ai->ai_addr);
		free(ai);
		ai = next;
	}
}
