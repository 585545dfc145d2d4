/* sshsftp.h: files sent and fetched over one SFTP session on an existing
 * libssh2 session, stepped without blocking by the task that owns it
 * (sshchan.c). A transfer is a list of operations done in order on one
 * SFTP channel: open the channel, do them, close it. The caller gives the
 * paths ready to use (remote: absolute, or relative to the login's home,
 * where sftp-server starts).
 *
 * Files land under a temporary name beside the final one and are renamed
 * into place once whole, on both sides; the permission bits go with them
 * (the executable bit); memory is one bounded buffer per transfer. */
#ifndef PFAN_SSHSFTP_H
#define PFAN_SSHSFTP_H
#include <stdbool.h>
#include <libssh2.h>
#include <libssh2_sftp.h>

struct sshsftp;

enum sshsftp_step {
	SSHSFTP_WAIT,      /* blocked on the network */
	SSHSFTP_PROGRESS,  /* did something: step it again */
	SSHSFTP_REFUSED,   /* the server refused the channel (MaxSessions): nothing done */
	SSHSFTP_DONE,      /* every operation done, the channel closed: see sshsftp_cause */
	SSHSFTP_BROKEN,    /* the session failed */
};

/* Operation flags. */
#define SSHSFTP_ALWAYS 1u     /* done even after an earlier one failed */
#define SSHSFTP_IF_FAILED 2u  /* done only after an earlier one failed */
#define SSHSFTP_SKIP_SAME 4u  /* put: not when the remote file has the same size and mtime */
#define SSHSFTP_MTIME 8u      /* put: keep the local mtime */
#define SSHSFTP_OPTIONAL 16u  /* get: a missing remote file is no failure */

/* who names the owner in debug messages ("job 12"). */
struct sshsftp *sshsftp_new(const char *who);
/* Sends local to remote, making remote's missing parent directories
 * (mode 700) from mkdir_from on (an offset into remote: the directories
 * before it are not ours to make). */
void sshsftp_put(struct sshsftp *x, const char *local, const char *remote,
    size_t mkdir_from, unsigned flags);
/* Fetches remote into local (local's parent directories made here). */
void sshsftp_get(struct sshsftp *x, const char *remote, const char *local, unsigned flags);
/* Removes remote; then its parent directories down to offset keep, each
 * only if empty. Never fails. */
void sshsftp_rm(struct sshsftp *x, const char *remote, size_t keep, unsigned flags);
size_t sshsftp_count(const struct sshsftp *x);

/* Advances x as far as it can on s. may_open: it may open its channel now
 * (no other open in flight on s). */
enum sshsftp_step sshsftp_step(struct sshsftp *x, LIBSSH2_SESSION *s, bool may_open);
/* Its channel open is in flight. */
bool sshsftp_opening(const struct sshsftp *x);
/* After DONE: NULL when all went well, else why the first failure. */
const char *sshsftp_cause(const struct sshsftp *x);
/* The failure was a local file's (missing input, unwritable output). */
bool sshsftp_local_fault(const struct sshsftp *x);
unsigned long long sshsftp_sent(const struct sshsftp *x);
unsigned long long sshsftp_received(const struct sshsftp *x);
/* Frees x and removes its local temporary file, if any. Its libssh2
 * objects are dropped unfreed unless DONE: call it only then, or when the
 * session is about to be freed. NULL-safe. */
void sshsftp_free(struct sshsftp *x);

#endif
