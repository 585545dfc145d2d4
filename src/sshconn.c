/* sshconn.c: the SSH executor for one host: its connections, the queue of
 * jobs waiting for a channel, slots, loss and reconnection.
 *
 * Theory of operation. A host owns one or more connections, each a
 * non-blocking libssh2 session on a TCP socket (TCP_NODELAY: without it
 * Nagle and delayed ACKs add ~40 ms per exchange). A connection is a state
 * machine, one function per state, all moves through conn_set_state:
 *
 *   DOWN -> CONNECTING -> HANDSHAKE -> HOSTKEY -> AUTH -> READY
 *   any -> LOST -> BACKOFF -> CONNECTING ...   (or DOWN, or CLOSED)
 *
 * In each state we ask libssh2 which way it is blocked and poll the socket
 * for that direction only. libssh2 has no timeouts in non-blocking mode:
 * connect, handshake and auth share one loop timer (connect_timeout), and
 * a READY connection with work sends a keepalive every `keepalive` seconds
 * and is lost when nothing at all came back for three intervals while one
 * was outstanding (bytes are counted in our recv callback; a stopped sshd
 * still ACKs TCP, so TCP itself notices nothing).
 *
 * Jobs wait in the host's pending queue until a READY connection has room,
 * then join its task list (sshchan.c); only one channel open is in flight
 * per session, and after every wake-up every task of the session is
 * stepped, repeatedly, until a whole pass makes no progress: reading one
 * channel pulls every channel's packets off the socket. sshd allows
 * MaxSessions (10) channels per connection; a refused open is not a
 * failure: the connection learns its limit (the channels it had open), its
 * unopened tasks go back to the queue, and the host opens another
 * connection, one at a time (MaxStartups), retrying a dropped handshake
 * with backoff.
 *
 * An idle connection (no tasks) sends no keepalives and is polled only for
 * POLLRDHUP: libssh2 1.10 has no call that reads the socket without a
 * channel, so unread data would make POLLIN fire forever; a peer that
 * closes is still noticed, a dead one when the next job tries it.
 *
 * Loss: when the last READY connection goes, the host is lost:
 * hops->lost first (so the scheduler starts nothing more here), then every
 * task gets done(EXEC_LOST); the connection retries after 1 s, 2 s, ... and
 * after three losses in a row with no job finishing in between, the host
 * is given up. A refused host key or authentication gives up at once.
 * Tasks that are only queued on a lost connection while another connection
 * is READY go back to the queue instead.
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
#include "xalloc.h"

#ifndef POLLRDHUP
#define POLLRDHUP 0
#endif

#define LOSSES_TO_GIVE_UP 3
#define PROBE_CMD "getconf _NPROCESSORS_ONLN 2>/dev/null || nproc"
#define MAX_PASSES 64

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

struct task_list {
	struct exec_task **v;
	size_t n, cap;
};

struct sshconn {
	struct sshhost *h;
	unsigned id;
	enum conn_state state;
	int fd;
	LIBSSH2_SESSION *s;
	struct sshauth *auth;
	const struct addrinfo *ai;     /* the address being tried */
	struct loop_timer *deadline;   /* connect + handshake + auth */
	struct loop_timer *timer;      /* backoff, or the keepalive tick */
	double last_rx;                /* mono time bytes last arrived */
	double ka_sent;                /* first keepalive since last_rx, or 0 */
	struct task_list tasks;
	unsigned limit;                /* channels the server allows, once known */
	bool limit_known;
	unsigned retries;              /* failed attempts since READY */
	bool in_service, again;
};

struct sshhost {
	struct loop *loop;
	struct host_spec spec;
	struct ssh_options o;
	const struct exec_host_ops *hops;
	void *host_arg;
	struct addrinfo *ai;
	struct sshconn **conns;
	size_t nconns;
	struct task_list pending;
	unsigned slots;               /* 0 until known */
	unsigned limit;               /* learned channels per connection, 0 unknown */
	unsigned losses;              /* in a row */
	bool available;               /* ready() said, lost() not since */
	bool reported_down;
	bool given_up;
	bool probing;
	struct buf probe_out;
	struct loop_timer *kick;
};

static void conn_connect(struct sshconn *c);
static void conn_update_io(struct sshconn *c);
static void conn_service(struct sshconn *c);
static void conn_lost(struct sshconn *c, const char *why, bool permanent);
static void host_kick(struct sshhost *h);
static void conn_refused(struct sshconn *c, size_t i);

static void
list_push(struct task_list *l, struct exec_task *t)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xreallocarray(l->v, l->cap, sizeof *l->v);
	}
	l->v[l->n++] = t;
}

static void
list_remove_at(struct task_list *l, size_t i)
{
	memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof *l->v);
	l->n--;
}

static void
conn_set_state(struct sshconn *c, enum conn_state s)
{
	if (c->state == s)
		return;
	log_debug("%s: conn %u: %s -> %s", c->h->spec.name, c->id,
	    conn_state_names[c->state], conn_state_names[s]);
	c->state = s;
}

static bool
conn_connecting(const struct sshconn *c)
{
	return c->state >= CONN_CONNECTING && c->state <= CONN_AUTH;
}

static char *
session_error(LIBSSH2_SESSION *s, const char *what)
{
	char *msg = NULL;

	libssh2_session_last_error(s, &msg, NULL, 0);
	return xasprintf("%s: %s", what, msg != NULL && *msg ? msg : "unknown error");
}

static LIBSSH2_RECV_FUNC(conn_recv)
{
	struct sshconn *c = *abstract;
	ssize_t n = recv(socket, buffer, length, flags);

	if (n < 0)
		return -errno;
	if (n > 0)
		c->last_rx = mono_now();
	return n;
}

static LIBSSH2_SEND_FUNC(conn_send)
{
	ssize_t n;

	(void)abstract;
	n = send(socket, buffer, length, flags | MSG_NOSIGNAL);
	return n < 0 ? -errno : n;
}

/* Drops the session and socket; the tasks are the caller's business. */
static void
conn_teardown(struct sshconn *c, bool graceful)
{
	loop_timer_del(c->h->loop, c->deadline);
	c->deadline = NULL;
	loop_timer_del(c->h->loop, c->timer);
	c->timer = NULL;
	if (c->fd >= 0)
		loop_io_del(c->h->loop, c->fd);
	if (c->s != NULL) {
		if (graceful)
			(void)libssh2_session_disconnect(c->s, "pfan is done");
		sshauth_free(c->auth);
		c->auth = NULL;
		/* With the socket shut, whatever libssh2 still wants to send
		 * fails at once instead of saying EAGAIN. */
		if (c->fd >= 0)
			shutdown(c->fd, SHUT_RDWR);
		for (int i = 0; i < 100 && libssh2_session_free(c->s) == LIBSSH2_ERROR_EAGAIN; i++)
			;
		c->s = NULL;
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
	char *why = xasprintf("%s: no SSH session within %g s (stuck in %s)",
	    c->h->spec.name, c->h->o.connect_timeout, conn_state_names[c->state]);

	c->deadline = NULL;
	conn_lost(c, why, false);
	free(why);
}

static void
conn_fail_errno(struct sshconn *c, const char *what, int err)
{
	char *why = xasprintf("%s: %s %s port %u: %s", c->h->spec.name, what,
	    c->h->spec.address, c->h->spec.port, strerror(err));

	conn_lost(c, why, false);
	free(why);
}

/* A session-level failure: transient unless told otherwise. */
static void
conn_fail_ssh(struct sshconn *c, const char *what)
{
	char *msg = session_error(c->s, what);
	char *why = xasprintf("%s: %s", c->h->spec.name, msg);

	conn_lost(c, why, false);
	free(why);
	free(msg);
}

static void st_handshake(struct sshconn *c);
static void st_auth(struct sshconn *c);

static void
st_hostkey(struct sshconn *c)
{
	char *cause = NULL;

	conn_set_state(c, CONN_HOSTKEY);
	if (sshauth_hostkey(c->s, &c->h->spec, c->h->o.accept_new_hostkeys, &cause) != PFAN_OK) {
		conn_lost(c, cause, true);
		free(cause);
		return;
	}
	conn_set_state(c, CONN_AUTH);
	c->auth = sshauth_new(&c->h->spec);
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

static void on_keepalive(void *arg);

static void
st_ready(struct sshconn *c)
{
	struct sshhost *h = c->h;

	loop_timer_del(h->loop, c->deadline);
	c->deadline = NULL;
	conn_set_state(c, CONN_READY);
	c->retries = 0;
	c->last_rx = mono_now();
	c->ka_sent = 0;
	if (h->limit > 0) {
		c->limit = h->limit;
		c->limit_known = true;
	}
	/* libssh2 paces keepalives in whole seconds from its own clock; our
	 * timer does the pacing, so let it send whenever asked. */
	libssh2_keepalive_config(c->s, 1, 1);
	c->timer = loop_timer_add(h->loop, h->o.keepalive, on_keepalive, c);
	conn_update_io(c);
	host_kick(h);
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

/* OpenSSH's own order, so the key type ssh recorded is the one we get.
 * Only names this libssh2 supports: 1.10 corrupts the list (an overlapping
 * memcpy) when it has to drop one. */
static void
set_hostkey_pref(LIBSSH2_SESSION *s)
{
	static const char *const want[] = {
		"ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
		"ecdsa-sha2-nistp521", "rsa-sha2-512", "rsa-sha2-256", "ssh-rsa",
	};
	const char **have = NULL;
	int n = libssh2_session_supported_algs(s, LIBSSH2_METHOD_HOSTKEY, &have);
	struct buf pref = BUF_INIT;

	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		for (int j = 0; j < n; j++)
			if (strcmp(want[i], have[j]) == 0) {
				buf_addf(&pref, "%s%s", pref.len ? "," : "", want[i]);
				break;
			}
	if (have != NULL)
		libssh2_free(s, have);
	if (pref.len > 0)
		(void)libssh2_session_method_pref(s, LIBSSH2_METHOD_HOSTKEY, pref.data);
	buf_free(&pref);
}

static void
begin_session(struct sshconn *c)
{
	c->s = libssh2_session_init_ex(NULL, NULL, NULL, c);
	if (c->s == NULL)
		fatal("libssh2_session_init failed");
	libssh2_session_callback_set(c->s, LIBSSH2_CALLBACK_RECV, (void *)conn_recv);
	libssh2_session_callback_set(c->s, LIBSSH2_CALLBACK_SEND, (void *)conn_send);
	libssh2_session_set_blocking(c->s, 0);
	set_hostkey_pref(c->s);
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
	loop_io_del(c->h->loop, c->fd);
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
			char *why = xasprintf("%s: connection closed by the server",
			    c->h->spec.name);
			conn_lost(c, why, false);
			free(why);
			break;
		}
		conn_service(c);
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
		loop_io_del(c->h->loop, c->fd);
		return;
	}
	loop_io_set(c->h->loop, c->fd, ev, conn_io, c);
}

static void
conn_connect(struct sshconn *c)
{
	struct sshhost *h = c->h;

	loop_timer_del(h->loop, c->timer);
	c->timer = NULL;
	conn_set_state(c, CONN_CONNECTING);
	c->ai = h->ai;
	c->deadline = loop_timer_add(h->loop, h->o.connect_timeout, on_deadline, c);
	try_connect(c);
}

static void
on_keepalive(void *arg)
{
	struct sshconn *c = arg;
	struct sshhost *h = c->h;
	double now = mono_now(), interval = h->o.keepalive;
	int next = 0;

	c->timer = NULL;
	if (c->tasks.n == 0) {
		c->ka_sent = 0;
	} else if (c->ka_sent > c->last_rx && now - c->last_rx >= 3 * interval) {
		char *why = xasprintf("%s: no answer to keepalives for %.0f s",
		    h->spec.name, now - c->last_rx);
		conn_lost(c, why, false);
		free(why);
		return;
	} else {
		int rc = libssh2_keepalive_send(c->s, &next);
		if (rc != 0 && rc != LIBSSH2_ERROR_EAGAIN) {
			conn_fail_ssh(c, "keepalive");
			return;
		}
		if (c->ka_sent <= c->last_rx)
			c->ka_sent = now;
		conn_update_io(c);
	}
	c->timer = loop_timer_add(h->loop, interval, on_keepalive, c);
}

/* Steps every task until a whole pass makes no progress (see the top). */
static void
conn_service(struct sshconn *c)
{
	struct sshhost *h = c->h;

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
			bool may_open = !opening && sshchan_queued(t);
			enum sshchan_step r = sshchan_step(t, c->s, may_open);

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
				list_remove_at(&c->tasks, i--);
				if (sshchan_end(t) == EXEC_EXITED || sshchan_end(t) == EXEC_SIGNALED)
					h->losses = 0;
				sshchan_finish(t);
				progress = true;
				host_kick(h);
				break;
			case SSHCHAN_BROKEN:
				c->in_service = false;
				conn_fail_ssh(c, "connection");
				return;
			}
		}
		if (!progress && !c->again)
			break;
		if (pass == MAX_PASSES - 1)
			host_kick(h);   /* still busy: continue after others had a turn */
	}
	c->in_service = false;
	conn_update_io(c);
}

/* The server refused the open of c's task i: c is full. */
static void
conn_refused(struct sshconn *c, size_t i)
{
	struct sshhost *h = c->h;
	struct exec_task *t = c->tasks.v[i];
	struct task_list back = { NULL, 0, 0 };
	unsigned open = 0;

	for (size_t j = 0; j < c->tasks.n; j++)
		if (!sshchan_queued(c->tasks.v[j]))
			open++;
	if (open == 0) {
		/* Refused with nothing open: not a limit, a refusal. */
		char *why = xasprintf("%s: %s", h->spec.name, sshchan_refusal(t));
		list_remove_at(&c->tasks, i);
		sshchan_fail(t, EXEC_START_FAILED, why);
		free(why);
		return;
	}
	log_debug("%s: conn %u: %s with %u channels open; using another connection",
	    h->spec.name, c->id, sshchan_refusal(t), open);
	c->limit = open;
	c->limit_known = true;
	if (h->limit == 0 || open < h->limit)
		h->limit = open;
	for (size_t j = 0; j < c->tasks.n; j++) {
		struct exec_task *q = c->tasks.v[j];
		if (!sshchan_queued(q))
			continue;
		list_remove_at(&c->tasks, j--);
		sshchan_requeue(q);
		sshchan_set_owner(q, NULL);
		list_push(&back, q);
	}
	/* Back at the head of the queue, in their order. */
	for (size_t j = 0; j < h->pending.n; j++)
		list_push(&back, h->pending.v[j]);
	free(h->pending.v);
	h->pending = back;
	host_kick(h);
}

static unsigned
conn_room(const struct sshconn *c)
{
	if (c->state != CONN_READY)
		return 0;
	if (!c->limit_known)
		return 1000000;
	return c->limit > c->tasks.n ? c->limit - (unsigned)c->tasks.n : 0;
}

static struct sshconn *
conn_new(struct sshhost *h)
{
	struct sshconn *c = xcalloc(1, sizeof *c);

	c->h = h;
	c->id = (unsigned)h->nconns + 1;
	c->fd = -1;
	c->state = CONN_DOWN;
	h->conns = xreallocarray(h->conns, h->nconns + 1, sizeof *h->conns);
	h->conns[h->nconns++] = c;
	return c;
}

static void
on_backoff(void *arg)
{
	struct sshconn *c = arg;

	c->timer = NULL;
	/* The first connection always comes back; others when needed. */
	if (c->id == 1 || c->h->pending.n > 0)
		conn_connect(c);
	else
		conn_set_state(c, CONN_DOWN);
}

static void
fail_list(struct task_list *l, const char *why)
{
	struct task_list v = *l;

	memset(l, 0, sizeof *l);
	for (size_t i = 0; i < v.n; i++)
		sshchan_fail(v.v[i], EXEC_LOST, why);
	free(v.v);
}

/* Tears c down and fails or requeues its tasks; then decides whether the
 * host is lost, and when c tries again. */
static void
conn_lost(struct sshconn *c, const char *why, bool permanent)
{
	struct sshhost *h = c->h;
	struct task_list lost = { NULL, 0, 0 };
	bool other_ready = false;
	double delay;

	conn_set_state(c, CONN_LOST);
	conn_teardown(c, false);
	for (size_t i = 0; i < h->nconns; i++)
		if (h->conns[i] != c && h->conns[i]->state == CONN_READY)
			other_ready = true;
	for (size_t i = 0; i < c->tasks.n; i++) {
		struct exec_task *t = c->tasks.v[i];
		if (other_ready && !permanent && sshchan_queued(t)) {
			sshchan_set_owner(t, NULL);
			list_push(&h->pending, t);
		} else
			list_push(&lost, t);
	}
	c->tasks.n = 0;
	if (h->probing && !other_ready)
		h->probing = false;   /* the probe was on c; it is in `lost` */

	if (other_ready && !permanent) {
		log_debug("%s: conn %u lost (%s); the host has other connections",
		    h->spec.name, c->id, why);
		delay = 0.5 * (1u << (c->retries < 5 ? c->retries : 5));
		c->retries++;
		conn_set_state(c, CONN_BACKOFF);
		c->timer = loop_timer_add(h->loop, delay, on_backoff, c);
		fail_list(&lost, why);
		host_kick(h);
		return;
	}

	/* The host is down. */
	h->losses++;
	bool give_up = permanent || h->losses >= LOSSES_TO_GIVE_UP;
	bool tell = h->available || !h->reported_down || give_up;
	h->available = false;
	h->reported_down = true;
	if (give_up) {
		h->given_up = true;
		for (size_t i = 0; i < h->nconns; i++) {
			struct sshconn *o = h->conns[i];
			for (size_t j = 0; j < o->tasks.n; j++)
				list_push(&lost, o->tasks.v[j]);
			o->tasks.n = 0;
			conn_teardown(o, false);
			conn_set_state(o, CONN_CLOSED);
		}
	} else {
		delay = 1.0 * (1u << (h->losses - 1 < 5 ? h->losses - 1 : 5));
		log_debug("%s: %s; reconnecting in %g s", h->spec.name, why, delay);
		conn_set_state(c, CONN_BACKOFF);
		c->timer = loop_timer_add(h->loop, delay, on_backoff, c);
	}
	for (size_t j = 0; j < h->pending.n; j++)
		list_push(&lost, h->pending.v[j]);
	h->pending.n = 0;
	if (tell)
		h->hops->lost(h->host_arg, why, give_up);
	fail_list(&lost, why);
}

static void
probe_output(void *job, int stream, const char *data, size_t len)
{
	struct sshhost *h = job;

	if (stream == 1 && h->probe_out.len < 4096)
		buf_add(&h->probe_out, data, len);
}

static void host_announce(struct sshhost *h);

static void
probe_done(void *job, const struct exec_result *r)
{
	struct sshhost *h = job;
	char *end = NULL;
	unsigned long n = 0;

	h->probing = false;
	if (r->end == EXEC_LOST) {
		buf_reset(&h->probe_out);
		return;   /* the connection went; the next one asks again */
	}
	if (r->end == EXEC_EXITED && r->exit_code == 0 && h->probe_out.len > 0)
		n = strtoul(buf_cstr(&h->probe_out), &end, 10);
	if (n == 0 || n > HOSTS_MAX_SLOTS || end == NULL ||
	    end[strspn(end, " \t\r\n")] != '\0') {
		log_warn("%s: cannot learn the number of CPUs (%s -> %.40s); using 1 slot",
		    h->spec.name, PROBE_CMD, buf_cstr(&h->probe_out));
		n = 1;
	}
	buf_reset(&h->probe_out);
	h->slots = (unsigned)n;
	log_debug("%s: %u slots", h->spec.name, h->slots);
	host_announce(h);
}

static const struct exec_job_ops probe_ops = { NULL, probe_output, probe_done };

/* A connection is READY: tell the scheduler, once slots are known. */
static void
host_announce(struct sshhost *h)
{
	struct sshconn *ready = NULL;

	if (h->available || h->given_up)
		return;
	for (size_t i = 0; i < h->nconns && ready == NULL; i++)
		if (h->conns[i]->state == CONN_READY)
			ready = h->conns[i];
	if (ready == NULL)
		return;
	if (h->slots == 0) {
		if (!h->probing) {
			struct exec_task *t = sshchan_new_raw(PROBE_CMD, &probe_ops, h);
			h->probing = true;
			sshchan_set_owner(t, ready);
			list_push(&ready->tasks, t);
			conn_service(ready);
		}
		return;
	}
	h->available = true;
	h->reported_down = false;
	h->hops->ready(h->host_arg, h->slots);
}

/* Moves pending tasks to connections with room; opens another connection
 * when none has room and none is on its way. */
static void
host_dispatch(struct sshhost *h)
{
	struct task_list cancelled = { NULL, 0, 0 };

	for (size_t i = 0; i < h->pending.n; i++) {
		if (sshchan_cancelled(h->pending.v[i])) {
			list_push(&cancelled, h->pending.v[i]);
			list_remove_at(&h->pending, i--);
		}
	}
	while (h->pending.n > 0) {
		struct sshconn *best = NULL;
		unsigned best_room = 0;
		for (size_t i = 0; i < h->nconns; i++) {
			unsigned room = conn_room(h->conns[i]);
			if (room > best_room) {
				best = h->conns[i];
				best_room = room;
			}
		}
		if (best == NULL)
			break;
		struct exec_task *t = h->pending.v[0];
		list_remove_at(&h->pending, 0);
		if (best->tasks.n == 0) {
			best->last_rx = mono_now();   /* idle until now: no stale loss */
			best->ka_sent = 0;
		}
		sshchan_set_owner(t, best);
		list_push(&best->tasks, t);
	}
	if (h->pending.n > 0 && h->available) {
		struct sshconn *spare = NULL;
		bool underway = false;
		for (size_t i = 0; i < h->nconns; i++) {
			struct sshconn *c = h->conns[i];
			if (conn_connecting(c) || c->state == CONN_BACKOFF)
				underway = true;
			else if (c->state == CONN_DOWN && spare == NULL)
				spare = c;
		}
		if (!underway)
			conn_connect(spare != NULL ? spare : conn_new(h));
	}
	for (size_t i = 0; i < cancelled.n; i++)
		sshchan_fail(cancelled.v[i], EXEC_START_FAILED, "cancelled before it started");
	free(cancelled.v);
}

static void
on_kick(void *arg)
{
	struct sshhost *h = arg;

	h->kick = NULL;
	host_announce(h);
	host_dispatch(h);
	for (size_t i = 0; i < h->nconns; i++)
		if (h->conns[i]->state == CONN_READY && h->conns[i]->tasks.n > 0)
			conn_service(h->conns[i]);
}

/* Work to do at the next turn of the loop: never from inside a callback
 * that the scheduler may be running. */
static void
host_kick(struct sshhost *h)
{
	if (h->kick == NULL)
		h->kick = loop_timer_add(h->loop, 0, on_kick, h);
}

static int
host_start(void *impl, const struct exec_request *req, struct exec_task **task,
    char **cause)
{
	struct sshhost *h = impl;
	struct exec_task *t;

	if (h->given_up || !h->available) {
		*cause = xasprintf("%s: the host is not connected", h->spec.name);
		return PFAN_E_SSH;
	}
	t = sshchan_new(req);
	list_push(&h->pending, t);
	host_kick(h);
	*task = t;
	return PFAN_OK;
}

static void
host_cancel(void *impl, struct exec_task *t)
{
	struct sshhost *h = impl;

	sshchan_cancel(t);
	host_kick(h);
}

static void
host_free(void *impl)
{
	struct sshhost *h = impl;

	if (h == NULL)
		return;
	for (size_t i = 0; i < h->nconns; i++) {
		struct sshconn *c = h->conns[i];
		for (size_t j = 0; j < c->tasks.n; j++)
			sshchan_free(c->tasks.v[j]);
		free(c->tasks.v);
		conn_teardown(c, c->state == CONN_READY);
		free(c);
	}
	free(h->conns);
	for (size_t j = 0; j < h->pending.n; j++)
		sshchan_free(h->pending.v[j]);
	free(h->pending.v);
	loop_timer_del(h->loop, h->kick);
	buf_free(&h->probe_out);
	if (h->ai != NULL)
		freeaddrinfo(h->ai);
	free(h->spec.name);
	free(h->spec.address);
	free(h->spec.user);
	free(h->spec.identity);
	free(h->spec.known_hosts);
	free(h);
	libssh2_exit();
}

static const struct executor_ops sshhost_ops = { host_start, host_cancel, host_free };

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

int
sshhost_new(struct sshhost **out, struct loop *loop, const struct host_spec *spec,
    const struct ssh_options *o, const struct exec_host_ops *hops, void *host_arg,
    char **cause)
{
	struct sshhost *h;
	struct addrinfo hints;
	char port[16];
	const char *addr = spec->address != NULL ? spec->address : spec->name;
	int rc;

	*out = NULL;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof port, "%u", spec->port != 0 ? spec->port : 22);
	h = xcalloc(1, sizeof *h);
	rc = getaddrinfo(addr, port, &hints, &h->ai);
	if (rc != 0) {
		*cause = xasprintf("%s: cannot resolve %s: %s", spec->name, addr,
		    rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		free(h);
		return PFAN_E_INPUT;
	}
	if (libssh2_init(0) != 0)
		fatal("libssh2_init failed");
	h->loop = loop;
	h->spec.name = xstrdup(spec->name);
	h->spec.address = xstrdup(addr);
	h->spec.user = dup_or_null(spec->user);
	if (h->spec.user == NULL) {
		const char *u = getenv("USER");
		h->spec.user = xstrdup(u != NULL && *u ? u : "root");
	}
	h->spec.port = spec->port != 0 ? spec->port : 22;
	h->spec.identity = dup_or_null(spec->identity);
	h->spec.known_hosts = dup_or_null(spec->known_hosts);
	h->spec.slots = spec->slots;
	h->slots = spec->slots;
	h->o = *o;
	if (h->o.keepalive <= 0)
		h->o.keepalive = 5;
	if (h->o.connect_timeout <= 0)
		h->o.connect_timeout = 10;
	h->hops = hops;
	h->host_arg = host_arg;
	*out = h;
	return PFAN_OK;
}

void
sshhost_start(struct sshhost *h)
{
	if (h->nconns == 0)
		conn_connect(conn_new(h));
}

struct executor
sshhost_executor(struct sshhost *h)
{
	struct executor ex = { &sshhost_ops, h };

	return ex;
}
