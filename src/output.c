/* output.c: each job's stdout and stderr, printed whole and never mixed.
 *
 * Theory of operation
 *
 * A job attempt has two streams. Bytes arrive in chunks and are stored in
 * the stream's spillbuf (spill.c): the newest in memory, at most mem_limit
 * bytes, the older ones in the run's one unlinked spill file. When the
 * memory part would pass mem_limit it goes to the file in one write, so a
 * job printing 500 MB costs pfan mem_limit bytes per stream, and printing
 * streams the file back through one fixed 64 KiB buffer.
 *
 * Printing adds the --tag prefix at each line start (a last line without
 * a newline stays without one, as in GNU parallel) and goes through
 * outstream.c, which buffers, writes whole lines where it can, and tells
 * the owner (output_on_closed) when the reader of stdout went away.
 *
 * Group (default): output_job_finish prints the job's whole stdout, then
 * its whole stderr. pfan is single-threaded, so nothing else can print in
 * between.
 *
 * keep_order: next_seq is the first seq not yet printed or skipped. A job
 * that finishes out of turn goes into a min-heap by seq ("held"); skips go
 * into the same heap as entries without a job. Whenever next_seq is
 * printed or skipped, the heap is drained while its top is next_seq. A
 * discarded attempt leaves no trace, so its seq stays pending until its
 * retry finishes. Held jobs would cost up to 2 x mem_limit each, and many
 * can wait behind one slow job, so once held jobs' memory passes 64 x
 * mem_limit each newly held job moves its memory part to the spill file:
 * held jobs then cost a small struct each, and one file descriptor for
 * all. output_flush prints all held jobs in seq order, gaps or not, and
 * ends ordering: a job that finishes after it prints at once.
 *
 * line_buffer: a live job prints its complete lines as they arrive (one
 * write per stream per chunk where lines are short) and stores only the
 * tail after the last newline, printed before the next line or at finish.
 * Without keep_order every job is live. With keep_order only the job whose
 * seq is next_seq is live, as GNU parallel's -k --line-buffer does: when a
 * job becomes next_seq while running, its complete lines so far are
 * printed and it goes on live; the others are stored and printed whole in
 * turn. Lines printed live can't be taken back: if that attempt is then
 * discarded, its retry prints them again.
 *
 * results (results.c): each chunk is also saved there as it arrives,
 * before and independently of printing (untagged).
 *
 * Delivery: output_job_finish takes a callback, called right after the
 * attempt's last byte was written to out_fd and err_fd: at once when
 * grouped, when its turn comes with keep_order. The scheduler writes the
 * job's joblog record only then, so a job whose output waits behind a slow
 * one (and is lost if pfan is SIGKILLed) is not recorded done. The
 * callback also says whether the output arrived whole.
 *
 * Errors: output_job_data has no cause argument, so a spill or results
 * file that can't be written is logged here (log_error, once per stream
 * and kind), the chunk is dropped from that place and PFAN_E_SYS is
 * returned; the job goes on, but its output is no longer whole, and the
 * delivery callback says so. So does a spill file that can't be read
 * back, a results file that can't be created or closed, and a write to
 * a broken out_fd or err_fd of some of the job's bytes. output_job_bytes
 * counts every byte received, dropped or not.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "log.h"
#include "output.h"
#include "outstream.h"
#include "results.h"
#include "seqheap.h"
#include "spill.h"
#include "template.h"
#include "xalloc.h"

#define DEFAULT_MEM_LIMIT (64 * 1024)
#define HOLD_FACTOR 64

struct stream {
	struct spillbuf buf;       /* stored, not yet printed */
	uint64_t received;
	bool store_logged;
	bool bol;                  /* the next byte printed starts a line */
};

struct output_job {
	struct output *o;
	unsigned long long seq;
	char *tag;                 /* NULL without --tag */
	struct stream s[2];
	struct results_job *rj;    /* --results; NULL without */
	struct results_job *fj;    /* --files; NULL without */
	struct results_end end;    /* output_job_ended */
	struct output_job *prev, *next;   /* o->running, while linked */
	bool linked;
	size_t held_bytes;         /* memory counted in o->held_mem */
	bool lost;                 /* some output was dropped: not whole */
	output_done_fn *done;      /* set by output_job_finish */
	void *done_arg;
};

struct output {
	struct output_config cfg;
	struct results *results;   /* NULL without --results */
	struct results *files;     /* NULL without --files */
	size_t mem_limit;
	size_t hold_budget;
	size_t held_mem;
	struct spill *spill;
	bool ordered;              /* keep_order and not yet flushed */
	unsigned long long next_seq;
	struct seqheap held;       /* keep_order: out of turn, by seq */
	struct output_job *running;
	struct outstream os;       /* pfan's stdout and stderr */
};

static const char *stream_names[2] = { "stdout", "stderr" };

static uint64_t
stored(const struct stream *s)
{
	return spillbuf_len(&s->buf);
}

/* Write out what is queued of job j's stream i: if the stream is broken,
 * it (or the part the fd refused) never reached anyone, and j is not whole. */
static void
flush_job(struct output_job *j, int i)
{
	if (!outstream_flush(&j->o->os, i))
		j->lost = true;
}

struct emit_to {
	struct output_job *j;
	int i;
};

/* Queue bytes of stream i for printing, tagging line starts. */
static void
emit(void *arg, const char *p, size_t n)
{
	struct output_job *j = ((struct emit_to *)arg)->j;
	int i = ((struct emit_to *)arg)->i;
	struct output *o = j->o;
	struct stream *s = &j->s[i];

	while (n > 0) {
		size_t seg = n;
		if (j->tag != NULL) {
			if (s->bol) {
				outstream_add(&o->os, i, j->tag, strlen(j->tag));
				outstream_add(&o->os, i, "\t", 1);
			}
			const char *nl = memchr(p, '\n', n);
			if (nl != NULL)
				seg = (size_t)(nl - p) + 1;
		}
		if (seg > OUTSTREAM_CHUNK)
			seg = OUTSTREAM_CHUNK;
		outstream_add(&o->os, i, p, seg);
		s->bol = p[seg - 1] == '\n';
		p += seg;
		n -= seg;
	}
}

static void
report(struct output_job *j, int i, bool *logged, const char *what, char *cause)
{
	if (!*logged)
		log_error("job %llu: %s: %s; %s", j->seq, stream_names[i],
		    cause, what);
	*logged = true;
	free(cause);
}

/* Queue the first k stored bytes of stream i for printing and forget
 * them. The caller flushes the stream. */
static void
print_prefix(struct output_job *j, int i, uint64_t k)
{
	struct emit_to to = { j, i };
	char *cause = NULL;

	if (spillbuf_drain(j->o->spill, &j->s[i].buf, k, emit, &to,
	    &cause) != PFAN_OK) {
		report(j, i, &j->s[i].store_logged, "output lost", cause);
		j->lost = true;
	}
}

static void
print_all(struct output_job *j)
{
	for (int i = 0; i < 2; i++) {
		uint64_t k = stored(&j->s[i]);

		if (k == 0)
			continue;
		print_prefix(j, i, k);
		flush_job(j, i);
	}
}

/* The job just became live: out with its complete lines. */
static void
print_lines(struct output_job *j)
{
	for (int i = 0; i < 2; i++) {
		if (j->s[i].buf.lines == 0)
			continue;
		print_prefix(j, i, j->s[i].buf.lines);
		flush_job(j, i);
	}
}

static int
store(struct output_job *j, int i, const char *p, size_t n)
{
	char *cause = NULL;

	if (spillbuf_add(j->o->spill, &j->s[i].buf, j->o->mem_limit, p, n,
	    &cause) == PFAN_OK)
		return PFAN_OK;
	report(j, i, &j->s[i].store_logged, "output lost", cause);
	j->lost = true;
	return PFAN_E_SYS;
}

static void
unlink_running(struct output_job *j)
{
	if (!j->linked)
		return;
	if (j->prev != NULL)
		j->prev->next = j->next;
	else
		j->o->running = j->next;
	if (j->next != NULL)
		j->next->prev = j->prev;
	j->prev = j->next = NULL;
	j->linked = false;
}

static void
job_free(struct output_job *j)
{
	struct output *o = j->o;

	unlink_running(j);
	o->held_mem -= j->held_bytes;
	for (int i = 0; i < 2; i++)
		spillbuf_free(o->spill, &j->s[i].buf);
	results_job_free(j->rj);
	results_job_free(j->fj);
	free(j->tag);
	free(j);
}

static bool
is_live(const struct output_job *j)
{
	return j->o->cfg.line_buffer && (!j->o->ordered ||
	    j->seq == j->o->next_seq);
}

/* A final attempt's turn: print it, tell its owner, forget it. */
static void
deliver(struct output_job *j)
{
	if (results_job_deliver(j->rj) != PFAN_OK)
		j->lost = true;
	if (j->fj != NULL) {
		/* --files: the file's name is the job's stdout. */
		struct emit_to to = { j, 0 };
		const char *name = results_job_name(j->fj);

		if (results_job_deliver(j->fj) != PFAN_OK || name == NULL)
			j->lost = true;
		if (name != NULL) {
			emit(&to, name, strlen(name));
			emit(&to, "\n", 1);
			flush_job(j, 0);
		}
	}
	print_all(j);
	if (j->done != NULL)
		j->done(j->done_arg, !j->lost);
	job_free(j);
}

/* Hold a job that finished out of turn; keep held memory bounded. */
static void
hold(struct output_job *j)
{
	struct output *o = j->o;

	seqheap_push(&o->held, j->seq, j);
	results_job_to_disk(j->rj);
	j->held_bytes = j->s[0].buf.mem.cap + j->s[1].buf.mem.cap;
	o->held_mem += j->held_bytes;
	if (o->held_mem <= o->hold_budget)
		return;
	o->held_mem -= j->held_bytes;
	for (int i = 0; i < 2; i++) {
		char *cause = NULL;

		if (spillbuf_to_disk(o->spill, &j->s[i].buf, &cause) != PFAN_OK)
			report(j, i, &j->s[i].store_logged, "kept in memory",
			    cause);
	}
	j->held_bytes = j->s[0].buf.mem.cap + j->s[1].buf.mem.cap;
	o->held_mem += j->held_bytes;
}

/* next_seq moved: print what waited for it, wake the new live job. */
static void
advance(struct output *o)
{
	while (o->held.n > 0 && seqheap_top(&o->held) <= o->next_seq) {
		struct seqheap_entry h = seqheap_pop(&o->held);
		if (h.item != NULL)
			deliver(h.item);
		if (h.seq == o->next_seq)
			o->next_seq++;
	}
	if (!o->cfg.line_buffer)
		return;
	for (struct output_job *j = o->running; j != NULL; j = j->next)
		if (j->seq == o->next_seq)
			print_lines(j);
}

int
output_new(struct output **out, const struct output_config *cfg, char **cause)
{
	struct output *o;
	struct results *res, *files = NULL;

	*out = NULL;
	if (cfg == NULL || cfg->out_fd < 0 || cfg->err_fd < 0) {
		*cause = xstrdup("output: no file descriptor to print to");
		return PFAN_E_INPUT;
	}
	if (results_new(&res, cfg->results, cfg->tmpdir, cfg->mem_limit,
	    cause) != PFAN_OK)
		return PFAN_E_SYS;
	if (cfg->files && results_new_files(&files, cfg->tmpdir, cause) != PFAN_OK) {
		results_free(res);
		return PFAN_E_SYS;
	}
	o = xcalloc(1, sizeof *o);
	o->cfg = *cfg;
	o->cfg.results = NULL;
	o->results = res;
	o->files = files;
	o->mem_limit = cfg->mem_limit ? cfg->mem_limit : DEFAULT_MEM_LIMIT;
	o->hold_budget = o->mem_limit <= SIZE_MAX / HOLD_FACTOR ?
	    o->mem_limit * HOLD_FACTOR : SIZE_MAX;
	o->spill = spill_new(cfg->tmpdir);
	/* -u prints as it comes: there is nothing to order (GNU ignores -k). */
	o->ordered = cfg->keep_order && !cfg->ungroup;
	o->next_seq = 1;
	outstream_init(&o->os, cfg->out_fd, cfg->err_fd);
	*out = o;
	return PFAN_OK;
}

/* --tag: the values joined by spaces; --tagstring: the template,
 * expanded unquoted. -u has none, as in GNU parallel. */
static char *
make_tag(struct output *o, const struct output_job_desc *d)
{
	struct template_ctx ctx = { d->seq, d->slot, d->host };
	struct args none = { 0, NULL };
	const struct args *a = d->args != NULL ? d->args : &none;
	struct buf b = BUF_INIT;
	char *cause = NULL;

	if (o->cfg.ungroup || (!o->cfg.tag && o->cfg.tagstring == NULL))
		return NULL;
	if (o->cfg.tagstring != NULL &&
	    template_expand(o->cfg.tagstring, a, &ctx, &b, &cause) != PFAN_OK) {
		log_error("job %llu: --tagstring: %s", d->seq, cause);
		free(cause);
	}
	for (size_t i = 0; o->cfg.tagstring == NULL && i < a->n; i++) {
		if (i > 0)
			buf_addc(&b, ' ');
		buf_adds(&b, a->v[i]);
	}
	buf_cstr(&b);
	return buf_steal(&b);
}

struct output_job *
output_job_start(struct output *o, const struct output_job_desc *d)
{
	struct output_job *j;

	if (o == NULL)
		return NULL;
	j = xcalloc(1, sizeof *j);
	j->o = o;
	j->seq = d->seq;
	j->tag = make_tag(o, d);
	j->end.exit_code = -1;
	for (int i = 0; i < 2; i++)
		j->s[i].bol = true;
	j->next = o->running;
	if (o->running != NULL)
		o->running->prev = j;
	o->running = j;
	j->linked = true;
	j->rj = results_job_start(o->results, d->seq, d->args, d->cmd, d->host,
	    &j->lost);
	j->fj = results_job_start(o->files, d->seq, NULL, NULL, NULL, &j->lost);
	if (o->cfg.print_cmd && d->cmd != NULL) {
		/* Part of the job's stdout everywhere, as in GNU parallel, but
		 * not of the bytes the job wrote. */
		(void)output_job_data(j, 1, d->cmd, strlen(d->cmd));
		(void)output_job_data(j, 1, "\n", 1);
		j->s[0].received = 0;
	}
	return j;
}

void
output_job_ended(struct output_job *j, const struct output_job_end *e)
{
	if (j != NULL && e != NULL) {
		j->end.start = e->start;
		j->end.runtime = e->runtime;
		j->end.exit_code = e->exit_code;
		j->end.signal = e->signal;
	}
}

int
output_job_data(struct output_job *j, int stream, const char *data, size_t len)
{
	struct emit_to to;
	const char *nl;
	int i, rc, src;

	if (j == NULL || (stream != 1 && stream != 2) ||
	    (data == NULL && len > 0))
		return PFAN_E_INPUT;
	i = stream - 1;
	j->s[i].received += len;
	rc = results_job_data(j->rj, i, data, len);
	if (rc != PFAN_OK)
		j->lost = true;
	if (j->o->cfg.ungroup) {
		/* Through at once, whatever the line boundaries. */
		if (!outstream_write(&j->o->os, i, data, len))
			j->lost = true;
		return rc;
	}
	if (j->fj != NULL && i == 0) {
		src = results_job_data(j->fj, 0, data, len);
		if (src != PFAN_OK)
			j->lost = true;
		return rc != PFAN_OK ? rc : src;
	}
	if (len > 0 && is_live(j) && (nl = memrchr(data, '\n', len)) != NULL) {
		/* The stored tail, then the new complete lines, in one go. */
		size_t head = (size_t)(nl - data) + 1;

		to.j = j;
		to.i = i;
		print_prefix(j, i, stored(&j->s[i]));
		emit(&to, data, head);
		flush_job(j, i);
		data += head;
		len -= head;
	}
	src = store(j, i, data, len);
	return rc != PFAN_OK ? rc : src;
}

unsigned long long
output_job_bytes(const struct output_job *j, int stream)
{
	if (j == NULL || (stream != 1 && stream != 2))
		return 0;
	return j->s[stream - 1].received;
}

void
output_job_discard(struct output_job *j)
{
	if (j != NULL)
		job_free(j);
}

void
output_job_finish(struct output_job *j, output_done_fn *done, void *arg)
{
	struct output *o;

	if (j == NULL) {
		if (done != NULL)
			done(arg, true);
		return;
	}
	o = j->o;
	j->done = done;
	j->done_arg = arg;
	unlink_running(j);
	if (results_job_end(j->rj, &j->end) != PFAN_OK ||
	    results_job_end(j->fj, NULL) != PFAN_OK)
		j->lost = true;
	/* A seq before next_seq is a duplicate: print it rather than lose it. */
	if (o->ordered && j->seq > o->next_seq) {
		hold(j);
		return;
	}
	if (o->ordered && j->seq == o->next_seq) {
		o->next_seq++;
		deliver(j);
		advance(o);
		return;
	}
	deliver(j);
}

void
output_seq_skip(struct output *o, unsigned long long seq)
{
	if (o == NULL || !o->ordered || seq < o->next_seq)
		return;
	if (seq > o->next_seq) {
		seqheap_push(&o->held, seq, NULL);
		return;
	}
	o->next_seq++;
	advance(o);
}

void
output_flush(struct output *o)
{
	if (o == NULL || !o->ordered)
		return;
	while (o->held.n > 0) {
		struct seqheap_entry h = seqheap_pop(&o->held);
		if (h.item != NULL)
			deliver(h.item);
		if (h.seq >= o->next_seq)
			o->next_seq = h.seq + 1;
	}
	o->ordered = false;
	if (!o->cfg.line_buffer)
		return;
	for (struct output_job *j = o->running; j != NULL; j = j->next)
		print_lines(j);
}

void
output_free(struct output *o)
{
	if (o == NULL)
		return;
	/* Output of finished jobs is never dropped, even on an early exit. */
	output_flush(o);
	while (o->running != NULL) {
		log_debug("job %llu: output freed unfinished", o->running->seq);
		job_free(o->running);
	}
	seqheap_free(&o->held);
	spill_free(o->spill);
	outstream_free(&o->os);
	results_free(o->results);
	results_free(o->files);
	free(o);
}

void
output_on_closed(struct output *o, output_closed_fn *fn, void *arg)
{
	o->os.closed = fn;
	o->os.closed_arg = arg;
}

bool
output_failed(const struct output *o)
{
	return o->os.broken[0] || o->os.broken[1];
}
