/* sshchan.c: one task (a job, or the slot probe) on one exec channel.
 *
 * Theory of operation: a task is a state machine stepped by its connection
 * (sshconn.c) after every wake-up of the session's socket:
 *
 *   QUEUED -> OPENING -> EXEC -> RUNNING -> CLOSING -> FREEING -> DONE
 *
 * QUEUED waits for its turn: libssh2 keeps the state of a channel open on
 * the session, so only one open may be in flight per session and the
 * connection says when (may_open). OPENING calls
 * libssh2_channel_open_session until it stops saying EAGAIN; a refusal for
 * lack of channels (sshd's MaxSessions) is not the job's failure but
 * SSHCHAN_REFUSED, and the connection moves the task elsewhere. EXEC sends
 * the command (again with the same arguments after EAGAIN, the buffer kept
 * alive in the task). RUNNING reads stdout and stderr until both say EAGAIN
 * or EOF, and keeps the channel's stdin open: the remote wrapper kills the
 * job when it closes, so cancel() just sends EOF. With --pipe it first
 * writes the job's block down that stdin as the channel's window allows
 * (again with the same pointer and length after EAGAIN, as libssh2
 * wants), and sends no EOF after it: the wrapper counts the block's bytes
 * (sshwrap.c). CLOSING waits for the
 * server's CHANNEL_CLOSE, which follows the exit status; FREEING sends our
 * close and frees the channel, releasing the server's session slot. Then
 * the task is FINISHED and its connection calls sshchan_finish, which
 * reports done once (stdout EOF, stderr EOF and the exit all seen).
 *
 * Staged files (--transferfile, --return, --cleanup: exec.h's
 * exec_stage) make two more states, each one SFTP channel (sshsftp.h)
 * that the task holds instead of its exec channel, so a task never holds
 * more than one channel and MaxSessions counts it once:
 *
 *   QUEUED -> SEND -> QUEUED -> OPENING ... FREEING -> FETCH -> DONE
 *
 * SEND opens its channel only when the task may open (as OPENING), then
 * sends the inputs; a failure there ends the task (START_FAILED, the
 * attempt failed, with the file and why) after removing what it sent.
 * FETCH, after the command exited, fetches the outputs (after a non-zero
 * exit, a missing one is no further failure) and, with cleanup, removes
 * the host's copies of both. A lost connection drops the transfer: the
 * local side of a fetch is a temporary file, removed then.
 *
 * A job may instead take a warm channel (sshwarm.h) its connection opened
 * ahead: QUEUED -> EXEC directly (sshchan_adopt), where EXEC writes the
 * same wrapper text and SSHWARM_GO down the channel's stdin instead of
 * sending an exec request; from RUNNING on nothing differs.
 *
 * Every libssh2 call here may pull any channel's packets off the socket, so
 * a step returns PROGRESS when it did anything and the connection steps all
 * its tasks again until a whole pass makes no progress. Errors are sorted
 * into the task's own (a denied exec: START_FAILED) and the session's (a
 * socket error: BROKEN, the connection is lost with all its tasks).
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "execin.h"
#include "fsm.h"
#include "log.h"
#include "loop.h"
#include "sshchan.h"
#include "sshchan_impl.h"
#include "sshsess.h"
#include "sshstage.h"
#include "sshwarm.h"
#include "sshwrap.h"
#include "xalloc.h"

static const char *const chan_state_names[] = {
	"queued", "send", "opening", "exec", "running", "closing", "freeing",
	"fetch", "agent", "done",
};

#define B(s) FSM_TO(s)
/* Which states each state may move to. */
static const unsigned chan_next[] = {
	[CHAN_QUEUED] = B(CHAN_SEND) | B(CHAN_OPENING) | B(CHAN_EXEC) | B(CHAN_FETCH) |
	    B(CHAN_AGENT) | B(CHAN_DONE),   /* EXEC: a warm channel adopted */
	[CHAN_SEND] = B(CHAN_QUEUED) | B(CHAN_DONE),   /* DONE: failed, or files only */
	[CHAN_OPENING] = B(CHAN_QUEUED) | B(CHAN_EXEC) | B(CHAN_FREEING) | B(CHAN_DONE),
	[CHAN_EXEC] = B(CHAN_RUNNING) | B(CHAN_FREEING),
	[CHAN_RUNNING] = B(CHAN_CLOSING),
	[CHAN_CLOSING] = B(CHAN_FREEING),
	[CHAN_FREEING] = B(CHAN_FETCH) | B(CHAN_DONE),
	[CHAN_FETCH] = B(CHAN_DONE),
	[CHAN_AGENT] = B(CHAN_DONE),
	[CHAN_DONE] = 0,
};
#undef B
static const struct fsm_def chan_fsm = FSM_DEF(chan_state_names, chan_next);

void
chan_set_state(struct exec_task *t, enum chan_state s)
{
	t->state = fsm_move(&chan_fsm, t->state, s, "job %llu: channel", t->seq);
}

static struct exec_task *
task_alloc(const struct exec_job_ops *ops, void *job)
{
	struct exec_task *t = xcalloc(1, sizeof *t);

	t->state = CHAN_QUEUED;
	t->ops = ops;
	t->job = job;
	return t;
}

struct exec_task *
sshchan_new(const struct exec_request *req)
{
	struct exec_task *t = task_alloc(req->ops, req->job);
	struct buf b = BUF_INIT;

	sshchan_agent_init(t, req);   /* the job command, and whether it is plain */
	sshwrap_text(&b, req, t->agent_cmd, t->agent_inline);
	t->cmdlen = b.len;
	t->cmd = buf_steal(&b);
	t->wrapped = true;
	t->warm_ok = t->cmdlen <= 32768 && sshwarm_can_carry(t->cmd, t->cmdlen);
	t->workdir = req->workdir != NULL ? xstrdup(req->workdir) : NULL;
	t->seq = req->seq;
	t->in = req->in;
	if (req->stage != NULL)
		t->stage = sshstage_new(req->stage, req->workdir, req->workdir_create,
		    req->seq, false);
	return t;
}

struct exec_task *
sshchan_new_files(const struct exec_stage *st, const char *workdir,
    bool workdir_create, const struct exec_job_ops *ops, void *job)
{
	struct exec_task *t = task_alloc(ops, job);

	t->stage = sshstage_new(st, workdir, workdir_create, 0, true);
	return t;
}

struct exec_task *
sshchan_new_raw(const char *cmd, const struct exec_job_ops *ops, void *job)
{
	struct exec_task *t = task_alloc(ops, job);

	t->cmd = xstrdup(cmd);
	t->cmdlen = strlen(cmd);
	return t;
}

void
sshchan_free(struct exec_task *t)
{
	if (t == NULL)
		return;
	free(t->cmd);
	free(t->workdir);
	free(t->agent_cmd);
	free(t->host);
	free(t->cause);
	free(t->refusal);
	sshstage_free(t->stage);
	free(t->scratch);
	free(t);
}

#define session_error sshsess_channel_error   /* the session's, not the channel's */

static char *
session_message(LIBSSH2_SESSION *s, const char *what)
{
	char *msg = NULL;

	libssh2_session_last_error(s, &msg, NULL, 0);
	return xasprintf("%s: %s", what, msg != NULL && *msg ? msg : "unknown error");
}

static enum sshchan_step
task_fail(struct exec_task *t, enum exec_end end, char *cause)
{
	t->result.end = end;
	free(t->cause);
	t->cause = cause;
	t->result.cause = cause;
	chan_set_state(t, CHAN_DONE);
	return SSHCHAN_FINISHED;
}

static bool fetch_begin(struct exec_task *t);

static enum sshchan_step
step_queued(struct exec_task *t, bool may_open)
{
	bool to_remove = t->stage != NULL && sshstage_to_remove(t->stage);

	if (t->cancelled && !to_remove)
		return task_fail(t, EXEC_START_FAILED, xstrdup("cancelled before it started"));
	if (!may_open)
		return SSHCHAN_WAIT;
	if (t->cancelled) {   /* its files were sent: removed first */
		t->result.end = EXEC_START_FAILED;
		t->cause = xstrdup("cancelled before it started");
		t->result.cause = t->cause;
		if (fetch_begin(t)) {
			chan_set_state(t, CHAN_FETCH);
			return SSHCHAN_PROGRESS;
		}
		chan_set_state(t, CHAN_DONE);
		return SSHCHAN_FINISHED;
	}
	if (t->stage != NULL && sshstage_to_send(t->stage)) {
		sshstage_begin_send(t->stage);
		chan_set_state(t, CHAN_SEND);
		return SSHCHAN_PROGRESS;
	}
	chan_set_state(t, CHAN_OPENING);
	return SSHCHAN_PROGRESS;
}

/* SEND and FETCH: steps the transfer; DONE when it is over. */
static enum sshchan_step
step_xfer(struct exec_task *t, LIBSSH2_SESSION *s, bool may_open, bool *done)
{
	*done = false;
	switch (sshstage_step(t->stage, s, may_open)) {
	case SSHSFTP_WAIT:
		return SSHCHAN_WAIT;
	case SSHSFTP_PROGRESS:
		return SSHCHAN_PROGRESS;
	case SSHSFTP_BROKEN:
		return SSHCHAN_BROKEN;
	case SSHSFTP_REFUSED:
		if (t->state == CHAN_FETCH) {
			/* sshd's lag after our exec channel's close: again, soon */
			fetch_begin(t);
			return SSHCHAN_PROGRESS;
		}
		free(t->refusal);
		t->refusal = session_message(s, "SFTP channel open refused");
		chan_set_state(t, CHAN_QUEUED);
		return SSHCHAN_REFUSED;
	case SSHSFTP_DONE:
		break;
	}
	*done = true;
	return SSHCHAN_PROGRESS;
}

static enum sshchan_step
step_send(struct exec_task *t, LIBSSH2_SESSION *s, bool may_open)
{
	bool done;
	enum sshchan_step r = step_xfer(t, s, may_open, &done);

	if (!done)
		return r;
	if (sshstage_cause(t->stage) != NULL)
		return task_fail(t, EXEC_START_FAILED, xstrdup(sshstage_cause(t->stage)));
	if (t->cmd == NULL) {   /* files only: done */
		t->result.end = EXEC_EXITED;
		chan_set_state(t, CHAN_DONE);
		return SSHCHAN_FINISHED;
	}
	chan_set_state(t, CHAN_QUEUED);
	return SSHCHAN_PROGRESS;
}

/* After the command (or a cancel): what is to be fetched and removed. */
static bool
fetch_begin(struct exec_task *t)
{
	if (t->stage == NULL)
		return false;
	return sshstage_begin_fetch(t->stage, t->result.end == EXEC_EXITED,
	    t->result.exit_code);
}

static enum sshchan_step
step_fetch(struct exec_task *t, LIBSSH2_SESSION *s, bool may_open)
{
	bool done;
	enum sshchan_step r = step_xfer(t, s, may_open, &done);

	if (!done)
		return r;
	if (sshstage_cause(t->stage) != NULL && t->cause == NULL) {
		t->cause = xstrdup(sshstage_cause(t->stage));
		t->result.cause = t->cause;
	}
	chan_set_state(t, CHAN_DONE);
	return SSHCHAN_FINISHED;
}

static enum sshchan_step
step_opening(struct exec_task *t, LIBSSH2_SESSION *s)
{
	t->ch = libssh2_channel_open_session(s);
	if (t->ch == NULL) {
		int rc = libssh2_session_last_errno(s);
		if (rc == LIBSSH2_ERROR_EAGAIN || rc == LIBSSH2_ERROR_BAD_USE)
			return SSHCHAN_WAIT;   /* BAD_USE: behind a part-sent packet */
		if (rc == LIBSSH2_ERROR_CHANNEL_FAILURE) {
			free(t->refusal);
			t->refusal = session_message(s, "channel open refused");
			chan_set_state(t, CHAN_QUEUED);
			return SSHCHAN_REFUSED;
		}
		if (session_error(rc))
			return SSHCHAN_BROKEN;
		return task_fail(t, EXEC_START_FAILED, session_message(s, "channel open"));
	}
	if (t->cancelled) {
		t->result.end = EXEC_START_FAILED;
		t->cause = xstrdup("cancelled before it started");
		t->result.cause = t->cause;
		chan_set_state(t, CHAN_FREEING);
		return SSHCHAN_PROGRESS;
	}
	chan_set_state(t, CHAN_EXEC);
	return SSHCHAN_PROGRESS;
}

/* EXEC: the exec request, or on an adopted warm channel the wrapper text
 * written down its stdin (sshwarm_write): a refusal is the same either way. */
static enum sshchan_step
step_exec(struct exec_task *t, LIBSSH2_SESSION *s)
{
	int rc = t->adopted ? sshwarm_write(t->ch, t->cmd, t->cmdlen, &t->cmd_pos,
	    &t->write_pending) : libssh2_channel_process_startup(t->ch, "exec", 4,
	    t->cmd, (unsigned)t->cmdlen);

	if (rc == LIBSSH2_ERROR_EAGAIN || rc == LIBSSH2_ERROR_BAD_USE)
		return SSHCHAN_WAIT;
	if (rc != 0) {
		if (session_error(rc))
			return SSHCHAN_BROKEN;
		t->result.end = EXEC_START_FAILED;
		if (t->cmdlen > 32768)   /* libssh2's packets end near 34 kB */
			t->cause = xasprintf("the command is %zu bytes with pfan's "
			    "wrapper, more than one SSH request can carry (about 32 kB)",
			    t->cmdlen);
		else
			t->cause = session_message(s, t->adopted ? "warm channel closed "
			    "before its command (which did not run)" : "exec refused");
		t->result.cause = t->cause;
		chan_set_state(t, CHAN_FREEING);
		return SSHCHAN_PROGRESS;
	}
	chan_set_state(t, CHAN_RUNNING);
	t->started = true;
	if (t->ops->started != NULL)
		t->ops->started(t->job);
	return SSHCHAN_PROGRESS;
}

/* Reads one stream until EAGAIN or EOF. -1: the session failed. */
static int
read_stream(struct exec_task *t, int stream, bool *progress)
{
	char data[16384];

	while (!t->eof[stream]) {
		ssize_t n = libssh2_channel_read_ex(t->ch,
		    stream == 2 ? SSH_EXTENDED_DATA_STDERR : 0, data, sizeof data);
		if (n > 0) {
			*progress = true;
			if (t->ops->output != NULL)
				t->ops->output(t->job, stream, data, (size_t)n);
			continue;
		}
		/* BAD_USE: a window adjust waits behind another channel's
		 * part-sent packet (--pipe); it is sent once that is. */
		if (n == LIBSSH2_ERROR_EAGAIN || n == LIBSSH2_ERROR_BAD_USE)
			return 0;
		if (n == 0) {
			/* libssh2 also returns 0 when the transport failed
			 * quietly: EOF only counts with the channel's EOF. */
			if (!libssh2_channel_eof(t->ch))
				return 0;
			t->eof[stream] = true;
			*progress = true;
			return 0;
		}
		if (session_error((int)n))
			return -1;
		log_debug("job %llu: read: %d", t->seq, (int)n);
		t->eof[stream] = true;
		*progress = true;
	}
	return 0;
}

#define SCRATCH 32768   /* what one write gives libssh2: a packet's worth */

/* --pipe: the block down the channel's stdin, as far as its window
 * allows. -1: the session failed. */
static int
write_stdin(struct exec_task *t, bool *progress)
{
	uint64_t total = execin_total(t->in);

	/* A packet libssh2 sent in part blocks every other send on the
	 * session (they get LIBSSH2_ERROR_BAD_USE) until the same call
	 * completes it: finish it even after a cancel. */
	while ((!t->cancelled || t->write_pending) && t->in_pos < total) {
		size_t n;
		if (t->scratch == NULL)
			t->scratch = xmalloc(SCRATCH);
		const char *p = execin_at(t->in, t->in_pos, t->scratch, SCRATCH, &n);
		if (p == NULL) {
			log_error("job %llu: its block could not be read: %s", t->seq,
			    strerror(errno));
			t->in_pos = total;
			break;
		}
		ssize_t k = libssh2_channel_write(t->ch, p, n);
		t->write_pending = k == LIBSSH2_ERROR_EAGAIN;
		if (k == LIBSSH2_ERROR_EAGAIN || k == LIBSSH2_ERROR_BAD_USE)
			return 0;   /* ours, or another channel's packet, to finish first */
		if (k < 0) {
			if (session_error((int)k))
				return -1;
			t->in_pos = total;   /* the job's end closed its stdin */
			break;
		}
		t->in_pos += (uint64_t)k;
		*progress = true;
		if (t->cancelled)
			break;
	}
	return 0;
}

static enum sshchan_step
step_running(struct exec_task *t)
{
	bool progress = false;

	if (t->in != NULL && write_stdin(t, &progress) < 0)
		return SSHCHAN_BROKEN;
	if (t->cancelled && !t->eof_sent && !t->write_pending) {
		int rc = libssh2_channel_send_eof(t->ch);
		if (rc == LIBSSH2_ERROR_BAD_USE)
			;   /* another channel's part-sent packet first */
		else if (rc == 0 || (rc != LIBSSH2_ERROR_EAGAIN && !session_error(rc))) {
			t->eof_sent = true;
			progress = true;
		} else if (rc != LIBSSH2_ERROR_EAGAIN)
			return SSHCHAN_BROKEN;
	}
	if (read_stream(t, 1, &progress) < 0 || read_stream(t, 2, &progress) < 0)
		return SSHCHAN_BROKEN;
	if (t->eof[1] && t->eof[2]) {
		chan_set_state(t, CHAN_CLOSING);
		return SSHCHAN_PROGRESS;
	}
	return progress ? SSHCHAN_PROGRESS : SSHCHAN_WAIT;
}

/* The channel is closed by the server: its exit-status or exit-signal, if
 * any, came before; sshwrap_result reads them. */
static void
collect_exit(struct exec_task *t, LIBSSH2_SESSION *s)
{
	char *sig = NULL;
	size_t siglen = 0;
	int status = libssh2_channel_get_exit_status(t->ch);

	libssh2_channel_get_exit_signal(t->ch, &sig, &siglen, NULL, NULL, NULL, NULL);
	free(t->cause);
	t->cause = sshwrap_result(&t->result, status, sig != NULL && siglen > 0 ? sig : NULL,
	    t->wrapped, t->workdir);
	if (sig != NULL)
		libssh2_free(s, sig);
}

static enum sshchan_step
step_closing(struct exec_task *t, LIBSSH2_SESSION *s)
{
	int rc = libssh2_channel_wait_closed(t->ch);

	if (rc == LIBSSH2_ERROR_EAGAIN || rc == LIBSSH2_ERROR_BAD_USE)
		return SSHCHAN_WAIT;
	if (rc != 0 && session_error(rc))
		return SSHCHAN_BROKEN;
	collect_exit(t, s);
	chan_set_state(t, CHAN_FREEING);
	return SSHCHAN_PROGRESS;
}

static enum sshchan_step
step_freeing(struct exec_task *t)
{
	int rc = libssh2_channel_free(t->ch);

	if (rc == LIBSSH2_ERROR_EAGAIN || rc == LIBSSH2_ERROR_BAD_USE)
		return SSHCHAN_WAIT;
	t->ch = NULL;
	if (rc != 0 && session_error(rc))
		return SSHCHAN_BROKEN;
	if (fetch_begin(t)) {
		chan_set_state(t, CHAN_FETCH);
		return SSHCHAN_PROGRESS;
	}
	chan_set_state(t, CHAN_DONE);
	return SSHCHAN_FINISHED;
}

enum sshchan_step
sshchan_step(struct exec_task *t, LIBSSH2_SESSION *s, bool may_open)
{
	switch (t->state) {
	case CHAN_QUEUED:
		return step_queued(t, may_open);
	case CHAN_SEND:
		return step_send(t, s, may_open);
	case CHAN_FETCH:
		return step_fetch(t, s, may_open);
	case CHAN_OPENING:
		return step_opening(t, s);
	case CHAN_EXEC:
		return step_exec(t, s);
	case CHAN_RUNNING:
		return step_running(t);
	case CHAN_CLOSING:
		return step_closing(t, s);
	case CHAN_FREEING:
		return step_freeing(t);
	case CHAN_AGENT:
		if (!t->agent_done)
			return SSHCHAN_WAIT;
		chan_set_state(t, CHAN_DONE);
		return SSHCHAN_FINISHED;
	case CHAN_DONE:
		return SSHCHAN_FINISHED;
	}
	fatal("job %llu: channel in state %d", t->seq, (int)t->state);
}

bool
sshchan_queued(const struct exec_task *t)
{
	return t->state == CHAN_QUEUED;
}

bool
sshchan_opening(const struct exec_task *t)
{
	return t->state == CHAN_OPENING || (t->stage != NULL && sshstage_opening(t->stage));
}

const char *
sshchan_refusal(const struct exec_task *t)
{
	return t->refusal != NULL ? t->refusal : "channel open refused";
}

void
sshchan_requeue(struct exec_task *t)
{
	if (t->started)
		fatal("job %llu: requeued after it started", t->seq);
	t->ch = NULL;
	chan_set_state(t, CHAN_QUEUED);
}

bool
sshchan_warm_kind(const struct exec_task *t)
{
	return t->warm_ok && t->stage == NULL;
}

bool
sshchan_adoptable(const struct exec_task *t)
{
	return t->state == CHAN_QUEUED && t->warm_ok && !t->cancelled && t->stage == NULL;
}

void
sshchan_adopt(struct exec_task *t, LIBSSH2_CHANNEL *ch)
{
	char *framed = xasprintf("%s%s", t->cmd, SSHWARM_GO);

	free(t->cmd);
	t->cmd = framed;
	t->cmdlen = strlen(framed);
	t->ch = ch;
	t->adopted = true;
	chan_set_state(t, CHAN_EXEC);
}

bool
sshchan_started(const struct exec_task *t)
{
	return t->started;
}

void
sshchan_cancel(struct exec_task *t)
{
	t->cancelled = true;
}

bool
sshchan_cancelled(const struct exec_task *t)
{
	return t->cancelled;
}

enum exec_end
sshchan_end(const struct exec_task *t)
{
	return t->result.end;
}

/* The staging figures, into a result. */
static void
stage_result(const struct exec_task *t, struct exec_result *r)
{
	if (t->stage != NULL)
		sshstage_result(t->stage, r);
}

void
sshchan_finish(struct exec_task *t)
{
	struct exec_result r = t->result;

	stage_result(t, &r);
	t->ops->done(t->job, &r);
	sshchan_free(t);
}

void
sshchan_fail(struct exec_task *t, enum exec_end end, const char *cause)
{
	struct exec_result r;

	memset(&r, 0, sizeof r);
	r.end = end;
	r.cause = cause;
	if (t->stage != NULL)
		sshstage_drop(t->stage);   /* a fetch's local temporary file removed */
	stage_result(t, &r);
	t->ch = NULL;
	t->ops->done(t->job, &r);
	sshchan_free(t);
}
