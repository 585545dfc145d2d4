/* progress.c: --bar, --eta, --progress and the end-of-run summary
 * (progress.h).
 *
 * The scheduler's observer calls only count; drawing runs on a loop
 * timer. On a terminal a change asks for a redraw at most 10 times a
 * second (and the ETA and rate are redrawn once a second while nothing
 * changes); the lines are redrawn in place (\r, cursor up, clear) and cut
 * to the terminal's width, so they never wrap. Elsewhere (a log file,
 * SLURM's output file) the same lines are written plainly every 30 s
 * and once at the end, without a \r. The summary is report.c's, built
 * from the run's records as they are written (runlog_live), so it says
 * what `pfan --report` would say of the joblog. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "buf.h"
#include "progress.h"
#include "progress_fmt.h"
#include "report.h"
#include "runlog.h"
#include "xalloc.h"

#define TTY_EVERY 0.1      /* seconds between redraws at most */
#define TTY_IDLE 1.0       /* a redraw while nothing happens: the ETA moves */
#define PLAIN_EVERY 30.0   /* not a terminal: a line this often */
#define ROWS_MAX 20        /* --progress: host rows shown at most */
#define NAME_W 16          /* --progress: host column at most */

struct phost {
	const char *key;           /* the scheduler's name pointer: compared first */
	char *name;
	struct host_row row;
};

struct progress {
	FILE *fp;
	struct loop *loop;
	bool tty, bar, eta, rows, summary;
	struct phost *hosts;
	size_t nhosts, last;
	struct eta_in e;
	double sum_start;          /* mono start times of the running attempts */
	unsigned long long failed;
	double t0;
	struct runlog_live *live;  /* NULL: no summary wanted */
	struct loop_timer *timer;
	double due;                /* when timer fires */
	double last_draw;
	int drawn;                 /* lines on the terminal now */
	struct buf lines, out;
};

bool
progress_wanted(const struct pfan_opts *o)
{
	return o->bar || o->eta || o->progress || o->summary;
}

static struct phost *
host_of(struct progress *p, const char *name)
{
	size_t i = p->last;

	if (i < p->nhosts && (p->hosts[i].key == name || strcmp(p->hosts[i].name, name) == 0))
		return &p->hosts[i];
	for (i = 0; i < p->nhosts; i++)
		if (p->hosts[i].key == name || strcmp(p->hosts[i].name, name) == 0)
			break;
	if (i == p->nhosts) {
		p->hosts = xreallocarray(p->hosts, p->nhosts + 1, sizeof *p->hosts);
		p->hosts[i] = (struct phost){ .key = name, .name = xstrdup(name) };
		p->hosts[i].row.name = p->hosts[i].name;
		p->nhosts++;
	}
	p->last = i;
	return &p->hosts[i];
}

static int
term_width(const struct progress *p)
{
	struct winsize ws;

	if (!p->tty || ioctl(fileno(p->fp), TIOCGWINSZ, &ws) != 0 || ws.ws_col == 0)
		return 0;
	return ws.ws_col - 1;   /* the last column would wrap on some terminals */
}

/* One line into p->lines, cut to width. */
static void
add_line(struct progress *p, struct buf *line, int width)
{
	size_t n = line->len;

	if (width > 0 && n > (size_t)width)
		n = (size_t)width;
	if (p->lines.len > 0)
		buf_addc(&p->lines, '\n');
	buf_add(&p->lines, buf_cstr(line), n);
	buf_reset(line);
}

static int
compose(struct progress *p, double now)
{
	struct buf line = BUF_INIT;
	int width = term_width(p), n = 0, namew = 4;
	struct eta_in e = p->e;

	e.sum_age = (double)e.running * now - p->sum_start;
	buf_reset(&p->lines);
	if (p->rows) {
		for (size_t i = 0; i < p->nhosts; i++) {
			int l = (int)strlen(p->hosts[i].name);
			namew = l > namew ? l : namew;
		}
		namew = namew > NAME_W ? NAME_W : namew;
		progress_fmt_host_head(&line, namew);
		add_line(p, &line, width);
		n++;
		for (size_t i = 0; i < p->nhosts && i < ROWS_MAX; i++, n++) {
			progress_fmt_host_row(&line, &p->hosts[i].row, namew);
			add_line(p, &line, width);
		}
		if (p->nhosts > ROWS_MAX) {
			buf_addf(&line, "(and %zu hosts more)", p->nhosts - ROWS_MAX);
			add_line(p, &line, width);
			n++;
		}
	}
	if (p->eta) {
		progress_fmt_eta(&line, &e);
		add_line(p, &line, width);
		n++;
	}
	if (p->bar) {
		struct bar_in b = { e, p->failed,
		    now > p->t0 ? (double)e.done / (now - p->t0) : 0 };
		progress_fmt_bar(&line, &b, width, p->tty);
		add_line(p, &line, width);
		n++;
	}
	buf_free(&line);
	return n;
}

static void
emit(struct progress *p)
{
	fwrite(p->out.data, 1, p->out.len, p->fp);
	fflush(p->fp);
	buf_reset(&p->out);
}

static void
draw(struct progress *p, bool last)
{
	double now = mono_now();
	int n = compose(p, now);

	if (n == 0)
		return;
	if (!p->tty) {
		buf_addf(&p->out, "%s\n", buf_cstr(&p->lines));
	} else {
		/* Back to the first line drawn, clear to the end of the screen. */
		buf_addc(&p->out, '\r');
		if (p->drawn > 1)
			buf_addf(&p->out, "\033[%dA", p->drawn - 1);
		buf_adds(&p->out, "\033[J");
		buf_adds(&p->out, buf_cstr(&p->lines));
		if (last)
			buf_addc(&p->out, '\n');
		p->drawn = last ? 0 : n;
	}
	emit(p);
	p->last_draw = now;
}

static void on_timer(void *arg);

static void
arm(struct progress *p, double at)
{
	double now = mono_now();

	if (p->timer != NULL && p->due <= at)
		return;
	loop_timer_del(p->loop, p->timer);
	p->due = at > now ? at : now;
	p->timer = loop_timer_add(p->loop, p->due - now, on_timer, p);
}

static void
on_timer(void *arg)
{
	struct progress *p = arg;

	p->timer = NULL;
	draw(p, false);
	arm(p, mono_now() + (p->tty ? TTY_IDLE : PLAIN_EVERY));
}

/* Something changed: on a terminal, redraw soon (not sooner than
 * TTY_EVERY after the last time). */
static void
changed(struct progress *p)
{
	if (p->tty)
		arm(p, p->last_draw + TTY_EVERY);
}

static void
on_started(void *arg, const char *host, unsigned slot, unsigned host_slots)
{
	struct progress *p = arg;
	struct phost *h = host_of(p, host);
	unsigned slots = host_slots > slot ? host_slots : slot;

	if (slots > h->row.slots) {
		p->e.slots += slots - h->row.slots;
		h->row.slots = slots;
	}
	h->row.running++;
	p->e.running++;
	p->sum_start += mono_now();
	changed(p);
}

static void
on_ended(void *arg, const char *host, double runtime)
{
	struct progress *p = arg;
	struct phost *h = host_of(p, host);

	if (h->row.running > 0)
		h->row.running--;
	if (p->e.running > 0)
		p->e.running--;
	/* Its start: now less its runtime (the runtime counts from the
	 * executor's start, a little after ours). */
	p->sum_start -= mono_now() - runtime;
	if (p->e.running == 0)
		p->sum_start = 0;
	h->row.ended++;
	h->row.sum_runtime += runtime;
	p->e.ended++;
	p->e.sum_runtime += runtime;
	changed(p);
}

static void
on_recorded(void *arg, const struct joblog_record *rec)
{
	struct progress *p = arg;
	struct phost *h = rec->host != NULL ? host_of(p, rec->host) : NULL;

	if (p->live != NULL)
		runlog_live_add(p->live, rec);
	if (h != NULL && rec->status == JOB_HOST_LOST)
		h->row.lost++;
	if (rec->will_retry)
		return;
	p->e.done++;
	if (h != NULL)
		h->row.done++;
	if (rec->status != JOB_OK) {
		p->failed++;
		if (h != NULL)
			h->row.failed++;
	}
	changed(p);
}

static void
on_total(void *arg, unsigned long long njobs)
{
	struct progress *p = arg;

	p->e.total = njobs;
	changed(p);
}

const struct sched_observer progress_observer = {
	.started = on_started,
	.ended = on_ended,
	.recorded = on_recorded,
	.total = on_total,
};

struct progress *
progress_new(const struct pfan_opts *o, struct loop *loop, FILE *fp)
{
	struct progress *p = xcalloc(1, sizeof *p);

	p->fp = fp;
	p->loop = loop;
	p->tty = isatty(fileno(fp));
	p->bar = o->bar;
	p->eta = o->eta;
	p->rows = o->progress;
	p->summary = o->summary || o->bar || o->eta || o->progress;
	p->t0 = p->last_draw = mono_now();
	if (p->summary)
		p->live = runlog_live_new();
	if (p->bar || p->eta || p->rows)
		arm(p, p->t0 + (p->tty ? TTY_EVERY : PLAIN_EVERY));
	return p;
}

void
progress_end(struct progress *p)
{
	struct runlog *rl;

	loop_timer_del(p->loop, p->timer);
	p->timer = NULL;
	draw(p, true);
	if (p->live == NULL)
		return;
	rl = runlog_live_end(p->live);
	p->live = NULL;
	fputs("pfan summary:\n", p->fp);
	report_body(p->fp, rl, REPORT_FOLD_OVER);
	fflush(p->fp);
	runlog_free(rl);
}

void
progress_free(struct progress *p)
{
	if (p == NULL)
		return;
	loop_timer_del(p->loop, p->timer);
	runlog_live_free(p->live);
	for (size_t i = 0; i < p->nhosts; i++)
		free(p->hosts[i].name);
	free(p->hosts);
	buf_free(&p->lines);
	buf_free(&p->out);
	free(p);
}
