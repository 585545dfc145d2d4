/* sshconn.c: one SSH connection of a host: a non-blocking libssh2 session
 * on a TCP socket, and the tasks (channels) it carries.
 *
 * Theory of operation. A connection is a state machine, one function per
 * state, every move through conn_set_state (logged at debug level):
 *
 *   DOWN -> CONNECTING -> HANDSHAKE -> HOSTKEY -> AUTH -> READY
 *   any -> LOST -> BACKOFF -> CONNECTING ...   (or DOWN, or CLOSED)
 *
 * Every socket gets TCP_NODELAY (without it Nagle and delayed ACKs add
 * ~40 ms to every exchange). In each state we ask libssh2 which way it is
 * blocked and poll the socket for that direction only. libssh2 has no
 * timeouts in non-blocking mode: connect, handshake and auth share one loop
 * timer (connect_timeout); a READY connection with work sends a keepalive
 * every `keepalive` seconds and is lost when nothing at all came back for
 * three intervals while one was outstanding. Bytes are counted as they
 * arrive (sshsess.c), since libssh2 never says a keepalive went unanswered
 * and a stopped sshd still ACKs TCP.
 *
 * Servicing: only one channel open may be in flight per session (libssh2
 * keeps its state on the session), so the first queued task opens when no
 * other is opening. Reading one channel pulls every channel's packets off
 * the socket, so after every wake-up all tasks are stepped, pass after
 * pass, until a whole pass makes no progress. A refused open (MaxSessions)
 * tells us the connection is full: the host learns the limit and takes the
 * unopened tasks back. But sshd frees a closed session's slot only on its
 * next turn, so an open sent right after our close can be refused below the
 * limit: a refusal is believed only when it comes again at the same count
 * after a pause (HOLD_SECS); meanwhile the task waits on its connection.
 * Believing the first one made a 100-slot host use 12 connections, not 10.
 *
 * An idle connection (no tasks) sends no keepalives and is polled for
 * POLLRDHUP only: libssh2 1.10 has no call that reads the socket without a
 * channel, so unread data (a late keepalive reply) would make POLLIN fire
 * forever. A peer that closes is still noticed; a dead one when the next
 * job tries it.
 *
 * Policy (when to reconnect, when the host is lost or given up, where a
 * task goes) is sshhost.c's: a connection only reports.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <libssh2.h>

#include "buf.h"
#include "errors.h"
#include "log.h"
#include "sshauth.h"
#include "sshchan.h"
#include "sshconn.h"
#include "sshsess.h"
#include "xalloc.h"

#ifndef POLLRDHUP
#define POLLRDHUP 0
#endif

#define MAX_PASSES 64
#define HOLD_SECS 0.02

enum conn_state {
	CONN_DOWN,
	CONN_CONNECTING,
	CONN_HANDSHAKE,
	CONN_HOSTKEY,
	CONN_AUTH,
	CONN_READY,
	CONN_LOST,
	CONN_BACKOFF,
	CONN_CLOSED,
};

static const char *const conn_state_names[] = {
	"down", "connecting", "handshake", "hostkey", "auth", "ready", "lost",
	"backoff", "closed",
};

struct sshconn {
	struct sshhost *h;
	struct loop *loop;
	const struct host_spec *spec;
	const struct ssh_options *o;
	const struct addrinfo *addrs;  /* all of the host's addresses */
	unsigned id;
	enum conn_state state;
	int fd;
	LIBSSH2_SESSION *s;
	struct sshauth *auth;
	const struct addrinfo *ai;     /* the address being tried */
	struct loop_timer *deadline;   /* connect + handshake + auth */
	struct loop_timer *timer;      /* backoff, or the keepalive tick */
	struct sshsess_io io;          /* bytes in, socket errors, memory */
	double ka_sent;                /* first keepalive since io.last_rx, or 0 */
	struct sshchan_list tasks;
	unsigned limit;                /* channels the server allows, 0 unknown */
	unsigned refused_at;           /* open channels at the last refusal */
	struct loop_timer *hold;       /* no open until it fires */
	bool in_service, again;
};

static void conn_update_io(struct sshconn *c);
static void conn_lost(struct sshconn *c, const char *why, bool permanent);

#define B(s) (1u << (s))
/* Which states each state may move to. */
static const unsigned conn_next[] = {
	[CONN_DOWN] = B(CONN_CONNECTING) | B(CONN_CLOSED),
	[CONN_CONNECTING] = B(CONN_HANDSHAKE) | B(CONN_LOST) | B(CONN_CLOSED),
	[CONN_HANDSHAKE] = B(CONN_HOSTKEY) | B(CONN_LOST) | B(CONN_CLOSED),
	[CONN_HOSTKEY] = B(CONN_AUTH) | B(CONN_LOST) | B(CONN_CLOSED),
	[CONN_AUTH] = B(CONN_READY) | B(CONN_LOST) | B(CONN_CLOSED),
	[CONN_READY] = B(CONN_LOST) | B(CONN_CLOSED),
	[CONN_LOST] = B(CONN_BACKOFF) | B(CONN_CLOSED),
	[CONN_BACKOFF] = B(CONN_CONNECTING) | B(CONN_DOWN) | B(CONN_CLOSED),
	[CONN_CLOSED] = 0,
};
#undef B

static void
conn_set_state(struct sshconn *c, enum conn_state s)
{
	if (c->state == s)
		return;
	if (!(conn_next[c->state] & (1u << s)))
		fatal("%s: conn %u: no way from %s to %s", c->spec->name, c->id,
		    conn_state_names[c->state], conn_state_names[s]);
	log_debug("%s: conn %u: %s -> %s", c->spec->name, c->id,
	    conn_state_names[c->state], conn_state_names[s]);
	c->state = s;
}

static char *
session_error(LIBSSH2_SESSION *s, const char *what)
{
	char *msg = NULL;

	libssh2_session_last_error(s, &msg, NULL, 0);
	return xasprintf("%s: %s", what, msg != NULL && *msg ? msg : "unknown error");
}

/* Drops the session and socket; the tasks are the caller's business. */
static void
conn_teardown(struct sshconn *c, bool graceful)
{
	loop_timer_del(c->loop, c->deadline);
	c->deadline = NULL;
	loop_timer_del(c->loop, c->timer);
	c->timer = NULL;
	loop_timer_del(c->loop, c->hold);
	c->hold = NULL;
	c->refused_at = 0;
	if (c->fd >= 0)
		loop_io_del(c->loop, c->fd);
	if (c->s != NULL) {
		unsigned left;
		if (graceful)
			(void)libssh2_session_disconnect(c->s, "pfan is done");
		sshauth_free(c->auth);   /* its agent lives in the session */
		c->auth = NULL;
		left = sshsess_free(c->s, c->fd, &c->io);
		c->s = NULL;
		if (left > 0)
			log_debug("%s: conn %u: freed %u blocks libssh2 left behind",
			    c->spec->name, c->id, left);
	}
	sshauth_free(c->auth);
	c->auth = NULL;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

static void
on_deadline(void *arg)
{
	struct sshconn *c = arg;
	char *why;

	/* Say so when the port answers TCP but nothing speaks SSH on it (the
	 * wrong port, another service, a stopped sshd). */
	if (c->state == CONN_HANDSHAKE && c->io.rx_bytes == 0)
		why = xasprintf("no SSH session within %g s: %s port %u accepted the "
		    "connection but sent nothing", c->o->connect_timeout,
		    c->spec->address, c->spec->port);
	else
		why = xasprintf("no SSH session within %g s (stuck in %s)",
		    c->o->connect_timeout, conn_state_names[c->state]);
	c->deadline = NULL;
	conn_lost(c, why, false);
	free(why);
}

static void
conn_fail_errno(struct sshconn *c, const char *what, int err)
{
	char *why = xasprintf("%s %s port %u: %s", what, c->spec->address, c->spec->port, strerror(err));

	conn_lost(c, why, false);
	free(why);
}

/* A session-level failure, told as the socket saw it when it can be. */
static void
conn_fail_ssh(struct sshconn *c, const char *what)
{
	char *why;

	if (c->io.rx_error == -1)
		why = xasprintf("%s: connection closed by the server", what);
	else if (c->io.rx_error > 0)
		why = xasprintf("%s: %s", what, strerror(c->io.rx_error));
	else
		why = session_error(c->s, what);
	conn_lost(c, why, false);
	free(why);
}

static void st_handshake(struct sshconn *c);
static void st_auth(struct sshconn *c);
static void on_keepalive(void *arg);
static void try_connect(struct sshconn *c);

static void
st_hostkey(struct sshconn *c)
{
	char *cause = NULL;

	conn_set_state(c, CONN_HOSTKEY);
	if (sshauth_hostkey(c->s, c->spec, c->o->accept_new_hostkeys, &cause) != PFAN_OK) {
		conn_lost(c, cause, true);
		free(cause);
		return;
	}
	conn_set_state(c, CONN_AUTH);
	c->auth = sshauth_new(c->spec);
	st_auth(c);
}

static void
st_handshake(struct sshconn *c)
{
	int rc = libssh2_session_handshake(c->s, c->fd);

	if (rc == LIBSSH2_ERROR_EAGAIN) {
		conn_update_io(c);
		return;
	}
	if (rc != 0) {
		conn_fail_ssh(c, "SSH handshake");
		return;
	}
	st_hostkey(c);
}

static void
st_ready(struct sshconn *c)
{
	loop_timer_del(c->loop, c->deadline);
	c->deadline = NULL;
	conn_set_state(c, CONN_READY);
	c->io.last_rx = mono_now();
	c->ka_sent = 0;
	/* libssh2 paces keepalives in whole seconds from its own clock; our
	 * timer does the pacing, so let it send whenever asked. */
	libssh2_keepalive_config(c->s, 1, 1);
	c->timer = loop_timer_add(c->loop, c->o->keepalive, on_keepalive, c);
	conn_update_io(c);
	sshhost_conn_ready(c->h, c);
}

static bool
transient_auth_error(LIBSSH2_SESSION *s)
{
	switch (libssh2_session_last_errno(s)) {
	case LIBSSH2_ERROR_SOCKET_SEND:
	case LIBSSH2_ERROR_SOCKET_RECV:
	case LIBSSH2_ERROR_SOCKET_DISCONNECT:
	case LIBSSH2_ERROR_SOCKET_TIMEOUT:
	case LIBSSH2_ERROR_TIMEOUT:
		return true;
	}
	return false;
}

static void
st_auth(struct sshconn *c)
{
	char *cause = NULL;
	int rc = sshauth_step(c->auth, c->s, &cause);

	if (rc == PFAN_AGAIN) {
		conn_update_io(c);
		return;
	}
	if (rc != PFAN_OK) {
		conn_lost(c, cause, !transient_auth_error(c->s));
		free(cause);
		return;
	}
	sshauth_free(c->auth);
	c->auth = NULL;
	st_ready(c);
}

static void
begin_session(struct sshconn *c)
{
	c->s = sshsess_new(&c->io);
	conn_set_state(c, CONN_HANDSHAKE);
	st_handshake(c);
}

/* Tries c->ai and the addresses after it. */
static void
try_connect(struct sshconn *c)
{
	int err = 0;

	for (; c->ai != NULL; c->ai = c->ai->ai_next) {
		int one = 1;
		c->fd = socket(c->ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (c->fd < 0) {
			err = errno;
			continue;
		}
		(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		if (connect(c->fd, c->ai->ai_addr, c->ai->ai_addrlen) == 0) {
			begin_session(c);
			return;
		}
		if (errno == EINPROGRESS) {
			conn_update_io(c);
			return;
		}
		err = errno;
		close(c->fd);
		c->fd = -1;
	}
	conn_fail_errno(c, "connect to", err != 0 ? err : EHOSTUNREACH);
}

static void
st_connecting(struct sshconn *c)
{
	int err = 0;
	socklen_t len = sizeof err;

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		err = errno;
	if (err == EINPROGRESS)
		return;
	if (err == 0) {
		begin_session(c);
		return;
	}
	loop_io_del(c->loop, c->fd);
	close(c->fd);
	c->fd = -1;
	c->ai = c->ai->ai_next;
	if (c->ai == NULL) {
		conn_fail_errno(c, "connect to", err);
		return;
	}
	try_connect(c);
}

static void
conn_io(void *arg, int fd, short revents)
{
	struct sshconn *c = arg;

	(void)fd;
	switch (c->state) {
	case CONN_CONNECTING:
		st_connecting(c);
		break;
	case CONN_HANDSHAKE:
		st_handshake(c);
		break;
	case CONN_AUTH:
		st_auth(c);
		break;
	case CONN_READY:
		if (c->tasks.n == 0 && (revents & (POLLRDHUP | POLLHUP | POLLERR))) {
			char *why = xstrdup("connection closed by the server");
			conn_lost(c, why, false);
			free(why);
			break;
		}
		sshconn_service(c);
		break;
	default:
		break;
	}
}

static void
conn_update_io(struct sshconn *c)
{
	short ev = 0;
	int dir;

	if (c->fd < 0)
		return;
	switch (c->state) {
	case CONN_CONNECTING:
		ev = POLLOUT;
		break;
	case CONN_HANDSHAKE:
	case CONN_AUTH:
	case CONN_READY:
		dir = libssh2_session_block_directions(c->s);
		if (dir & LIBSSH2_SESSION_BLOCK_OUTBOUND)
			ev |= POLLOUT;
		if (c->state != CONN_READY || c->tasks.n > 0)
			ev |= POLLIN;
		else
			ev |= POLLRDHUP;
		break;
	default:
		loop_io_del(c->loop, c->fd);
		return;
	}
	loop_io_set(c->loop, c->fd, ev, conn_io, c);
}

static void
on_keepalive(void *arg)
{
	struct sshconn *c = arg;
	double now = mono_now(), interval = c->o->keepalive, delay = interval;
	int next = 0;

	c->timer = NULL;
	if (c->tasks.n == 0) {
		c->ka_sent = 0;
	} else if (c->ka_sent > c->io.last_rx && now - c->io.last_rx >= 3 * interval) {
		char *why = xasprintf("no answer to keepalives for %.0f s",
		    now - c->io.last_rx);
		conn_lost(c, why, false);
		free(why);
		return;
	} else {
		int rc = libssh2_keepalive_send(c->s, &next);
		if (rc != 0 && rc != LIBSSH2_ERROR_EAGAIN) {
			conn_fail_ssh(c, "keepalive");
			return;
		}
		if (c->ka_sent <= c->io.last_rx)
			c->ka_sent = now;
		conn_update_io(c);
	}
	/* Unanswered: look again when the silence reaches 3 intervals, not
	 * at the next tick, which could be up to an interval later. */
	if (c->ka_sent > c->io.last_rx) {
		double due = c->io.last_rx + 3 * interval - now;
		if (due < delay)
			delay = due > 0.01 ? due : 0.01;
	}
	c->timer = loop_timer_add(c->loop, delay, on_keepalive, c);
}

/* Tears c down and hands all its tasks to the host, which decides. */
static void
conn_lost(struct sshconn *c, const char *why, bool permanent)
{
	struct sshchan_list tasks = c->tasks;

	memset(&c->tasks, 0, sizeof c->tasks);
	conn_set_state(c, CONN_LOST);
	conn_teardown(c, false);
	sshhost_conn_lost(c->h, c, &tasks, why, permanent);
	sshchan_list_free(&tasks);   /* what the host left in it */
}

static void
on_hold_end(void *arg)
{
	struct sshconn *c = arg;

	c->hold = NULL;
	sshconn_service(c);
}

/* The server refused the open of c's task i: c is full at the channels it
 * has open, unless it has none (then it is a refusal of the job), or
 * unless the refusal is sshd's lag (see the top): then try again soon. */
static void
conn_refused(struct sshconn *c, size_t i)
{
	struct exec_task *t = c->tasks.v[i];
	struct sshchan_list back = SSHCHAN_LIST_INIT;
	unsigned open = 0;

	for (size_t j = 0; j < c->tasks.n; j++)
		if (!sshchan_queued(c->tasks.v[j]))
			open++;
	if (open == 0) {
		sshchan_list_remove(&c->tasks, i);
		sshchan_fail(t, EXEC_START_FAILED, sshchan_refusal(t));
		return;
	}
	if ((c->limit != 0 && open < c->limit) || (c->limit == 0 && c->refused_at != open)) {
		log_debug("%s: conn %u: %s with %u channels open; trying again in %g s",
		    c->spec->name, c->id, sshchan_refusal(t), open, HOLD_SECS);
		c->refused_at = open;
		if (c->hold == NULL)
			c->hold = loop_timer_add(c->loop, HOLD_SECS, on_hold_end, c);
		return;
	}
	log_debug("%s: conn %u: %s with %u channels open, twice; using another connection",
	    c->spec->name, c->id, sshchan_refusal(t), open);
	c->limit = open;
	c->refused_at = 0;
	for (size_t j = 0; j < c->tasks.n; j++) {
		struct exec_task *q = c->tasks.v[j];
		if (!sshchan_queued(q))
			continue;
		sshchan_list_remove(&c->tasks, j--);
		sshchan_requeue(q);
		sshchan_set_owner(q, NULL);
		sshchan_list_push(&back, q);
	}
	sshhost_conn_full(c->h, c, open, &back);
	free(back.v);
}

/* Steps every task until a whole pass makes no progress (see the top). */
void
sshconn_service(struct sshconn *c)
{
	if (c->state != CONN_READY)
		return;
	if (c->in_service) {
		c->again = true;
		return;
	}
	c->in_service = true;
	for (int pass = 0; pass < MAX_PASSES; pass++) {
		bool progress = false, opening = false;

		c->again = false;
		for (size_t i = 0; i < c->tasks.n; i++)
			if (sshchan_opening(c->tasks.v[i]))
				opening = true;
		for (size_t i = 0; i < c->tasks.n; i++) {
			struct exec_task *t = c->tasks.v[i];
			enum sshchan_step r = sshchan_step(t, c->s,
			    !opening && c->hold == NULL && sshchan_queued(t));

			if (sshchan_opening(t))
				opening = true;
			switch (r) {
			case SSHCHAN_WAIT:
				break;
			case SSHCHAN_PROGRESS:
				progress = true;
				break;
			case SSHCHAN_REFUSED:
				conn_refused(c, i);
				progress = true;
				i = c->tasks.n;    /* the list changed: next pass */
				break;
			case SSHCHAN_FINISHED:
				sshchan_list_remove(&c->tasks, i--);
				sshhost_task_done(c->h, t);
				progress = true;
				break;
			case SSHCHAN_BROKEN:
				c->in_service = false;
				conn_fail_ssh(c, "connection lost");
				return;
			}
		}
		if (!progress && !c->again)
			break;
		if (pass == MAX_PASSES - 1)
			sshhost_kick(c->h);   /* still busy: go on after the others */
	}
	c->in_service = false;
	conn_update_io(c);
}

struct sshconn *
sshconn_new(struct sshhost *h, unsigned id, struct loop *loop,
    const struct host_spec *spec, const struct ssh_options *o,
    const struct addrinfo *ai)
{
	struct sshconn *c = xcalloc(1, sizeof *c);

	c->h = h;
	c->id = id;
	c->loop = loop;
	c->spec = spec;
	c->o = o;
	c->addrs = ai;
	c->fd = -1;
	c->state = CONN_DOWN;
	sshsess_io_init(&c->io);
	return c;
}

void
sshconn_free(struct sshconn *c, bool graceful)
{
	if (c == NULL)
		return;
	sshchan_list_free(&c->tasks);
	conn_teardown(c, graceful && c->state == CONN_READY);
	free(c);
}

void
sshconn_connect(struct sshconn *c)
{
	loop_timer_del(c->loop, c->timer);
	c->timer = NULL;
	conn_set_state(c, CONN_CONNECTING);
	c->ai = c->addrs;
	c->io.rx_error = 0;
	c->deadline = loop_timer_add(c->loop, c->o->connect_timeout, on_deadline, c);
	try_connect(c);
}

static void
on_backoff(void *arg)
{
	struct sshconn *c = arg;

	c->timer = NULL;
	sshhost_conn_retry(c->h, c);
}

void
sshconn_backoff(struct sshconn *c, double delay)
{
	conn_set_state(c, CONN_BACKOFF);
	loop_timer_del(c->loop, c->timer);
	c->timer = loop_timer_add(c->loop, delay, on_backoff, c);
}

void
sshconn_set_down(struct sshconn *c)
{
	conn_teardown(c, false);
	conn_set_state(c, CONN_DOWN);
}

void
sshconn_close(struct sshconn *c)
{
	conn_teardown(c, false);
	conn_set_state(c, CONN_CLOSED);
}

unsigned
sshconn_id(const struct sshconn *c)
{
	return c->id;
}

bool
sshconn_ready(const struct sshconn *c)
{
	return c->state == CONN_READY;
}

bool
sshconn_down(const struct sshconn *c)
{
	return c->state == CONN_DOWN;
}

bool
sshconn_underway(const struct sshconn *c)
{
	return (c->state >= CONN_CONNECTING && c->state <= CONN_AUTH) ||
	    c->state == CONN_BACKOFF;
}

unsigned
sshconn_room(const struct sshconn *c)
{
	if (c->state != CONN_READY)
		return 0;
	if (c->limit == 0)
		return 1000000;
	return c->limit > c->tasks.n ? c->limit - (unsigned)c->tasks.n : 0;
}

void
sshconn_set_limit(struct sshconn *c, unsigned limit)
{
	c->limit = limit;
}

void
sshconn_add_task(struct sshconn *c, struct exec_task *t)
{
	if (c->tasks.n == 0) {
		c->io.last_rx = mono_now();   /* idle until now: no stale loss */
		c->ka_sent = 0;
	}
	sshchan_set_owner(t, c);
	sshchan_list_push(&c->tasks, t);
}

size_t
sshconn_ntasks(const struct sshconn *c)
{
	return c->tasks.n;
}
