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
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sshconn.h"
#include "sshconn_impl.h"

#define MAX_PASSES 64
#define HOLD_SECS 0.02
/* Refusals with no channel open before the job is told: 20 ms doubling,
 * 2.5 s in all. */
#define ZERO_REFUSALS_MAX 7

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
		if (!sshchan_queued(c->tasks.v[j]))
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
		for (size_t i = 0; i < c->tasks.n; i++) {
			struct exec_task *t = c->tasks.v[i];
			enum sshchan_step r = sshchan_step(t, c->s,
			    !opening && c->hold == NULL);

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
	if (c->state != CONN_READY)
		return 0;
	if (c->limit == 0)
		return 1000000;
	return c->limit > c->tasks.n ? c->limit - (unsigned)c->tasks.n : 0;
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

size_t
sshconn_ntasks(const struct sshconn *c)
{
	return c->tasks.n;
}
