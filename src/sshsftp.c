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
 * Each operation's phases move through op_phase (checked the same way).
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
#include "xalloc.h"

#define SFTP_BUF (256 * 1024)   /* libssh2 pipelines a long read or write */

enum sftp_state { SF_QUEUED, SF_OPENING, SF_WORKING, SF_CLOSING, SF_DONE };

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

enum op_kind { OP_PUT, OP_GET, OP_RM };

/* An operation's phases; not every kind passes every one. */
enum op_phase {
	PH_START,     /* local side opened */
	PH_STAT,      /* put SKIP_SAME: the remote file's size and mtime */
	PH_MKDIR,     /* put: the remote parents, one at a time */
	PH_OPEN,      /* the remote file (put: the temporary one) */
	PH_DATA,      /* put: write; get: read */
	PH_SETSTAT,   /* put: mode (and mtime); get: fstat for the mode */
	PH_CLOSE,     /* the remote handle */
	PH_UNLINK,    /* put: the old target; rm: the file; undo: the temporary file */
	PH_RENAME,    /* put: temporary -> target */
	PH_RMDIR,     /* rm: the emptied parents, deepest first */
	PH_END,
};

static const char *const phase_names[] = {
	"start", "stat", "mkdir", "open", "data", "setstat", "close", "unlink",
	"rename", "rmdir", "end",
};

struct sftp_op {
	enum op_kind kind;
	unsigned flags;
	char *local, *remote;
	size_t keep;           /* put: parents from here are ours to make; rm: to remove */
};

struct sshsftp {
	char *who;
	enum sftp_state state;
	LIBSSH2_SFTP *sftp;
	struct sftp_op *ops;
	size_t nops, cap, cur;
	/* The current operation. */
	enum op_phase phase;
	LIBSSH2_SFTP_HANDLE *h;
	int fd;                   /* local file */
	char *tmp;                /* remote (put) or local (get) temporary name */
	bool undoing;             /* a failed put: closing and unlinking tmp */
	size_t dirpos;            /* PH_MKDIR/PH_RMDIR: how far along the path */
	struct stat st;           /* put: the local file */
	char *buf;
	size_t off, len;          /* the buffer's bytes not yet written */
	bool eof;
	/* The outcome. */
	char *cause;
	bool local_fault;
	unsigned long long sent, received;
};

static void
sftp_set_state(struct sshsftp *x, enum sftp_state s)
{
	x->state = fsm_move(&sftp_fsm, x->state, s, "%s: sftp", x->who);
}

static void
op_phase(struct sshsftp *x, enum op_phase p)
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

/* The name beside path that a partial file has. */
static char *
temp_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash != NULL ? (size_t)(slash - path + 1) : 0;
	static unsigned counter;

	return xasprintf("%.*s.%s.pfan-%ld-%u", (int)dirlen, path, path + dirlen,
	    (long)getpid(), ++counter);
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
static bool
session_failed(int rc)
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

static char *
remote_error(struct sshsftp *x, LIBSSH2_SESSION *s, int rc, const char *what,
    const char *path)
{
	if (rc == LIBSSH2_ERROR_SFTP_PROTOCOL)
		return xasprintf("%s '%s': %s", what, path, fx_text(libssh2_sftp_last_error(x->sftp)));
	char *msg = NULL;
	libssh2_session_last_error(s, &msg, NULL, 0);
	return xasprintf("%s '%s': %s", what, path, msg != NULL && *msg ? msg : "failed");
}

/* The current operation failed with cause: undo what it left, then on. */
static void
op_fail(struct sshsftp *x, char *cause)
{
	struct sftp_op *o = &x->ops[x->cur];

	set_cause(x, cause);
	if (o->kind == OP_PUT && x->tmp != NULL) {
		x->undoing = true;
		op_phase(x, x->h != NULL ? PH_CLOSE : PH_UNLINK);
		return;
	}
	op_phase(x, x->h != NULL ? PH_CLOSE : PH_END);
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

static int
mkdir_parents_local(char *path)
{
	for (char *p = strchr(path + 1, '/'); p != NULL; p = strchr(p + 1, '/')) {
		*p = '\0';
		int rc = mkdir(path, 0777);
		*p = '/';
		if (rc != 0 && errno != EEXIST)
			return -1;
	}
	return 0;
}

/* put's and get's local side. */
static void
op_start(struct sshsftp *x)
{
	struct sftp_op *o = &x->ops[x->cur];

	if (o->kind == OP_RM) {
		op_phase(x, PH_UNLINK);
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
			op_fail(x, xasprintf("input '%s': %s", o->local, why));
			return;
		}
		x->dirpos = o->keep;
		op_phase(x, (o->flags & SSHSFTP_SKIP_SAME) ? PH_STAT : PH_MKDIR);
		return;
	}
	op_phase(x, PH_OPEN);
}

/* PH_MKDIR: the next parent of the remote path, failures ignored (it
 * exists, most often; if not, the open says why). */
static int
op_mkdir(struct sshsftp *x)
{
	struct sftp_op *o = &x->ops[x->cur];
	const char *slash = strchr(o->remote + x->dirpos, '/');

	while (slash == o->remote) /* an absolute path's root */
		slash = strchr(slash + 1, '/');
	if (slash == NULL) {
		x->tmp = temp_name(o->remote);
		op_phase(x, PH_OPEN);
		return 1;
	}
	int rc = libssh2_sftp_mkdir_ex(x->sftp, o->remote, (unsigned)(slash - o->remote), 0700);
	if (rc == LIBSSH2_ERROR_EAGAIN)
		return 0;
	if (rc < 0 && session_failed(rc))
		return -1;
	x->dirpos = (size_t)(slash - o->remote) + 1;
	return 1;
}

static int
put_step(struct sshsftp *x, LIBSSH2_SESSION *s)
{
	struct sftp_op *o = &x->ops[x->cur];
	LIBSSH2_SFTP_ATTRIBUTES a;
	int rc;

	switch (x->phase) {
	case PH_STAT:
		memset(&a, 0, sizeof a);
		rc = libssh2_sftp_stat_ex(x->sftp, o->remote, (unsigned)strlen(o->remote),
		    LIBSSH2_SFTP_STAT, &a);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return 0;
		if (rc < 0 && session_failed(rc))
			return -1;
		if (rc == 0 && (a.flags & LIBSSH2_SFTP_ATTR_SIZE) &&
		    (a.flags & LIBSSH2_SFTP_ATTR_ACMODTIME) &&
		    a.filesize == (libssh2_uint64_t)x->st.st_size &&
		    a.mtime == (unsigned long)x->st.st_mtime) {
			log_debug("%s: %s: the same on the host, not sent", x->who, o->remote);
			op_phase(x, PH_END);
			return 1;
		}
		op_phase(x, PH_MKDIR);
		return 1;
	case PH_MKDIR:
		return op_mkdir(x);
	case PH_OPEN:
		x->h = libssh2_sftp_open_ex(x->sftp, x->tmp, (unsigned)strlen(x->tmp),
		    LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT | LIBSSH2_FXF_TRUNC,
		    0600, LIBSSH2_SFTP_OPENFILE);
		if (x->h == NULL) {
			rc = libssh2_session_last_errno(s);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return 0;
			if (session_failed(rc))
				return -1;
			free(x->tmp);
			x->tmp = NULL;   /* not made */
			op_fail(x, remote_error(x, s, rc, "cannot send to", o->remote));
			return 1;
		}
		op_phase(x, PH_DATA);
		return 1;
	case PH_DATA:
		if (x->off == x->len && !x->eof) {
			ssize_t n = read(x->fd, x->buf, SFTP_BUF);
			if (n < 0) {
				x->local_fault = true;
				op_fail(x, xasprintf("input '%s': %s", o->local, strerror(errno)));
				return 1;
			}
			x->off = 0;
			x->len = (size_t)n;
			x->eof = n == 0;
		}
		if (x->off == x->len) {
			op_phase(x, PH_SETSTAT);
			return 1;
		}
		ssize_t w = libssh2_sftp_write(x->h, x->buf + x->off, x->len - x->off);
		if (w == LIBSSH2_ERROR_EAGAIN)
			return 0;
		if (w < 0) {
			if (session_failed((int)w))
				return -1;
			op_fail(x, remote_error(x, s, (int)w, "cannot send to", o->remote));
			return 1;
		}
		x->off += (size_t)w;
		x->sent += (unsigned long long)w;
		return 1;
	case PH_SETSTAT:
		memset(&a, 0, sizeof a);
		a.flags = LIBSSH2_SFTP_ATTR_PERMISSIONS;
		a.permissions = x->st.st_mode & 07777;
		if (o->flags & SSHSFTP_MTIME) {
			a.flags |= LIBSSH2_SFTP_ATTR_ACMODTIME;
			a.atime = (unsigned long)x->st.st_atime;
			a.mtime = (unsigned long)x->st.st_mtime;
		}
		rc = libssh2_sftp_fsetstat(x->h, &a);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return 0;
		if (rc < 0 && session_failed(rc))
			return -1;
		if (rc < 0) {
			op_fail(x, remote_error(x, s, rc, "cannot set the mode of", o->remote));
			return 1;
		}
		op_phase(x, PH_CLOSE);
		return 1;
	case PH_CLOSE:
		rc = libssh2_sftp_close_handle(x->h);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return 0;
		x->h = NULL;
		if (rc < 0 && session_failed(rc))
			return -1;
		if (rc < 0 && !x->undoing)   /* the server's close is where a full disk may show */
			op_fail(x, remote_error(x, s, rc, "cannot send to", o->remote));
		else
			op_phase(x, PH_UNLINK);   /* undoing: the temporary file; else the old target */
		return 1;
	case PH_UNLINK: {
		const char *victim = x->undoing ? x->tmp : o->remote;
		rc = libssh2_sftp_unlink_ex(x->sftp, victim, (unsigned)strlen(victim));
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return 0;
		if (rc < 0 && session_failed(rc))
			return -1;
		op_phase(x, x->undoing ? PH_END : PH_RENAME);
		return 1;
	}
	case PH_RENAME:
		rc = libssh2_sftp_rename_ex(x->sftp, x->tmp, (unsigned)strlen(x->tmp),
		    o->remote, (unsigned)strlen(o->remote),
		    LIBSSH2_SFTP_RENAME_OVERWRITE | LIBSSH2_SFTP_RENAME_ATOMIC |
		    LIBSSH2_SFTP_RENAME_NATIVE);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return 0;
		if (rc < 0 && session_failed(rc))
			return -1;
		if (rc < 0) {
			op_fail(x, remote_error(x, s, rc, "cannot rename into", o->remote));
			return 1;
		}
		free(x->tmp);
		x->tmp = NULL;
		op_phase(x, PH_END);
		return 1;
	default:
		fatal("%s: sftp put in phase %s", x->who, phase_names[x->phase]);
	}
}

static int
get_local(struct sshsftp *x, unsigned long perms)
{
	struct sftp_op *o = &x->ops[x->cur];
	const char *slash = strrchr(o->local, '/');
	size_t dirlen = slash != NULL ? (size_t)(slash - o->local + 1) : 0;
	char *path = xasprintf("%.*s.%s.pfan-XXXXXX", (int)dirlen, o->local, o->local + dirlen);
	if (mkdir_parents_local(path) != 0 || (x->fd = mkstemp(path)) < 0) {
		x->local_fault = true;
		char *c = xasprintf("cannot write '%s': %s", o->local, strerror(errno));
		free(path);
		op_fail(x, c);
		return 1;
	}
	x->tmp = path;
	mode_t um = umask(0);
	umask(um);
	if (fchmod(x->fd, (mode_t)(perms & 0777) & ~um) != 0)
		log_debug("%s: chmod %s: %s", x->who, path, strerror(errno));
	op_phase(x, PH_DATA);
	return 1;
}

static int
get_step(struct sshsftp *x, LIBSSH2_SESSION *s)
{
	struct sftp_op *o = &x->ops[x->cur];
	LIBSSH2_SFTP_ATTRIBUTES a;
	int rc;

	switch (x->phase) {
	case PH_OPEN:
		x->h = libssh2_sftp_open_ex(x->sftp, o->remote, (unsigned)strlen(o->remote),
		    LIBSSH2_FXF_READ, 0, LIBSSH2_SFTP_OPENFILE);
		if (x->h == NULL) {
			rc = libssh2_session_last_errno(s);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return 0;
			if (session_failed(rc))
				return -1;
			if ((o->flags & SSHSFTP_OPTIONAL) && rc == LIBSSH2_ERROR_SFTP_PROTOCOL &&
			    libssh2_sftp_last_error(x->sftp) == LIBSSH2_FX_NO_SUCH_FILE) {
				op_phase(x, PH_END);
				return 1;
			}
			op_fail(x, remote_error(x, s, rc, "cannot fetch", o->remote));
			return 1;
		}
		op_phase(x, PH_SETSTAT);
		return 1;
	case PH_SETSTAT:
		memset(&a, 0, sizeof a);
		rc = libssh2_sftp_fstat(x->h, &a);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return 0;
		if (rc < 0 && session_failed(rc))
			return -1;
		return get_local(x, rc == 0 && (a.flags & LIBSSH2_SFTP_ATTR_PERMISSIONS) ?
		    a.permissions : 0644);
	case PH_DATA: {
		if (x->off < x->len) {
			ssize_t n = write(x->fd, x->buf + x->off, x->len - x->off);
			if (n < 0) {
				x->local_fault = true;
				op_fail(x, xasprintf("cannot write '%s': %s", o->local, strerror(errno)));
				return 1;
			}
			x->off += (size_t)n;
			return 1;
		}
		if (x->eof) {
			op_phase(x, PH_CLOSE);
			return 1;
		}
		ssize_t n = libssh2_sftp_read(x->h, x->buf, SFTP_BUF);
		if (n == LIBSSH2_ERROR_EAGAIN)
			return 0;
		if (n < 0) {
			if (session_failed((int)n))
				return -1;
			op_fail(x, remote_error(x, s, (int)n, "cannot fetch", o->remote));
			return 1;
		}
		x->off = 0;
		x->len = (size_t)n;
		x->eof = n == 0;
		x->received += (unsigned long long)n;
		return 1;
	}
	case PH_CLOSE:
		rc = libssh2_sftp_close_handle(x->h);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return 0;
		x->h = NULL;
		if (rc < 0 && session_failed(rc))
			return -1;
		if (x->undoing) {
			op_phase(x, PH_END);
			return 1;
		}
		if (close(x->fd) != 0 || rename(x->tmp, o->local) != 0) {
			x->fd = -1;
			x->local_fault = true;
			op_fail(x, xasprintf("cannot write '%s': %s", o->local, strerror(errno)));
			return 1;
		}
		x->fd = -1;
		free(x->tmp);
		x->tmp = NULL;
		op_phase(x, PH_END);
		return 1;
	default:
		fatal("%s: sftp get in phase %s", x->who, phase_names[x->phase]);
	}
}

static int
rm_step(struct sshsftp *x)
{
	struct sftp_op *o = &x->ops[x->cur];
	int rc;

	if (x->phase == PH_UNLINK) {
		rc = libssh2_sftp_unlink_ex(x->sftp, o->remote, (unsigned)strlen(o->remote));
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return 0;
		if (rc < 0 && session_failed(rc))
			return -1;
		x->dirpos = strlen(o->remote);
		op_phase(x, PH_RMDIR);
		return 1;
	}
	/* PH_RMDIR: the parent of o->remote[0, dirpos), if it is below keep */
	size_t end = x->dirpos;
	while (end > o->keep && o->remote[end - 1] != '/')
		end--;
	if (end <= o->keep + 1) {
		op_phase(x, PH_END);
		return 1;
	}
	rc = libssh2_sftp_rmdir_ex(x->sftp, o->remote, (unsigned)(end - 1));
	if (rc == LIBSSH2_ERROR_EAGAIN)
		return 0;
	if (rc < 0 && session_failed(rc))
		return -1;
	x->dirpos = rc == 0 ? end - 1 : o->keep;   /* not empty: the rest are not either */
	return 1;
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
		return rm_step(x);
	if (o->kind == OP_PUT)
		return put_step(x, s);
	return get_step(x, s);
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
				if (session_failed(rc))
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
			if (rc < 0 && session_failed(rc))
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
