/* onall.c: --onall and --nonall (onall.h).
 *
 * GNU parallel runs `parallel` on each host with all the arguments; pfan
 * makes the same jobs itself: each record once per host, each copy
 * pinned to its host (sched.c never runs it elsewhere, and records it
 * skipped when its host is given up). The copies are handed out record
 * by record (record 1 on every host, then record 2 ...), so every host
 * starts at once; their seqs are host-major, so that output.c's -k
 * ordering, always on here, prints a host's jobs together. A host's
 * verdict comes from its jobs' final records: all ok, some failed, or
 * some never ran there (unreachable).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "fold.h"
#include "log.h"
#include "onall.h"
#include "xalloc.h"

struct onall_host {
	char *name;        /* from its first final record */
	bool failed;       /* a job failed there */
	bool unreached;    /* a job never ran there: the host was given up */
};

struct onall {
	const struct pfan_opts *o;
	const struct template *tmpl;
	bool gathered;
	bool bad;                  /* --nonall's command could not be expanded */
	struct jobfeed_item *items;
	size_t nitems, capitems;
	size_t nhosts;             /* known at the first onall_next */
	size_t next;               /* the next copy: record next / nhosts */
	struct onall_host *hosts;
	struct fold *fold;         /* --fold; NULL without */
};

int
onall_check(const struct pfan_opts *o, char **cause)
{
	const char *which = o->onall ? "--onall" : "--nonall";

	if (o->fold && !o->onall && !o->nonall)
		*cause = xstrdup("--fold goes with --onall or --nonall (it folds hosts "
		    "whose output is the same)");
	else if (o->onall && o->nonall)
		*cause = xstrdup("--onall and --nonall: give one (--nonall is --onall "
		    "without arguments)");
	else if (!o->onall && !o->nonall)
		return PFAN_OK;
	else if (o->nonall && o->input.nsources > 0)
		*cause = xstrdup("--nonall takes no arguments (:::, ::::, -a): use --onall");
	else if (o->nonall && o->ntemplate == 0)   /* --onall's values may be commands */
		*cause = xstrdup("--nonall needs a command");
	else if (o->resume != NULL)
		/* --resume knows a job by its command, which every host shares. */
		*cause = xasprintf("%s cannot be resumed: every host runs the same "
		    "commands, and --resume knows a job by its command", which);
	else if (o->fold && (o->ungroup || o->line_buffer))
		*cause = xasprintf("--fold compares each host's whole output: not with %s",
		    o->ungroup ? "-u" : "--line-buffer");
	else
		return PFAN_OK;
	return PFAN_E_INPUT;
}

int
onall_new(struct onall **out, const struct pfan_opts *o, const struct template *tmpl,
    char **cause)
{
	struct onall *a;

	*out = NULL;
	if (!o->onall && !o->nonall)
		return PFAN_OK;
	a = xcalloc(1, sizeof *a);
	a->o = o;
	a->tmpl = tmpl;
	if (o->fold && fold_new(&a->fold, o->tmpdir, cause) != PFAN_OK) {
		free(a);
		return PFAN_E_SYS;
	}
	*out = a;
	return PFAN_OK;
}

void
onall_output_fds(const struct onall *a, int *out_fd, int *err_fd)
{
	if (a == NULL || a->fold == NULL)
		return;
	*out_fd = fold_fd(a->fold, 1);
	*err_fd = fold_fd(a->fold, 2);
}

static void
keep(struct onall *a, struct jobfeed_item *it)
{
	if (a->nitems == a->capitems) {
		a->capitems = a->capitems ? 2 * a->capitems : 16;
		a->items = xreallocarray(a->items, a->capitems, sizeof *a->items);
	}
	a->items[a->nitems++] = *it;
}

/* --nonall: one job, the command with no values. */
static void
nonall_job(struct onall *a)
{
	struct template_ctx ctx = { 1, 0, NULL };
	struct jobfeed_item it = { .seq = 1 };
	struct buf b = BUF_INIT;
	char *cause = NULL;

	if (template_expand(a->tmpl, &it.args, &ctx, &b, &cause) != PFAN_OK) {
		log_error("job 1: %s", cause);
		free(cause);
		a->bad = true;
	} else if (a->o->dry_run) {
		printf("%s\n", buf_cstr(&b));
		fflush(stdout);
	} else {
		it.cmd = xstrdup(buf_cstr(&b));
		keep(a, &it);
	}
	buf_free(&b);
}

/* Every record first: each host gets them all. */
static int
gather(struct onall *a, struct jobfeed *f)
{
	struct jobfeed_item it;
	int rc;

	if (a->o->nonall) {
		nonall_job(a);
		return PFAN_EOF;
	}
	while ((rc = jobfeed_next(f, &it)) == PFAN_OK)
		keep(a, &it);
	return rc;
}

int
onall_next(struct onall *a, struct jobfeed *f, size_t nhosts, struct jobfeed_item *it,
    struct host_set *only)
{
	if (!a->gathered) {
		int rc = gather(a, f);
		if (rc != PFAN_EOF)
			return rc;
		a->gathered = true;
		a->nhosts = nhosts;
		a->hosts = xcalloc(nhosts > 0 ? nhosts : 1, sizeof *a->hosts);
	}
	if (a->nhosts == 0 || a->next >= a->nitems * a->nhosts)
		return PFAN_EOF;
	size_t k = a->next / a->nhosts, h = a->next % a->nhosts;
	a->next++;
	it->seq = (unsigned long long)h * a->nitems + k + 1;
	args_copy(&it->args, &a->items[k].args);
	it->cmd = xstrdup(a->items[k].cmd);
	it->block = NULL;
	host_set_add(only, h);
	return PFAN_OK;
}

unsigned long long
onall_record_seq(const struct onall *a, unsigned long long seq)
{
	if (a == NULL || a->nitems == 0 || seq == 0)
		return seq;
	return a->items[(seq - 1) % a->nitems].seq;   /* jobfeed's, as in cmd */
}

void
onall_record(struct onall *a, const struct joblog_record *rec)
{
	struct onall_host *oh;
	size_t h;

	if (a == NULL || a->nitems == 0 || rec->seq == 0)
		return;
	h = (size_t)((rec->seq - 1) / a->nitems);
	if (h >= a->nhosts)
		return;
	/* the bytes output.c wrote since the last record are this job's */
	if (a->fold != NULL)
		fold_mark(a->fold, h);
	if (rec->will_retry)
		return;
	oh = &a->hosts[h];
	if (oh->name == NULL && rec->host != NULL)
		oh->name = xstrdup(rec->host);
	if (rec->status == JOB_SKIPPED || rec->status == JOB_HOST_LOST)
		oh->unreached = true;
	else if (rec->status != JOB_OK)
		oh->failed = true;
}

int
onall_status(const struct onall *a, bool bad)
{
	size_t n = 0;

	if (bad || a->bad)
		n = a->nhosts > 0 ? a->nhosts : 1;
	else
		for (size_t h = 0; h < a->nhosts; h++)
			if (a->hosts[h].failed || a->hosts[h].unreached)
				n++;
	return n > 101 ? 101 : (int)n;
}

int
onall_print_fold(struct onall *a, int out_fd, int err_fd, char **cause)
{
	char **names;
	int rc;

	if (a->fold == NULL)
		return PFAN_OK;
	names = xcalloc(a->nhosts > 0 ? a->nhosts : 1, sizeof *names);
	/* a host not reached has nothing to show, unless it was lost after
	 * some of its output */
	for (size_t h = 0; h < a->nhosts; h++)
		if (!a->hosts[h].unreached || fold_bytes(a->fold, h) > 0)
			names[h] = a->hosts[h].name;
	rc = fold_print(a->fold, names, a->nhosts, out_fd, err_fd, cause);
	free(names);
	return rc;
}

void
onall_say_unreachable(const struct onall *a)
{
	char **names = xcalloc(a->nhosts > 0 ? a->nhosts : 1, sizeof *names);
	size_t n = 0;

	for (size_t h = 0; h < a->nhosts; h++)
		if (a->hosts[h].unreached && a->hosts[h].name != NULL)
			names[n++] = a->hosts[h].name;
	if (n > 0) {
		char *label = fold_label(names, n);
		log_error("unreachable: %s", label);
		free(label);
	}
	free(names);
}

void
onall_free(struct onall *a)
{
	if (a == NULL)
		return;
	for (size_t i = 0; i < a->nitems; i++) {
		args_free(&a->items[i].args);
		free(a->items[i].cmd);
	}
	free(a->items);
	for (size_t h = 0; h < a->nhosts; h++)
		free(a->hosts[h].name);
	free(a->hosts);
	fold_free(a->fold);
	free(a);
}
