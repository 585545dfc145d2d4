/* runfail.c: failed jobs as the user hears of them (runfail.h).
 *
 * A command that is not on a host, or not executable there, exits 126 or
 * 127 at once. schedhost.c moves such jobs to hosts that run them; when no
 * host can, every job of the input would fail in milliseconds, each with
 * the same line on stderr, and the one message that matters scrolls away.
 * So after RUNFAIL_MISSING_LIMIT final 126/127 exits with no success
 * anywhere, pfan says once which command and where, and starts nothing
 * more: the exit status is still the number of failed jobs. A single
 * success anywhere means the command exists and those exits are the jobs'
 * own: nothing stops then.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "runfail.h"
#include "xalloc.h"

struct failed {
	unsigned long long seq;
	char *host;
	char *what;    /* "exit 127", "signal 9", "timeout" */
};

struct runfail {
	struct failed first[RUNFAIL_FIRST];
	size_t nfirst;
	unsigned missing;   /* final 126/127 exits */
	unsigned long long unsaid;  /* failed jobs no message has named yet */
	bool stopped;
};

struct runfail *
runfail_new(void)
{
	return xcalloc(1, sizeof(struct runfail));
}

void
runfail_free(struct runfail *rf)
{
	if (rf == NULL)
		return;
	for (size_t i = 0; i < rf->nfirst; i++) {
		free(rf->first[i].host);
		free(rf->first[i].what);
	}
	free(rf);
}

static char *
describe(const struct runfail_job *j)
{
	if (j->exit_code >= 0)
		return xasprintf("exit %d", j->exit_code);
	if (j->signal > 0)
		return xasprintf("signal %d", j->signal);
	return xstrdup(job_status_name(j->status));
}

/* The command's first word: what the shell could not find. */
static char *
command_name(const char *cmd)
{
	size_t start = strspn(cmd, " \t\n");
	size_t n = strcspn(cmd + start, " \t\n;&|<>()");

	return n > 0 ? xasprintf("%.*s", (int)n, cmd + start) : xstrdup(cmd);
}

bool
runfail_add(struct runfail *rf, const struct runfail_job *j, bool any_ok)
{
	/* A job that never started (no exit, no signal) had its cause said. */
	if (!(j->status == JOB_FAILED && j->exit_code < 0 && j->signal == 0))
		rf->unsaid++;
	if (rf->nfirst < RUNFAIL_FIRST) {
		struct failed *f = &rf->first[rf->nfirst++];
		f->seq = j->seq;
		f->host = xstrdup(j->host);
		f->what = describe(j);
	}
	if (j->exit_code != 126 && j->exit_code != 127)
		return false;
	rf->missing++;
	if (any_ok || rf->stopped || rf->missing < RUNFAIL_MISSING_LIMIT)
		return false;
	rf->stopped = true;
	char *name = command_name(j->cmd);
	log_error("%s: command not found or not executable (exit %d) on every host "
	    "that ran it%s%s; %u jobs failed so and none succeeded: starting no more "
	    "jobs", name, j->exit_code, j->dir != NULL ? ", in " : "",
	    j->dir != NULL ? j->dir : "", rf->missing);
	free(name);
	return true;
}

char *
runfail_summary(const struct runfail *rf, unsigned long long nfailed)
{
	struct buf b = BUF_INIT;

	if (nfailed == 0 || rf->unsaid == 0)
		return NULL;   /* jobs that never ran: their own messages said it */
	buf_addf(&b, "%llu job%s failed", nfailed, nfailed == 1 ? "" : "s");
	for (size_t i = 0; i < rf->nfirst; i++)
		buf_addf(&b, "%s job %llu on %s %s", i == 0 ? "; first:" : ",",
		    rf->first[i].seq, rf->first[i].host, rf->first[i].what);
	return buf_steal(&b);
}
