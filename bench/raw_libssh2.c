/* raw_libssh2.c: the ceiling for pfan's SSH executor: one libssh2 session,
 * non-blocking exec channels, P at a time, N tiny jobs, nothing else (no
 * wrapper, no scheduler, no output handling beyond draining). Prints jobs/s.
 *
 *   raw_libssh2 ADDR PORT USER KEY [N=400] [P=8] [CMD=true]
 *
 * The setup (connect, handshake, auth) is blocking and timed apart; the
 * rate counts from the first open to the last close. Host keys are not
 * checked: this is a benchmark against a local test sshd.
 * Build: gcc -O2 -std=c11 -D_GNU_SOURCE bench/raw_libssh2.c -lssh2 -o raw_libssh2
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <libssh2.h>

enum { OPEN, EXEC, READ, CLOSE, FREE, IDLE };

struct chan {
	int state;
	LIBSSH2_CHANNEL *ch;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Steps one channel; returns 1 if it made progress. */
static int
step(LIBSSH2_SESSION *s, struct chan *c, int *opening, const char *cmd,
    int *started, int njobs, int *finished)
{
	char buf[4096];
	ssize_t n;
	int rc, progress = 0;

	for (;;) {
		switch (c->state) {
		case IDLE:
			if (*opening || *started >= njobs)
				return progress;
			(*started)++;
			*opening = 1;
			c->state = OPEN;
			/* fall through */
		case OPEN:
			c->ch = libssh2_channel_open_session(s);
			if (c->ch == NULL) {
				if (libssh2_session_last_errno(s) == LIBSSH2_ERROR_EAGAIN)
					return progress;
				fprintf(stderr, "open failed\n");
				exit(1);
			}
			*opening = 0;
			c->state = EXEC;
			progress = 1;
			break;
		case EXEC:
			rc = libssh2_channel_exec(c->ch, cmd);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return progress;
			if (rc != 0) {
				fprintf(stderr, "exec failed\n");
				exit(1);
			}
			c->state = READ;
			progress = 1;
			break;
		case READ:
			while ((n = libssh2_channel_read(c->ch, buf, sizeof buf)) > 0)
				progress = 1;
			while ((n = libssh2_channel_read_stderr(c->ch, buf, sizeof buf)) > 0)
				progress = 1;
			if (n == LIBSSH2_ERROR_EAGAIN || !libssh2_channel_eof(c->ch))
				return progress;
			c->state = CLOSE;
			progress = 1;
			break;
		case CLOSE:
			rc = libssh2_channel_wait_closed(c->ch);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return progress;
			c->state = FREE;
			progress = 1;
			break;
		case FREE:
			rc = libssh2_channel_free(c->ch);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return progress;
			c->ch = NULL;
			c->state = IDLE;
			(*finished)++;
			progress = 1;
			break;
		}
	}
}

int
main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage: raw_libssh2 ADDR PORT USER KEY [N] [P] [CMD]\n");
		return 2;
	}
	int njobs = argc > 5 ? atoi(argv[5]) : 400;
	int par = argc > 6 ? atoi(argv[6]) : 8;
	const char *cmd = argc > 7 ? argv[7] : "true";
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	double t0 = now();

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)atoi(argv[2]));
	inet_pton(AF_INET, argv[1], &sa.sin_addr);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		perror("connect");
		return 1;
	}
	libssh2_init(0);
	LIBSSH2_SESSION *s = libssh2_session_init();
	if (libssh2_session_handshake(s, fd) != 0 ||
	    libssh2_userauth_publickey_fromfile(s, argv[3], NULL, argv[4], "") != 0) {
		char *msg;
		libssh2_session_last_error(s, &msg, NULL, 0);
		fprintf(stderr, "setup: %s\n", msg);
		return 1;
	}
	double t1 = now();
	libssh2_session_set_blocking(s, 0);

	struct chan *ch = calloc((size_t)par, sizeof *ch);
	int opening = 0, started = 0, finished = 0;
	for (int i = 0; i < par; i++)
		ch[i].state = IDLE;
	while (finished < njobs) {
		int progress;
		do {
			progress = 0;
			for (int i = 0; i < par; i++)
				progress |= step(s, &ch[i], &opening, cmd, &started, njobs, &finished);
		} while (progress);
		if (finished >= njobs)
			break;
		struct pollfd p = { fd, 0, 0 };
		int dir = libssh2_session_block_directions(s);
		p.events = POLLIN | ((dir & LIBSSH2_SESSION_BLOCK_OUTBOUND) ? POLLOUT : 0);
		poll(&p, 1, 1000);
	}
	double t2 = now();
	printf("raw_libssh2: %d jobs, %d at a time: setup %.3f s, run %.3f s: "
	    "%.1f jobs/s (%.1f jobs/s with setup)\n", njobs, par, t1 - t0, t2 - t1,
	    njobs / (t2 - t1), njobs / (t2 - t0));
	libssh2_session_disconnect(s, "done");
	libssh2_session_free(s);
	close(fd);
	libssh2_exit();
	free(ch);
	return 0;
}
