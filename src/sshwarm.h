/* sshwarm.h: a warm channel: an exec channel opened before its job is
 * known, running a few lines of POSIX sh that say they are ready and wait
 * for the job's wrapper text on stdin (sshwarm.c). A job then takes the
 * channel and starts with one write instead of a channel open, an exec
 * request and sshd's fork of a session. Only the connection module
 * (sshmux.c) steps one; a job's task (sshchan.c) takes its channel. */
#ifndef PFAN_SSHWARM_H
#define PFAN_SSHWARM_H
#include <stdbool.h>
#include <stddef.h>
#include <libssh2.h>

/* The line that ends a job's wrapper text on a warm channel. */
#define SSHWARM_GO "__pfan_go\n"

enum sshwarm_step {
	SSHWARM_WAIT,      /* blocked on the network */
	SSHWARM_PROGRESS,  /* did something: step again */
	SSHWARM_REFUSED,   /* the server refused the channel: free it */
	SSHWARM_CLOSED,    /* closed and freed its channel: free it */
	SSHWARM_BROKEN,    /* the session failed */
};

struct sshwarm;

struct sshwarm *sshwarm_new(void);
/* Drops w; its channel (if any) goes with the session being freed. */
void sshwarm_free(struct sshwarm *w);
/* Advances w on session s; may_open as sshchan_step's. */
enum sshwarm_step sshwarm_step(struct sshwarm *w, LIBSSH2_SESSION *s, bool may_open);
bool sshwarm_queued(const struct sshwarm *w);    /* has not sent its open */
bool sshwarm_opening(const struct sshwarm *w);   /* its open is in flight */
bool sshwarm_ready(const struct sshwarm *w);     /* said it is ready: may be taken */
bool sshwarm_closing(const struct sshwarm *w);   /* retired or failed: never taken */
/* After SSHWARM_CLOSED: why the remote shell could not run the warm
 * start (it said something else, or nothing), or NULL when it was just
 * retired. */
const char *sshwarm_failure(const struct sshwarm *w);
/* Closes w's channel unused: its shell reads EOF and exits having run
 * nothing. The next steps close it (SSHWARM_CLOSED). */
void sshwarm_retire(struct sshwarm *w);
/* The channel of a ready w, for a job's task, which writes its wrapper
 * text and SSHWARM_GO down it; frees w. */
LIBSSH2_CHANNEL *sshwarm_take(struct sshwarm *w);
/* Writes text[*pos..len) down ch's stdin, as far as the window allows:
 * 0 when all of it is written, else libssh2's error (EAGAIN: call again
 * with the same arguments; *pending then says libssh2 holds a part-sent
 * packet of it). The shell runs nothing before the text's last line. */
int sshwarm_write(LIBSSH2_CHANNEL *ch, const char *text, size_t len, size_t *pos,
    bool *pending);
/* True when text (a job's wrapper text) can go down a warm channel: no
 * line of it is SSHWARM_GO's. */
bool sshwarm_can_carry(const char *text, size_t len);

#endif
