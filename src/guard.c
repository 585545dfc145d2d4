/* guard.c: the process that kills local jobs' groups when pfan is gone.
 *
 * Theory of operation. The pipe carries lines "+PGID" (a job started) and
 * "-PGID" (its leader was reaped); each is a few bytes, so the write() of
 * one line is atomic. pfan's end is non-blocking and close-on-exec (a job
 * holding it would keep the guard from ever seeing the end); a write that
 * finds the pipe full waits in a buffer for POLLOUT.
 *
 * The guard leaves pfan's process group, so a terminal's Ctrl-C or Ctrl-Z
 * (sent to the foreground group) does not reach it, and it ignores INT,
 * TERM, HUP and QUIT, so that only its pipe's end tells it to act. It
 * reads at most ten times a second: a reader blocked in read() would be
 * woken by every job's start and end, and on a small machine that costs
 * pfan's tiny jobs a few per cent (bench/local.sh); a pipe holds some
 * 8000 lines, far more than 0.1 s of jobs, and pfan buffers past that. It holds
 * no descriptor of pfan's but the pipe. At the end it kills what is still
 * named; a group whose leader pfan reaped was named off first, so a
 * recycled pgid is never signalled.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "child.h"
#include "guard.h"
#include "log.h"
#include "xalloc.h"

#define GUARD_FD 3

struct guard {
	struct loop *loop;
	int fd;             /* write end, -1 once the guard is gone */
	struct buf pending;
	bool watching;      /* for POLLOUT: the pipe was full */
	pid_t pid;
	size_t named;       /* groups added and not deleted */
};

struct groups {
	pid_t *v;
	size_t n, cap;
};

static void
groups_apply(struct groups *g, char op, pid_t pgid)
{
	if (op == '+') {
		if (g->n == g->cap) {
			g->cap = g->cap ? 2 * g->cap : 64;
			g->v = xreallocarray(g->v, g->cap, sizeof *g->v);
		}
		g->v[g->n++] = pgid;
		return;
	}
	for (size_t i = 0; i < g->n; i++) {
		if (g->v[i] == pgid) {
			g->v[i] = g->v[--g->n];
			return;
		}
	}
}

static bool
any_alive(const struct groups *g)
{
	for (size_t i = 0; i < g->n; i++)
		if (kill(-g->v[i], 0) == 0)
			return true;
	return false;
}

/* In the guard: follow the pipe to its end, then kill. Never returns. */
static void
guard_main(double grace)
{
	struct groups g = { NULL, 0, 0 };
	char in[4096];
	size_t have = 0;
	const struct timespec nap = { 0, 100 * 1000 * 1000 };

	for (;;) {
		ssize_t r = read(GUARD_FD, in + have, sizeof in - have);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		have += (size_t)r;
		char *line = in, *nl;
		while ((nl = memchr(line, '\n', have - (size_t)(line - in))) != NULL) {
			*nl = '\0';
			long pgid = strtol(line + 1, NULL, 10);
			if ((*line == '+' || *line == '-') && pgid > 1)
				groups_apply(&g, *line, (pid_t)pgid);
			line = nl + 1;
		}
		have -= (size_t)(line - in);
		memmove(in, line, have);
		if (have == sizeof in)
			have = 0;   /* no line is this long: drop the garbage */
		nanosleep(&nap, NULL);
	}
	for (size_t i = 0; i < g.n; i++)
		kill(-g.v[i], SIGTERM);
	struct timespec tick = { 0, 50 * 1000 * 1000 };
	for (double waited = 0; waited < grace && any_alive(&g); waited += 0.05)
		nanosleep(&tick, NULL);
	for (size_t i = 0; i < g.n; i++)
		kill(-g.v[i], SIGKILL);
	_exit(0);
}

/* In the child: keep only the pipe, leave pfan's group, hear no signal. */
static void
guard_child(int rfd, double grace)
{
	if (!child_keep_only(rfd, GUARD_FD))
		_exit(1);
	setpgid(0, 0);
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGTSTP, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	guard_main(grace);
}

struct guard *
guard_new(struct loop *loop, double grace)
{
	struct guard *g;
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) != 0) {
		log_warn("cannot start the guard of local jobs: pipe: %s", strerror(errno));
		return NULL;
	}
	pid = fork();
	if (pid == 0) {
		close(p[1]);
		guard_child(p[0], grace);
	}
	close(p[0]);
	if (pid < 0) {
		log_warn("cannot start the guard of local jobs: fork: %s", strerror(errno));
		close(p[1]);
		return NULL;
	}
	g = xcalloc(1, sizeof *g);
	g->loop = loop;
	g->fd = p[1];
	g->pid = pid;
	fcntl(g->fd, F_SETFL, fcntl(g->fd, F_GETFL) | O_NONBLOCK);
	return g;
}

static void flush(struct guard *g);

static void
on_writable(void *arg, int fd, short revents)
{
	(void)fd;
	(void)revents;
	flush(arg);
}

static void
flush(struct guard *g)
{
	while (g->pending.len > 0) {
		ssize_t w = write(g->fd, g->pending.data, g->pending.len);
		if (w > 0) {
			buf_consume(&g->pending, (size_t)w);
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			loop_io_set(g->loop, g->fd, POLLOUT, on_writable, g);
			g->watching = true;
			return;
		}
		log_warn("the guard of local jobs is gone (%s): a killed pfan "
		    "may leave its local jobs running", w < 0 ? strerror(errno) : "short write");
		if (g->watching)
			loop_io_del(g->loop, g->fd);
		close(g->fd);
		g->fd = -1;
		g->watching = false;
		buf_reset(&g->pending);
		return;
	}
	if (g->watching)
		loop_io_del(g->loop, g->fd);
	g->watching = false;
}

static void
tell(struct guard *g, char op, pid_t pgid)
{
	if (g == NULL || g->fd < 0)
		return;
	buf_addf(&g->pending, "%c%ld\n", op, (long)pgid);
	flush(g);
}

void
guard_add(struct guard *g, pid_t pgid)
{
	if (g != NULL)
		g->named++;
	tell(g, '+', pgid);
}

void
guard_del(struct guard *g, pid_t pgid)
{
	if (g != NULL && g->named > 0)
		g->named--;
	tell(g, '-', pgid);
}

void
guard_free(struct guard *g)
{
	if (g == NULL)
		return;
	if (g->fd >= 0) {
		/* Whatever is still pending goes out, or the guard would kill
		 * jobs that ended. */
		fcntl(g->fd, F_SETFL, fcntl(g->fd, F_GETFL) & ~O_NONBLOCK);
		flush(g);
		if (g->fd >= 0)
			close(g->fd);
	}
	/* With nothing named it has nothing to do: end it now (it may be in
	 * its nap) and reap it, or it would linger as a zombie where init does
	 * not reap. With groups named it has them to kill; it is then init's. */
	if (g->named == 0 || g->fd < 0) {
		kill(g->pid, SIGKILL);
		while (waitpid(g->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	buf_free(&g->pending);
	free(g);
}
