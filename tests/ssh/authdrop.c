/* authdrop.c: a TCP proxy for the SSH tests that drops connections during
 * authentication, as an sshd restarted, a NAT reset or sshd shedding
 * connections would. Built and started by tests/ssh/transient.bats.
 *
 *   authdrop LISTEN_ADDR TARGET_ADDR TARGET_PORT N [K]
 *
 * Listens on LISTEN_ADDR (port chosen by the kernel, printed on stdout)
 * and forwards each connection to TARGET. The first N connections are
 * closed, both ways, when the client writes for the K+1th time after its
 * NEWKEYS (K is 0 unless given): the key exchange is over, and what the
 * client sends then is authentication (first the ssh-userauth service
 * request, then the "none" request that asks for the methods, then a
 * key). A client waits for each answer, so each write is one message.
 * Later connections are forwarded untouched. Each drop is one line on
 * stderr ("dropped I").
 *
 * Up to the client's NEWKEYS the client's stream is plain: a banner line,
 * then packets (uint32 length, then length bytes: padding length, message
 * type, ...). NEWKEYS is message 21.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAXCONN 64
#define MSG_NEWKEYS 21

struct pair {
	int c, s;             /* client side, server side; -1 when unused */
	int drop;             /* this one is to be dropped */
	int in_banner;        /* still in the client's banner line */
	int encrypted;        /* the client sent NEWKEYS */
	int writes;           /* client reads with encrypted bytes since */
	unsigned char hdr[6]; /* length and padding length and type */
	size_t have;          /* bytes of hdr collected */
	unsigned long skip;   /* bytes of the current packet still to pass */
};

static struct pair p[MAXCONN];

static void
close_pair(struct pair *q)
{
	close(q->c);
	close(q->s);
	q->c = q->s = -1;
}

/* Walks the client's plain bytes; returns how many of buf are plain (the
 * rest, if any, is encrypted). */
static size_t
scan(struct pair *q, const unsigned char *buf, size_t n)
{
	size_t i = 0;

	while (i < n && !q->encrypted) {
		if (q->in_banner) {
			if (buf[i++] == '\n')
				q->in_banner = 0;
			continue;
		}
		if (q->skip > 0) {
			size_t k = n - i < q->skip ? n - i : q->skip;
			i += k;
			q->skip -= k;
			continue;
		}
		q->hdr[q->have++] = buf[i++];
		if (q->have < sizeof q->hdr)
			continue;
		q->have = 0;
		q->skip = ((unsigned long)q->hdr[0] << 24 | (unsigned long)q->hdr[1] << 16 |
		    (unsigned long)q->hdr[2] << 8 | q->hdr[3]) - 2;
		if (q->hdr[5] == MSG_NEWKEYS)
			q->encrypted = 1;
	}
	/* the rest of NEWKEYS (its padding) is plain too */
	if (q->encrypted && q->skip > 0) {
		size_t k = n - i < q->skip ? n - i : q->skip;
		i += k;
		q->skip -= k;
	}
	return i;
}

static int
write_all(int fd, const unsigned char *b, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, b, n);
		if (w <= 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in a, t;
	socklen_t len = sizeof a;
	int lfd = socket(AF_INET, SOCK_STREAM, 0), n_drop, k_pass, seen = 0;

	memset(&a, 0, sizeof a);
	memset(&t, 0, sizeof t);
	a.sin_family = t.sin_family = AF_INET;
	if (argc < 5 || argc > 6 || inet_pton(AF_INET, argv[1], &a.sin_addr) != 1 ||
	    inet_pton(AF_INET, argv[2], &t.sin_addr) != 1 ||
	    bind(lfd, (struct sockaddr *)&a, sizeof a) != 0 || listen(lfd, 64) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&a, &len) != 0) {
		perror("authdrop");
		return 1;
	}
	t.sin_port = htons((unsigned short)atoi(argv[3]));
	n_drop = atoi(argv[4]);
	k_pass = argc == 6 ? atoi(argv[5]) : 0;
	for (int i = 0; i < MAXCONN; i++)
		p[i].c = p[i].s = -1;
	printf("%u\n", ntohs(a.sin_port));
	fflush(stdout);
	for (;;) {
		struct pollfd fds[1 + 2 * MAXCONN];
		int nf = 1;

		fds[0].fd = lfd;
		fds[0].events = POLLIN;
		for (int i = 0; i < MAXCONN; i++) {
			fds[nf].fd = p[i].c;
			fds[nf++].events = POLLIN;
			fds[nf].fd = p[i].s;
			fds[nf++].events = POLLIN;
		}
		if (poll(fds, (nfds_t)nf, -1) < 0)
			continue;
		if (fds[0].revents & POLLIN) {
			int c = accept(lfd, NULL, NULL), s, i;
			for (i = 0; i < MAXCONN && p[i].c >= 0; i++)
				;
			if (c >= 0 && i == MAXCONN)
				close(c);
			else if (c >= 0) {
				s = socket(AF_INET, SOCK_STREAM, 0);
				if (s < 0 || connect(s, (struct sockaddr *)&t, sizeof t) != 0) {
					close(c);
					if (s >= 0)
						close(s);
				} else {
					memset(&p[i], 0, sizeof p[i]);
					p[i].c = c;
					p[i].s = s;
					p[i].in_banner = 1;
					p[i].drop = seen++ < n_drop;
				}
			}
		}
		for (int i = 0; i < MAXCONN; i++) {
			unsigned char buf[65536];
			ssize_t r;
			short cev = fds[1 + 2 * i].revents, sev = fds[2 + 2 * i].revents;

			if (p[i].c < 0)
				continue;
			if (cev & (POLLIN | POLLHUP | POLLERR)) {
				r = read(p[i].c, buf, sizeof buf);
				if (r <= 0) {
					close_pair(&p[i]);
					continue;
				}
				size_t pass = (size_t)r;
				if (p[i].drop && (pass = scan(&p[i], buf, (size_t)r)) < (size_t)r &&
				    p[i].writes++ < k_pass)
					pass = (size_t)r;
				if (write_all(p[i].s, buf, pass) != 0) {
					close_pair(&p[i]);
					continue;
				}
				if (pass < (size_t)r) {
					fprintf(stderr, "dropped %d\n", i);
					close_pair(&p[i]);
					continue;
				}
			}
			if (sev & (POLLIN | POLLHUP | POLLERR)) {
				r = read(p[i].s, buf, sizeof buf);
				if (r <= 0 || write_all(p[i].c, buf, (size_t)r) != 0)
					close_pair(&p[i]);
			}
		}
	}
}
