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
 * three intervals while one was outstanding (at least 60 s once it has
 * carried jobs for 10 minutes: keepalive.c says why). Bytes are counted as they
 * arrive (sshsess.c), since libssh2 never says a keepalive went unanswered
 * and a stopped sshd still ACKs TCP.
 *
 * Servicing the channels a connection carries is sshmux.c's.
 *
 * An idle connection (no tasks) sends no keepalives and is polled for
 * POLLRDHUP only: libssh2 1.10 has no call that reads the socket without a
 * channel, so unread data (a late keepalive reply) would make POLLIN fire
 * forever. A peer that closes is still noticed; a dead one when the next
 * job tries it.
 *
 * Policy (when to reconnect, when the host is lost or given up, where a
 * task goes) is the owner's (sshhost.c): a connection only reports, through
 * struct sshconn_events.
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
#include "fsm.h"
#include "keepalive.h"
#include "log.h"
#include "sshauth.h"
#include "sshchan.h"
#include "sshconn.h"
#include "sshconn_impl.h"
#include "sshsess.h"
#include "xalloc.h"

#ifndef POLLRDHUP
#define POLLRDHUP 0
#endif

static const char *const conn_state_names[] = {
	"down", "connecting", "handshake", "hostkey", "auth", "ready", "lost",
	"backoff", "closed",
};


#define B(s) FSM_TO(s)
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
static const struct fsm_def conn_fsm = FSM_DEF(conn_state_names, conn_next);

static void
conn_set_state(struct sshconn *c, enum conn_state s)
{
	c->state = fsm_move(&conn_fsm, c->state, s, "%s: conn %u", c->spec->name, c->id);
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
	c->zero_refusals = 0;
	if (c->fd >= 0)
		loop_io_del(c->loop, c->fd);
	fwd_drop_all(c);   /* the connections behind see EOF */
	warm_drop_all(c);  /* their shells read EOF and exit */
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
void
conn_fail_ssh(struct sshconn *c, const char *what)
{
	char *why;

	if (c->io.disconnected)
		why = xasprintf("%s: the server disconnected: %s", what,
		    *c->io.peer_said ? c->io.peer_said : "(no reason given)");
	else if (c->io.rx_error == -1)
		why = xasprintf("%s: connection closed by the server", what);
	else if (c->io.rx_error > 0)
		why = xasprintf("%s: %s", what, strerror(c->io.rx_error));
	else if (c->io.tx_error > 0)
		why = xasprintf("%s: %s", what, strerror(c->io.tx_error));
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
	if (sshauth_hostkey(c->s, c->spec, c->o->accept_new_hostkeys, &c->hostkey,
	    &cause) != PFAN_OK) {
		conn_lost(c, cause, true);
		free(cause);
		return;
	}
	conn_set_state(c, CONN_AUTH);
	c->auth_tried = true;
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
	c->busy_since = 0;
	/* libssh2 paces keepalives in whole seconds from its own clock; our
	 * timer does the pacing, so let it send whenever asked. */
	libssh2_keepalive_config(c->s, 1, 1);
	c->timer = loop_timer_add(c->loop, c->o->keepalive, on_keepalive, c);
	conn_update_io(c);
	c->ev->ready(c->owner, c);
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
		/* Only the server's answer gives the host up. libssh2 tells a
		 * connection dropped while a key is tried as that key refused
		 * ("Waiting for USERAUTH response"): the socket knows better. */
		if (sshsess_broken(&c->io) || transient_auth_error(c->s))
			conn_fail_ssh(c, "authentication");
		else
			conn_lost(c, cause, true);
		free(cause);
		return;
	}
	free(c->login);
	c->login = xstrdup(sshauth_method(c->auth));
	sshauth_free(c->auth);
	c->auth = NULL;
	st_ready(c);
}

/* The kernel's own measure of the round trip (from the SYN and its
 * answer), free of our loop's delay; -1 where there is none (a socket
 * from a jump host). */
static double
kernel_rtt(int fd)
{
#if defined(__linux__) && defined(TCP_INFO)
	struct tcp_info ti;
	socklen_t len = sizeof ti;

	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 && ti.tcpi_rtt > 0)
		return ti.tcpi_rtt / 1e6;
#else
	(void)fd;
#endif
	return -1;
}

static void
begin_session(struct sshconn *c)
{
	double rtt = kernel_rtt(c->fd);

	if (rtt > 0)
		c->tcp_rtt = rtt;
	c->tcp_up = true;
	c->s = sshsess_new(&c->io);
	conn_set_state(c, CONN_HANDSHAKE);
	st_handshake(c);
}

bool
conn_busy(const struct sshconn *c)
{
	return c->tasks.n > 0 || c->nwarm > 0 || c->nfwd > 0 || c->agent != NULL;
}

/* No addresses: the owner hands us a connected socket (ProxyJump). */
static void
dial(struct sshconn *c)
{
	char *cause = NULL;
	bool permanent = false;

	c->fd = c->ev->dial(c->owner, c, &cause, &permanent);
	if (c->fd < 0) {
		conn_lost(c, cause, permanent);
		free(cause);
		return;
	}
	begin_session(c);
}

/* Tries c->ai and the addresses after it. */
static void
try_connect(struct sshconn *c)
{
	int err = 0;

	if (c->addrs == NULL && c->ev->dial != NULL) {
		dial(c);
		return;
	}

	for (; c->ai != NULL; c->ai = c->ai->ai_next) {
		int one = 1;
		c->fd = socket(c->ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (c->fd < 0) {
			err = errno;
			continue;
		}
		(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		c->tcp_t0 = mono_now();
		if (connect(c->fd, c->ai->ai_addr, c->ai->ai_addrlen) == 0) {
			c->tcp_rtt = mono_now() - c->tcp_t0;
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
		/* One round trip (SYN, SYN-ACK), plus the loop's delay:
		 * begin_session asks the kernel for a better figure. */
		c->tcp_rtt = mono_now() - c->tcp_t0;
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
		if (!conn_busy(c) && (revents & (POLLRDHUP | POLLHUP | POLLERR))) {
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

void
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
		if (c->state != CONN_READY || conn_busy(c))
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
	double bound;
	int next = 0;

	c->timer = NULL;
	/* Measured from the first tick that saw tasks: an interval late at
	 * most, which only delays the longer bound. */
	if (!conn_busy(c))
		c->busy_since = 0;
	else if (c->busy_since == 0)
		c->busy_since = now;
	bound = keepalive_loss_bound(interval, c->busy_since > 0 ? now - c->busy_since : 0);
	if (!conn_busy(c)) {
		c->ka_sent = 0;
	} else if (c->ka_sent > c->io.last_rx && now - c->io.last_rx >= bound) {
		char *why = xasprintf("no answer to keepalives for %.0f s",
		    now - c->io.last_rx);
		conn_lost(c, why, false);
		free(why);
		return;
	} else {
		int rc = libssh2_keepalive_send(c->s, &next);
		/* BAD_USE: a channel's part-sent packet (--pipe) goes first;
		 * the next keepalive will do. */
		if (rc != 0 && rc != LIBSSH2_ERROR_EAGAIN && rc != LIBSSH2_ERROR_BAD_USE) {
			conn_fail_ssh(c, "keepalive");
			return;
		}
		if (c->ka_sent <= c->io.last_rx)
			c->ka_sent = now;
		conn_update_io(c);
	}
	/* Unanswered: look again when the silence reaches the bound, not
	 * at the next tick, which could be up to an interval later. */
	if (c->ka_sent > c->io.last_rx) {
		double due = c->io.last_rx + bound - now;
		if (due < delay)
			delay = due > 0.01 ? due : 0.01;
	}
	c->timer = loop_timer_add(c->loop, delay, on_keepalive, c);
}

/* Tears c down and hands all its tasks to the owner, which decides. */
void
conn_lost(struct sshconn *c, const char *why, bool permanent)
{
	struct sshchan_list tasks = c->tasks;

	memset(&c->tasks, 0, sizeof c->tasks);
	conn_set_state(c, CONN_LOST);
	conn_teardown(c, false);
	c->ev->lost(c->owner, c, &tasks, why, permanent);
	sshchan_list_free(&tasks);   /* what the owner left in it */
}

struct sshconn *
sshconn_new(unsigned id, struct loop *loop, const struct host_spec *spec,
    const struct ssh_options *o, const struct addrinfo *ai,
    const struct sshconn_events *ev, void *owner)
{
	struct sshconn *c = xcalloc(1, sizeof *c);

	c->ev = ev;
	c->owner = owner;
	c->id = id;
	c->loop = loop;
	c->spec = spec;
	c->o = o;
	c->addrs = ai;
	c->fd = -1;
	c->tcp_rtt = -1;
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
	free(c->login);
	free(c->warm_failure);
	free(c->agent_failure);
	free(c->warm);
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
	c->tcp_up = c->auth_tried = false;
	c->tcp_rtt = -1;
	c->hostkey = SSHAUTH_KEY_UNCHECKED;
	free(c->login);
	c->login = NULL;
	c->deadline = loop_timer_add(c->loop, c->o->connect_timeout, on_deadline, c);
	try_connect(c);
}

static void
on_backoff(void *arg)
{
	struct sshconn *c = arg;

	c->timer = NULL;
	c->ev->retry(c->owner, c);
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

void
sshconn_facts(const struct sshconn *c, struct sshconn_facts *f)
{
	f->connected = c->tcp_up;
	f->rtt = c->tcp_rtt;
	f->hostkey = sshauth_key_name(c->hostkey);
	f->auth_tried = c->auth_tried;
	f->login = c->login;
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
