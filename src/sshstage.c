/* sshstage.c: a remote task's staged files (sshstage.h).
 *
 * Paths: a relative one is below the job's directory (workdir/PATH; the
 * home when there is none), an absolute one is itself. Directories are
 * made down from the job's directory (from the root with --workdir ...,
 * whose directory the first job makes), and --cleanup removes only those
 * below it, when empty.
 *
 * Send: each input put, then, only if one failed and --cleanup, the ones
 * sent removed again. Fetch: each output got (after a non-zero exit a
 * missing one is no failure: the command said why), then with --cleanup
 * the inputs and outputs removed whatever happened.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loop.h"
#include "sshstage.h"
#include "xalloc.h"

struct sshstage {
	char **send_local, **send_remote, **fetch_local, **fetch_remote;
	size_t nsend, nfetch;
	char *workdir;
	size_t keep;               /* the job directory's length in a remote path */
	bool mkdir_all;            /* the job's directory is ours to make */
	bool cleanup, base, sent;
	bool sending;              /* the transfer under way sends the inputs */
	char who[40];
	struct sshsftp *xfer;      /* the transfer under way */
	double t0;
	char *cause;               /* the last finished transfer's failure */
	bool failed, local_fault;
	unsigned long long nsent, nreceived;
	double secs;
};

static char *
remote_path(const struct sshstage *g, const char *rel)
{
	if (rel[0] == '/' || g->workdir == NULL)
		return xstrdup(rel);
	return xasprintf("%s/%s", g->workdir, rel);
}

static char **
copy_paths(const struct exec_file *f, size_t n, bool remote, const struct sshstage *g)
{
	char **v = xcalloc(n + 1, sizeof *v);

	for (size_t i = 0; i < n; i++)
		v[i] = remote ? remote_path(g, f[i].remote) : xstrdup(f[i].local);
	return v;
}

struct sshstage *
sshstage_new(const struct exec_stage *st, const char *workdir, bool workdir_create,
    unsigned long long seq, bool base)
{
	struct sshstage *g = xcalloc(1, sizeof *g);

	g->workdir = workdir != NULL ? xstrdup(workdir) : NULL;
	g->keep = workdir != NULL ? strlen(workdir) + 1 : 0;
	g->mkdir_all = workdir_create;
	g->cleanup = st->cleanup;
	g->base = base;
	g->nsend = st->nsend;
	g->nfetch = st->nfetch;
	g->send_local = copy_paths(st->send, st->nsend, false, g);
	g->send_remote = copy_paths(st->send, st->nsend, true, g);
	g->fetch_local = copy_paths(st->fetch, st->nfetch, false, g);
	g->fetch_remote = copy_paths(st->fetch, st->nfetch, true, g);
	if (base)
		snprintf(g->who, sizeof g->who, "basefiles");
	else
		snprintf(g->who, sizeof g->who, "job %llu", seq);
	return g;
}

/* How far along path the host's directories are not ours to remove. */
static size_t
rm_keep(const struct sshstage *g, const char *path)
{
	if (path[0] == '/' && (g->workdir == NULL || strncmp(path, g->workdir, g->keep - 1) != 0))
		return (size_t)(strrchr(path, '/') - path);
	return g->keep;
}

bool
sshstage_to_send(const struct sshstage *g)
{
	return g->nsend > 0 && !g->sent;
}

bool
sshstage_to_remove(const struct sshstage *g)
{
	return g->sent && g->cleanup && g->nsend > 0;
}

static void
begin(struct sshstage *g)
{
	free(g->cause);
	g->cause = NULL;
	g->xfer = sshsftp_new(g->who);
	g->t0 = mono_now();
}

void
sshstage_begin_send(struct sshstage *g)
{
	begin(g);
	g->sending = true;
	for (size_t i = 0; i < g->nsend; i++)
		sshsftp_put(g->xfer, g->send_local[i], g->send_remote[i],
		    g->mkdir_all || g->send_remote[i][0] == '/' ? 0 : g->keep,
		    g->base ? SSHSFTP_SKIP_SAME | SSHSFTP_MTIME : 0);
	for (size_t i = 0; g->cleanup && i < g->nsend; i++)
		sshsftp_rm(g->xfer, g->send_remote[i], rm_keep(g, g->send_remote[i]),
		    SSHSFTP_IF_FAILED);
}

bool
sshstage_begin_fetch(struct sshstage *g, bool exited, int exit_code)
{
	begin(g);
	g->sending = false;
	for (size_t i = 0; exited && i < g->nfetch; i++)
		sshsftp_get(g->xfer, g->fetch_remote[i], g->fetch_local[i],
		    exit_code == 0 ? 0 : SSHSFTP_OPTIONAL);
	for (size_t i = 0; sshstage_to_remove(g) && i < g->nsend; i++)
		sshsftp_rm(g->xfer, g->send_remote[i], rm_keep(g, g->send_remote[i]), SSHSFTP_ALWAYS);
	for (size_t i = 0; g->cleanup && i < g->nfetch; i++)
		sshsftp_rm(g->xfer, g->fetch_remote[i], rm_keep(g, g->fetch_remote[i]), SSHSFTP_ALWAYS);
	if (sshsftp_count(g->xfer) > 0)
		return true;
	sshsftp_free(g->xfer);
	g->xfer = NULL;
	return false;
}

/* The transfer is over, or dropped: its figures are the task's. */
static void
finish(struct sshstage *g)
{
	g->nsent += sshsftp_sent(g->xfer);
	g->nreceived += sshsftp_received(g->xfer);
	g->secs += mono_now() - g->t0;
	sshsftp_free(g->xfer);
	g->xfer = NULL;
}

enum sshsftp_step
sshstage_step(struct sshstage *g, LIBSSH2_SESSION *s, bool may_open)
{
	enum sshsftp_step r = sshsftp_step(g->xfer, s, may_open);

	if (r == SSHSFTP_REFUSED) {
		sshsftp_free(g->xfer);   /* nothing reached the server */
		g->xfer = NULL;
	}
	if (r != SSHSFTP_DONE)
		return r;
	const char *cause = sshsftp_cause(g->xfer);
	if (cause != NULL) {
		g->cause = xstrdup(cause);
		g->failed = true;
		g->local_fault = g->sending && sshsftp_local_fault(g->xfer);
	} else if (g->sending) {
		g->sent = true;
	}
	finish(g);
	return r;
}

const char *
sshstage_cause(const struct sshstage *g)
{
	return g->cause;
}

bool
sshstage_opening(const struct sshstage *g)
{
	return g->xfer != NULL && sshsftp_opening(g->xfer);
}

void
sshstage_drop(struct sshstage *g)
{
	if (g->xfer != NULL)
		finish(g);
}

void
sshstage_result(const struct sshstage *g, struct exec_result *r)
{
	r->staged = true;
	r->stage_failed = g->failed;
	r->input_missing = g->local_fault;
	r->sent = g->nsent;
	r->received = g->nreceived;
	r->stage_secs = g->secs;
}

static void
free_strs(char **v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++)
		free(v[i]);
	free(v);
}

void
sshstage_free(struct sshstage *g)
{
	if (g == NULL)
		return;
	sshsftp_free(g->xfer);
	free_strs(g->send_local, g->nsend);
	free_strs(g->send_remote, g->nsend);
	free_strs(g->fetch_local, g->nfetch);
	free_strs(g->fetch_remote, g->nfetch);
	free(g->workdir);
	free(g->cause);
	free(g);
}
