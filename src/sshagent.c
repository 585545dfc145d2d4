/* sshagent.c: a connection's remote agent (sshagent.h).
 *
 *   QUEUED -> OPENING -> EXEC -> GREETING -> READY -> CLOSING -> DONE
 *
 * EXEC runs `exec perl -e 'AGENT'` (AGENT below), which sshd runs as
 * `$SHELL -c TEXT` in a new session, as it runs a job's wrapper. The
 * agent says AGENTPROTO_GREETING first: anything else on stdout or stderr
 * (no perl, a shell that is not a POSIX sh, a banner from a profile)
 * closes the channel with the failure kept, and the host runs its jobs
 * one channel each, as before. Detection is by this reply, never by
 * timing. READY writes frames down the channel's stdin and reads the
 * agent's from its stdout.
 *
 * The agent itself, and why it is perl, is agentscript.c.
 */
#include <stdlib.h>
#include <string.h>

#include "agentscript.h"
#include "buf.h"
#include "fsm.h"
#include "log.h"
#include "sshagent.h"
#include "sshsess.h"
#include "xalloc.h"

enum agent_state {
	AGENT_QUEUED,
	AGENT_OPENING,
	AGENT_EXEC,
	AGENT_GREETING,
	AGENT_READY,
	AGENT_CLOSING,
	AGENT_DONE,
};

static const char *const agent_state_names[] = {
	"queued", "opening", "exec", "greeting", "ready", "closing", "done",
};

#define B(s) FSM_TO(s)
static const unsigned agent_next[] = {
	[AGENT_QUEUED] = B(AGENT_OPENING) | B(AGENT_DONE),
	[AGENT_OPENING] = B(AGENT_EXEC) | B(AGENT_CLOSING) | B(AGENT_DONE),
	[AGENT_EXEC] = B(AGENT_GREETING) | B(AGENT_CLOSING),
	[AGENT_GREETING] = B(AGENT_READY) | B(AGENT_CLOSING),
	[AGENT_READY] = B(AGENT_CLOSING),
	[AGENT_CLOSING] = B(AGENT_DONE),
	[AGENT_DONE] = 0,
};
#undef B
static const struct fsm_def agent_fsm = FSM_DEF(agent_state_names, agent_next);

struct sshagent {
	enum agent_state state;
	LIBSSH2_CHANNEL *ch;
	char *cmd;                 /* the exec request's text */
	size_t seen;               /* bytes of the greeting read */
	struct buf out;            /* frames being written: fixed while pending */
	size_t out_pos;
	bool pending;              /* libssh2 holds a part-sent packet of out */
	struct buf queue;          /* frames after out */
	struct agentproto_reader rd;
	struct buf err;            /* the tail of what the agent said on stderr */
	unsigned next_id;
	bool retired;
	bool eof_sent;
	char *failure;
};

static void
agent_set_state(struct sshagent *a, enum agent_state s)
{
	a->state = fsm_move(&agent_fsm, a->state, s, "remote agent");
}

struct sshagent *
sshagent_new(void)
{
	struct sshagent *a = xcalloc(1, sizeof *a);
	struct buf cmd = BUF_INIT;

	a->state = AGENT_QUEUED;
	buf_adds(&cmd, "exec perl -e '");
	buf_adds(&cmd, agentscript_text());
	buf_adds(&cmd, "'");
	a->cmd = buf_steal(&cmd);
	return a;
}

void
sshagent_free(struct sshagent *a)
{
	if (a == NULL)
		return;
	free(a->cmd);
	buf_free(&a->out);
	buf_free(&a->queue);
	buf_free(&a->err);
	agentproto_reader_free(&a->rd);
	free(a->failure);
	free(a);
}

static enum sshagent_step
agent_fail(struct sshagent *a, char *why)
{
	if (a->failure == NULL)
		a->failure = why;
	else
		free(why);
	agent_set_state(a, AGENT_CLOSING);
	return SSHAGENT_PROGRESS;
}

/* What the agent said on stderr, for a failure's message. */
static const char *
err_tail(struct sshagent *a)
{
	return a->err.len > 0 ? buf_cstr(&a->err) : "nothing on stderr";
}

static enum sshagent_step
step_opening(struct sshagent *a, LIBSSH2_SESSION *s)
{
	switch (sshsess_channel_open(s, &a->ch)) {
	case SSHSESS_OPEN_WAIT:
		return SSHAGENT_WAIT;
	case SSHSESS_OPEN_REFUSED:
		a->failure = xstrdup("the server refused it a session");
		agent_set_state(a, AGENT_DONE);
		return SSHAGENT_CLOSED;
	case SSHSESS_OPEN_BROKEN:
		return SSHAGENT_BROKEN;
	case SSHSESS_OPEN_DONE:
		break;
	}
	agent_set_state(a, a->retired ? AGENT_CLOSING : AGENT_EXEC);
	return SSHAGENT_PROGRESS;
}

static enum sshagent_step
step_exec(struct sshagent *a)
{
	int rc = libssh2_channel_process_startup(a->ch, "exec", 4, a->cmd,
	    (unsigned)strlen(a->cmd));

	if (rc == LIBSSH2_ERROR_EAGAIN || rc == LIBSSH2_ERROR_BAD_USE)
		return SSHAGENT_WAIT;
	if (rc != 0) {
		if (sshsess_channel_error(rc))
			return SSHAGENT_BROKEN;
		return agent_fail(a, xstrdup("the server refused its exec request"));
	}
	agent_set_state(a, a->retired ? AGENT_CLOSING : AGENT_GREETING);
	return SSHAGENT_PROGRESS;
}

/* The greeting's bytes among data; the rest is frames. False: a
 * stranger's bytes (the failure is set). */
static bool
take_greeting(struct sshagent *a, const char **data, size_t *len)
{
	const size_t glen = sizeof AGENTPROTO_GREETING - 1;
	size_t k = glen - a->seen < *len ? glen - a->seen : *len;

	if (memcmp(*data, &AGENTPROTO_GREETING[a->seen], k) != 0) {
		agent_fail(a, xasprintf("it said: %.*s", (int)(*len > 80 ? 80 : *len), *data));
		return false;
	}
	a->seen += k;
	*data += k;
	*len -= k;
	if (a->seen == glen)
		agent_set_state(a, AGENT_READY);
	return true;
}

/* Hands every whole frame to sink. */
static void
deliver(struct sshagent *a, const struct sshagent_sink *sink, void *arg)
{
	struct agentproto_event ev;
	const char *why;
	int r;

	while ((r = agentproto_next(&a->rd, &ev, &why)) > 0) {
		if (ev.type == AGENTPROTO_END)
			sink->end(arg, ev.id, ev.end, ev.num);
		else
			sink->output(arg, ev.id, ev.type == AGENTPROTO_OUT ? 1 : 2,
			    ev.data, ev.len);
	}
	if (r < 0)
		agent_fail(a, xasprintf("it sent %s", why));
}

/* Reads stdout (frames) and stderr (kept for messages). -1: the session
 * failed. */
static int
read_agent(struct sshagent *a, const struct sshagent_sink *sink, void *arg,
    bool *progress)
{
	char data[16384];

	for (int stream = 1; stream <= 2 && a->state != AGENT_CLOSING; stream++) {
		for (;;) {
			ssize_t n = libssh2_channel_read_ex(a->ch,
			    stream == 2 ? SSH_EXTENDED_DATA_STDERR : 0, data, sizeof data);
			if (n == LIBSSH2_ERROR_EAGAIN || n == LIBSSH2_ERROR_BAD_USE)
				break;
			if (n < 0) {
				if (sshsess_channel_error((int)n))
					return -1;
				/* its channel closed under us (libssh2 says so
				 * with an error, or with EOF, by timing): it ended */
				agent_fail(a, xasprintf("it ended (%s; libssh2 %d)", err_tail(a), (int)n));
				break;
			}
			if (n == 0) {
				if (libssh2_channel_eof(a->ch))
					agent_fail(a, xasprintf("it ended (%s)", err_tail(a)));
				break;
			}
			*progress = true;
			const char *p = data;
			size_t len = (size_t)n;
			if (stream == 2) {
				log_debug("remote agent: stderr: %.*s", (int)len, p);
				if (a->err.len > 200)
					buf_reset(&a->err);
				buf_add(&a->err, p, len > 200 ? 200 : len);
				while (a->err.len > 0 && a->err.data[a->err.len - 1] == '\n')
					a->err.data[--a->err.len] = '\0';
				if (a->state == AGENT_GREETING)
					agent_fail(a, xasprintf("it said on stderr: %s", err_tail(a)));
				if (a->state == AGENT_CLOSING)
					break;
				continue;
			}
			if (a->state == AGENT_GREETING && !take_greeting(a, &p, &len))
				break;
			agentproto_feed(&a->rd, p, len);
			deliver(a, sink, arg);
			if (a->state == AGENT_CLOSING)
				break;
		}
	}
	return 0;
}

/* Writes queued frames as far as the window allows. -1: the session
 * failed. */
static int
write_frames(struct sshagent *a, bool *progress)
{
	for (;;) {
		if (a->out_pos == a->out.len) {
			if (a->queue.len == 0)
				return 0;
			struct buf t = a->out;
			a->out = a->queue;
			a->queue = t;
			buf_reset(&a->queue);
			a->out_pos = 0;
		}
		ssize_t k = libssh2_channel_write(a->ch, a->out.data + a->out_pos,
		    a->out.len - a->out_pos);
		a->pending = k == LIBSSH2_ERROR_EAGAIN;
		if (k == LIBSSH2_ERROR_EAGAIN || k == LIBSSH2_ERROR_BAD_USE)
			return 0;
		if (k < 0) {
			if (sshsess_channel_error((int)k))
				return -1;
			agent_fail(a, xasprintf("write error %d", (int)k));
			return 0;
		}
		a->out_pos += (size_t)k;
		*progress = true;
	}
}

/* Sends EOF (the agent kills what it runs and exits), drains, waits for
 * the close, frees. */
static enum sshagent_step
step_closing(struct sshagent *a)
{
	if (a->ch == NULL) {
		agent_set_state(a, AGENT_DONE);
		return SSHAGENT_CLOSED;
	}
	if (a->pending) {
		/* libssh2 must finish its part-sent packet (the same call
		 * again), and nothing after it goes: frames for jobs now
		 * counted lost must not start them */
		ssize_t k = libssh2_channel_write(a->ch, a->out.data + a->out_pos,
		    a->out.len - a->out_pos);
		if (k == LIBSSH2_ERROR_EAGAIN)
			return SSHAGENT_WAIT;
		if (k < 0 && sshsess_channel_error((int)k))
			return SSHAGENT_BROKEN;
		a->pending = false;
	}
	switch (sshsess_channel_close(&a->ch, &a->eof_sent)) {
	case SSHSESS_CLOSE_WAIT:
		return SSHAGENT_WAIT;
	case SSHSESS_CLOSE_PROGRESS:
		return SSHAGENT_PROGRESS;
	case SSHSESS_CLOSE_BROKEN:
		return SSHAGENT_BROKEN;
	case SSHSESS_CLOSE_DONE:
		break;
	}
	agent_set_state(a, AGENT_DONE);
	return SSHAGENT_CLOSED;
}

enum sshagent_step
sshagent_step(struct sshagent *a, LIBSSH2_SESSION *s, bool may_open,
    const struct sshagent_sink *sink, void *arg)
{
	bool progress = false;

	switch (a->state) {
	case AGENT_QUEUED:
		if (a->retired) {
			agent_set_state(a, AGENT_DONE);
			return SSHAGENT_CLOSED;
		}
		if (!may_open)
			return SSHAGENT_WAIT;
		agent_set_state(a, AGENT_OPENING);
		return SSHAGENT_PROGRESS;
	case AGENT_OPENING:
		return step_opening(a, s);
	case AGENT_EXEC:
		return step_exec(a);
	case AGENT_GREETING:
	case AGENT_READY:
		if (a->retired) {
			agent_set_state(a, AGENT_CLOSING);
			return SSHAGENT_PROGRESS;
		}
		if (a->state == AGENT_READY && write_frames(a, &progress) < 0)
			return SSHAGENT_BROKEN;
		if (a->state != AGENT_CLOSING && read_agent(a, sink, arg, &progress) < 0)
			return SSHAGENT_BROKEN;
		if (a->state == AGENT_CLOSING)
			return SSHAGENT_PROGRESS;
		return progress ? SSHAGENT_PROGRESS : SSHAGENT_WAIT;
	case AGENT_CLOSING:
		return step_closing(a);
	case AGENT_DONE:
		return SSHAGENT_CLOSED;
	}
	fatal("remote agent in state %d", (int)a->state);
}

bool
sshagent_opening(const struct sshagent *a)
{
	return a->state == AGENT_OPENING;
}

bool
sshagent_holds_session(const struct sshagent *a)
{
	return a->state != AGENT_QUEUED && a->state != AGENT_DONE;
}

bool
sshagent_ready(const struct sshagent *a)
{
	return a->state == AGENT_READY && !a->retired;
}

const char *
sshagent_failure(const struct sshagent *a)
{
	return a->failure;
}

unsigned
sshagent_submit(struct sshagent *a, const struct agentproto_job *j)
{
	if (!sshagent_ready(a))
		fatal("remote agent given a job in state %s", agent_state_names[a->state]);
	if (++a->next_id == 0)
		a->next_id = 1;
	agentproto_job(&a->queue, a->next_id, j);
	return a->next_id;
}

void
sshagent_cancel(struct sshagent *a, unsigned id)
{
	if (a->state == AGENT_READY)
		agentproto_kill(&a->queue, id);
}

void
sshagent_retire(struct sshagent *a)
{
	a->retired = true;
}
