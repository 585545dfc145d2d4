/* sshsftp_impl.h: the private inside of the SFTP engine (sshsftp.h), which
 * is two files only because together they would be too long: sshsftp.c
 * (the list of operations, the SFTP session's states, the driver) and
 * sshsftp_file.c (each operation's phases: put, get, rm). No other file
 * includes this. */
#ifndef PFAN_SSHSFTP_IMPL_H
#define PFAN_SSHSFTP_IMPL_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <libssh2.h>
#include <libssh2_sftp.h>

/* One transfer's buffer: libssh2 pipelines a long read or write over it,
 * and 1 MB moved 4 x 256 MB at 0.8x an scp loop's rate where 256 kB did
 * 0.53x (bench/staging.sh). A put keeps it topped up (sshsftp_file.c):
 * one 256 MB file there and back, 6 alternating rounds on a loaded
 * 2-core machine, median 14.5 s against 15.3 s when it drained at each
 * buffer's end (scp 12.5 s; pfan is not CPU-bound there: about 25%). */
#define SFTP_BUF (1024 * 1024)

enum sftp_state { SF_QUEUED, SF_OPENING, SF_WORKING, SF_CLOSING, SF_DONE };

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
	unsigned remade;          /* put: parents made again after a lost race */
	struct stat st;           /* put: the local file */
	char *buf;
	size_t off, len;          /* the buffer's bytes not yet written */
	bool eof;
	/* The outcome. */
	char *cause;
	bool local_fault;
	unsigned long long sent, received;
};

/* sshsftp.c, for sshsftp_file.c. */
void sftp_op_phase(struct sshsftp *x, enum op_phase p);
const char *sftp_phase_name(enum op_phase p);
/* The current operation failed with cause (taken): undo what it left. */
void sftp_op_fail(struct sshsftp *x, char *cause);
/* "what 'path': why", from a libssh2 code (not EAGAIN). */
char *sftp_remote_error(struct sshsftp *x, LIBSSH2_SESSION *s, int rc, const char *what,
    const char *path);
/* rc (negative, not EAGAIN): the session failed, not the operation. */
bool sftp_session_failed(int rc);

/* sshsftp_file.c: one step of the current operation's phases: 1 progress,
 * 0 wait for the network, -1 the session failed. */
int sftp_put_step(struct sshsftp *x, LIBSSH2_SESSION *s);
int sftp_get_step(struct sshsftp *x, LIBSSH2_SESSION *s);
int sftp_rm_step(struct sshsftp *x);

#endif
