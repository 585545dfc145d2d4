/* sshsftp.c: the SFTP transfer engine (sshsftp.h).
 *
 * Theory of operation. The owner queues operations (put, get, rm), then
 * steps x after every wake-up of the session's socket. x opens its SFTP
 * channel when the owner says it may (libssh2 keeps a channel open's state
 * on the session, so one open is in flight per session), does the
 * operations one after another, each through its phases, and closes the
 * channel. Every libssh2 call may say EAGAIN: the phase is then called
 * again with the same arguments, and x returns WAIT.
 *
 * A put opens the local file (a missing input is the job's fault, said as
 * such), makes the remote directories, writes a temporary file beside the
 * target in chunks of one bounded buffer, sets its permission bits (and
 * mtime), then renames it over the target. SFTP version 3 (OpenSSH) has
 * no overwriting rename, so the target is unlinked first: a reader may see
 * no file for a moment, never a partial one. A get reads into a local
 * temporary file (mode from the remote file) and renames it into place.
 * A failed transfer removes its temporary file on both sides.
 *
 * States, every move through sftp_set_state:
 *   QUEUED -> OPENING -> WORKING -> CLOSING -> DONE
 *   OPENING -> QUEUED: the open was refused
 * Each operation's phases move through sftp_op_phase (logged); the phases
 * themselves are sshsftp_file.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsm.h"
#include "log.h"
#include "sshsftp.h"
#include "sshsftp_impl.h"
#include "xalloc.h"

static const char *const sftp_state_names[] = {
	"queued", "opening", "working", "closing", "done",
};

#define B(s) FSM_TO(s)
static const unsigned sftp_next[] = {
	[SF_QUEUED] = B(SF_OPENING),
	[SF_OPENING] = B(SF_QUEUED) | B(SF_WORKING),
	[SF_WORKING] = B(SF_CLOSING),
	[SF_CLOSING] = B(SF_DONE),
	[SF_DONE] = 0,
};
#undef B
static const struct fsm_def sftp_fsm = FSM_DEF(sftp_state_names, sftp_next);

static const char *const phase_names[] = {
	"start", "stat", "mkdir", "open", "data", "setstat", "close", "unlink",
	"rename", "rmdir", "end",
};

const char *
sftp_phase_name(enum op_phase p)
{
	return phase_names[p];
}

static void
sftp_set_state(struct sshsftp *x, enum sftp_state s)
{
	x->state = fsm_move(&sftp_fsm, x->state, s, "%s: sftp", x->who);
}

void
sftp_op_phase(struct sshsftp *x, enum op_phase p)
{
	log_debug("%s: sftp op %zu: %s -> %s", x->who, x->cur,
	    phase_names[x->phase], phase_names[p]);
	x->phase = p;
}

struct sshsftp *
sshsftp_new(const char *who)
{
	struct sshsftp *x = xcalloc(1, sizeof *x);

	x->who = xstrdup(who);
	x->fd = -1;
	return x;
}

static void
add_op(struct sshsftp *x, enum op_kind kind, const char *local, const char *remote,
    size_t keep, unsigned flags)
{
	if (x->nops == x->cap) {
		x->cap = x->cap ? x->cap * 2 : 4;
		x->ops = xreallocarray(x->ops, x->cap, sizeof *x->ops);
	}
	struct sftp_op *o = &x->ops[x->nops++];
	o->kind = kind;
	o->flags = flags;
	o->local = local != NULL ? xstrdup(local) : NULL;
	o->remote = xstrdup(remote);
	o->keep = keep;
}

void
sshsftp_put(struct sshsftp *x, const char *local, const char *remote,
    size_t mkdir_from, unsigned flags)
{
	add_op(x, OP_PUT, local, remote, mkdir_from, flags);
}

void
sshsftp_get(struct sshsftp *x, const char *remote, const char *local, unsigned flags)
{
	add_op(x, OP_GET, local, remote, 0, flags);
}

void
sshsftp_rm(struct sshsftp *x, const char *remote, size_t keep, unsigned flags)
{
	add_op(x, OP_RM, NULL, remote, keep, flags);
}

size_t
sshsftp_count(const struct sshsftp *x)
{
	return x->nops;
}


static const char *
fx_text(unsigned long fx)
{
	switch (fx) {
	case LIBSSH2_FX_NO_SUCH_FILE: return "no such file";
	case LIBSSH2_FX_PERMISSION_DENIED: return "permission denied";
	case LIBSSH2_FX_FAILURE: return "failed (a full disk, a directory in the way, ...)";
	case LIBSSH2_FX_NO_SPACE_ON_FILESYSTEM: return "no space left on the host";
	case LIBSSH2_FX_QUOTA_EXCEEDED: return "quota exceeded";
	case LIBSSH2_FX_NO_SUCH_PATH: return "no such directory";
	case LIBSSH2_FX_FILE_ALREADY_EXISTS: return "file exists";
	case LIBSSH2_FX_WRITE_PROTECT: return "read-only filesystem";
	case LIBSSH2_FX_CONNECTION_LOST: return "connection lost";
	default: return "refused by the server";
	}
}

/* rc: a libssh2 return code (negative, not EAGAIN). True when the session
 * itself failed; else the operation did. */
bool
sftp_session_failed(int rc)
{
	switch (rc) {
	case LIBSSH2_ERROR_SFTP_PROTOCOL:
	case LIBSSH2_ERROR_CHANNEL_FAILURE:
	case LIBSSH2_ERROR_CHANNEL_REQUEST_DENIED:
	case LIBSSH2_ERROR_CHANNEL_CLOSED:
	case LIBSSH2_ERROR_CHANNEL_EOF_SENT:
	case LIBSSH2_ERROR_CHANNEL_WINDOW_EXCEEDED:
	case LIBSSH2_ERROR_CHANNEL_PACKET_EXCEEDED:
	case LIBSSH2_ERROR_INVAL:
	case LIBSSH2_ERROR_BAD_USE:
	case LIBSSH2_ERROR_BUFFER_TOO_SMALL:
	case LIBSSH2_ERROR_OUT_OF_BOUNDARY:
		return false;
	default:
		return true;
	}
}

/* The first failure is the one the user hears of. */
static void
set_cause(struct sshsftp *x, char *cause)
{
	if (x->cause == NULL)
		x->cause = cause;
	else
		free(cause);
}

char *
sftp_remote_error(struct sshsftp *x, LIBSSH2_SESSION *s, int rc, const char *what,
    const char *path)
{
	if (rc == LIBSSH2_ERROR_SFTP_PROTOCOL)
		return xasprintf("%s '%s': %s", what, path, fx_text(libssh2_sftp_last_error(x->sftp)));
	char *msg = NULL;
	libssh2_session_last_error(s, &msg, NULL, 0);
	return xasprintf("%s '%s': %s", what, path, msg != NULL && *msg ? msg : "failed");
}

/* The current operation failed with cause: undo what it left, then on. */
void
sftp_op_fail(struct sshsftp *x, char *cause)
{
	struct sftp_op *o = &x->ops[x->cur];

	set_cause(x, cause);
	if (o->kind == OP_PUT && x->tmp != NULL) {
		x->undoing = true;
		sftp_op_phase(x, x->h != NULL ? PH_CLOSE : PH_UNLINK);
		return;
	}
	sftp_op_phase(x, x->h != NULL ? PH_CLOSE : PH_END);
	x->undoing = true;
}

/* Ends the current operation (its local side released). */
static void
op_reset(struct sshsftp *x)
{
	if (x->fd >= 0)
		close(x->fd);
	x->fd = -1;
	if (x->tmp != NULL && x->ops[x->cur].kind == OP_GET)
		unlink(x->tmp);   /* a get that did not finish */
	free(x->tmp);
	x->tmp = NULL;
	x->h = NULL;
	x->undoing = false;
	x->off = x->len = 0;
	x->eof = false;
	x->dirpos = 0;
	x->phase = PH_START;
}


/* put's and get's local side. */
static void
op_start(struct sshsftp *x)
{
	struct sftp_op *o = &x->ops[x->cur];

	if (o->kind == OP_RM) {
		sftp_op_phase(x, PH_UNLINK);
		return;
	}
	if (o->kind == OP_PUT) {
		const char *why = NULL;
		x->fd = open(o->local, O_RDONLY | O_CLOEXEC);
		if (x->fd < 0 || fstat(x->fd, &x->st) != 0)
			why = strerror(errno);
		else if (!S_ISREG(x->st.st_mode))
			why = "not a regular file";
		if (why != NULL) {
			x->local_fault = true;
			sftp_op_fail(x, xasprintf("input '%s': %s", o->local, why));
			return;
		}
		x->dirpos = o->keep;
		x->remade = 0;
		sftp_op_phase(x, (o->flags & SSHSFTP_SKIP_SAME) ? PH_STAT : PH_MKDIR);
		return;
	}
	sftp_op_phase(x, PH_OPEN);
}






/* Whether operation i is to be done now. */
static bool
op_wanted(const struct sshsftp *x, size_t i)
{
	unsigned f = x->ops[i].flags;

	if (f & SSHSFTP_IF_FAILED)
		return x->cause != NULL;
	return x->cause == NULL || (f & SSHSFTP_ALWAYS);
}

/* 1 progress, 0 wait, -1 broken. */
static int
work_step(struct sshsftp *x, LIBSSH2_SESSION *s)
{
	while (x->cur < x->nops && x->phase == PH_START && !op_wanted(x, x->cur))
		x->cur++;
	if (x->cur == x->nops) {
		sftp_set_state(x, SF_CLOSING);
		return 1;
	}
	struct sftp_op *o = &x->ops[x->cur];
	if (x->phase == PH_START) {
		op_start(x);
		return 1;
	}
	if (x->phase == PH_END) {
		op_reset(x);
		x->cur++;
		return 1;
	}
	if (o->kind == OP_RM)
		return sftp_rm_step(x);
	if (o->kind == OP_PUT)
		return sftp_put_step(x, s);
	return sftp_get_step(x, s);
}

enum sshsftp_step
sshsftp_step(struct sshsftp *x, LIBSSH2_SESSION *s, bool may_open)
{
	bool progress = false;

	for (;;) {
		int rc;
		switch (x->state) {
		case SF_QUEUED:
			if (!may_open)
				return progress ? SSHSFTP_PROGRESS : SSHSFTP_WAIT;
			sftp_set_state(x, SF_OPENING);
			break;
		case SF_OPENING:
			x->sftp = libssh2_sftp_init(s);
			if (x->sftp == NULL) {
				rc = libssh2_session_last_errno(s);
				if (rc == LIBSSH2_ERROR_EAGAIN)
					return progress ? SSHSFTP_PROGRESS : SSHSFTP_WAIT;
				if (rc == LIBSSH2_ERROR_CHANNEL_FAILURE) {
					sftp_set_state(x, SF_QUEUED);
					return SSHSFTP_REFUSED;
				}
				if (sftp_session_failed(rc))
					return SSHSFTP_BROKEN;
				char *msg = NULL;
				libssh2_session_last_error(s, &msg, NULL, 0);
				set_cause(x, xasprintf("no SFTP on the host: %s",
				    msg != NULL && *msg ? msg : "refused"));
				sftp_set_state(x, SF_WORKING);
				sftp_set_state(x, SF_CLOSING);
				sftp_set_state(x, SF_DONE);
				return SSHSFTP_DONE;
			}
			if (x->buf == NULL)
				x->buf = xmalloc(SFTP_BUF);
			sftp_set_state(x, SF_WORKING);
			break;
		case SF_WORKING:
			rc = work_step(x, s);
			if (rc < 0)
				return SSHSFTP_BROKEN;
			if (rc == 0)
				return progress ? SSHSFTP_PROGRESS : SSHSFTP_WAIT;
			break;
		case SF_CLOSING:
			rc = libssh2_sftp_shutdown(x->sftp);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return progress ? SSHSFTP_PROGRESS : SSHSFTP_WAIT;
			x->sftp = NULL;
			if (rc < 0 && sftp_session_failed(rc))
				return SSHSFTP_BROKEN;
			sftp_set_state(x, SF_DONE);
			return SSHSFTP_DONE;
		case SF_DONE:
			return SSHSFTP_DONE;
		}
		progress = true;
	}
}

bool
sshsftp_opening(const struct sshsftp *x)
{
	return x->state == SF_OPENING;
}

const char *
sshsftp_cause(const struct sshsftp *x)
{
	return x->cause;
}

bool
sshsftp_local_fault(const struct sshsftp *x)
{
	return x->local_fault;
}

unsigned long long
sshsftp_sent(const struct sshsftp *x)
{
	return x->sent;
}

unsigned long long
sshsftp_received(const struct sshsftp *x)
{
	return x->received;
}

void
sshsftp_free(struct sshsftp *x)
{
	if (x == NULL)
		return;
	if (x->cur < x->nops)
		op_reset(x);
	for (size_t i = 0; i < x->nops; i++) {
		free(x->ops[i].local);
		free(x->ops[i].remote);
	}
	free(x->ops);
	free(x->buf);
	free(x->cause);
	free(x->who);
	free(x);
}
