/* sshsftp_file.c: the phases of the SFTP engine's operations (sshsftp.h,
 * sshsftp_impl.h): put, get and rm, each a step at a time, EAGAIN kept
 * for the next call with the same arguments. See sshsftp.c's top for the
 * theory. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "sshsftp.h"
#include "sshsftp_impl.h"
#include "xalloc.h"

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
		sftp_op_phase(x, PH_OPEN);
		return 1;
	}
	int rc = libssh2_sftp_mkdir_ex(x->sftp, o->remote, (unsigned)(slash - o->remote), 0700);
	if (rc == LIBSSH2_ERROR_EAGAIN)
		return 0;
	if (rc < 0 && sftp_session_failed(rc))
		return -1;
	x->dirpos = (size_t)(slash - o->remote) + 1;
	return 1;
}

int
sftp_put_step(struct sshsftp *x, LIBSSH2_SESSION *s)
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
		if (rc < 0 && sftp_session_failed(rc))
			return -1;
		if (rc == 0 && (a.flags & LIBSSH2_SFTP_ATTR_SIZE) &&
		    (a.flags & LIBSSH2_SFTP_ATTR_ACMODTIME) &&
		    a.filesize == (libssh2_uint64_t)x->st.st_size &&
		    a.mtime == (unsigned long)x->st.st_mtime) {
			log_debug("%s: %s: the same on the host, not sent", x->who, o->remote);
			sftp_op_phase(x, PH_END);
			return 1;
		}
		sftp_op_phase(x, PH_MKDIR);
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
			if (sftp_session_failed(rc))
				return -1;
			free(x->tmp);
			x->tmp = NULL;   /* not made */
			/* Another job's --cleanup may have removed a parent it
			 * found empty between our mkdir and this open: make the
			 * parents again, a few times. */
			if (rc == LIBSSH2_ERROR_SFTP_PROTOCOL && x->remade < 3 &&
			    libssh2_sftp_last_error(x->sftp) == LIBSSH2_FX_NO_SUCH_FILE &&
			    strchr(o->remote + o->keep, '/') != NULL) {
				x->remade++;
				x->dirpos = o->keep;
				sftp_op_phase(x, PH_MKDIR);
				return 1;
			}
			sftp_op_fail(x, sftp_remote_error(x, s, rc, "cannot send to", o->remote));
			return 1;
		}
		sftp_op_phase(x, PH_DATA);
		return 1;
	case PH_DATA:
		/* libssh2 has copied into packets in flight all it was given
		 * but not yet acknowledged (buf[off, len)), and takes the same
		 * bytes again, followed by more: top the buffer up when half
		 * of it is acknowledged, so the pipeline never runs dry at the
		 * buffer's end waiting for the last acknowledgements. */
		if (!x->eof && x->len - x->off <= SFTP_BUF / 2) {
			memmove(x->buf, x->buf + x->off, x->len - x->off);
			x->len -= x->off;
			x->off = 0;
			ssize_t n = read(x->fd, x->buf + x->len, SFTP_BUF - x->len);
			if (n < 0) {
				x->local_fault = true;
				sftp_op_fail(x, xasprintf("input '%s': %s", o->local, strerror(errno)));
				return 1;
			}
			x->len += (size_t)n;
			x->eof = n == 0;
		}
		if (x->off == x->len) {
			sftp_op_phase(x, PH_SETSTAT);
			return 1;
		}
		ssize_t w = libssh2_sftp_write(x->h, x->buf + x->off, x->len - x->off);
		if (w == LIBSSH2_ERROR_EAGAIN)
			return 0;
		if (w < 0) {
			if (sftp_session_failed((int)w))
				return -1;
			sftp_op_fail(x, sftp_remote_error(x, s, (int)w, "cannot send to", o->remote));
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
		if (rc < 0 && sftp_session_failed(rc))
			return -1;
		if (rc < 0) {
			sftp_op_fail(x, sftp_remote_error(x, s, rc, "cannot set the mode of", o->remote));
			return 1;
		}
		sftp_op_phase(x, PH_CLOSE);
		return 1;
	case PH_CLOSE:
		rc = libssh2_sftp_close_handle(x->h);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return 0;
		x->h = NULL;
		if (rc < 0 && sftp_session_failed(rc))
			return -1;
		if (rc < 0 && !x->undoing)   /* the server's close is where a full disk may show */
			sftp_op_fail(x, sftp_remote_error(x, s, rc, "cannot send to", o->remote));
		else
			sftp_op_phase(x, PH_UNLINK);   /* undoing: the temporary file; else the old target */
		return 1;
	case PH_UNLINK: {
		const char *victim = x->undoing ? x->tmp : o->remote;
		rc = libssh2_sftp_unlink_ex(x->sftp, victim, (unsigned)strlen(victim));
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return 0;
		if (rc < 0 && sftp_session_failed(rc))
			return -1;
		sftp_op_phase(x, x->undoing ? PH_END : PH_RENAME);
		return 1;
	}
	case PH_RENAME:
		rc = libssh2_sftp_rename_ex(x->sftp, x->tmp, (unsigned)strlen(x->tmp),
		    o->remote, (unsigned)strlen(o->remote),
		    LIBSSH2_SFTP_RENAME_OVERWRITE | LIBSSH2_SFTP_RENAME_ATOMIC |
		    LIBSSH2_SFTP_RENAME_NATIVE);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return 0;
		if (rc < 0 && sftp_session_failed(rc))
			return -1;
		if (rc < 0) {
			sftp_op_fail(x, sftp_remote_error(x, s, rc, "cannot rename into", o->remote));
			return 1;
		}
		free(x->tmp);
		x->tmp = NULL;
		sftp_op_phase(x, PH_END);
		return 1;
	default:
		fatal("%s: sftp put in phase %s", x->who, sftp_phase_name(x->phase));
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
		sftp_op_fail(x, c);
		return 1;
	}
	x->tmp = path;
	mode_t um = umask(0);
	umask(um);
	if (fchmod(x->fd, (mode_t)(perms & 0777) & ~um) != 0)
		log_debug("%s: chmod %s: %s", x->who, path, strerror(errno));
	sftp_op_phase(x, PH_DATA);
	return 1;
}

int
sftp_get_step(struct sshsftp *x, LIBSSH2_SESSION *s)
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
			if (sftp_session_failed(rc))
				return -1;
			if ((o->flags & SSHSFTP_OPTIONAL) && rc == LIBSSH2_ERROR_SFTP_PROTOCOL &&
			    libssh2_sftp_last_error(x->sftp) == LIBSSH2_FX_NO_SUCH_FILE) {
				sftp_op_phase(x, PH_END);
				return 1;
			}
			sftp_op_fail(x, sftp_remote_error(x, s, rc, "cannot fetch", o->remote));
			return 1;
		}
		sftp_op_phase(x, PH_SETSTAT);
		return 1;
	case PH_SETSTAT:
		memset(&a, 0, sizeof a);
		rc = libssh2_sftp_fstat(x->h, &a);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return 0;
		if (rc < 0 && sftp_session_failed(rc))
			return -1;
		return get_local(x, rc == 0 && (a.flags & LIBSSH2_SFTP_ATTR_PERMISSIONS) ?
		    a.permissions : 0644);
	case PH_DATA: {
		if (x->off < x->len) {
			ssize_t n = write(x->fd, x->buf + x->off, x->len - x->off);
			if (n < 0) {
				x->local_fault = true;
				sftp_op_fail(x, xasprintf("cannot write '%s': %s", o->local, strerror(errno)));
				return 1;
			}
			x->off += (size_t)n;
			return 1;
		}
		if (x->eof) {
			sftp_op_phase(x, PH_CLOSE);
			return 1;
		}
		ssize_t n = libssh2_sftp_read(x->h, x->buf, SFTP_BUF);
		if (n == LIBSSH2_ERROR_EAGAIN)
			return 0;
		if (n < 0) {
			if (sftp_session_failed((int)n))
				return -1;
			sftp_op_fail(x, sftp_remote_error(x, s, (int)n, "cannot fetch", o->remote));
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
		if (rc < 0 && sftp_session_failed(rc))
			return -1;
		if (x->undoing) {
			sftp_op_phase(x, PH_END);
			return 1;
		}
		if (close(x->fd) != 0 || rename(x->tmp, o->local) != 0) {
			x->fd = -1;
			x->local_fault = true;
			sftp_op_fail(x, xasprintf("cannot write '%s': %s", o->local, strerror(errno)));
			return 1;
		}
		x->fd = -1;
		free(x->tmp);
		x->tmp = NULL;
		sftp_op_phase(x, PH_END);
		return 1;
	default:
		fatal("%s: sftp get in phase %s", x->who, sftp_phase_name(x->phase));
	}
}

int
sftp_rm_step(struct sshsftp *x)
{
	struct sftp_op *o = &x->ops[x->cur];
	int rc;

	if (x->phase == PH_UNLINK) {
		rc = libssh2_sftp_unlink_ex(x->sftp, o->remote, (unsigned)strlen(o->remote));
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return 0;
		if (rc < 0 && sftp_session_failed(rc))
			return -1;
		x->dirpos = strlen(o->remote);
		sftp_op_phase(x, PH_RMDIR);
		return 1;
	}
	/* PH_RMDIR: the parent of o->remote[0, dirpos), if it is below keep */
	size_t end = x->dirpos;
	while (end > o->keep && o->remote[end - 1] != '/')
		end--;
	if (end <= o->keep + 1) {
		sftp_op_phase(x, PH_END);
		return 1;
	}
	rc = libssh2_sftp_rmdir_ex(x->sftp, o->remote, (unsigned)(end - 1));
	if (rc == LIBSSH2_ERROR_EAGAIN)
		return 0;
	if (rc < 0 && sftp_session_failed(rc))
		return -1;
	x->dirpos = rc == 0 ? end - 1 : o->keep;   /* not empty: the rest are not either */
	return 1;
}
