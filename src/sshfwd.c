/* sshfwd.c: the direct-tcpip channels ("tunnels") a connection carries
 * for the connections behind it (ProxyJump): sshconn.h's sshconn_add_tunnel
 * and sshconn_ntunnels, and fwd_* for sshconn.c and sshmux.c.
 *
 * Theory of operation. libssh2 wants a socket for each session, so a
 * connection behind a jump host gets one end of a socketpair and its
 * tunnel here pumps the other end to and from a direct-tcpip channel of
 * the jump host's session, in the caller's loop: read the socket while
 * the up buffer has room, write the channel; read the channel while the
 * down buffer has room, write the socket. Both buffers are bounded, so a
 * slow side stalls the other instead of growing memory; the socket is
 * polled only for what it can do now. EOF goes across both ways; the
 * tunnel ends when both ways have ended, or when either side fails (then
 * the socket is closed and the session behind it sees EOF). A jump
 * connection carries only tunnels, never exec channels: libssh2 keeps the
 * state of a channel open in flight on the session, so the two kinds must
 * not interleave, and one open at a time is in flight here.
 *
 * States, every move through fwd_set_state:
 *   QUEUED -> OPENING -> OPEN -> FREEING -> (removed)
 *   QUEUED, OPENING -> (removed): the open failed, or the connection went
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fsm.h"
#include "log.h"
#include "sshconn.h"
#include "sshconn_impl.h"
#include "xalloc.h"

#define FWD_BUF 32768

enum fwd_state { FWD_QUEUED, FWD_OPENING, FWD_OPEN, FWD_FREEING };

static const char *const fwd_state_names[] = { "queued", "opening", "open", "freeing" };

#define B(s) FSM_TO(s)
static const unsigned fwd_next[] = {
	[FWD_QUEUED] = B(FWD_OPENING),
	[FWD_OPENING] = B(FWD_OPEN),
	[FWD_OPEN] = B(FWD_FREEING),
	[FWD_FREEING] = 0,
};
#undef B
static const struct fsm_def fwd_fsm = FSM_DEF(fwd_state_names, fwd_next);

struct sshfwd {
	struct sshconn *c;
	enum fwd_state state;
	int fd;                 /* our end of the socketpair */
	char *host;
	unsigned port;
	LIBSSH2_CHANNEL *ch;
	char up[FWD_BUF];       /* from fd, for the channel */
	size_t up_len;
	char down[FWD_BUF];     /* from the channel, for fd */
	size_t down_off, down_len;
	bool fd_eof, eof_sent, ch_eof, fd_shut;
};

enum fwd_step { FWD_WAIT, FWD_PROGRESS, FWD_END, FWD_BROKEN };

static void
fwd_set_state(struct sshfwd *f, enum fwd_state s)
{
	f->state = fsm_move(&fwd_fsm, f->state, s, "%s: conn %u: tunnel to %s port %u",
	    f->c->spec->name, f->c->id, f->host, f->port);
}

static void
fwd_io(void *arg, int fd, short revents)
{
	struct sshfwd *f = arg;

	(void)fd;
	(void)revents;
	sshconn_service(f->c);
}

/* Polls fd for what the tunnel can do with it now. */
static void
fwd_update_io(struct sshfwd *f)
{
	short ev = 0;

	if (f->state == FWD_OPEN) {
		if (!f->fd_eof && f->up_len < FWD_BUF)
			ev |= POLLIN;
		if (f->down_len > 0)
			ev |= POLLOUT;
	}
	if (ev == 0)
		loop_io_del(f->c->loop, f->fd);
	else
		loop_io_set(f->c->loop, f->fd, ev, fwd_io, f);
}

static void
fwd_free(struct sshfwd *f)
{
	loop_io_del(f->c->loop, f->fd);
	close(f->fd);
	free(f->host);
	free(f);
}

void
sshconn_add_tunnel(struct sshconn *c, int fd, const char *host, unsigned port)
{
	struct sshfwd *f = xcalloc(1, sizeof *f);

	f->c = c;
	f->fd = fd;
	f->host = xstrdup(host);
	f->port = port;
	f->state = FWD_QUEUED;
	c->fwd = xreallocarray(c->fwd, c->nfwd + 1, sizeof *c->fwd);
	c->fwd[c->nfwd++] = f;
	if (c->nfwd == 1 && c->tasks.n == 0) {
		c->io.last_rx = mono_now();   /* idle until now: no stale loss */
		c->ka_sent = 0;
	}
}

size_t
sshconn_ntunnels(const struct sshconn *c)
{
	return c->nfwd;
}

void
fwd_drop_all(struct sshconn *c)
{
	for (size_t i = 0; i < c->nfwd; i++)
		fwd_free(c->fwd[i]);   /* their channels go with the session */
	free(c->fwd);
	c->fwd = NULL;
	c->nfwd = 0;
}

/* A failed channel call: the session's loss, or only the tunnel's. */
static enum fwd_step
fwd_failed(struct sshfwd *f, const char *what)
{
	char *msg = NULL;

	if (sshsess_broken(&f->c->io))
		return FWD_BROKEN;
	libssh2_session_last_error(f->c->s, &msg, NULL, 0);
	log_debug("%s: conn %u: tunnel to %s port %u: %s: %s", f->c->spec->name,
	    f->c->id, f->host, f->port, what, msg != NULL ? msg : "?");
	return FWD_END;
}

static enum fwd_step
fwd_open(struct sshfwd *f, bool may_open)
{
	struct sshconn *c = f->c;
	char *msg = NULL;

	if (f->state == FWD_QUEUED) {
		if (!may_open)
			return FWD_WAIT;
		fwd_set_state(f, FWD_OPENING);
	}
	f->ch = libssh2_channel_direct_tcpip_ex(c->s, f->host, (int)f->port, "127.0.0.1", 0);
	if (f->ch != NULL) {
		fwd_set_state(f, FWD_OPEN);
		return FWD_PROGRESS;
	}
	if (libssh2_session_last_errno(c->s) == LIBSSH2_ERROR_EAGAIN)
		return FWD_WAIT;
	if (sshsess_broken(&c->io))
		return FWD_BROKEN;
	libssh2_session_last_error(c->s, &msg, NULL, 0);
	/* Said as a warning: the connection behind sees only an EOF. */
	log_warn("%s: the jump host cannot open a connection to %s port %u "
	    "(%s): is that host up, and does the jump host's sshd allow "
	    "forwarding (AllowTcpForwarding)?", c->spec->name, f->host, f->port,
	    msg != NULL && *msg ? msg : "refused");
	return FWD_END;
}

static enum fwd_step
fwd_pump(struct sshfwd *f)
{
	bool progress = false;
	ssize_t n;

	if (!f->fd_eof && f->up_len < FWD_BUF) {
		n = read(f->fd, f->up + f->up_len, FWD_BUF - f->up_len);
		if (n > 0) {
			f->up_len += (size_t)n;
			progress = true;
		} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			f->fd_eof = true;
			progress = true;
		}
	}
	while (f->up_len > 0) {
		n = libssh2_channel_write(f->ch, f->up, f->up_len);
		if (n == LIBSSH2_ERROR_EAGAIN)
			break;
		if (n < 0)
			return fwd_failed(f, "write");
		memmove(f->up, f->up + n, f->up_len - (size_t)n);
		f->up_len -= (size_t)n;
		progress = true;
	}
	if (f->fd_eof && f->up_len == 0 && !f->eof_sent) {
		int rc = libssh2_channel_send_eof(f->ch);
		if (rc == 0) {
			f->eof_sent = true;
			progress = true;
		} else if (rc != LIBSSH2_ERROR_EAGAIN) {
			return fwd_failed(f, "EOF");
		}
	}
	if (f->down_len == 0)
		f->down_off = 0;
	if (!f->ch_eof && f->down_off + f->down_len < FWD_BUF) {
		n = libssh2_channel_read(f->ch, f->down + f->down_off + f->down_len,
		    FWD_BUF - f->down_off - f->down_len);
		if (n > 0) {
			f->down_len += (size_t)n;
			progress = true;
		} else if (n != LIBSSH2_ERROR_EAGAIN && n < 0) {
			return fwd_failed(f, "read");
		} else if (libssh2_channel_eof(f->ch)) {
			f->ch_eof = true;
			progress = true;
		}
	}
	if (f->down_len > 0) {
		n = write(f->fd, f->down + f->down_off, f->down_len);
		if (n > 0) {
			f->down_off += (size_t)n;
			f->down_len -= (size_t)n;
			progress = true;
		} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
			return FWD_END;   /* the session behind is gone */
		}
	}
	if (f->ch_eof && f->down_len == 0 && !f->fd_shut) {
		(void)shutdown(f->fd, SHUT_WR);
		f->fd_shut = true;
		progress = true;
	}
	if (f->ch_eof && f->down_len == 0 && f->eof_sent)
		return FWD_END;
	return progress ? FWD_PROGRESS : FWD_WAIT;
}

/* FREEING: the channel closed and freed; then the tunnel goes. */
static enum fwd_step
fwd_close(struct sshfwd *f)
{
	int rc;

	if (f->ch == NULL)
		return FWD_END;
	if (f->state != FWD_FREEING)
		fwd_set_state(f, FWD_FREEING);
	rc = libssh2_channel_free(f->ch);
	if (rc == LIBSSH2_ERROR_EAGAIN)
		return FWD_WAIT;
	f->ch = NULL;
	if (rc != 0 && sshsess_broken(&f->c->io))
		return FWD_BROKEN;
	return FWD_END;
}

bool
fwd_service(struct sshconn *c, bool *broken)
{
	bool progress = false, opening = false;

	*broken = false;
	for (size_t i = 0; i < c->nfwd; i++)
		if (c->fwd[i]->state == FWD_OPENING)
			opening = true;
	for (size_t i = 0; i < c->nfwd; i++) {
		struct sshfwd *f = c->fwd[i];
		enum fwd_step r;

		switch (f->state) {
		case FWD_QUEUED:
		case FWD_OPENING:
			r = fwd_open(f, !opening);
			if (f->state == FWD_OPENING)
				opening = true;
			break;
		case FWD_OPEN:
			r = fwd_pump(f);
			if (r == FWD_END)
				r = fwd_close(f);
			break;
		default:
			r = fwd_close(f);
			break;
		}
		if (r == FWD_BROKEN) {
			*broken = true;
			return true;
		}
		if (r == FWD_END) {
			fwd_free(f);
			c->fwd[i] = c->fwd[--c->nfwd];
			i--;
			progress = true;
			continue;
		}
		if (r == FWD_PROGRESS)
			progress = true;
		fwd_update_io(f);
	}
	return progress;
}
