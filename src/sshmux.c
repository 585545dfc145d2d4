/* sshmux.c: the channels one SSH connection carries (sshconn.h's
 * sshconn_service, _add_task, _room, _set_limit, _ntasks).
 *
 * Theory of operation. Only one channel open may be in flight per session
 * (libssh2 keeps its state on the session), so the first queued task opens
 * when no other is opening. Reading one channel pulls every channel's packets off
 * the socket, so after every wake-up all tasks are stepped, pass after
 * pass, until a whole pass makes no progress. A refused open (MaxSessions)
 * tells us the connection is full: its owner learns the limit and takes
 * the unopened tasks back. But sshd frees a closed session's slot only on its
 * next turn, so an open sent right after our close can be refused below the
 * limit: a refusal is believed only when it comes again at the same count
 * after a pause (HOLD_SECS); meanwhile the task waits on its connection.
 * Believing the first one made a 100-slot host use 12 connections, not 10.
 *
 * Warm channels (sshwarm.h). While jobs run, the connection opens up to
 * one warm channel per running job (at most the owner's cap), so that the
 * job that next comes takes one and starts with a write. A warm channel
 * is a session, so it is opened only when the sessions every task of the
 * connection may hold still leave room under the learned limit, and only
 * when no task is queued (a queued job takes a warm channel, or waits for
 * one still opening, rather than open its own: so a job's own open is
 * never refused for sessions warm channels hold). Tasks that cannot take
 * one (the slot probe, run_once's commands, staged files) retire them
 * all: their opens find the sessions free. A refused warm open is no
 * limit learned (jobs decide that), only a pause before the next, doubling.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sshconn.h"
#include "sshconn_impl.h"
#include "sshagent.h"
#include "sshwarm.h"
#include "xalloc.h"

#define MAX_PASSES 64
#define HOLD_SECS 0.02
/* Refusals with no channel open before the job is told: 20 ms doubling,
 * 2.5 s in all. */
#define ZERO_REFUSALS_MAX 7
#define WARM_PAUSE 0.05   /* after a refused warm open, doubling */

/* Sessions of c's warm channels (those whose open was sent). */
static unsigned
warm_open(const struct sshconn *c)
{
	unsigned n = 0;

	for (size_t i = 0; i < c->nwarm; i++)
		if (!sshwarm_queued(c->warm[i]))
			n++;
	return n;
}

static void
warm_remove(struct sshconn *c, size_t i)
{
	sshwarm_free(c->warm[i]);
	c->warm[i] = c->warm[--c->nwarm];
}

void
warm_drop_all(struct sshconn *c)
{
	for (size_t i = 0; i < c->nwarm; i++)
		sshwarm_free(c->warm[i]);
	free(c->warm);
	c->warm = NULL;
	c->nwarm = 0;
	sshagent_free(c->agent);   /* it reads EOF and kills what it runs */
	c->agent = NULL;
}

static void
on_hold_end(void *arg)
{
	struct sshconn *c = arg;

	c->hold = NULL;
	sshconn_service(c);
}

/* The server refused the open of c's task i: c is full at the channels it
 * has open, unless it has none (then it is a refusal of the job), or
 * unless the refusal is sshd's lag (see the top): then try again soon. */
static void
conn_refused(struct sshconn *c, size_t i)
{
	struct exec_task *t = c->tasks.v[i];
	struct sshchan_list back = SSHCHAN_LIST_INIT;
	unsigned open = 0;

	for (size_t j = 0; j < c->tasks.n; j++)
		if (sshchan_holds_session(c->tasks.v[j]))
			open++;
	open += warm_open(c);
	if (c->agent != NULL && sshagent_holds_session(c->agent))
		open++;
	if (open == 0) {
		/* Nothing open here: sshd refuses the job itself, or it has not
		 * yet freed the sessions we just closed (the lag above, seen on a
		 * busy machine). Pauses that double, then believe it. */
		if (c->zero_refusals < ZERO_REFUSALS_MAX) {
			double secs = HOLD_SECS * (double)(1u << c->zero_refusals++);
			log_debug("%s: conn %u: %s with no channel open; trying again in %g s",
			    c->spec->name, c->id, sshchan_refusal(t), secs);
			if (c->hold == NULL)
				c->hold = loop_timer_add(c->loop, secs, on_hold_end, c);
			return;
		}
		c->zero_refusals = 0;
		sshchan_list_remove(&c->tasks, i);
		sshchan_fail(t, EXEC_START_FAILED, sshchan_refusal(t));
		return;
	}
	if ((c->limit != 0 && open < c->limit) || (c->limit == 0 && c->refused_at != open)) {
		log_debug("%s: conn %u: %s with %u channels open; trying again in %g s",
		    c->spec->name, c->id, sshchan_refusal(t), open, HOLD_SECS);
		c->refused_at = open;
		if (c->hold == NULL)
			c->hold = loop_timer_add(c->loop, HOLD_SECS, on_hold_end, c);
		return;
	}
	log_debug("%s: conn %u: %s with %u channels open, twice; using another connection",
	    c->spec->name, c->id, sshchan_refusal(t), open);
	c->limit = open;
	c->refused_at = 0;
	for (size_t j = 0; j < c->tasks.n; j++) {
		struct exec_task *q = c->tasks.v[j];
		if (!sshchan_queued(q))
			continue;
		sshchan_list_remove(&c->tasks, j--);
		sshchan_requeue(q);
		sshchan_list_push(&back, q);
	}
	c->ev->full(c->owner, c, open, &back);
	free(back.v);
}

/* Queued jobs take ready warm channels; true when one still waits for a
 * warm channel on its way (it must not open its own). Retires them all
 * when a task that cannot take one is on c. */
static bool
warm_adopt(struct sshconn *c, bool *progress)
{
	size_t coming = 0;

	for (size_t i = 0; i < c->tasks.n; i++)
		if (!sshchan_warm_kind(c->tasks.v[i])) {
			for (size_t j = 0; j < c->nwarm; j++)
				sshwarm_retire(c->warm[j]);
			return false;
		}
	for (size_t j = 0; j < c->nwarm; j++)
		if (!sshwarm_closing(c->warm[j]))
			coming++;
	for (size_t i = 0; i < c->tasks.n && coming > 0; i++) {
		struct exec_task *t = c->tasks.v[i];
		if (!sshchan_adoptable(t))
			continue;
		for (size_t j = 0; j < c->nwarm; j++) {
			if (!sshwarm_ready(c->warm[j]))
				continue;
			LIBSSH2_CHANNEL *ch = sshwarm_take(c->warm[j]);
			c->warm[j] = c->warm[--c->nwarm];
			sshchan_adopt(t, ch);
			c->warm_refusals = 0;
			coming--;
			*progress = true;
			break;
		}
	}
	for (size_t i = 0; i < c->tasks.n; i++)
		if (sshchan_adoptable(c->tasks.v[i]))
			return coming > 0;
	return false;
}

/* Steps the warm channels; false when the session failed. */
static bool
warm_step(struct sshconn *c, bool *opening, bool *progress)
{
	for (size_t i = 0; i < c->nwarm; i++) {
		struct sshwarm *w = c->warm[i];
		enum sshwarm_step r = sshwarm_step(w, c->s, !*opening && c->hold == NULL);

		if (sshwarm_opening(w))
			*opening = true;
		switch (r) {
		case SSHWARM_WAIT:
			break;
		case SSHWARM_PROGRESS:
			*progress = true;
			break;
		case SSHWARM_REFUSED:
			c->warm_after = mono_now() + WARM_PAUSE *
			    (double)(1u << (c->warm_refusals < 6 ? c->warm_refusals : 6));
			c->warm_refusals++;
			warm_remove(c, i--);
			*progress = true;
			break;
		case SSHWARM_CLOSED:
			if (sshwarm_failure(w) != NULL && c->warm_failure == NULL) {
				c->warm_failure = xstrdup(sshwarm_failure(w));
				c->warm_cap = 0;
			}
			warm_remove(c, i--);
			*progress = true;
			break;
		case SSHWARM_BROKEN:
			return false;
		}
	}
	return true;
}

/* Adds one more warm channel when c wants one (see the top): true if. */
static bool
warm_top_up(struct sshconn *c)
{
	unsigned running = 0, live = 0;

	if (c->agent_on)
		return false;   /* jobs start on the agent: nothing to warm */
	for (size_t i = 0; i < c->tasks.n; i++) {
		if (!sshchan_warm_kind(c->tasks.v[i]) || sshchan_queued(c->tasks.v[i]))
			return false;
		if (sshchan_started(c->tasks.v[i]))
			running++;
	}
	for (size_t j = 0; j < c->nwarm; j++)
		if (!sshwarm_closing(c->warm[j]))
			live++;
	if (live >= running || live >= c->warm_cap || c->hold != NULL ||
	    (c->limit != 0 && c->tasks.n + c->nwarm + 1 > c->limit) ||
	    (c->warm_refusals > 0 && mono_now() < c->warm_after))
		return false;
	c->warm = xreallocarray(c->warm, c->nwarm + 1, sizeof *c->warm);
	c->warm[c->nwarm++] = sshwarm_new();
	return true;
}

/* c's task on the agent as id, or NULL (a task already failed). */
static struct exec_task *
agent_task(struct sshconn *c, unsigned id)
{
	for (size_t i = 0; i < c->tasks.n; i++)
		if (sshchan_agent_id(c->tasks.v[i]) == id)
			return c->tasks.v[i];
	return NULL;
}

static void
agent_output(void *arg, unsigned id, int stream, const char *data, size_t len)
{
	struct exec_task *t = agent_task(arg, id);

	if (t != NULL)
		sshchan_agent_output(t, stream, data, len);
}

/* A job's end is reported at once: a connection lost later in the same
 * wake-up must not take a finished job for a lost one (and run it
 * again). */
static void
agent_end(void *arg, unsigned id, enum agentproto_end end, int num)
{
	struct sshconn *c = arg;

	for (size_t i = 0; i < c->tasks.n; i++) {
		struct exec_task *t = c->tasks.v[i];
		if (sshchan_agent_id(t) != id)
			continue;
		sshchan_agent_end(t, end, num);
		if (sshchan_step(t, c->s, false) != SSHCHAN_FINISHED)
			fatal("job on the remote agent did not finish at its end");
		sshchan_list_remove(&c->tasks, i);
		c->ev->task_done(c->owner, c, t);
		return;
	}
}

static const struct sshagent_sink agent_sink = { agent_output, agent_end };

/* The agent ended: its jobs are lost (requeued), and if it failed, c
 * runs its jobs on channels from now on. */
static void
agent_closed(struct sshconn *c)
{
	const char *why = sshagent_failure(c->agent);

	if (why != NULL) {
		char *cause = xasprintf("the remote agent failed: %s", why);
		for (size_t i = 0; i < c->tasks.n; i++)
			if (sshchan_agent_id(c->tasks.v[i]) != 0)
				sshchan_agent_lost(c->tasks.v[i], cause);
		free(cause);
		if (c->agent_failure == NULL)
			c->agent_failure = xstrdup(why);
		log_debug("%s: conn %u: remote agent: %s", c->spec->name, c->id, why);
		c->agent_on = false;
	}
	sshagent_free(c->agent);
	c->agent = NULL;
}

/* Starts the agent when a job wants it, steps it, gives it the queued
 * jobs and the cancels; false when the session failed. */
static bool
agent_service(struct sshconn *c, bool *opening, bool *progress)
{
	if (c->agent == NULL) {
		bool want = false;
		for (size_t i = 0; i < c->tasks.n && c->agent_on && !want; i++)
			want = sshchan_agent_waiting(c->tasks.v[i]);
		if (!want)
			return true;
		c->agent = sshagent_new();
	}
	if (!c->agent_on) {
		/* off (it failed on another of the host's connections): once it
		 * runs nothing, its session goes back to jobs */
		bool busy = false;
		for (size_t i = 0; i < c->tasks.n && !busy; i++)
			busy = sshchan_agent_id(c->tasks.v[i]) != 0;
		if (!busy)
			sshagent_retire(c->agent);
	}
	switch (sshagent_step(c->agent, c->s, !*opening && c->hold == NULL, &agent_sink, c)) {
	case SSHAGENT_WAIT:
		break;
	case SSHAGENT_PROGRESS:
		*progress = true;
		break;
	case SSHAGENT_CLOSED:
		agent_closed(c);
		*progress = true;
		return true;
	case SSHAGENT_BROKEN:
		return false;
	}
	if (sshagent_opening(c->agent))
		*opening = true;
	if (!sshagent_ready(c->agent))
		return true;
	for (size_t i = 0; i < c->tasks.n; i++) {
		struct exec_task *t = c->tasks.v[i];
		if (c->agent_on && sshchan_agent_waiting(t)) {
			struct agentproto_job j;
			sshchan_agent_job(t, &j);
			sshchan_agent_begin(t, sshagent_submit(c->agent, &j));
			*progress = true;
		} else if (sshchan_agent_cancel_due(t)) {
			sshagent_cancel(c->agent, sshchan_agent_id(t));
			*progress = true;
		}
	}
	return true;
}

/* Steps every task until a whole pass makes no progress (see the top). */
void
sshconn_service(struct sshconn *c)
{
	if (c->state != CONN_READY)
		return;
	if (c->in_service) {
		c->again = true;
		return;
	}
	c->in_service = true;
	for (int pass = 0; pass < MAX_PASSES; pass++) {
		bool progress = false, opening = false;

		c->again = false;
		for (size_t i = 0; i < c->tasks.n; i++)
			if (sshchan_opening(c->tasks.v[i]))
				opening = true;
		for (size_t j = 0; j < c->nwarm; j++)
			if (sshwarm_opening(c->warm[j]))
				opening = true;
		if (c->agent != NULL && sshagent_opening(c->agent))
			opening = true;
		bool await_warm = warm_adopt(c, &progress);
		if (!agent_service(c, &opening, &progress)) {
			c->in_service = false;
			conn_fail_ssh(c, "connection lost");
			return;
		}
		for (size_t i = 0; i < c->tasks.n; i++) {
			struct exec_task *t = c->tasks.v[i];
			enum sshchan_step r = sshchan_step(t, c->s, !opening &&
			    c->hold == NULL && !(await_warm && sshchan_adoptable(t)) &&
			    !(c->agent_on && sshchan_agent_waiting(t)));

			if (sshchan_opening(t))
				opening = true;
			switch (r) {
			case SSHCHAN_WAIT:
				break;
			case SSHCHAN_PROGRESS:
				progress = true;
				break;
			case SSHCHAN_REFUSED:
				conn_refused(c, i);
				progress = true;
				i = c->tasks.n;    /* the list changed: next pass */
				break;
			case SSHCHAN_FINISHED:
				c->zero_refusals = 0;
				sshchan_list_remove(&c->tasks, i--);
				c->ev->task_done(c->owner, c, t);
				progress = true;
				break;
			case SSHCHAN_BROKEN:
				c->in_service = false;
				conn_fail_ssh(c, "connection lost");
				return;
			}
		}
		if (warm_top_up(c))
			progress = true;
		if (c->state == CONN_READY && !warm_step(c, &opening, &progress)) {
			c->in_service = false;
			conn_fail_ssh(c, "connection lost");
			return;
		}
		if (c->nfwd > 0) {
			bool broken;
			if (fwd_service(c, &broken))
				progress = true;
			if (broken) {
				c->in_service = false;
				conn_fail_ssh(c, "connection lost");
				return;
			}
		}
		if (!progress && !c->again)
			break;
		if (pass == MAX_PASSES - 1)
			c->ev->kick(c->owner);   /* still busy: go on after the others */
	}
	c->in_service = false;
	conn_update_io(c);
}

unsigned
sshconn_room(const struct sshconn *c)
{
	unsigned room;

	if (c->state != CONN_READY)
		return 0;
	if (c->limit == 0)
		room = 1000000;
	else
		room = c->limit > c->tasks.n ? c->limit - (unsigned)c->tasks.n : 0;
	if (c->agent_on && c->tasks.n + room > SSHAGENT_MAX_JOBS)
		room = c->tasks.n < SSHAGENT_MAX_JOBS ?
		    SSHAGENT_MAX_JOBS - (unsigned)c->tasks.n : 0;
	return room;
}

void
sshconn_set_limit(struct sshconn *c, unsigned limit)
{
	c->limit = limit;
}

void
sshconn_add_task(struct sshconn *c, struct exec_task *t)
{
	if (c->tasks.n == 0) {
		c->io.last_rx = mono_now();   /* idle until now: no stale loss */
		c->ka_sent = 0;
	}
	sshchan_list_push(&c->tasks, t);
}

void
sshconn_set_warm(struct sshconn *c, unsigned cap)
{
	c->warm_cap = c->warm_failure != NULL ? 0 : cap;
}

void
sshconn_set_agent(struct sshconn *c, bool on)
{
	c->agent_on = on && c->agent_failure == NULL;
}

const char *
sshconn_agent_failure(const struct sshconn *c)
{
	return c->agent_failure;
}

const char *
sshconn_warm_failure(const struct sshconn *c)
{
	return c->warm_failure;
}

size_t
sshconn_ntasks(const struct sshconn *c)
{
	return c->tasks.n;
}
