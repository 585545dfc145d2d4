/* loop.c: the one event loop (poll(), a timer heap, a self-pipe for signals).
 *
 * Theory of operation: watched fds live in a dense pollfd array that is
 * passed to poll() as it is; a table indexed by fd finds an fd's entry.
 * Callbacks may add and remove watches and timers while the loop dispatches,
 * so poll's results are copied out first and each is checked against the
 * watch's generation before its callback runs (an fd closed and reopened
 * inside one iteration must not get the old watch's event). Timers sit in
 * a binary min-heap keyed by their monotonic deadline. A signal handler
 * writes the signal number to a self-pipe; the loop reads it back and calls
 * the registered function outside signal context.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "xalloc.h"

struct io_watch {
	int index;             /* into pfds, -1 when not watched */
	unsigned gen;
	loop_io_fn *fn;
	void *arg;
};

struct loop_timer {
	double when;
	size_t heap_index;
	loop_timer_fn *fn;
	void *arg;
};

struct sig_entry {
	loop_signal_fn *fn;
	void *arg;
};

struct ready {
	int fd;
	short revents;
	unsigned gen;
};

struct loop {
	struct pollfd *pfds;
	size_t npfds, cappfds;
	struct io_watch *watch;     /* indexed by fd */
	size_t capwatch;
	unsigned next_gen;
	struct ready *ready;
	size_t capready;

	struct loop_timer **heap;
	size_t nheap, capheap;

	int sigpipe[2];
	struct sig_entry sig[NSIG];

	loop_idle_fn *idle;
	void *idle_arg;
	int stop;
};

/*
 * The write end of the self-pipe. A signal handler can reach nothing else,
 * so this is the one process-wide variable outside the parsed options.
 */
static int signal_pipe_wr = -1;

double
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

double
wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
on_signal(int signo)
{
	int saved = errno;
	unsigned char b = (unsigned char)signo;

	(void)!write(signal_pipe_wr, &b, 1);
	errno = saved;
}

static void
drain_signals(void *arg, int fd, short revents)
{
	struct loop *l = arg;
	unsigned char bytes[64];
	ssize_t n;

	(void)revents;
	while ((n = read(fd, bytes, sizeof bytes)) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			struct sig_entry *e = &l->sig[bytes[i] % NSIG];
			if (e->fn != NULL)
				e->fn(e->arg, bytes[i]);
		}
	}
}

struct loop *
loop_new(void)
{
	struct loop *l = xcalloc(1, sizeof *l);

	if (pipe2(l->sigpipe, O_NONBLOCK | O_CLOEXEC) != 0)
		fatal("pipe: %s", strerror(errno));
	signal_pipe_wr = l->sigpipe[1];
	loop_io_set(l, l->sigpipe[0], POLLIN, drain_signals, l);
	return l;
}

void
loop_free(struct loop *l)
{
	if (l == NULL)
		return;
	for (int s = 1; s < NSIG; s++)
		if (l->sig[s].fn != NULL)
			signal(s, SIG_DFL);
	if (signal_pipe_wr == l->sigpipe[1])
		signal_pipe_wr = -1;
	close(l->sigpipe[0]);
	close(l->sigpipe[1]);
	for (size_t i = 0; i < l->nheap; i++)
		free(l->heap[i]);
	free(l->heap);
	free(l->pfds);
	free(l->watch);
	free(l->ready);
	free(l);
}

void
loop_io_set(struct loop *l, int fd, short events, loop_io_fn *fn, void *arg)
{
	if (fd < 0)
		fatal("loop: watching fd %d", fd);
	if ((size_t)fd >= l->capwatch) {
		size_t cap = l->capwatch ? l->capwatch : 64;
		while (cap <= (size_t)fd)
			cap *= 2;
		l->watch = xreallocarray(l->watch, cap, sizeof *l->watch);
		for (size_t i = l->capwatch; i < cap; i++)
			l->watch[i].index = -1;
		l->capwatch = cap;
	}
	struct io_watch *w = &l->watch[fd];
	if (w->index < 0) {
		if (l->npfds == l->cappfds) {
			l->cappfds = l->cappfds ? l->cappfds * 2 : 64;
			l->pfds = xreallocarray(l->pfds, l->cappfds, sizeof *l->pfds);
		}
		w->index = (int)l->npfds++;
		w->gen = ++l->next_gen;
		l->pfds[w->index].fd = fd;
	}
	l->pfds[w->index].events = events;
	l->pfds[w->index].revents = 0;
	w->fn = fn;
	w->arg = arg;
}

void
loop_io_del(struct loop *l, int fd)
{
	if (fd < 0 || (size_t)fd >= l->capwatch || l->watch[fd].index < 0)
		return;
	struct io_watch *w = &l->watch[fd];
	size_t last = l->npfds - 1;

	if ((size_t)w->index != last) {
		l->pfds[w->index] = l->pfds[last];
		l->watch[l->pfds[w->index].fd].index = w->index;
	}
	l->npfds--;
	w->index = -1;
	w->gen = 0;
}

static void
heap_swap(struct loop *l, size_t a, size_t b)
{
	struct loop_timer *t = l->heap[a];

	l->heap[a] = l->heap[b];
	l->heap[b] = t;
	l->heap[a]->heap_index = a;
	l->heap[b]->heap_index = b;
}

static void
heap_up(struct loop *l, size_t i)
{
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (l->heap[parent]->when <= l->heap[i]->when)
			break;
		heap_swap(l, i, parent);
		i = parent;
	}
}

static void
heap_down(struct loop *l, size_t i)
{
	for (;;) {
		size_t left = 2 * i + 1, right = left + 1, min = i;
		if (left < l->nheap && l->heap[left]->when < l->heap[min]->when)
			min = left;
		if (right < l->nheap && l->heap[right]->when < l->heap[min]->when)
			min = right;
		if (min == i)
			break;
		heap_swap(l, i, min);
		i = min;
	}
}

struct loop_timer *
loop_timer_add(struct loop *l, double delay, loop_timer_fn *fn, void *arg)
{
	struct loop_timer *t = xmalloc(sizeof *t);

	t->when = mono_now() + (delay > 0 ? delay : 0);
	t->fn = fn;
	t->arg = arg;
	if (l->nheap == l->capheap) {
		l->capheap = l->capheap ? l->capheap * 2 : 16;
		l->heap = xreallocarray(l->heap, l->capheap, sizeof *l->heap);
	}
	t->heap_index = l->nheap;
	l->heap[l->nheap++] = t;
	heap_up(l, t->heap_index);
	return t;
}

void
loop_timer_del(struct loop *l, struct loop_timer *t)
{
	if (t == NULL)
		return;
	size_t i = t->heap_index, last = l->nheap - 1;

	if (i != last) {
		heap_swap(l, i, last);
		l->nheap--;
		heap_down(l, i);
		heap_up(l, i);
	} else
		l->nheap--;
	free(t);
}

void
loop_signal(struct loop *l, int signo, loop_signal_fn *fn, void *arg)
{
	struct sigaction sa;

	l->sig[signo].fn = fn;
	l->sig[signo].arg = arg;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(signo, &sa, NULL);
}

void
loop_set_idle(struct loop *l, loop_idle_fn *fn, void *arg)
{
	l->idle = fn;
	l->idle_arg = arg;
}

void
loop_stop(struct loop *l)
{
	l->stop = 1;
}

static int
poll_timeout_ms(struct loop *l)
{
	if (l->nheap == 0)
		return -1;
	double wait = l->heap[0]->when - mono_now();
	if (wait <= 0)
		return 0;
	if (wait > 3600)
		wait = 3600;
	return (int)ceil(wait * 1000);
}

static void
dispatch_io(struct loop *l)
{
	size_t nready = 0;

	if (l->capready < l->npfds) {
		l->capready = l->npfds;
		l->ready = xreallocarray(l->ready, l->capready, sizeof *l->ready);
	}
	for (size_t i = 0; i < l->npfds; i++) {
		if (l->pfds[i].revents == 0)
			continue;
		int fd = l->pfds[i].fd;
		l->ready[nready].fd = fd;
		l->ready[nready].revents = l->pfds[i].revents;
		l->ready[nready].gen = l->watch[fd].gen;
		nready++;
		l->pfds[i].revents = 0;
	}
	for (size_t i = 0; i < nready && !l->stop; i++) {
		struct io_watch *w = &l->watch[l->ready[i].fd];
		if (w->index < 0 || w->gen != l->ready[i].gen)
			continue;
		w->fn(w->arg, l->ready[i].fd, l->ready[i].revents);
	}
}

static void
dispatch_timers(struct loop *l)
{
	double now = mono_now();

	while (l->nheap > 0 && l->heap[0]->when <= now && !l->stop) {
		struct loop_timer *t = l->heap[0];
		loop_timer_fn *fn = t->fn;
		void *arg = t->arg;
		loop_timer_del(l, t);
		fn(arg);
	}
}

void
loop_run(struct loop *l)
{
	l->stop = 0;
	while (!l->stop) {
		if (l->idle != NULL)
			l->idle(l->idle_arg);
		if (l->stop)
			break;
		int n = poll(l->pfds, l->npfds, poll_timeout_ms(l));
		if (n < 0 && errno != EINTR)
			fatal("poll: %s", strerror(errno));
		if (n > 0)
			dispatch_io(l);
		dispatch_timers(l);
	}
}
