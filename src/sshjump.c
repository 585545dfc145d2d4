/* sshjump.c: the jump hosts' connections (sshjump.h).
 *
 * Theory of operation. A jump host is an entry: its spec, its addresses
 * (looked up in a child, resolve.c, when first needed) and one connection
 * (sshconn.h, made once the address is known) that carries only tunnels
 * (sshconn_add_tunnel). A dial makes
 * a socketpair, gives one end to the entry's connection as a tunnel to
 * host:port, and returns the other at once: the session behind starts its
 * handshake, which waits until the tunnel opens. The entry connects when
 * a tunnel waits and it is not connected or on its way.
 *
 * Loss: the connection's tunnels are closed with it, so every session
 * behind it sees EOF and its own host decides (requeue, reconnect, give
 * up; sshhost.c). The entry itself retries only when a tunnel waits,
 * after a short pause, so the hosts' own backoff paces it. A refused host
 * key or key (permanent) gives the jump host up: later dials fail at once
 * with that reason. A jump host with its own jump is reached the same way,
 * through the entry of its jump.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include <libssh2.h>

#include "errors.h"
#include "log.h"
#include "resolve.h"
#include "sshconn.h"
#include "sshjump.h"
#include "xalloc.h"

#define RETRY_SECS 0.5

struct pending {
	int fd;
	char *host;
	unsigned port;
};

struct jump {
	struct sshjumps *all;
	char *key;                 /* user@address:port via the chain's keys */
	struct host_spec spec;
	struct addrinfo *ai;
	struct resolve *resolving;
	struct sshconn *c;         /* NULL until the address is known */
	struct pending *wait;      /* tunnels before c exists */
	size_t nwait;
	struct loop_timer *kick;
	bool given_up;
	char *why;                 /* the last loss */
};

struct sshjumps {
	struct loop *loop;
	struct ssh_options o;
	struct jump **v;
	size_t n;
};

static const struct sshconn_events jump_events;

static char *
chain_key(const struct host_spec *s)
{
	char *rest = s->jump != NULL ? chain_key(s->jump) : xstrdup("");
	char *k = xasprintf("%s@%s:%u;%s;%s<%s", s->user, s->address, s->port,
	    s->known_hosts, s->identity != NULL ? s->identity : "", rest);

	free(rest);
	return k;
}

struct sshjumps *
sshjumps_new(struct loop *loop, const struct ssh_options *o)
{
	struct sshjumps *j = xcalloc(1, sizeof *j);

	if (libssh2_init(0) != 0)
		fatal("libssh2_init failed");
	j->loop = loop;
	j->o = *o;
	j->o.jumps = j;
	if (j->o.keepalive <= 0)
		j->o.keepalive = 5;
	if (j->o.connect_timeout <= 0)
		j->o.connect_timeout = 10;
	return j;
}

void
sshjumps_free(struct sshjumps *j)
{
	if (j == NULL)
		return;
	/* Any order: a connection behind another reaches it only through a
	 * socketpair (in a chain "a,b", b's entry is made first and rides on
	 * a's tunnel); a goodbye into a tunnel already closed is lost, not
	 * fatal (SIGPIPE is ignored). */
	for (size_t i = j->n; i-- > 0;) {
		struct jump *e = j->v[i];
		sshconn_free(e->c, true);
		resolve_cancel(e->resolving);
		resolve_free_addrs(e->ai);
		loop_timer_del(j->loop, e->kick);
		for (size_t k = 0; k < e->nwait; k++) {
			close(e->wait[k].fd);
			free(e->wait[k].host);
		}
		free(e->wait);
		host_spec_free(&e->spec);
		free(e->key);
		free(e->why);
		free(e);
	}
	free(j->v);
	free(j);
	libssh2_exit();
}

static void
drop_waiting(struct jump *e)
{
	for (size_t k = 0; k < e->nwait; k++) {
		close(e->wait[k].fd);   /* the session behind sees EOF */
		free(e->wait[k].host);
	}
	e->nwait = 0;
}

static void on_resolved(void *arg, struct addrinfo *ai, const char *error,
    bool temporary);

/* Connects e when a tunnel waits and nothing is on its way. */
static void
jump_go(struct jump *e)
{
	if (e->c == NULL) {
		if (e->spec.jump == NULL && e->ai == NULL) {
			if (e->resolving == NULL && e->nwait > 0)
				e->resolving = resolve_start(e->all->loop, e->spec.address,
				    e->spec.port, on_resolved, e);
			return;
		}
		e->c = sshconn_new(1, e->all->loop, &e->spec, &e->all->o, e->ai,
		    &jump_events, e);
	}
	for (size_t k = 0; k < e->nwait; k++) {
		sshconn_add_tunnel(e->c, e->wait[k].fd, e->wait[k].host, e->wait[k].port);
		free(e->wait[k].host);
	}
	e->nwait = 0;
	if (sshconn_ntunnels(e->c) == 0)
		return;
	if (sshconn_ready(e->c))
		sshconn_service(e->c);
	else if (sshconn_down(e->c))
		sshconn_connect(e->c);
}

static void
on_resolved(void *arg, struct addrinfo *ai, const char *error, bool temporary)
{
	struct jump *e = arg;

	e->resolving = NULL;
	if (ai == NULL) {
		free(e->why);
		e->why = xasprintf("jump host %s: cannot resolve %s: %s",
		    e->spec.name, e->spec.address, error);
		log_warn("%s", e->why);
		e->given_up = !temporary;
		drop_waiting(e);   /* their hosts decide */
		return;
	}
	e->ai = ai;
	jump_go(e);
}

static struct jump *
find_entry(struct sshjumps *j, const struct host_spec *spec)
{
	char *key = chain_key(spec);
	struct jump *e;

	for (size_t i = 0; i < j->n; i++) {
		if (strcmp(j->v[i]->key, key) == 0) {
			free(key);
			return j->v[i];
		}
	}
	e = xcalloc(1, sizeof *e);
	e->all = j;
	e->key = key;
	host_spec_copy(&e->spec, spec);
	j->v = xreallocarray(j->v, j->n + 1, sizeof *j->v);
	j->v[j->n++] = e;
	return e;
}

int
sshjumps_dial(struct sshjumps *j, const struct host_spec *jump,
    const char *host, unsigned port, char **cause, bool *permanent)
{
	struct jump *e = find_entry(j, jump);
	int sv[2];

	if (e->given_up) {
		*cause = xstrdup(e->why != NULL ? e->why : "jump host given up");
		*permanent = true;
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0) {
		*cause = xasprintf("socketpair: %s", strerror(errno));
		*permanent = false;
		return -1;
	}
	e->wait = xreallocarray(e->wait, e->nwait + 1, sizeof *e->wait);
	e->wait[e->nwait].fd = sv[1];
	e->wait[e->nwait].host = xstrdup(host);
	e->wait[e->nwait].port = port;
	e->nwait++;
	jump_go(e);
	return sv[0];
}

static int
jump_dial(void *owner, struct sshconn *c, char **cause, bool *permanent)
{
	struct jump *e = owner;

	(void)c;
	return sshjumps_dial(e->all, e->spec.jump, e->spec.address, e->spec.port,
	    cause, permanent);
}

static void
jump_ready(void *owner, struct sshconn *c)
{
	struct jump *e = owner;

	log_debug("%s (jump host): connected", e->spec.name);
	sshconn_service(c);
}

static void
jump_lost(void *owner, struct sshconn *c, struct sshchan_list *tasks,
    const char *why, bool permanent)
{
	struct jump *e = owner;

	(void)tasks;   /* a jump connection carries none */
	free(e->why);
	e->why = xasprintf("jump host %s: %s", e->spec.name, why);
	log_warn("%s", e->why);
	if (permanent) {
		e->given_up = true;
		sshconn_close(c);
	} else {
		sshconn_backoff(c, RETRY_SECS);
	}
}

static void
jump_retry(void *owner, struct sshconn *c)
{
	(void)owner;
	if (sshconn_ntunnels(c) > 0)
		sshconn_connect(c);
	else
		sshconn_set_down(c);
}

static void
jump_full(void *owner, struct sshconn *c, unsigned open, struct sshchan_list *unopened)
{
	(void)owner;
	(void)c;
	(void)open;
	(void)unopened;   /* no tasks, so never full */
}

static void
jump_task_done(void *owner, struct sshconn *c, struct exec_task *t)
{
	(void)owner;
	(void)c;
	(void)t;          /* no tasks */
}

static void
on_kick(void *arg)
{
	struct jump *e = arg;

	e->kick = NULL;
	if (e->c != NULL)
		sshconn_service(e->c);
}

static void
jump_kick(void *owner)
{
	struct jump *e = owner;

	if (e->kick == NULL)
		e->kick = loop_timer_add(e->all->loop, 0, on_kick, e);
}

static const struct sshconn_events jump_events = {
	jump_ready, jump_lost, jump_retry, jump_full, jump_task_done, jump_kick,
	jump_dial,
};
