/* runlog.c: reads one run of a joblog (runlog.h). The file is read once:
 * when the last run is wanted, each header drops what the run before it
 * collected. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "jlread.h"
#include "quote.h"
#include "runlog.h"
#include "xalloc.h"

struct loader {
	struct runlog *rl;
	unsigned want;             /* 0: the last */
	unsigned cur;              /* the run being read; 0: none yet */
	size_t cap;
	size_t last_host;          /* a one-entry cache: hosts repeat */
};

static void
drop_run(struct runlog *rl)
{
	for (size_t i = 0; i < rl->n; i++)
		free(rl->a[i].cmd);
	for (size_t i = 0; i < rl->nhosts; i++)
		free(rl->hosts[i].name);
	free(rl->a);
	free(rl->hosts);
	free(rl->version);
	free(rl->cmdline);
	rl->a = NULL;
	rl->hosts = NULL;
	rl->version = rl->cmdline = NULL;
	rl->n = rl->nhosts = 0;
}

static bool
keeping(const struct loader *l)
{
	return l->want == 0 || l->cur == l->want;
}

static void
on_header(void *arg, const struct joblog_header *h)
{
	struct loader *l = arg;
	struct buf b = BUF_INIT;

	l->cur++;
	if (!keeping(l))
		return;
	drop_run(l->rl);
	l->cap = 0;
	l->last_host = RUNLOG_NO_HOST;
	l->rl->version = xstrdup(h->version);
	for (int i = 0; i < h->argc; i++) {
		if (i > 0)
			buf_addc(&b, ' ');
		quote_shell(&b, h->argv[i], strlen(h->argv[i]));
	}
	l->rl->cmdline = buf_steal(&b);
}

static size_t
host_index(struct loader *l, const char *name, unsigned slot)
{
	struct runlog *rl = l->rl;
	size_t i = l->last_host;

	if (i == RUNLOG_NO_HOST || strcmp(rl->hosts[i].name, name) != 0) {
		for (i = 0; i < rl->nhosts; i++)
			if (strcmp(rl->hosts[i].name, name) == 0)
				break;
		if (i == rl->nhosts) {
			rl->hosts = xreallocarray(rl->hosts, rl->nhosts + 1, sizeof *rl->hosts);
			rl->hosts[rl->nhosts++] = (struct rl_host){ xstrdup(name), 0 };
		}
		l->last_host = i;
	}
	if (slot > rl->hosts[i].slots)
		rl->hosts[i].slots = slot;
	return i;
}

static void
on_record(void *arg, const struct joblog_record *r)
{
	struct loader *l = arg;
	struct runlog *rl = l->rl;
	struct rl_attempt *a;

	if (l->cur == 0)
		l->cur = 1;   /* records before any header: a run without one */
	if (!keeping(l))
		return;
	if (rl->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 256;
		rl->a = xreallocarray(rl->a, l->cap, sizeof *rl->a);
	}
	a = &rl->a[rl->n++];
	*a = (struct rl_attempt){
		.seq = r->seq,
		.attempt = r->attempt,
		.host = r->host != NULL ? host_index(l, r->host, r->slot) : RUNLOG_NO_HOST,
		.slot = r->slot,
		.cmd = xstrdup(r->cmd),
		.start = r->start,
		.runtime = r->runtime,
		.exit_code = r->exit_code,
		.signal = r->signal,
		.status = r->status,
		.final = !r->will_retry,
	};
}

bool
runlog_ran(const struct rl_attempt *a)
{
	return a->host != RUNLOG_NO_HOST && a->slot > 0 && isfinite(a->start) &&
	    isfinite(a->runtime) && a->runtime >= 0;
}

static int
by_name(const void *a, const void *b)
{
	return strverscmp(((const struct rl_host *)a)->name,
	    ((const struct rl_host *)b)->name);
}

/* Hosts in name order (node2 before node10), and the run's time span. */
static void
finish(struct runlog *rl)
{
	size_t *to = xcalloc(rl->nhosts ? rl->nhosts : 1, sizeof *to);
	char **names = xcalloc(rl->nhosts ? rl->nhosts : 1, sizeof *names);
	bool any = false;

	for (size_t i = 0; i < rl->nhosts; i++)
		names[i] = rl->hosts[i].name;
	if (rl->nhosts > 1)
		qsort(rl->hosts, rl->nhosts, sizeof *rl->hosts, by_name);
	for (size_t i = 0; i < rl->nhosts; i++) {
		for (size_t j = 0; j < rl->nhosts; j++)
			if (rl->hosts[j].name == names[i])
				to[i] = j;
		rl->slots += rl->hosts[i].slots;
	}
	for (size_t i = 0; i < rl->n; i++) {
		struct rl_attempt *a = &rl->a[i];
		if (a->host != RUNLOG_NO_HOST)
			a->host = to[a->host];
		if (!runlog_ran(a))
			continue;
		if (!any || a->start < rl->t0)
			rl->t0 = a->start;
		if (!any || a->start + a->runtime > rl->t1)
			rl->t1 = a->start + a->runtime;
		any = true;
	}
	free(names);
	free(to);
}

int
runlog_load(struct runlog **out, const char *path, unsigned run, char **cause)
{
	static const struct jlread_ops ops = { on_header, on_record };
	struct loader l = { .want = run, .last_host = RUNLOG_NO_HOST };
	int rc;

	*out = NULL;
	l.rl = xcalloc(1, sizeof *l.rl);
	if ((rc = jlread_file(path, false, &ops, &l, cause)) != PFAN_OK) {
		runlog_free(l.rl);
		return rc;
	}
	if (l.cur == 0 || (run != 0 && run > l.cur)) {
		*cause = l.cur == 0 ? xasprintf("%s: the joblog has no run in it", path) :
		    xasprintf("%s: no run %u (it has %u)", path, run, l.cur);
		runlog_free(l.rl);
		return PFAN_E_INPUT;
	}
	l.rl->run = run != 0 ? run : l.cur;
	l.rl->nruns = l.cur;
	finish(l.rl);
	*out = l.rl;
	return PFAN_OK;
}

void
runlog_free(struct runlog *rl)
{
	if (rl == NULL)
		return;
	drop_run(rl);
	free(rl);
}
