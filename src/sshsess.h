/* sshsess.h: the plumbing of one libssh2 session, for sshconn.c: its
 * memory, freed with it even where libssh2 forgets; its socket I/O,
 * counted (a keepalive's answer is any byte at all) and with the last
 * errors and the server's DISCONNECT kept (for the message, and because
 * libssh2 tells a dropped connection as a refused key); host key
 * algorithms in OpenSSH's order. */
#ifndef PFAN_SSHSESS_H
#define PFAN_SSHSESS_H
#include <stdbool.h>
#include <stddef.h>
#include <libssh2.h>

/* The header of each block libssh2 allocates through us. */
union sshsess_block {
	struct {
		union sshsess_block *prev, *next;
	} l;
	max_align_t align;
};

struct sshsess_io {
	double last_rx;             /* mono_now() when bytes last arrived */
	unsigned long long rx_bytes;   /* received since the session began */
	int rx_error;               /* what recv said last: 0, -1 EOF, or errno */
	int tx_error;               /* a send that failed: its errno, else 0 */
	bool disconnected;          /* the server sent SSH_MSG_DISCONNECT */
	char peer_said[128];        /* its description, cut short */
	union sshsess_block blocks; /* ring of the session's live blocks */
};

void sshsess_io_init(struct sshsess_io *io);
/* A non-blocking session whose memory and socket I/O go through io (which
 * must outlive it). Out of memory is fatal. */
LIBSSH2_SESSION *sshsess_new(struct sshsess_io *io);
/* Shuts fd down (so that nothing libssh2 still sends can block), frees s
 * and then every block it left behind; returns how many those were. */
unsigned sshsess_free(LIBSSH2_SESSION *s, int fd, struct sshsess_io *io);
/* Did the connection itself fail (EOF, a socket error, the server's
 * DISCONNECT), whatever libssh2 made of it? */
bool sshsess_broken(const struct sshsess_io *io);
/* Is rc (a libssh2 channel call's error) one after which the session is
 * unusable, as opposed to one channel's request refused or closed? */
bool sshsess_channel_error(int rc);

/* Opens a session channel on s without blocking, for a channel no job
 * owns yet (a warm channel, the agent's): DONE and *ch, WAIT (call again),
 * REFUSED (the server said no: MaxSessions, or its lag), BROKEN (the
 * session failed). */
enum sshsess_open {
	SSHSESS_OPEN_WAIT,
	SSHSESS_OPEN_DONE,
	SSHSESS_OPEN_REFUSED,
	SSHSESS_OPEN_BROKEN,
};
enum sshsess_open sshsess_channel_open(LIBSSH2_SESSION *s, LIBSSH2_CHANNEL **ch);

/* Closes a channel pfan is done with (a warm channel, the agent's),
 * without blocking: its EOF once (*eof_sent), what the far end still
 * sends read and dropped, its EOF and close awaited, then *ch freed and
 * set to NULL (DONE). WAIT, PROGRESS: call again; BROKEN: the session
 * failed. */
enum sshsess_close {
	SSHSESS_CLOSE_WAIT,
	SSHSESS_CLOSE_PROGRESS,
	SSHSESS_CLOSE_DONE,
	SSHSESS_CLOSE_BROKEN,
};
enum sshsess_close sshsess_channel_close(LIBSSH2_CHANNEL **ch, bool *eof_sent);

#endif
