/* retry.c: an ended attempt's status and next step (retry.h). */
#include "retry.h"

/* Attempts of one job that may end without an exit status before the job
 * is given up as no_status: a job that kills its own wrapper or sshd
 * would otherwise be rerun forever, each run a host_lost record. Counted:
 * a channel that closed without a status, and a connection lost under the
 * job while other jobs succeeded on that host (the host works, not for
 * this job). A host that fails everyone is sshhost.c's to give up: its
 * jobs are not to blame and run again. */
#define NO_STATUS_LIMIT 3

enum job_status
retry_status(struct retry_state *rs, const struct sched_host *h,
    const struct retry_end *e)
{
	const struct exec_result *r = e->r;

	if (r->end == EXEC_NO_STATUS || (r->end == EXEC_LOST && h->oks > rs->host_oks))
		rs->no_status++;
	if (r->end == EXEC_NO_WORKDIR)
		return JOB_HOST_LOST;   /* never ran: requeued, as for a lost host */
	if (r->end == EXEC_LOST || r->end == EXEC_NO_STATUS)
		return rs->no_status >= NO_STATUS_LIMIT ? JOB_NO_STATUS : JOB_HOST_LOST;
	if (e->timed_out)
		return JOB_TIMEOUT;
	if (e->killed)
		return JOB_KILLED;
	if (r->end == EXEC_EXITED && r->exit_code == 0 && !r->stage_failed)
		return JOB_OK;
	return JOB_FAILED;
}

enum retry_step
retry_next(struct retry_state *rs, struct sched_host *const *hosts, size_t n,
    struct sched_host *h, enum job_status st, const struct retry_end *e,
    bool stopping, unsigned retries)
{
	const struct exec_result *r = e->r;

	if (st == JOB_OK) {
		schedhost_credit(hosts, n, h, &rs->failed_on);
		return RETRY_FINAL;
	}
	if (r->end == EXEC_NO_WORKDIR)
		schedhost_no_workdir(h);
	if (r->end == EXEC_NO_STATUS && st != JOB_NO_STATUS) {
		/* h's sshd may be to blame (ChannelTimeout): try elsewhere */
		schedhost_no_status(hosts, n, h);
		host_set_add(&rs->failed_on, h->index);
	}
	if (st == JOB_HOST_LOST || e->requeue)
		return stopping ? RETRY_FINAL : RETRY_RERUN;
	if (st != JOB_FAILED && st != JOB_TIMEOUT)
		return RETRY_FINAL;
	if (r->input_missing)
		return RETRY_FINAL;   /* the job's own fault: no host does better */
	int code = r->end == EXEC_EXITED ? r->exit_code : -1;
	bool host_fault = st == JOB_FAILED &&
	    schedhost_blame(hosts, n, h, code, &rs->failed_on, &rs->only);
	if (stopping)
		return RETRY_FINAL;
	if (host_fault) {
		host_set_add(&rs->failed_on, h->index);
		return RETRY_RERUN;
	}
	/* --retries N: N attempts in all, as in GNU parallel. */
	if (rs->failures + 1 < retries) {
		rs->failures++;
		host_set_add(&rs->failed_on, h->index);
		return RETRY_CHARGED;
	}
	return RETRY_FINAL;
}
