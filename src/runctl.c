/* runctl.c: run control (runctl.h). The scheduler only runs jobs; what
 * the run as a whole does is decided here, from what it reports: when to
 * stop (and whether to kill what runs), and the exit status: 128+N for
 * the signal that stopped the run, 255 for pfan's own errors, 141 when
 * our stdout's reader left (`pfan ... | head -1` ends quietly, as SIGPIPE
 * ends GNU parallel), --halt's status, else the failed jobs' count (at
 * most 101), or with --onall the failed hosts' (onall.c). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "errors.h"
#include "halt.h"
#include "log.h"
#include "recsink.h"
#include "runctl.h"
#include "xalloc.h"

struct runctl {
	const struct pfan_opts *o;
	struct loop *loop;
	struct output *out;
	struct recsink *sink;
	struct sched *s;
	struct halt_state halt;
	bool halted;               /* by --halt */
	bool out_closed;           /* our stdout's (or stderr's) reader left */
	int signo;                 /* the signal that stopped us */
	int interrupts;
	bool fatal;                /* pfan's own error: exit 255 */
	struct loop_timer *host_wait_timer;
	struct onall *onall;       /* NULL: not --onall nor --nonall */
	struct jsonres *jres;      /* --json-results; NULL: none */
};

/* A write to a pipe whose reader is gone: no one will read the rest. */
static void
on_output_closed(void *arg)
{
	struct runctl *rc = arg;

	if (rc->s == NULL)   /* no job has run: nothing to stop */
		return;
	if (!rc->out_closed)
		log_debug("output closed by its reader: stopping, killing %zu running",
		    sched_running(rc->s));
	rc->out_closed = true;
	sched_stop(rc->s, true);
}

struct runctl *
runctl_new(const struct pfan_opts *o, struct loop *loop, struct output *out,
    struct joblog *jl)
{
	struct runctl *rc = xcalloc(1, sizeof *rc);

	rc->o = o;
	rc->loop = loop;
	rc->out = out;
	rc->sink = recsink_new(loop, jl);
	if (out != NULL)
		output_on_closed(out, on_output_closed, rc);
	return rc;
}

static void
on_record(void *arg, const struct joblog_record *rec, bool output_lost)
{
	struct runctl *rc = arg;
	char *cause = NULL;

	/* Lost output is pfan's failure, unless its reader left on purpose. */
	if (output_lost && !rc->out_closed)
		rc->fatal = true;
	onall_record(rc->onall, rec);
	/* The result before the record: a job the joblog says is done has
	 * its line (a kill between the two runs it again, with a second). */
	if (jsonres_write(rc->jres, rec, &cause) != PFAN_OK) {
		log_error("%s", cause);
		free(cause);
		cause = NULL;
		rc->fatal = true;
	}
	if (recsink_write(rc->sink, rec, &cause) != PFAN_OK) {
		/* The joblog is the run's durable state: without it a resume
		 * could run finished jobs again. Stop starting new ones. */
		log_error("%s; starting no new jobs", cause);
		free(cause);
		rc->fatal = true;
		sched_stop(rc->s, false);
	}
}

static void
on_job_ended(void *arg, bool failed, int job_status)
{
	struct runctl *rc = arg;
	const struct pfan_opts *o = rc->o;
	static const char *const what[] = { "failed", "succeeded", "finished" };
	struct sched_tally t;
	unsigned long long n;
	size_t running = sched_running(rc->s);

	sched_tally(rc->s, &t);
	if (!halt_after_job(o, &rc->halt, t.ok, t.failed, t.total, failed, job_status))
		return;
	n = o->halt_what == HALT_FAIL ? t.failed : o->halt_what == HALT_SUCCESS ?
	    t.ok : t.ok + t.failed;
	rc->halted = true;
	sched_stop(rc->s, o->halt_when == HALT_NOW);
	if (o->halt_when == HALT_NOW)
		log_warn("--halt: %llu job%s %s; killing %zu running", n, n == 1 ? "" : "s",
		    what[o->halt_what], running);
	else if (running > 0)
		log_warn("--halt: %llu job%s %s; waiting for %zu running", n, n == 1 ? "" : "s",
		    what[o->halt_what], running);
}

/* No host will take the jobs: stop, and say what is left and how to go
 * on. */
static void
give_up(struct runctl *rc, const char *why)
{
	const struct pfan_opts *o = rc->o;
	const char *jl = o->resume != NULL ? o->resume : o->joblog;
	struct sched_left l;

	sched_give_up(rc->s, &l);
	const char *more = l.input_all ? "" : " (and input not read to its end)";
	/* Unread records were not matched against the joblog: some may be
	 * done already. */
	const char *upto = o->resume != NULL && l.unread > 0 ? "up to " : "";
	const char *s = l.left == 1 ? "" : "s";

	if (jl != NULL)
		log_error("no host left to run jobs on (%s); %s%llu job%s unfinished%s; "
		    "run the same command with --resume %s to finish them", why, upto,
		    l.left, s, more, jl);
	else
		log_error("no host left to run jobs on (%s); %s%llu job%s unfinished%s "
		    "(with --joblog FILE, --resume FILE could finish them)", why, upto,
		    l.left, s, more);
	rc->fatal = true;
}

static void
on_host_wait_expired(void *arg)
{
	struct runctl *rc = arg;
	char why[64];

	rc->host_wait_timer = NULL;
	if (sched_hosts(rc->s) == SCHED_HOSTS_OK)
		return;
	snprintf(why, sizeof why, "none came back within --host-wait %gs", rc->o->host_wait);
	give_up(rc, why);
}

/* Hosts only down get --host-wait seconds to come back. */
static void
on_hosts(void *arg, enum sched_hosts st)
{
	struct runctl *rc = arg;

	if (st == SCHED_HOSTS_NONE)
		give_up(rc, sched_why_no_host(rc->s));
	if (st != SCHED_HOSTS_DOWN) {
		loop_timer_del(rc->loop, rc->host_wait_timer);
		rc->host_wait_timer = NULL;
	} else if (rc->host_wait_timer == NULL)
		rc->host_wait_timer = loop_timer_add(rc->loop, rc->o->host_wait,
		    on_host_wait_expired, rc);
}

const struct sched_report_ops runctl_report_ops = {
	.record = on_record,
	.job_ended = on_job_ended,
	.hosts = on_hosts,
};

static void
on_signal(void *arg, int signo)
{
	struct runctl *rc = arg;
	size_t running = sched_running(rc->s);

	rc->signo = signo;
	if (signo == SIGINT && rc->interrupts++ == 0 && running > 0) {
		log_warn("interrupted: starting no new jobs, waiting for %zu running "
		    "(Ctrl-C again kills them)", running);
		sched_stop(rc->s, false);
		return;
	}
	if (running > 0)
		log_warn("killing %zu running job%s", running, running == 1 ? "" : "s");
	sched_stop(rc->s, true);
}

static int
exit_status(struct runctl *rc)
{
	struct sched_tally t;
	unsigned long long nfailed;
	int halt;

	sched_tally(rc->s, &t);
	nfailed = t.failed + t.bad;
	if (rc->signo != 0)
		return 128 + rc->signo;
	if (rc->fatal || t.read_error)
		return PFAN_EXIT_ERROR;
	if (rc->out_closed)
		return 128 + SIGPIPE;
	if (output_failed(rc->out))
		return PFAN_EXIT_ERROR;
	halt = halt_exit_status(rc->o, &rc->halt, nfailed, t.ok + nfailed);
	if (halt >= 0)
		return halt;
	if (rc->onall != NULL)
		return onall_status(rc->onall, t.bad > 0);
	return nfailed > 101 ? 101 : (int)nfailed;
}

int
runctl_run(struct runctl *rc, struct sched *s)
{
	char *cause = NULL;

	rc->s = s;
	loop_signal(rc->loop, SIGINT, on_signal, rc);
	loop_signal(rc->loop, SIGTERM, on_signal, rc);
	loop_signal(rc->loop, SIGHUP, on_signal, rc);
	sched_run(s);
	if (recsink_sync(rc->sink, &cause) != PFAN_OK) {
		log_error("%s", cause);
		free(cause);
		rc->fatal = true;
	}
	return exit_status(rc);
}

void
runctl_set_onall(struct runctl *rc, struct onall *a)
{
	rc->onall = a;
}

void
runctl_set_json_results(struct runctl *rc, struct jsonres *jr)
{
	rc->jres = jr;
}

bool
runctl_halted(const struct runctl *rc)
{
	return rc != NULL && rc->halted;
}

bool
runctl_cut_short(const struct runctl *rc)
{
	return rc != NULL && (rc->signo != 0 || rc->out_closed);
}

void
runctl_free(struct runctl *rc)
{
	if (rc == NULL)
		return;
	recsink_free(rc->sink);
	loop_timer_del(rc->loop, rc->host_wait_timer);
	free(rc);
}
