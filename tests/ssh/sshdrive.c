/* sshdrive.c: drives the SSH executor (sshconn.c) without pfan's
 * scheduler: runs commands on one host, at most `slots` at a time, and
 * prints each result. For tests and for measuring the executor alone.
 *
 *   sshdrive [-v] [-A] [-a ADDR] [-p PORT] [-u USER] [-i KEY] [-K KNOWN]
 *            [-s SLOTS|0] [-n NAME] [-r REPEAT] [-C SECS] [-k KEEPALIVE]
 *            [-qX] [-Y SECS] CMD...
 *
 * Each CMD (each repeated REPEAT times) is one job. -C cancels every job
 * still running SECS after it started; -X cancels each job right after
 * starting it (before its channel is open), -Y SECS that long after
 * starting it (whatever state it is in then). -q prints only the summary. Output:
 *   ready SLOTS | lost [given up]: WHY
 *   job SEQ: exited N | signaled N | lost: CAUSE | start failed: CAUSE
 *   job SEQ stdout: ... (first line)     job SEQ stderr: ...
 *   summary: N jobs in S s (R jobs/s), peak P running
 * Exit status: 0 when every job exited 0, 1 otherwise, 2 on usage errors.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "log.h"
#include "loop.h"
#include "sshconn.h"
#include "xalloc.h"

struct job {
	struct drive *d;
	unsigned long long seq;
	const char *cmd;
	struct exec_task *task;
	struct loop_timer *cancel;
	struct buf out, err;
	bool running;
};

struct drive {
	struct loop *loop;
	struct executor ex;
	struct job *jobs;
	size_t njobs, next, done, running, peak;
	unsigned slots;
	bool ready, quiet, failed, cancel_at_once;
	double cancel_after, cancel_early, t0;
};

static void fill(struct drive *d);

static void
on_cancel(void *arg)
{
	struct job *j = arg;

	j->cancel = NULL;
	j->d->ex.ops->cancel(j->d->ex.impl, j->task);
}

static void
job_started(void *arg)
{
	struct job *j = arg;

	j->running = true;
	if (++j->d->running > j->d->peak)
		j->d->peak = j->d->running;
	if (j->d->cancel_after > 0 && j->cancel == NULL)
		j->cancel = loop_timer_add(j->d->loop, j->d->cancel_after, on_cancel, j);
}

static void
job_output(void *arg, int stream, const char *data, size_t len)
{
	struct job *j = arg;

	buf_add(stream == 1 ? &j->out : &j->err, data, len);
}

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
job_done(void *arg, const struct exec_result *r)
{
	struct job *j = arg;
	struct drive *d = j->d;

	if (j->running)
		d->running--;
	loop_timer_del(d->loop, j->cancel);
	j->cancel = NULL;
	if (!(r->end == EXEC_EXITED && r->exit_code == 0))
		d->failed = true;
	if (!d->quiet) {
		switch (r->end) {
		case EXEC_EXITED:
			printf("job %llu: exited %d\n", j->seq, r->exit_code);
			break;
		case EXEC_SIGNALED:
			printf("job %llu: signaled %d\n", j->seq, r->signal);
			break;
		case EXEC_LOST:
			printf("job %llu: lost: %s\n", j->seq, r->cause ? r->cause : "?");
			break;
		case EXEC_START_FAILED:
			printf("job %llu: start failed: %s\n", j->seq, r->cause ? r->cause : "?");
			break;
		}
		print_first_line(j->seq, "stdout", &j->out);
		print_first_line(j->seq, "stderr", &j->err);
		fflush(stdout);
	}
	buf_free(&j->out);
	buf_free(&j->err);
	j->task = NULL;
	d->done++;
	if (d->done == d->njobs)
		loop_stop(d->loop);
}

static const struct exec_job_ops job_ops = { job_started, job_output, job_done };

static void
fill(struct drive *d)
{
	while (d->ready && d->next < d->njobs && d->next - d->done < d->slots) {
		struct job *j = &d->jobs[d->next++];
		struct exec_request req = { j->cmd, j->seq, (unsigned)(d->next - d->done),
		    "drivehost", j, &job_ops };
		char *cause = NULL;
		if (d->ex.ops->start(d->ex.impl, &req, &j->task, &cause) == PFAN_OK) {
			if (d->cancel_at_once)
				d->ex.ops->cancel(d->ex.impl, j->task);
			else if (d->cancel_early > 0)
				j->cancel = loop_timer_add(d->loop, d->cancel_early, on_cancel, j);
		} else {
			printf("job %llu: not started: %s\n", j->seq, cause);
			free(cause);
			d->failed = true;
			if (++d->done == d->njobs)
				loop_stop(d->loop);
		}
	}
}

static void
on_idle(void *arg)
{
	fill(arg);
}

static void
host_ready(void *arg, unsigned slots)
{
	struct drive *d = arg;

	printf("ready %u\n", slots);
	fflush(stdout);
	d->slots = slots;
	d->ready = true;
}

static void
host_lost(void *arg, const char *why, bool given_up)
{
	struct drive *d = arg;

	printf("lost%s: %s\n", given_up ? " [given up]" : "", why);
	fflush(stdout);
	d->ready = false;
	if (given_up) {
		/* Nothing more will run: count the rest as not started. */
		d->failed = true;
		d->done += d->njobs - d->next;
		d->next = d->njobs;
		if (d->done >= d->njobs)
			loop_stop(d->loop);
	}
}

static const struct exec_host_ops host_ops = { host_ready, host_lost };

int
main(int argc, char **argv)
{
	struct host_spec spec = { 0 };
	struct ssh_options o = { false, 5, 10 };
	struct drive d = { 0 };
	struct sshhost *h;
	char *cause = NULL;
	unsigned long repeat = 1;
	int c;

	spec.name = "drivehost";
	spec.address = "127.0.0.1";
	spec.port = 22;
	spec.slots = 4;
	while ((c = getopt(argc, argv, "vAa:p:u:i:K:s:n:r:C:k:qXY:")) != -1) {
		switch (c) {
		case 'v': log_set_verbosity(2); break;
		case 'A': o.accept_new_hostkeys = true; break;
		case 'a': spec.address = optarg; break;
		case 'p': spec.port = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'u': spec.user = optarg; break;
		case 'i': spec.identity = optarg; break;
		case 'K': spec.known_hosts = optarg; break;
		case 's': spec.slots = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'n': spec.name = optarg; break;
		case 'r': repeat = strtoul(optarg, NULL, 10); break;
		case 'C': d.cancel_after = strtod(optarg, NULL); break;
		case 'k': o.keepalive = strtod(optarg, NULL); break;
		case 'q': d.quiet = true; break;
		case 'X': d.cancel_at_once = true; break;
		case 'Y': d.cancel_early = strtod(optarg, NULL); break;
		default:
			fprintf(stderr, "usage: sshdrive [-vAq] [-a ADDR] [-p PORT] [-u USER] "
			    "[-i KEY] [-K KNOWN_HOSTS] [-s SLOTS] [-n NAME] [-r N] [-C SECS] "
			    "[-k SECS] CMD...\n");
			return 2;
		}
	}
	if (optind >= argc || repeat == 0)
		return 2;
	d.njobs = (size_t)(argc - optind) * repeat;
	d.jobs = xcalloc(d.njobs, sizeof *d.jobs);
	for (size_t i = 0; i < d.njobs; i++) {
		d.jobs[i].d = &d;
		d.jobs[i].seq = i + 1;
		d.jobs[i].cmd = argv[optind + i / repeat];
	}
	d.loop = loop_new();
	if (sshhost_new(&h, d.loop, &spec, &o, &host_ops, &d, &cause) != PFAN_OK) {
		fprintf(stderr, "sshdrive: %s\n", cause);
		free(cause);
		return 2;
	}
	d.ex = sshhost_executor(h);
	loop_set_idle(d.loop, on_idle, &d);
	d.t0 = mono_now();
	sshhost_start(h);
	loop_run(d.loop);
	double secs = mono_now() - d.t0;
	printf("summary: %zu jobs in %.3f s (%.1f jobs/s), peak %zu running\n",
	    d.njobs, secs, d.njobs / secs, d.peak);
	d.ex.ops->free(d.ex.impl);
	loop_free(d.loop);
	free(d.jobs);
	return d.failed ? 1 : 0;
}
