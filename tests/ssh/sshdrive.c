/* sshdrive.c: drives one SSH connection (the sshconn module: sshconn.c,
 * sshmux.c) without sshhost.c or the scheduler: this file is the
 * connection's owner, implementing struct sshconn_events, and prints each
 * event the connection reports. tests/ssh/conn.bats runs it against the
 * harness's sshd, so the connection module is tested alone.
 *
 *   sshdrive [-v] [-A] -a ADDR -p PORT -u USER [-i KEY] -K KNOWN_HOSTS
 *            [-k KEEPALIVE] [-t CONNECT_TIMEOUT] CMD...
 *
 * Each CMD is one job, all on the one connection, as many at once as it
 * has room for. Output, one line per event, in the order they happen:
 *   ready | full N | lost [permanent]: WHY
 *   job SEQ: exited N | signaled N | lost: CAUSE | start failed: CAUSE | no status: CAUSE
 *   job SEQ stdout: FIRST LINE       job SEQ stderr: FIRST LINE
 * A loss ends the run: the connection is closed, every job not done is
 * reported lost. Exit status: 0 when every job exited 0, 1 otherwise, 2 on
 * usage errors.
 */
#include <getopt.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <libssh2.h>

#include "buf.h"
#include "errors.h"
#include "log.h"
#include "loop.h"
#include "sshchan.h"
#include "sshtaskq.h"
#include "sshconn.h"
#include "xalloc.h"

struct job {
	struct drive *d;
	unsigned long long seq;
	const char *cmd;
	struct buf out, err;
};

struct drive {
	struct loop *loop;
	struct sshconn *conn;
	struct job *jobs;
	size_t njobs, next, done;
	struct sshchan_list requeued;   /* the connection was full: first in line */
	struct loop_timer *kick;
	bool failed;
};

static void
print_first_line(unsigned long long seq, const char *what, struct buf *b)
{
	if (b->len == 0)
		return;
	const char *nl = memchr(b->data, '\n', b->len);
	int n = nl != NULL ? (int)(nl - b->data) : (int)b->len;
	printf("job %llu %s: %.*s\n", seq, what, n, b->data);
}

static void
job_output(void *arg, int stream, const char *data, size_t len)
{
	struct job *j = arg;

	buf_add(stream == 1 ? &j->out : &j->err, data, len);
}

static void
job_done(void *arg, const struct exec_result *r)
{
	struct job *j = arg;
	struct drive *d = j->d;

	if (!(r->end == EXEC_EXITED && r->exit_code == 0))
		d->failed = true;
	switch (r->end) {
	case EXEC_EXITED:
		printf("job %llu: exited %d\n", j->seq, r->exit_code);
		break;
	case EXEC_SIGNALED:
		printf("job %llu: signaled %d\n", j->seq, r->signal);
		break;
	case EXEC_LOST:
		printf("job %llu: lost: %s\n", j->seq, r->cause);
		break;
	case EXEC_START_FAILED:
		printf("job %llu: start failed: %s\n", j->seq, r->cause);
		break;
	case EXEC_NO_STATUS:
		printf("job %llu: no status: %s\n", j->seq, r->cause);
		break;
	case EXEC_NO_WORKDIR:
		printf("job %llu: no workdir: %s\n", j->seq, r->cause);
		break;
	}
	print_first_line(j->seq, "stdout", &j->out);
	print_first_line(j->seq, "stderr", &j->err);
	fflush(stdout);
	buf_free(&j->out);
	buf_free(&j->err);
	if (++d->done == d->njobs)
		loop_stop(d->loop);
}

static const struct exec_job_ops job_ops = { NULL, job_output, job_done };

/* Gives the connection what it has room for: requeued tasks first. */
static void
dispatch(struct drive *d)
{
	while (sshconn_room(d->conn) > 0 && d->requeued.n > 0) {
		sshconn_add_task(d->conn, d->requeued.v[0]);
		sshchan_list_remove(&d->requeued, 0);
	}
	while (sshconn_room(d->conn) > 0 && d->requeued.n == 0 && d->next < d->njobs) {
		struct job *j = &d->jobs[d->next++];
		struct exec_request req = { .cmd = j->cmd, .seq = j->seq,
		    .slot = (unsigned)j->seq, .host = "drivehost", .job = j, .ops = &job_ops };
		sshconn_add_task(d->conn, sshchan_new(&req));
	}
	sshconn_service(d->conn);
}

/* As sshhost.c does: new work waits for the next turn of the loop, never
 * inside the connection's own callback. */
static void
on_kick(void *arg)
{
	struct drive *d = arg;

	d->kick = NULL;
	dispatch(d);
}

static void
ev_kick(void *arg)
{
	struct drive *d = arg;

	if (d->kick == NULL)
		d->kick = loop_timer_add(d->loop, 0, on_kick, d);
}

static void
ev_ready(void *arg, struct sshconn *c)
{
	(void)c;
	printf("ready\n");
	fflush(stdout);
	ev_kick(arg);
}

static void
ev_lost(void *arg, struct sshconn *c, struct sshchan_list *tasks,
    const char *why, bool permanent)
{
	struct drive *d = arg;

	printf("lost%s: %s\n", permanent ? " permanent" : "", why);
	fflush(stdout);
	sshconn_close(c);
	sshchan_list_fail(tasks, EXEC_LOST, why);
	sshchan_list_fail(&d->requeued, EXEC_LOST, why);
	for (; d->next < d->njobs; d->next++) {
		struct exec_result r = { .end = EXEC_LOST, .exit_code = 0, .cause = why };
		job_done(&d->jobs[d->next], &r);
	}
	loop_stop(d->loop);
}

static void
ev_retry(void *arg, struct sshconn *c)
{
	(void)arg;
	sshconn_close(c);   /* never backed off: a loss ends the run */
}

static void
ev_full(void *arg, struct sshconn *c, unsigned open, struct sshchan_list *unopened)
{
	struct drive *d = arg;
	struct sshchan_list q = SSHCHAN_LIST_INIT;

	(void)c;
	printf("full %u\n", open);
	fflush(stdout);
	sshchan_list_move(&q, unopened);
	sshchan_list_move(&q, &d->requeued);
	free(d->requeued.v);
	d->requeued = q;
	ev_kick(d);
}

static void
ev_task_done(void *arg, struct sshconn *c, struct exec_task *t)
{
	(void)c;
	sshchan_finish(t);
	ev_kick(arg);
}

static const struct sshconn_events events = {
	ev_ready, ev_lost, ev_retry, ev_full, ev_task_done, ev_kick, NULL,
};

static int
usage(void)
{
	fprintf(stderr, "usage: sshdrive [-vA] -a ADDR -p PORT -u USER [-i KEY] "
	    "-K KNOWN_HOSTS [-k SECS] [-t SECS] CMD...\n");
	return 2;
}

int
main(int argc, char **argv)
{
	struct host_spec spec = { 0 };
	struct ssh_options o = { .accept_new_hostkeys = false, .keepalive = 5, .connect_timeout = 10 };
	struct drive d = { 0 };
	struct addrinfo hints = { 0 }, *ai = NULL;
	const char *port = NULL;
	int c, rc;

	spec.name = "drivehost";
	while ((c = getopt(argc, argv, "vAa:p:u:i:K:k:t:")) != -1) {
		switch (c) {
		case 'v': log_set_verbosity(2); break;
		case 'A': o.accept_new_hostkeys = true; break;
		case 'a': spec.address = optarg; break;
		case 'p': port = optarg; break;
		case 'u': spec.user = optarg; break;
		case 'i': spec.identity = optarg; break;
		case 'K': spec.known_hosts = optarg; break;
		case 'k': o.keepalive = strtod(optarg, NULL); break;
		case 't': o.connect_timeout = strtod(optarg, NULL); break;
		default: return usage();
		}
	}
	if (optind >= argc || spec.address == NULL || port == NULL ||
	    spec.user == NULL || spec.known_hosts == NULL || o.keepalive <= 0 ||
	    o.connect_timeout <= 0)
		return usage();
	spec.port = (unsigned)strtoul(port, NULL, 10);
	/* A test tool may block on the lookup: the address is numeric. */
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if ((rc = getaddrinfo(spec.address, port, &hints, &ai)) != 0) {
		fprintf(stderr, "sshdrive: %s port %s: %s\n", spec.address, port,
		    gai_strerror(rc));
		return 2;
	}
	d.njobs = (size_t)(argc - optind);
	d.jobs = xcalloc(d.njobs, sizeof *d.jobs);
	for (size_t i = 0; i < d.njobs; i++) {
		d.jobs[i].d = &d;
		d.jobs[i].seq = i + 1;
		d.jobs[i].cmd = argv[optind + i];
	}
	if (libssh2_init(0) != 0)
		fatal("libssh2_init failed");
	d.loop = loop_new();
	d.conn = sshconn_new(1, d.loop, &spec, &o, ai, &events, &d);
	sshconn_connect(d.conn);
	loop_run(d.loop);
	sshconn_free(d.conn, true);
	sshchan_list_free(&d.requeued);
	loop_timer_del(d.loop, d.kick);
	loop_free(d.loop);
	freeaddrinfo(ai);
	free(d.jobs);
	libssh2_exit();
	return d.failed ? 1 : 0;
}
