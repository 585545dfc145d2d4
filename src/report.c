/* report.c: the --report mode (report.h): what a researcher wants to know
 * of a finished run, on one screen. Jobs are counted by their last
 * attempt (seq identifies a job within a run); hosts by their attempts.
 * With many hosts, those that look alike (the same name but for a number,
 * and all with about the run's share of trouble, or all with far more)
 * share a line, so a host that fails most of its jobs stays visible among
 * 100 whose failures are the jobs' own. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "hostfold.h"
#include "log.h"
#include "report.h"
#include "svg.h"
#include "timeline.h"
#include "xalloc.h"

#define LABEL_MAX 30       /* a longer range is cut: its count says the rest */
#define PICTURE_W 1200.0

struct hstat {
	unsigned long long attempts, ran, ok, failed, timeout, lost, other;
	unsigned slots;
	double busy;           /* seconds of runtime */
};

struct totals {
	unsigned long long jobs, by_status[JOB_NSTATUS];
	unsigned long long attempts, lost_rerun, retried;
	double busy, makespan;
};

static int
by_seq(const void *a, const void *b, void *arg)
{
	const struct rl_attempt *v = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;

	if (v[i].seq != v[j].seq)
		return v[i].seq < v[j].seq ? -1 : 1;
	return (i > j) - (i < j);
}

/* Each job's verdict is that of its last attempt in the file. */
static void
count_jobs(const struct runlog *rl, struct totals *t)
{
	size_t *ix = xcalloc(rl->n ? rl->n : 1, sizeof *ix);

	for (size_t i = 0; i < rl->n; i++)
		ix[i] = i;
	qsort_r(ix, rl->n, sizeof *ix, by_seq, rl->a);
	for (size_t i = 0; i < rl->n; i++)
		if (i + 1 == rl->n || rl->a[ix[i + 1]].seq != rl->a[ix[i]].seq) {
			t->jobs++;
			t->by_status[rl->a[ix[i]].status]++;
		}
	free(ix);
}

static void
count(const struct runlog *rl, struct totals *t, struct hstat *hs)
{
	memset(t, 0, sizeof *t);
	count_jobs(rl, t);
	for (size_t h = 0; h < rl->nhosts; h++)
		hs[h] = (struct hstat){ .slots = rl->hosts[h].slots };
	for (size_t i = 0; i < rl->n; i++) {
		const struct rl_attempt *a = &rl->a[i];
		struct hstat *s;
		t->attempts++;
		if (!a->final) {
			if (a->status == JOB_HOST_LOST)
				t->lost_rerun++;
			else
				t->retried++;
		}
		if (a->host == RUNLOG_NO_HOST)
			continue;
		s = &hs[a->host];
		s->attempts++;
		switch (a->status) {
		case JOB_OK: s->ok++; break;
		case JOB_FAILED: s->failed++; break;
		case JOB_TIMEOUT: s->timeout++; break;
		case JOB_HOST_LOST: s->lost++; break;
		default: s->other++; break;
		}
		if (runlog_ran(a)) {
			s->ran++;
			s->busy += a->runtime;
			t->busy += a->runtime;
		}
	}
	t->makespan = rl->t1 - rl->t0;
}

/* "0.8 s", "42.0 s", "4 min 12 s", "2 h 03 min". */
static const char *
fmt_dur(char *b, size_t n, double s)
{
	if (!isfinite(s) || s < 0)
		snprintf(b, n, "-");
	else if (s < 60)
		snprintf(b, n, "%.1f s", s);
	else if (s < 3600)
		snprintf(b, n, "%d min %02d s", (int)s / 60, (int)s % 60);
	else
		snprintf(b, n, "%d h %02d min", (int)(s / 3600), (int)fmod(s, 3600) / 60);
	return b;
}

static double
percent(double part, double whole)
{
	return whole > 0 ? 100 * part / whole : 0;
}

static void
print_jobs(FILE *fp, const struct totals *t)
{
	static const struct { enum job_status st; const char *what; bool always; } cols[] = {
		{ JOB_OK, "ok", true }, { JOB_FAILED, "failed", true },
		{ JOB_TIMEOUT, "timed out", true }, { JOB_KILLED, "killed", false },
		{ JOB_HOST_LOST, "host lost", false }, { JOB_SKIPPED, "skipped", false },
		{ JOB_OUTPUT_LOST, "output lost", false },
		{ JOB_NO_STATUS, "no status", false }, { JOB_NO_HOST, "no host", false },
	};

	fprintf(fp, "jobs      %llu:", t->jobs);
	for (size_t i = 0, n = 0; i < sizeof cols / sizeof cols[0]; i++)
		if (cols[i].always || t->by_status[cols[i].st] > 0)
			fprintf(fp, "%s %llu %s", n++ ? "," : "", t->by_status[cols[i].st],
			    cols[i].what);
	fprintf(fp, "\nattempts  %llu: %llu lost and rerun, %llu retried\n", t->attempts,
	    t->lost_rerun, t->retried);
}

static unsigned long long
troubles(const struct hstat *s)
{
	return s->failed + s->timeout + s->lost + s->other;
}

/* More trouble than the run's share of it (share) explains: over the
 * expected count by three standard deviations (binomial, roughly) and
 * one more. Then the host, not the jobs, is the likely cause; with 100
 * hosts, chance alone flags about none. */
static bool
troubled(const struct hstat *s, double share)
{
	double expect = share * (double)s->attempts;

	return (double)troubles(s) > expect + 3 * sqrt(expect) + 1;
}

static void
add_stat(struct hstat *sum, const struct hstat *s)
{
	sum->attempts += s->attempts;
	sum->ran += s->ran;
	sum->ok += s->ok;
	sum->failed += s->failed;
	sum->timeout += s->timeout;
	sum->lost += s->lost;
	sum->other += s->other;
	sum->slots += s->slots;
	sum->busy += s->busy;
}

struct line {
	char *label;
	size_t first;          /* its first host, for the order */
	struct hstat s;
};

static int
by_first(const void *a, const void *b)
{
	size_t x = ((const struct line *)a)->first, y = ((const struct line *)b)->first;

	return (x > y) - (x < y);
}

/* Folds the hosts of one class (troubled or not) into lines. */
static char *
fold_label(const struct hostfold_group *g)
{
	int len = (int)strlen(g->label);

	if (len > LABEL_MAX)
		return xasprintf("%.*s... (%zu)", LABEL_MAX - 3, g->label, g->n);
	return g->n > 1 ? xasprintf("%s (%zu)", g->label, g->n) : xstrdup(g->label);
}

static void
fold_class(const struct runlog *rl, const struct hstat *hs, double share,
    bool bad, struct line *lines, size_t *nl)
{
	size_t n = 0, ng;
	size_t *which = xcalloc(rl->nhosts, sizeof *which);
	char **names = xcalloc(rl->nhosts, sizeof *names);
	struct hostfold_group *g;

	for (size_t h = 0; h < rl->nhosts; h++)
		if (troubled(&hs[h], share) == bad) {
			which[n] = h;
			names[n++] = rl->hosts[h].name;
		}
	ng = hostfold(names, n, &g);
	for (size_t i = 0; i < ng; i++) {
		struct line *l = &lines[(*nl)++];
		memset(l, 0, sizeof *l);
		l->first = SIZE_MAX;
		l->label = fold_label(&g[i]);
		for (size_t k = 0; k < g[i].n; k++) {
			size_t h = which[g[i].members[k]];
			add_stat(&l->s, &hs[h]);
			if (h < l->first)
				l->first = h;
		}
	}
	hostfold_free(g, ng);
	free(names);
	free(which);
}

static void
print_hosts(FILE *fp, const struct runlog *rl, const struct hstat *hs,
    double makespan, size_t fold_over)
{
	struct line *lines = xcalloc(rl->nhosts ? rl->nhosts : 1, sizeof *lines);
	size_t nl = 0;
	int w = 4;
	char d[32];
	struct hstat all = { 0 };

	for (size_t h = 0; h < rl->nhosts; h++)
		add_stat(&all, &hs[h]);
	if (rl->nhosts > fold_over) {
		double share = all.attempts ? (double)troubles(&all) / (double)all.attempts : 0;
		fold_class(rl, hs, share, false, lines, &nl);
		fold_class(rl, hs, share, true, lines, &nl);
		qsort(lines, nl, sizeof *lines, by_first);
	} else
		for (size_t h = 0; h < rl->nhosts; h++, nl++)
			lines[nl] = (struct line){ xstrdup(rl->hosts[h].name), h, hs[h] };
	for (size_t i = 0; i < nl; i++)
		if ((int)strlen(lines[i].label) > w)
			w = (int)strlen(lines[i].label);
	if (w > LABEL_MAX + 8)
		w = LABEL_MAX + 8;
	fprintf(fp, "\n%-*s %5s %8s %6s %6s %6s %6s %12s %5s\n", w, "host", "slots",
	    "attempts", "ok", "failed", "tmout", "lost", "mean run", "util");
	for (size_t i = 0; i < nl; i++) {
		const struct hstat *s = &lines[i].s;
		fprintf(fp, "%-*.*s %5u %8llu %6llu %6llu %6llu %6llu %12s %4.0f%%\n", w, w,
		    lines[i].label, s->slots, s->attempts, s->ok, s->failed, s->timeout,
		    s->lost, fmt_dur(d, sizeof d, s->ran ? s->busy / (double)s->ran : NAN),
		    percent(s->busy, s->slots * makespan));
		free(lines[i].label);
	}
	free(lines);
}

void
report_summary(FILE *fp, const struct runlog *rl, const char *path,
    size_t fold_over)
{
	fprintf(fp, "pfan report: %s, run %u of %u", path, rl->run, rl->nruns);
	if (rl->version != NULL)
		fprintf(fp, " (pfan %s)", rl->version);
	fprintf(fp, "\ncommand   %s\n", rl->cmdline != NULL ? rl->cmdline : "(no header)");
	report_body(fp, rl, fold_over);
}

void
report_body(FILE *fp, const struct runlog *rl, size_t fold_over)
{
	struct hstat *hs = xcalloc(rl->nhosts ? rl->nhosts : 1, sizeof *hs);
	struct totals t;
	char a[32], b[32], c[32];

	count(rl, &t, hs);
	print_jobs(fp, &t);
	fprintf(fp, "makespan  %s on %u slots of %zu host%s\n",
	    fmt_dur(a, sizeof a, t.makespan), rl->slots, rl->nhosts,
	    rl->nhosts == 1 ? "" : "s");
	fprintf(fp, "ideal     %s (runtimes %s / %u slots): %.0f%% of the makespan\n",
	    fmt_dur(b, sizeof b, rl->slots ? t.busy / rl->slots : NAN),
	    fmt_dur(c, sizeof c, t.busy), rl->slots,
	    percent(rl->slots ? t.busy / rl->slots : 0, t.makespan));
	if (rl->nhosts > 0)
		print_hosts(fp, rl, hs, t.makespan, fold_over);
	free(hs);
}

/* One line under the picture's title. */
static char *
subtitle(const struct runlog *rl)
{
	struct hstat *hs = xcalloc(rl->nhosts ? rl->nhosts : 1, sizeof *hs);
	struct totals t;
	char a[32], b[32];
	char *s;

	count(rl, &t, hs);
	s = xasprintf("%llu jobs (%llu ok), %llu attempts on %u slots of %zu host%s; "
	    "makespan %s, ideal %s (%.0f%%)", t.jobs, t.by_status[JOB_OK], t.attempts,
	    rl->slots, rl->nhosts, rl->nhosts == 1 ? "" : "s", fmt_dur(a, sizeof a, t.makespan),
	    fmt_dur(b, sizeof b, rl->slots ? t.busy / rl->slots : NAN),
	    percent(rl->slots ? t.busy / rl->slots : 0, t.makespan));
	free(hs);
	return s;
}

static int
write_picture(const struct runlog *rl, const char *path, bool html)
{
	struct timeline tl;
	char *sub;
	FILE *fp;
	int rc = PFAN_OK;

	if ((fp = fopen(path, "we")) == NULL) {
		log_error("%s: %s", path, strerror(errno));
		return PFAN_E_SYS;
	}
	timeline_layout(&tl, rl, PICTURE_W);
	sub = subtitle(rl);
	svg_write(fp, rl, &tl, sub, html);
	free(sub);
	timeline_free(&tl);
	if (ferror(fp) | (fclose(fp) != 0)) {
		log_error("%s: %s", path, strerror(errno ? errno : EIO));
		rc = PFAN_E_SYS;
	}
	return rc;
}

bool
report_wanted(const struct pfan_opts *o)
{
	return o->report != NULL || o->report_svg != NULL || o->report_html != NULL ||
	    o->report_run != 0;
}

int
report_main(const struct pfan_opts *o)
{
	struct runlog *rl;
	char *cause = NULL;
	int rc = 0;

	if (o->report == NULL) {
		log_error("%s needs --report JOBLOG", o->report_svg != NULL ? "--svg" :
		    o->report_html != NULL ? "--html" : "--report-run");
		return PFAN_EXIT_ERROR;
	}
	if (o->ntemplate > 0 || o->input.nsources > 0) {
		log_error("--report reads a joblog and runs nothing: no command, please");
		return PFAN_EXIT_ERROR;
	}
	if (runlog_load(&rl, o->report, o->report_run, &cause) != PFAN_OK) {
		log_error("%s", cause);
		free(cause);
		return PFAN_EXIT_ERROR;
	}
	report_summary(stdout, rl, o->report, REPORT_FOLD_OVER);
	if (fflush(stdout) != 0) {
		log_error("stdout: %s", strerror(errno));
		rc = PFAN_EXIT_ERROR;
	}
	if (o->report_svg != NULL && write_picture(rl, o->report_svg, false) != PFAN_OK)
		rc = PFAN_EXIT_ERROR;
	if (o->report_html != NULL && write_picture(rl, o->report_html, true) != PFAN_OK)
		rc = PFAN_EXIT_ERROR;
	runlog_free(rl);
	return rc;
}
