/* sshhost.c: the SSH executor for one host (sshhost.h): its connections,
 * the queue of jobs waiting for a channel, slots, loss and reconnection.
 *
 * Theory of operation. start() puts a task on the host's queue and kicks:
 * at the next turn of the loop (never inside a scheduler callback) queued
 * tasks move to the READY connection with the most room. A connection's
 * room is unknown until the server first refuses a channel (sshd's
 * MaxSessions, 10 by default); then that connection is full at the
 * channels it has open, its unopened tasks come back to the head of the
 * queue, the host remembers the limit for every later connection, and,
 * while tasks wait and no connection is on its way, opens one more: one at
 * a time, so as not to trip MaxStartups. A host with 14 slots thus runs on
 * two connections.
 *
 * Behind a jump host (ProxyJump) nothing is looked up here: each
 * connection gets its socket from sshjump.c (conn_dial), and the jump
 * host's loss reaches us as the loss of every connection through it.
 *
 * Start: the host's address is looked up first, in a child process
 * (resolve.c) so that a slow name server stalls nothing; a name that does
 * not exist gives the host up. A name server that cannot answer now
 * (EAI_AGAIN), or no answer within the connect timeout, is a loss like a
 * dropped connection: looked up again with the same backoff, and given up
 * after as many losses in a row. The addresses are kept for every later
 * connection.
 *
 * The first connection that is READY makes the host ready: hops->ready with
 * the slot count, which for `slots: auto` first needs the answer of
 * `getconf _NPROCESSORS_ONLN` run on a channel.
 *
 * Loss: a connection lost while another is READY just fails its running
 * tasks (EXEC_LOST), requeues its unopened ones and retries later, with
 * backoff (a handshake dropped under MaxStartups lands here). When the
 * last READY connection goes, the host is lost: hops->lost first, so the
 * scheduler starts nothing more here, then every task gets done with
 * EXEC_LOST; the first connection retries after 1 s, then 2 s, and after
 * three losses in a row with no job finishing in between the host is
 * given up (hops->lost with given_up). Only the server's answer gives up
 * at once: a refused host key, every key refused. A connection that fails
 * before it is ready (EOF, a socket error, a timeout, even in the middle
 * of authentication, as when sshd restarts or sheds connections over
 * MaxStartups) is a loss like any other.
 *
 * The host's own states, every move through host_set_state:
 *
 *   NEW -> RESOLVING -> CONNECTING -> READY <-> DOWN
 *   RESOLVING, CONNECTING, READY, DOWN -> GIVEN_UP
 *   RESOLVING -> DOWN (a name server that cannot answer now)
 *
 * DOWN: hops->lost was said (and is not said again until READY); the
 * address is being looked up again or a connection is retrying.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <libssh2.h>

#include "buf.h"
#include "errors.h"
#include "fsm.h"
#include "log.h"
#include "resolve.h"
#include "sshchan.h"
#include "sshtaskq.h"
#include "sshconn.h"
#include "sshhost.h"
#include "sshhost_impl.h"
#include "sshjump.h"
#include "xalloc.h"

#define LOSSES_TO_GIVE_UP 3

static const char *const host_state_names[] = {
	"new", "resolving", "connecting", "ready", "down", "given up",
};

#define B(s) FSM_TO(s)
static const unsigned host_next[] = {
	[HOST_NEW] = B(HOST_RESOLVING),
	[HOST_RESOLVING] = B(HOST_CONNECTING) | B(HOST_DOWN) | B(HOST_GIVEN_UP),
	[HOST_CONNECTING] = B(HOST_READY) | B(HOST_DOWN) | B(HOST_GIVEN_UP),
	[HOST_READY] = B(HOST_DOWN) | B(HOST_GIVEN_UP),
	[HOST_DOWN] = B(HOST_READY) | B(HOST_GIVEN_UP),
	[HOST_GIVEN_UP] = 0,
};
#undef B
static const struct fsm_def host_fsm = FSM_DEF(host_state_names, host_next);

void
sshhost_set_state(struct sshhost *h, enum host_state s)
{
	h->state = fsm_move(&host_fsm, h->state, s, "%s: host", h->spec.name);
}

static const struct sshconn_events conn_events;

/* Seconds before trying again after the nth loss in a row. */
static double
loss_backoff(unsigned losses)
{
	return 1.0 * (1u << (losses - 1 < 5 ? losses - 1 : 5));
}

static bool
any_ready(const struct sshhost *h, const struct sshconn *except)
{
	for (size_t i = 0; i < h->nconns; i++)
		if (h->conns[i] != except && sshconn_ready(h->conns[i]))
			return true;
	return false;
}

static struct sshconn *
add_conn(struct sshhost *h)
{
	struct sshconn *c = sshconn_new((unsigned)h->nconns + 1, h->loop,
	    &h->spec, &h->o, h->ai, &conn_events, h);

	h->conns = xreallocarray(h->conns, h->nconns + 1, sizeof *h->conns);
	h->conns[h->nconns++] = c;
	sshconn_set_agent(c, !h->o.no_agent && !h->no_agent);
	return c;
}

static void
conn_ready(void *arg, struct sshconn *c)
{
	struct sshhost *h = arg;

	if (h->limit > 0)
		sshconn_set_limit(c, h->limit);
	h->extra_retries = 0;
	sshhost_announce(h);
	sshhost_kick(h);
}

static void
conn_retry(void *arg, struct sshconn *c)
{
	struct sshhost *h = arg;

	/* The first connection always comes back; others when needed. */
	if (h->state == HOST_GIVEN_UP)
		sshconn_close(c);
	else if (sshconn_id(c) == 1 || h->pending.n > 0)
		sshconn_connect(c);
	else
		sshconn_set_down(c);
}

static void
conn_lost(void *arg, struct sshconn *c, struct sshchan_list *tasks,
    const char *why, bool permanent)
{
	struct sshhost *h = arg;
	struct sshchan_list lost = SSHCHAN_LIST_INIT;
	bool other_ready = any_ready(h, c);

	for (size_t i = 0; i < tasks->n; i++) {
		struct exec_task *t = tasks->v[i];
		if (other_ready && !permanent && sshchan_queued(t)) {
			sshchan_list_push(&h->pending, t);
		} else
			sshchan_list_push(&lost, t);
	}
	tasks->n = 0;
	if (h->probing && !other_ready)
		h->probing = false;   /* the probe was on c: it is in `lost` */

	if (other_ready && !permanent) {
		double delay = 0.5 * (1u << (h->extra_retries < 5 ? h->extra_retries : 5));
		log_debug("%s: conn %u lost (%s); retrying in %g s", h->spec.name,
		    sshconn_id(c), why, delay);
		h->extra_retries++;
		sshconn_backoff(c, delay);
		sshchan_list_fail(&lost, EXEC_LOST, why);
		sshhost_kick(h);
		return;
	}

	/* The host is down. */
	h->losses++;
	bool give_up = permanent || h->losses >= LOSSES_TO_GIVE_UP;
	bool tell = h->state != HOST_DOWN || give_up;
	sshhost_set_state(h, give_up ? HOST_GIVEN_UP : HOST_DOWN);
	if (give_up) {
		for (size_t i = 0; i < h->nconns; i++)
			sshconn_close(h->conns[i]);   /* none has tasks: none is READY */
	} else {
		double delay = loss_backoff(h->losses);
		log_debug("%s; reconnecting in %g s", why, delay);
		sshconn_backoff(c, delay);
	}
	sshchan_list_move(&lost, &h->pending);
	if (tell)
		h->hops->lost(h->host_arg, why, give_up);
	sshchan_list_fail(&lost, EXEC_LOST, why);
}

static void
conn_full(void *arg, struct sshconn *c, unsigned open,
    struct sshchan_list *unopened)
{
	struct sshhost *h = arg;
	struct sshchan_list q = SSHCHAN_LIST_INIT;

	(void)c;
	if (h->limit == 0 || open < h->limit)
		h->limit = open;
	/* Back at the head of the queue, in their order. */
	sshchan_list_move(&q, unopened);
	sshchan_list_move(&q, &h->pending);
	free(h->pending.v);
	h->pending = q;
	sshhost_kick(h);
}

static void
conn_task_done(void *arg, struct sshconn *c, struct exec_task *t)
{
	struct sshhost *h = arg;
	enum exec_end end = sshchan_end(t);

	if (end == EXEC_EXITED || end == EXEC_SIGNALED)
		h->losses = 0;
	(void)c;
	sshchan_finish(t);
	sshhost_kick(h);
}

/* Behind a jump host: the jump host connects to the address (and looks
 * it up: the name may mean something only there). */
static int
conn_dial(void *arg, struct sshconn *c, char **cause, bool *permanent)
{
	struct sshhost *h = arg;

	(void)c;
	return sshjumps_dial(h->o.jumps, h->spec.jump, h->spec.address,
	    h->spec.port, cause, permanent);
}

static const struct sshconn_events conn_events = {
	conn_ready, conn_lost, conn_retry, conn_full, conn_task_done, sshhost_kick,
	conn_dial,
};

/* Moves queued tasks to connections with room; opens one more connection
 * when none has room and none is on its way. */
static void
host_dispatch(struct sshhost *h)
{
	struct sshchan_list cancelled = SSHCHAN_LIST_INIT;

	for (size_t i = 0; i < h->pending.n; i++) {
		if (sshchan_cancelled(h->pending.v[i])) {
			sshchan_list_push(&cancelled, h->pending.v[i]);
			sshchan_list_remove(&h->pending, i--);
		}
	}
	while (h->pending.n > 0) {
		struct sshconn *best = NULL;
		unsigned best_room = 0;
		for (size_t i = 0; i < h->nconns; i++) {
			unsigned room = sshconn_room(h->conns[i]);
			if (room > best_room) {
				best = h->conns[i];
				best_room = room;
			}
		}
		if (best == NULL)
			break;
		sshconn_add_task(best, h->pending.v[0]);
		sshchan_list_remove(&h->pending, 0);
	}
	if (h->pending.n > 0 && h->state == HOST_READY) {
		struct sshconn *spare = NULL;
		bool underway = false;
		for (size_t i = 0; i < h->nconns; i++) {
			if (sshconn_underway(h->conns[i]))
				underway = true;
			else if (sshconn_down(h->conns[i]) && spare == NULL)
				spare = h->conns[i];
		}
		if (!underway)
			sshconn_connect(spare != NULL ? spare : add_conn(h));
	}
	sshchan_list_fail(&cancelled, EXEC_START_FAILED, "cancelled before it started");
}

/* The remote agent (sshconn_set_agent) unless --no-remote-agent, off
 * for good once it failed on a connection; warm channels
 * (sshconn_set_warm, used when the agent is off): one per slot at most,
 * none for good once a connection found the shell cannot run them. */
/* Sets *off once a connection says (failure) that a fast path failed,
 * saying so: -v (GNU's: the commands) asks to see how jobs start. */
static void
host_fallback(struct sshhost *h, bool *off,
    const char *(*failure)(const struct sshconn *), const char *what)
{
	for (size_t i = 0; i < h->nconns && !*off; i++) {
		const char *why = failure(h->conns[i]);
		if (why != NULL) {
			*off = true;
			(h->o.verbose ? log_info : log_debug)("%s: %s (%s); one channel "
			    "per job from now on", h->spec.name, what, why);
		}
	}
}

static void
host_warm(struct sshhost *h)
{
	host_fallback(h, &h->cold, sshconn_warm_failure,
	    "the login shell cannot run pfan's warm start");
	host_fallback(h, &h->no_agent, sshconn_agent_failure,
	    "pfan's remote agent failed");
	for (size_t i = 0; i < h->nconns; i++) {
		sshconn_set_agent(h->conns[i], !h->o.no_agent && !h->no_agent);
		sshconn_set_warm(h->conns[i], h->cold ? 0 : h->slots);
	}
}

static void
on_kick(void *arg)
{
	struct sshhost *h = arg;

	h->kick = NULL;
	host_warm(h);
	sshhost_announce(h);
	host_dispatch(h);
	for (size_t i = 0; i < h->nconns; i++)
		if (sshconn_ntasks(h->conns[i]) > 0)
			sshconn_service(h->conns[i]);
}

void
sshhost_kick(void *arg)
{
	struct sshhost *h = arg;

	if (h->kick == NULL)
		h->kick = loop_timer_add(h->loop, 0, on_kick, h);
}

static int
host_start(void *impl, const struct exec_request *req, struct exec_task **task,
    char **cause)
{
	struct sshhost *h = impl;
	struct exec_task *t;

	if (h->state != HOST_READY) {
		*cause = xstrdup("the host is not connected");
		return PFAN_E_SSH;
	}
	struct exec_request r = *req;
	r.workdir = h->workdir;
	r.workdir_create = h->workdir_create;
	t = sshchan_new(&r);
	sshchan_list_push(&h->pending, t);
	sshhost_kick(h);
	*task = t;
	return PFAN_OK;
}

static void
host_cancel(void *impl, struct exec_task *t)
{
	sshchan_cancel(t);
	sshhost_kick(impl);
}

static void
host_free(void *impl)
{
	struct sshhost *h = impl;

	if (h == NULL)
		return;
	for (size_t i = 0; i < h->nconns; i++)
		sshconn_free(h->conns[i], true);
	free(h->conns);
	sshchan_list_free(&h->pending);
	loop_timer_del(h->loop, h->kick);
	buf_free(&h->probe_out);
	resolve_cancel(h->resolving);
	loop_timer_del(h->loop, h->resolve_deadline);
	loop_timer_del(h->loop, h->resolve_retry);
	resolve_free_addrs(h->ai);
	host_spec_free(&h->spec);
	free(h->workdir);
	for (size_t i = 0; i < h->nbase; i++) {
		free((char *)h->base[i].local);
		free((char *)h->base[i].remote);
	}
	free(h->base);
	free(h);
	libssh2_exit();
}

static const struct executor_ops sshhost_ops = { host_start, host_cancel, host_free };

struct sshhost *
sshhost_new(struct loop *loop, const struct host_spec *spec,
    const struct ssh_options *o, const struct exec_host_ops *hops, void *host_arg)
{
	struct sshhost *h;

	/* The hosts layer decides every default (hosts_apply_ssh_config). */
	if (spec->address == NULL || spec->user == NULL || *spec->user == '\0' ||
	    spec->port == 0 || spec->known_hosts == NULL)
		fatal("%s: incomplete host spec", spec->name);
	h = xcalloc(1, sizeof *h);
	if (libssh2_init(0) != 0)
		fatal("libssh2_init failed");
	h->loop = loop;
	host_spec_copy(&h->spec, spec);
	h->slots = spec->slots;
	h->o = *o;
	if (h->o.keepalive <= 0)
		h->o.keepalive = 5;
	if (h->o.connect_timeout <= 0)
		h->o.connect_timeout = 10;
	h->hops = hops;
	h->host_arg = host_arg;
	return h;
}

static void
on_resolve_retry(void *arg)
{
	struct sshhost *h = arg;

	h->resolve_retry = NULL;
	sshhost_start(h);
}

static void
resolve_failed(struct sshhost *h, const char *error, bool temporary)
{
	char *why = xasprintf("cannot resolve %s: %s", h->spec.address, error);
	bool give_up = !temporary || ++h->losses >= LOSSES_TO_GIVE_UP;
	bool tell = h->state != HOST_DOWN || give_up;

	sshhost_set_state(h, give_up ? HOST_GIVEN_UP : HOST_DOWN);
	if (!give_up) {
		double delay = loss_backoff(h->losses);
		log_debug("%s; looking it up again in %g s", why, delay);
		h->resolve_retry = loop_timer_add(h->loop, delay, on_resolve_retry, h);
	}
	if (tell)
		h->hops->lost(h->host_arg, why, give_up);
	free(why);
}

static void
on_resolved(void *arg, struct addrinfo *ai, const char *error, bool temporary)
{
	struct sshhost *h = arg;

	h->resolving = NULL;
	loop_timer_del(h->loop, h->resolve_deadline);
	h->resolve_deadline = NULL;
	if (ai == NULL) {
		resolve_failed(h, error, temporary);
		return;
	}
	h->ai = ai;
	if (h->state == HOST_RESOLVING)
		sshhost_set_state(h, HOST_CONNECTING);   /* after a loss it stays DOWN */
	sshconn_connect(add_conn(h));
}

static void
on_resolve_deadline(void *arg)
{
	struct sshhost *h = arg;
	char *error = xasprintf("no answer within %g s", h->o.connect_timeout);

	h->resolve_deadline = NULL;
	resolve_cancel(h->resolving);
	h->resolving = NULL;
	resolve_failed(h, error, true);
	free(error);
}

void
sshhost_start(struct sshhost *h)
{
	if (h->nconns > 0 || h->resolving != NULL || h->resolve_retry != NULL ||
	    h->state == HOST_GIVEN_UP)
		return;
	if (h->state == HOST_NEW)
		sshhost_set_state(h, HOST_RESOLVING);   /* after a loss it stays DOWN */
	if (h->spec.jump != NULL && h->o.jumps != NULL) {
		if (h->state == HOST_RESOLVING)
			sshhost_set_state(h, HOST_CONNECTING);
		sshconn_connect(add_conn(h));   /* no addresses: conn_dial */
		return;
	}
	h->resolving = resolve_start(h->loop, h->spec.address, h->spec.port,
	    on_resolved, h);
	h->resolve_deadline = loop_timer_add(h->loop, h->o.connect_timeout,
	    on_resolve_deadline, h);
}

void
sshhost_set_workdir(struct sshhost *h, const char *dir, bool create)
{
	free(h->workdir);
	h->workdir = dir != NULL ? xstrdup(dir) : NULL;
	h->workdir_create = create;
}

void
sshhost_set_basefiles(struct sshhost *h, const struct exec_file *files, size_t n)
{
	h->base = xcalloc(n + 1, sizeof *h->base);
	h->nbase = n;
	for (size_t i = 0; i < n; i++) {
		h->base[i].local = xstrdup(files[i].local);
		h->base[i].remote = xstrdup(files[i].remote);
	}
}

const char *
sshhost_name(const struct sshhost *h)
{
	return h->spec.name;
}

struct executor
sshhost_executor(struct sshhost *h)
{
	struct executor ex = { &sshhost_ops, h };

	return ex;
}
