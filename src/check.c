/* check.c: pfan --check (check.h).
 *
 * Each remote host is one small state machine, all of them stepped by the
 * one loop at once, so 30 hosts take about as long as the slowest one:
 *
 *   NEW -> RESOLVING -> CONNECTING -> PROBING -> USABLE
 *   RESOLVING, CONNECTING, PROBING -> UNUSABLE
 *   NEW -> CONNECTING (behind a jump host: it looks the name up)
 *
 * It drives one connection per host (sshconn.h) itself rather than an SSH
 * executor (sshhost.c): a check reports what it met and does not retry,
 * and it wants what the connection learned on its way (sshconn_facts:
 * the TCP round trip, the host key's standing, how it logged in), also
 * when it failed. A host is usable when the command CHECKFMT_CMD ran and
 * exited 0 on it: then jobs could run there. Every step shares the
 * --connect-timeout: the lookup, the connection (sshconn's own deadline)
 * and the command each get it.
 *
 * Local hosts (":", "local") are rows too: this machine's cores and load.
 */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <libssh2.h>

#include "buf.h"
#include "check.h"
#include "checkfmt.h"
#include "fsm.h"
#include "log.h"
#include "loop.h"
#include "resolve.h"
#include "sshchan.h"
#include "sshtaskq.h"
#include "sshconfig.h"   /* sshconfig_home */
#include "sshconn.h"
#include "sshjump.h"
#include "xalloc.h"

#define EXIT_CAP 101

enum chk_state {
	CHK_NEW, CHK_RESOLVING, CHK_CONNECTING, CHK_PROBING, CHK_USABLE,
	CHK_UNUSABLE,
};

static const char *const chk_state_names[] = {
	"new", "resolving", "connecting", "probing", "usable", "unusable",
};

#define B(s) FSM_TO(s)
static const unsigned chk_next[] = {
	[CHK_NEW] = B(CHK_RESOLVING) | B(CHK_CONNECTING) | B(CHK_USABLE),
	[CHK_RESOLVING] = B(CHK_CONNECTING) | B(CHK_UNUSABLE),
	[CHK_CONNECTING] = B(CHK_PROBING) | B(CHK_UNUSABLE),
	[CHK_PROBING] = B(CHK_USABLE) | B(CHK_UNUSABLE),
	[CHK_USABLE] = 0,
	[CHK_UNUSABLE] = 0,
};
#undef B
static const struct fsm_def chk_fsm = FSM_DEF(chk_state_names, chk_next);

struct check;

struct chk_host {
	struct check *ck;
	const struct host_spec *spec;
	enum chk_state state;
	struct resolve *resolving;
	struct addrinfo *ai;
	char resolved[NI_MAXHOST];      /* the first address, "" before */
	struct sshconn *conn;
	struct loop_timer *deadline;    /* the lookup's, then the command's */
	struct loop_timer *kick;
	struct buf out;                 /* the command's stdout */
	unsigned cores;
	double load[3];
	bool has_load;
	bool refused;                   /* by the server: host key or login */
	char *note;                     /* why it is unusable, short */
	char *why;                      /* and in full, when that is longer */
};

struct check {
	const struct pfan_opts *o;
	struct loop *loop;
	struct ssh_options so;
	struct chk_host *h;
	size_t n, left;
};

static const struct sshconn_events chk_conn_events;

static void
chk_set_state(struct chk_host *h, enum chk_state s)
{
	h->state = fsm_move(&chk_fsm, h->state, s, "%s: check", h->spec->name);
	if (s == CHK_USABLE || s == CHK_UNUSABLE) {
		loop_timer_del(h->ck->loop, h->deadline);
		h->deadline = NULL;
		if (--h->ck->left == 0)
			loop_stop(h->ck->loop);
	}
}

static bool
chk_over(const struct chk_host *h)
{
	return h->state == CHK_USABLE || h->state == CHK_UNUSABLE;
}

/* note: for the table; why: the whole story, said on stderr when it
 * says more (NULL: note is all of it). */
static void
chk_fail(struct chk_host *h, const char *note, const char *why)
{
	if (chk_over(h))
		return;
	h->note = xstrdup(note);
	h->why = why != NULL && strcmp(why, note) != 0 ? xstrdup(why) : NULL;
	chk_set_state(h, CHK_UNUSABLE);
}

static void
on_deadline(void *arg)
{
	struct chk_host *h = arg;
	char *note;

	h->deadline = NULL;
	if (h->state == CHK_RESOLVING) {
		resolve_cancel(h->resolving);
		h->resolving = NULL;
		note = xasprintf("cannot resolve %s: no answer within %g s",
		    h->spec->address, h->ck->so.connect_timeout);
	} else
		note = xasprintf("the check command did not finish within %g s",
		    h->ck->so.connect_timeout);
	chk_fail(h, note, NULL);
	free(note);
}

static void
probe_output(void *job, int stream, const char *data, size_t len)
{
	struct chk_host *h = job;

	if (stream == 1 && h->out.len < 4096)
		buf_add(&h->out, data, len);
}

static void
probe_done(void *job, const struct exec_result *r)
{
	struct chk_host *h = job;
	char *note;

	if (chk_over(h))
		return;
	checkfmt_parse(buf_cstr(&h->out), &h->cores, h->load, &h->has_load);
	if (r->end == EXEC_EXITED && r->exit_code == 0) {
		chk_set_state(h, CHK_USABLE);
		return;
	}
	if (r->end == EXEC_EXITED)
		note = xasprintf("the check command exited %d", r->exit_code);
	else if (r->end == EXEC_SIGNALED)
		note = xasprintf("the check command was killed by signal %d", r->signal);
	else
		note = xasprintf("the check command did not run: %s",
		    r->cause != NULL ? r->cause : "no exit status");
	chk_fail(h, note, NULL);
	free(note);
}

static const struct exec_job_ops probe_ops = { NULL, probe_output, probe_done };

static void
conn_ready(void *arg, struct sshconn *c)
{
	struct chk_host *h = arg;

	if (chk_over(h))
		return;
	chk_set_state(h, CHK_PROBING);
	h->deadline = loop_timer_add(h->ck->loop, h->ck->so.connect_timeout,
	    on_deadline, h);
	sshconn_add_task(c, sshchan_new_raw(CHECKFMT_CMD, &probe_ops, h));
	sshconn_service(c);
}

static void
conn_lost(void *arg, struct sshconn *c, struct sshchan_list *tasks,
    const char *why, bool permanent)
{
	struct chk_host *h = arg;
	struct sshconn_facts f;
	char *note = NULL;

	(void)tasks;        /* the command, if any: freed unreported */
	sshconn_close(c);   /* a check never retries */
	sshconn_facts(c, &f);
	/* Only the server's answer is a refusal: a timeout or a dropped
	 * connection in the middle of the login says its own why. */
	h->refused = permanent && !chk_over(h);
	if (!h->refused)
		note = NULL;
	else if (f.hostkey != NULL && strcmp(f.hostkey, "new") == 0)
		note = xstrdup("host key not in known_hosts");
	else if (f.hostkey != NULL && strcmp(f.hostkey, "known") != 0 &&
	    strcmp(f.hostkey, "added") != 0)
		note = xasprintf("host key %s", f.hostkey);
	else if (f.auth_tried && f.login == NULL)
		note = xstrdup("login failed");
	chk_fail(h, note != NULL ? note : why, why);
	free(note);
}

static void
conn_retry(void *arg, struct sshconn *c)
{
	(void)arg;
	sshconn_close(c);   /* never backed off: nothing to retry */
}

static void
conn_full(void *arg, struct sshconn *c, unsigned open,
    struct sshchan_list *unopened)
{
	(void)arg;
	(void)c;
	(void)open;
	sshchan_list_fail(unopened, EXEC_START_FAILED, "the server refused a channel");
}

static void
conn_task_done(void *arg, struct sshconn *c, struct exec_task *t)
{
	(void)arg;
	(void)c;
	sshchan_finish(t);
}

static void
on_kick(void *arg)
{
	struct chk_host *h = arg;

	h->kick = NULL;
	sshconn_service(h->conn);
}

static void
conn_kick(void *arg)
{
	struct chk_host *h = arg;

	if (h->kick == NULL)
		h->kick = loop_timer_add(h->ck->loop, 0, on_kick, h);
}

static int
conn_dial(void *arg, struct sshconn *c, char **cause, bool *permanent)
{
	struct chk_host *h = arg;

	(void)c;
	return sshjumps_dial(h->ck->so.jumps, h->spec->jump, h->spec->address,
	    h->spec->port, cause, permanent);
}

static const struct sshconn_events chk_conn_events = {
	conn_ready, conn_lost, conn_retry, conn_full, conn_task_done, conn_kick,
	conn_dial,
};

static void
chk_connect(struct chk_host *h)
{
	chk_set_state(h, CHK_CONNECTING);
	h->conn = sshconn_new(1, h->ck->loop, h->spec, &h->ck->so, h->ai,
	    &chk_conn_events, h);
	sshconn_connect(h->conn);
}

static void
on_resolved(void *arg, struct addrinfo *ai, const char *error, bool temporary)
{
	struct chk_host *h = arg;
	char *note;

	(void)temporary;
	h->resolving = NULL;
	loop_timer_del(h->ck->loop, h->deadline);
	h->deadline = NULL;
	if (ai == NULL) {
		note = xasprintf("cannot resolve %s: %s", h->spec->address, error);
		chk_fail(h, note, NULL);
		free(note);
		return;
	}
	h->ai = ai;
	if (getnameinfo(ai->ai_addr, ai->ai_addrlen, h->resolved, sizeof h->resolved,
	    NULL, 0, NI_NUMERICHOST) != 0)
		snprintf(h->resolved, sizeof h->resolved, "yes");
	chk_connect(h);
}

static void
chk_local(struct chk_host *h)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	h->cores = n > 0 ? (unsigned)n : 0;
	h->has_load = getloadavg(h->load, 3) == 3;
	chk_set_state(h, CHK_USABLE);
}

static void
chk_start(struct chk_host *h)
{
	if (h->spec->local) {
		chk_local(h);
	} else if (h->spec->jump != NULL) {
		chk_connect(h);   /* the jump host looks the name up */
	} else {
		chk_set_state(h, CHK_RESOLVING);
		h->resolving = resolve_start(h->ck->loop, h->spec->address,
		    h->spec->port, on_resolved, h);
		h->deadline = loop_timer_add(h->ck->loop, h->ck->so.connect_timeout,
		    on_deadline, h);
	}
}

/* The slots the run would give h ("auto": as many as its cores). */
static char *
slots_cell(const struct check *ck, const struct chk_host *h)
{
	const struct pfan_opts *o = ck->o;

	if (h->spec->slots > 0)
		return xasprintf("%u", h->spec->slots);
	if (h->spec->local && h->cores > 0)
		return xasprintf("%u", o->jobs_given ? options_jobs_slots(o, h->cores) : h->cores);
	if (o->jobs_given && o->jobs_kind == JOBS_ABS && o->jobs > 0)
		return xasprintf("%u", o->jobs);
	return xstrdup("auto");
}

/* "key:~/.ssh/id_ed25519" rather than the whole home. */
static char *
login_cell(const char *login)
{
	char *home = sshconfig_home(), *s;
	size_t len = strlen(home);

	if (strncmp(login, "key:", 4) == 0 && len > 1 &&
	    strncmp(login + 4, home, len) == 0 && login[4 + len] == '/')
		s = xasprintf("key:~%s", login + 4 + len);
	else
		s = xstrdup(login);
	free(home);
	return s;
}

static void
row_cells(const struct check *ck, const struct chk_host *h, char **cell)
{
	const struct host_spec *s = h->spec;
	struct sshconn_facts f;

	memset(&f, 0, sizeof f);
	f.rtt = -1;
	if (h->conn != NULL)
		sshconn_facts(h->conn, &f);
	cell[CHECK_HOST] = xstrdup(s->name);
	if (s->local) {
		cell[CHECK_ADDRESS] = xstrdup("local");
	} else {
		bool v6 = strchr(s->address, ':') != NULL;
		cell[CHECK_ADDRESS] = xasprintf("%s%s%s:%u", v6 ? "[" : "", s->address,
		    v6 ? "]" : "", s->port);
		if (s->jump != NULL)
			cell[CHECK_RESOLVED] = xasprintf("via:%s", s->jump->name);
		else
			cell[CHECK_RESOLVED] = xstrdup(h->resolved[0] != '\0' ? h->resolved :
			    h->state == CHK_UNUSABLE ? "no" : "-");
		cell[CHECK_CONNECTED] = xstrdup(f.connected ? "yes" :
		    h->conn != NULL ? "no" : "-");
		cell[CHECK_HOSTKEY] = f.hostkey != NULL ? xstrdup(f.hostkey) : NULL;
		cell[CHECK_LOGIN] = f.login != NULL ? login_cell(f.login) :
		    f.auth_tried && h->refused ? xstrdup("failed") : NULL;
		if (f.rtt >= 0)
			cell[CHECK_RTT] = xasprintf("%.2fms", f.rtt * 1e3);
	}
	if (h->cores > 0)
		cell[CHECK_CORES] = xasprintf("%u", h->cores);
	if (h->has_load)
		cell[CHECK_LOAD] = xasprintf("%.2f,%.2f,%.2f", h->load[0], h->load[1],
		    h->load[2]);
	cell[CHECK_SLOTS] = slots_cell(ck, h);
	cell[CHECK_NOTE] = xstrdup(h->state == CHK_USABLE ? "ok" : h->note);
}

/* The table on stdout, the long stories on stderr; the exit status. */
static int
chk_report(struct check *ck)
{
	char **cells = xcalloc(ck->n * CHECK_NCOLS + 1, sizeof *cells);
	size_t bad = 0;

	for (size_t i = 0; i < ck->n; i++) {
		row_cells(ck, &ck->h[i], cells + i * CHECK_NCOLS);
		if (ck->h[i].state != CHK_USABLE)
			bad++;
	}
	checkfmt_table(stdout, cells, ck->n);
	fflush(stdout);
	for (size_t i = 0; i < ck->n; i++)
		if (ck->h[i].why != NULL)
			log_error("%s: %s", ck->h[i].spec->name, ck->h[i].why);
	for (size_t i = 0; i < ck->n * CHECK_NCOLS; i++)
		free(cells[i]);
	free(cells);
	return bad > EXIT_CAP ? EXIT_CAP : (int)bad;
}

static void
chk_free_host(struct check *ck, struct chk_host *h)
{
	sshconn_free(h->conn, true);
	resolve_cancel(h->resolving);
	resolve_free_addrs(h->ai);
	loop_timer_del(ck->loop, h->deadline);
	loop_timer_del(ck->loop, h->kick);
	buf_free(&h->out);
	free(h->note);
	free(h->why);
}

int
check_run(const struct pfan_opts *o, const struct host_list *hosts)
{
	static const struct host_spec here = { .name = "local", .local = true };
	struct check ck;
	int status;
	bool ssh = false;

	memset(&ck, 0, sizeof ck);
	ck.o = o;
	ck.loop = loop_new();
	ck.so.accept_new_hostkeys = o->accept_new_hostkeys;
	ck.so.keepalive = o->keepalive > 0 ? o->keepalive : 5;
	ck.so.connect_timeout = o->connect_timeout > 0 ? o->connect_timeout : 10;
	ck.n = hosts->n > 0 ? hosts->n : 1;
	ck.h = xcalloc(ck.n, sizeof *ck.h);
	for (size_t i = 0; i < ck.n; i++) {
		ck.h[i].ck = &ck;
		ck.h[i].spec = hosts->n > 0 ? &hosts->v[i] : &here;
		if (!ck.h[i].spec->local)
			ssh = true;
		if (ck.h[i].spec->jump != NULL && ck.so.jumps == NULL)
			ck.so.jumps = sshjumps_new(ck.loop, &ck.so);
	}
	if (ssh && libssh2_init(0) != 0)
		fatal("libssh2_init failed");
	ck.left = ck.n;
	for (size_t i = 0; i < ck.n; i++)
		chk_start(&ck.h[i]);
	if (ck.left > 0)
		loop_run(ck.loop);
	status = chk_report(&ck);
	for (size_t i = 0; i < ck.n; i++)
		chk_free_host(&ck, &ck.h[i]);
	free(ck.h);
	sshjumps_free(ck.so.jumps);
	loop_free(ck.loop);
	if (ssh)
		libssh2_exit();
	return status;
}
