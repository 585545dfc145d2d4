/* sshchan_agent.c: a job (sshchan.h's task) run by its connection's
 * remote agent instead of on a channel of its own:
 *
 *   QUEUED -> AGENT -> DONE
 *
 * The connection (sshmux.c) gives the agent the job and passes the
 * agent's frames for it here. The job's end is mapped to what the same
 * job would have reported through the wrapper (sshwrap.c), so that
 * nothing above can tell the two apart: a job killed by a signal is the
 * exit 128+N its shell reports; a cancelled one ended by SIGTERM; a
 * missing workdir EXEC_NO_WORKDIR with the same cause. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "sshchan.h"
#include "sshchan_impl.h"
#include "sshwrap.h"
#include "xalloc.h"

void
sshchan_agent_init(struct exec_task *t, const struct exec_request *req)
{
	t->agent_cmd = sshwrap_job_cmd(req);
	t->agent_inline = sshwrap_inline_ok(t->agent_cmd);
	t->host = xstrdup(req->host != NULL ? req->host : "");
	t->slot = req->slot;
	t->workdir_create = req->workdir_create;
	t->agent_ok = true;
}

bool
sshchan_agent_waiting(const struct exec_task *t)
{
	return t->state == CHAN_QUEUED && t->agent_ok && !t->cancelled &&
	    t->stage == NULL && t->in == NULL;
}

void
sshchan_agent_job(const struct exec_task *t, struct agentproto_job *j)
{
	memset(j, 0, sizeof *j);
	j->seq = t->seq;
	j->slot = t->slot;
	j->host = t->host;
	j->workdir = t->workdir;
	j->workdir_create = t->workdir_create;
	j->inline_ok = t->agent_inline;
	j->cmd = t->agent_cmd;
}

void
sshchan_agent_begin(struct exec_task *t, unsigned id)
{
	t->agent_id = id;
	chan_set_state(t, CHAN_AGENT);
	t->started = true;
	if (t->ops->started != NULL)
		t->ops->started(t->job);
}

unsigned
sshchan_agent_id(const struct exec_task *t)
{
	return t->state == CHAN_AGENT && !t->agent_done ? t->agent_id : 0;
}

bool
sshchan_agent_cancel_due(struct exec_task *t)
{
	if (t->state != CHAN_AGENT || t->agent_done || !t->cancelled || t->agent_kill_sent)
		return false;
	t->agent_kill_sent = true;
	return true;
}

void
sshchan_agent_output(struct exec_task *t, int stream, const char *data, size_t len)
{
	if (t->ops->output != NULL)
		t->ops->output(t->job, stream, data, len);
}

void
sshchan_agent_end(struct exec_task *t, enum agentproto_end end, int num)
{
	struct exec_result *r = &t->result;

	memset(r, 0, sizeof *r);
	switch (end) {
	case AGENTPROTO_EXITED:
		r->end = EXEC_EXITED;
		r->exit_code = num;
		break;
	case AGENTPROTO_SIGNALED:
		r->end = EXEC_EXITED;     /* as the wrapper's shell reports it */
		r->exit_code = 128 + num;
		break;
	case AGENTPROTO_KILLED:
		r->end = EXEC_SIGNALED;   /* as the wrapper, killed with its group */
		r->signal = SIGTERM;
		break;
	case AGENTPROTO_NO_DIR:
		free(t->cause);
		t->cause = sshwrap_result(r, 0, SSHWRAP_NO_DIR_SIGNAL, true, t->workdir);
		break;
	case AGENTPROTO_NO_FORK:
		r->end = EXEC_START_FAILED;
		free(t->cause);
		t->cause = xstrdup("the remote agent could not start it (no fork or FIFO)");
		r->cause = t->cause;
		break;
	case AGENTPROTO_NO_STATUS:
		r->end = EXEC_NO_STATUS;   /* as a wrapper killed under its job */
		free(t->cause);
		t->cause = xstrdup("the agent's shell for it died without its exit status");
		r->cause = t->cause;
		break;
	}
	t->agent_done = true;
}

void
sshchan_agent_lost(struct exec_task *t, const char *cause)
{
	memset(&t->result, 0, sizeof t->result);
	t->result.end = EXEC_LOST;
	free(t->cause);
	t->cause = xstrdup(cause);
	t->result.cause = t->cause;
	t->agent_done = true;
}

bool
sshchan_holds_session(const struct exec_task *t)
{
	return t->state != CHAN_QUEUED && t->state != CHAN_AGENT && t->state != CHAN_DONE;
}
