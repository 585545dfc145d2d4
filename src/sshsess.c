/* sshsess.c: the plumbing of one libssh2 session (see sshsess.h).
 *
 * Memory: every block carries a header linking it into a ring per
 * connection. libssh2 1.10 leaks blocks (its curve25519 keys) when a
 * session is freed in the middle of a key exchange, as one is when pfan
 * ends while a connection is still being opened; after the session is
 * freed whatever is still in the ring is freed too.
 *
 * I/O: libssh2 never says that a keepalive went unanswered, so recv counts
 * arrivals (any byte shows the host is alive); it also keeps the last
 * error, since libssh2 reports a dead socket only as "transport read", or,
 * during authentication, as a refused key ("Waiting for USERAUTH
 * response", LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED): a connection dropped
 * there must not pass for a refused login. send passes MSG_NOSIGNAL: a
 * peer gone must not raise SIGPIPE.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "buf.h"
#include "log.h"
#include "loop.h"
#include "sshsess.h"

static void
block_link(struct sshsess_io *io, union sshsess_block *b)
{
	b->l.next = io->blocks.l.next;
	b->l.prev = &io->blocks;
	io->blocks.l.next->l.prev = b;
	io->blocks.l.next = b;
}

static void
block_unlink(union sshsess_block *b)
{
	b->l.prev->l.next = b->l.next;
	b->l.next->l.prev = b->l.prev;
}

static LIBSSH2_ALLOC_FUNC(sess_alloc)
{
	union sshsess_block *b = malloc(sizeof *b + count);

	if (b == NULL)
		return NULL;
	block_link(*abstract, b);
	return b + 1;
}

static LIBSSH2_FREE_FUNC(sess_free)
{
	union sshsess_block *b;

	(void)abstract;
	if (ptr == NULL)
		return;
	b = (union sshsess_block *)ptr - 1;
	block_unlink(b);
	free(b);
}

static LIBSSH2_REALLOC_FUNC(sess_realloc)
{
	union sshsess_block *b, *nb;

	if (ptr == NULL)
		return sess_alloc(count, abstract);
	b = (union sshsess_block *)ptr - 1;
	block_unlink(b);
	nb = realloc(b, sizeof *b + count);
	if (nb == NULL) {
		block_link(*abstract, b);
		return NULL;
	}
	block_link(*abstract, nb);
	return nb + 1;
}

static LIBSSH2_RECV_FUNC(sess_recv)
{
	struct sshsess_io *io = *abstract;
	ssize_t n = recv(socket, buffer, length, flags);

	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			io->rx_error = errno;
		return -errno;
	}
	if (n > 0) {
		io->last_rx = mono_now();
		io->rx_bytes += (unsigned long long)n;
	} else
		io->rx_error = -1;
	return n;
}

static LIBSSH2_SEND_FUNC(sess_send)
{
	struct sshsess_io *io = *abstract;
	ssize_t n = send(socket, buffer, length, flags | MSG_NOSIGNAL);

	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			io->tx_error = errno;
		return -errno;
	}
	return n;
}

static LIBSSH2_DISCONNECT_FUNC(sess_disconnect)
{
	struct sshsess_io *io = *abstract;
	int len = message_len;

	(void)session;
	(void)reason;
	(void)language;
	(void)language_len;
	io->disconnected = true;
	if (message == NULL || len < 0)
		len = 0;
	if ((size_t)len >= sizeof io->peer_said)
		len = (int)sizeof io->peer_said - 1;
	memcpy(io->peer_said, message != NULL ? message : "", (size_t)len);
	io->peer_said[len] = '\0';
	for (char *p = io->peer_said; *p != '\0'; p++)
		if ((unsigned char)*p < ' ')
			*p = ' ';
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

void
sshsess_io_init(struct sshsess_io *io)
{
	memset(io, 0, sizeof *io);
	io->blocks.l.next = io->blocks.l.prev = &io->blocks;
}

LIBSSH2_SESSION *
sshsess_new(struct sshsess_io *io)
{
	LIBSSH2_SESSION *s = libssh2_session_init_ex(sess_alloc, sess_free,
	    sess_realloc, io);

	if (s == NULL)
		fatal("libssh2_session_init failed");
	io->rx_error = 0;
	io->tx_error = 0;
	io->rx_bytes = 0;
	io->disconnected = false;
	io->peer_said[0] = '\0';
	libssh2_session_callback_set(s, LIBSSH2_CALLBACK_RECV, (void *)sess_recv);
	libssh2_session_callback_set(s, LIBSSH2_CALLBACK_SEND, (void *)sess_send);
	libssh2_session_callback_set(s, LIBSSH2_CALLBACK_DISCONNECT,
	    (void *)sess_disconnect);
	libssh2_session_set_blocking(s, 0);
	set_hostkey_pref(s);
	return s;
}

unsigned
sshsess_free(LIBSSH2_SESSION *s, int fd, struct sshsess_io *io)
{
	unsigned n = 0;

	if (fd >= 0)
		shutdown(fd, SHUT_RDWR);
	for (int i = 0; i < 100 && libssh2_session_free(s) == LIBSSH2_ERROR_EAGAIN; i++)
		;
	while (io->blocks.l.next != &io->blocks) {
		union sshsess_block *b = io->blocks.l.next;
		block_unlink(b);
		free(b);
		n++;
	}
	return n;
}

bool
sshsess_broken(const struct sshsess_io *io)
{
	return io->rx_error != 0 || io->tx_error != 0 || io->disconnected;
}

bool
sshsess_channel_error(int rc)
{
	switch (rc) {
	case LIBSSH2_ERROR_CHANNEL_FAILURE:
	case LIBSSH2_ERROR_CHANNEL_REQUEST_DENIED:
	case LIBSSH2_ERROR_CHANNEL_UNKNOWN:
	case LIBSSH2_ERROR_CHANNEL_CLOSED:
	case LIBSSH2_ERROR_CHANNEL_EOF_SENT:
	case LIBSSH2_ERROR_CHANNEL_OUTOFORDER:
	case LIBSSH2_ERROR_CHANNEL_WINDOW_EXCEEDED:
	case LIBSSH2_ERROR_CHANNEL_PACKET_EXCEEDED:
	case LIBSSH2_ERROR_INVAL:
	case LIBSSH2_ERROR_BAD_USE:
		return false;
	default:
		return true;
	}
}

enum sshsess_close
sshsess_channel_close(LIBSSH2_CHANNEL **ch, bool *eof_sent)
{
	char data[4096];
	bool progress = false;

	if (!*eof_sent) {
		int rc = libssh2_channel_send_eof(*ch);
		if (rc == LIBSSH2_ERROR_EAGAIN || rc == LIBSSH2_ERROR_BAD_USE)
			return SSHSESS_CLOSE_WAIT;
		if (rc != 0 && sshsess_channel_error(rc))
			return SSHSESS_CLOSE_BROKEN;
		*eof_sent = true;
		progress = true;
	}
	for (int stream = 0; stream < 2; stream++) {
		ssize_t n;
		while ((n = libssh2_channel_read_ex(*ch,
		    stream == 1 ? SSH_EXTENDED_DATA_STDERR : 0, data, sizeof data)) > 0)
			progress = true;
		if (n < 0 && n != LIBSSH2_ERROR_EAGAIN && n != LIBSSH2_ERROR_BAD_USE &&
		    sshsess_channel_error((int)n))
			return SSHSESS_CLOSE_BROKEN;
	}
	if (!libssh2_channel_eof(*ch))
		return progress ? SSHSESS_CLOSE_PROGRESS : SSHSESS_CLOSE_WAIT;
	int rc = libssh2_channel_wait_closed(*ch);
	if (rc == LIBSSH2_ERROR_EAGAIN || rc == LIBSSH2_ERROR_BAD_USE)
		return progress ? SSHSESS_CLOSE_PROGRESS : SSHSESS_CLOSE_WAIT;
	if (rc != 0 && sshsess_channel_error(rc))
		return SSHSESS_CLOSE_BROKEN;
	rc = libssh2_channel_free(*ch);
	if (rc == LIBSSH2_ERROR_EAGAIN || rc == LIBSSH2_ERROR_BAD_USE)
		return SSHSESS_CLOSE_WAIT;
	*ch = NULL;
	if (rc != 0 && sshsess_channel_error(rc))
		return SSHSESS_CLOSE_BROKEN;
	return SSHSESS_CLOSE_DONE;
}

enum sshsess_open
sshsess_channel_open(LIBSSH2_SESSION *s, LIBSSH2_CHANNEL **ch)
{
	*ch = libssh2_channel_open_session(s);
	if (*ch != NULL)
		return SSHSESS_OPEN_DONE;
	int rc = libssh2_session_last_errno(s);
	if (rc == LIBSSH2_ERROR_EAGAIN || rc == LIBSSH2_ERROR_BAD_USE)
		return SSHSESS_OPEN_WAIT;   /* BAD_USE: behind a part-sent packet */
	if (rc == LIBSSH2_ERROR_CHANNEL_FAILURE || !sshsess_channel_error(rc))
		return SSHSESS_OPEN_REFUSED;
	return SSHSESS_OPEN_BROKEN;
}
