/* schedjob.c: a job as the scheduler holds it (schedjob.h). */
#include <stdlib.h>
#include <string.h>

#include "fsm.h"
#include "schedjob.h"
#include "xalloc.h"

static const char *const job_state_names[] = {
	"queued", "starting", "running", "done",
};

/* Which states each state may move to; done -> queued is a retry. */
static const unsigned job_next[] = {
	[JOB_QUEUED] = FSM_TO(JOB_STARTING) | FSM_TO(JOB_DONE),
	[JOB_STARTING] = FSM_TO(JOB_RUNNING) | FSM_TO(JOB_DONE),
	[JOB_RUNNING] = FSM_TO(JOB_DONE),
	[JOB_DONE] = FSM_TO(JOB_QUEUED),
};
static const struct fsm_def job_fsm = FSM_DEF(job_state_names, job_next);

struct job *
job_new(struct jobfeed_item *it, struct host_set only)
{
	struct job *j = xcalloc(1, sizeof *j);

	j->seq = it->seq;
	j->args = it->args;
	j->cmd = it->cmd;
	j->block = it->block;
	j->json = it->json;
	j->state = JOB_QUEUED;
	j->retry.only = only;
	return j;
}

void
job_set_state(struct job *j, enum job_state to)
{
	j->state = fsm_move(&job_fsm, j->state, to, "job %llu", j->seq);
}

void
job_free(struct job *j)
{
	if (j == NULL)
		return;
	args_free(&j->args);
	free(j->cmd);
	free(j->cause);
	pipein_block_free(j->block);
	buf_free(&j->head);
	host_set_free(&j->retry.failed_on);
	host_set_free(&j->retry.only);
	free(j);
}

void
job_fill_record(struct job *j, enum job_status st, const struct exec_result *r,
    double runtime, bool will_retry)
{
	struct joblog_record *rec = &j->rec;

	memset(rec, 0, sizeof *rec);
	rec->seq = j->seq;
	rec->attempt = j->attempt;
	rec->host = j->host->name;
	rec->slot = j->slot;
	rec->cmd = j->cmd;
	rec->nargs = j->args.n;
	rec->args = j->args.v;
	rec->start = j->start_wall;
	rec->runtime = runtime;
	rec->exit_code = r != NULL && r->end == EXEC_EXITED ? r->exit_code : -1;
	rec->signal = r != NULL && r->end == EXEC_SIGNALED ? r->signal : 0;
	rec->status = st;
	rec->will_retry = will_retry;
	rec->stdout_bytes = j->out != NULL ? output_job_bytes(j->out, 1) : 0;
	rec->stderr_bytes = j->out != NULL ? output_job_bytes(j->out, 2) : 0;
	rec->job = j->json != NULL ? j->json->obj : NULL;
	rec->stdout_head = j->head.data;
	rec->stdout_head_len = j->head.len;
	if (r != NULL) {
		free(j->cause);
		j->cause = r->cause != NULL ? xstrdup(r->cause) : NULL;
		rec->cause = j->cause;
		rec->staged = r->staged;
		rec->sent_bytes = r->sent;
		rec->received_bytes = r->received;
		rec->stage_secs = r->stage_secs;
	}
}
