/* jobfeed.c: input records -> numbered jobs. Every record consumes a seq,
 * a bad one too, so seqs stay the record's position in the input and
 * {#} means the same thing in a resumed run. A seq that will print nothing
 * (bad record, done before, dry run) is reported to output.c at once, so
 * --keep-order never waits for it.
 *
 * --shuf and --halt with a percentage need every record first (the order
 * to shuffle, the total to take a percentage of), as GNU parallel reads
 * all its input for them: the records are gathered until the input ends,
 * shuffled for --shuf, and only then numbered, so {#} is the run order
 * as in GNU parallel.
 *
 * --json-jobs's objects were all read and checked before the run: each is
 * one job, its seq its place in the file, its identity for --resume its
 * "id" when it has one, else its command. */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "errors.h"
#include "jobfeed.h"
#include "log.h"
#include "xalloc.h"

struct jobfeed {
	const struct pfan_opts *o;
	struct loop *loop;
	const struct template *tmpl;
	struct input *input;
	struct pipein *pipe;
	const struct jsonjobs *json;
	size_t next_json;
	struct output *out;
	struct resume *resume;
	unsigned long long last_seq, nfailed, nskipped;
	bool read_error;    /* a source could not be read: pfan's own error */
	bool watching;
	/* --dry-run deals its jobs in turn to every host's slots: dry_end[i]
	 * is the slot count of hosts 0..i. */
	const char **dry_host;
	uint64_t *dry_end;
	size_t ndry;
	bool dry_said;      /* the example note is printed */
	struct buf cmd;
	bool gather;        /* read all input before the first job */
	bool gathered;      /* all of it is in held[] */
	struct held { struct args a; char *cause; } *held;
	size_t nheld, capheld, next_held;
};

struct jobfeed *
jobfeed_new(const struct pfan_opts *o, struct loop *loop, const struct template *tmpl,
    struct input *input, struct pipein *pipe, const struct jsonjobs *json,
    struct output *out, struct resume *resume)
{
	struct jobfeed *f = xcalloc(1, sizeof *f);

	f->o = o;
	f->loop = loop;
	f->tmpl = tmpl;
	f->input = input;
	f->pipe = pipe;
	f->json = json;
	f->out = out;
	f->resume = resume;
	buf_init(&f->cmd);
	f->gather = pipe == NULL && json == NULL && (o->shuf || o->halt_pct > 0);
	return f;
}

static void
hold(struct jobfeed *f, struct args *a, char *cause)
{
	if (f->nheld == f->capheld) {
		f->capheld = f->capheld ? 2 * f->capheld : 256;
		f->held = xreallocarray(f->held, f->capheld, sizeof *f->held);
	}
	f->held[f->nheld].a = *a;
	f->held[f->nheld++].cause = cause;
}

/* Fisher-Yates with a xorshift seeded from the kernel: any order is as
 * good as another, it need not be cryptographic. */
static void
shuffle(struct held *v, size_t n)
{
	uint64_t x = 0;

	if (getrandom(&x, sizeof x, GRND_NONBLOCK) != (ssize_t)sizeof x || x == 0)
		x = (uint64_t)time(NULL) * 2654435761u ^ (uint64_t)getpid();
	for (size_t i = n; i > 1; i--) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		size_t k = (size_t)(x % i);
		struct held t = v[i - 1];
		v[i - 1] = v[k];
		v[k] = t;
	}
}

/* The next record and what input_next said of it, from the input or,
 * when gathering, from what was gathered. */
static int
next_record(struct jobfeed *f, struct args *a, char **cause)
{
	int rc;

	if (!f->gather)
		return input_next(f->input, a, cause);
	while (!f->gathered) {
		rc = input_next(f->input, a, cause);
		if (rc == PFAN_AGAIN)
			return rc;
		if (rc == PFAN_E_SYS) {
			/* The input ends here (exit 255); what came before runs. */
			log_error("%s", *cause);
			free(*cause);
			*cause = NULL;
			f->read_error = true;
		}
		if (rc == PFAN_EOF || rc == PFAN_E_SYS) {
			f->gathered = true;
			if (f->o->shuf)
				shuffle(f->held, f->nheld);
			break;
		}
		hold(f, a, rc == PFAN_OK ? NULL : *cause);
		*cause = NULL;
		args_init(a);
	}
	if (f->next_held == f->nheld)
		return PFAN_EOF;
	*a = f->held[f->next_held].a;
	*cause = f->held[f->next_held].cause;
	f->next_held++;
	return *cause == NULL ? PFAN_OK : PFAN_E_INPUT;
}

unsigned long long
jobfeed_total(const struct jobfeed *f)
{
	if (f->json != NULL)
		return jsonjobs_count(f->json);
	return f->gathered ? f->nheld : 0;
}

void
jobfeed_dry_run_host(struct jobfeed *f, const char *name, unsigned slots)
{
	uint64_t before = f->ndry > 0 ? f->dry_end[f->ndry - 1] : 0;

	f->dry_host = xreallocarray(f->dry_host, f->ndry + 1, sizeof *f->dry_host);
	f->dry_end = xreallocarray(f->dry_end, f->ndry + 1, sizeof *f->dry_end);
	f->dry_host[f->ndry] = name;
	f->dry_end[f->ndry++] = before + slots;
}

/* Job seq's host and slot in a dry run: the jobs dealt in turn to host
 * 0's slots, then host 1's ..., then from the start again. A real run
 * picks whichever slot is free, so this is an example of a valid pair,
 * never a slot its host does not have (every job used to show the first
 * host, with {%} counted over all hosts' slots). */
static void
dry_run_place(const struct jobfeed *f, unsigned long long seq, struct template_ctx *ctx)
{
	uint64_t total = f->ndry > 0 ? f->dry_end[f->ndry - 1] : 0, k;
	size_t lo = 0, hi;

	ctx->host = f->ndry > 0 ? f->dry_host[0] : "local";
	ctx->slot = 1;
	if (total == 0)
		return;
	k = (seq - 1) % total;
	for (hi = f->ndry - 1; lo < hi;) {
		size_t mid = lo + (hi - lo) / 2;
		if (f->dry_end[mid] > k)
			hi = mid;
		else
			lo = mid + 1;
	}
	ctx->host = f->dry_host[lo];
	ctx->slot = (unsigned)(k - (lo > 0 ? f->dry_end[lo - 1] : 0)) + 1;
}

/* With hosts, {host} and {%} in a dry run are only an example: say so,
 * once, on stderr (stdout stays the commands alone). */
static void
dry_run_say(struct jobfeed *f)
{
	if (f->dry_said || !template_per_slot(f->tmpl) || f->ndry == 0 ||
	    (f->ndry == 1 && strcmp(f->dry_host[0], "local") == 0))
		return;
	f->dry_said = true;
	log_info("dry run: {host} and {%%} are an example: job 1 shown on host %s, "
	    "slot 1, the next jobs on the next slots in turn (a run takes "
	    "whichever slot is free)", f->dry_host[0]);
}

static void
on_input_readable(void *arg, int fd, short revents)
{
	struct jobfeed *f = arg;

	(void)revents;
	/* The scheduler's idle hook reads; this watch only wakes the loop. */
	loop_io_del(f->loop, fd);
	f->watching = false;
}

static void write_cmd(struct jobfeed *f);

static void
dry_run_print(struct jobfeed *f, unsigned long long seq, const struct args *a)
{
	struct template_ctx ctx = { seq, 0, NULL };
	char *cause = NULL;

	dry_run_place(f, seq, &ctx);
	dry_run_say(f);
	buf_reset(&f->cmd);
	if (template_expand(f->tmpl, a, &ctx, &f->cmd, &cause) != PFAN_OK) {
		log_error("job %llu: %s", seq, cause);
		free(cause);
		f->nfailed++;
		return;
	}
	write_cmd(f);
}

/* f->cmd and a newline to stdout, as the dry run's line. */
static void
write_cmd(struct jobfeed *f)
{
	buf_addc(&f->cmd, '\n');
	for (size_t off = 0; off < f->cmd.len;) {
		ssize_t n = write(STDOUT_FILENO, f->cmd.data + off, f->cmd.len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
}

/* PFAN_OK when the record is a job to run; else it was accounted for. */
static int
take_record(struct jobfeed *f, unsigned long long seq, struct args *a)
{
	struct template_ctx ctx = { seq, 0, NULL };
	char *cause = NULL;

	buf_reset(&f->cmd);
	if (template_expand(f->tmpl, a, &ctx, &f->cmd, &cause) != PFAN_OK) {
		log_error("job %llu: %s", seq, cause);
		free(cause);
		f->nfailed++;
	} else if (f->resume != NULL && (f->pipe != NULL ?
	    resume_seq_done(f->resume, buf_cstr(&f->cmd), seq) :
	    resume_take_done(f->resume, buf_cstr(&f->cmd)))) {
		f->nskipped++;
	} else if (f->o->dry_run) {
		dry_run_print(f, seq, a);
	} else
		return PFAN_OK;
	args_free(a);
	output_seq_skip(f->out, seq);
	return PFAN_EOF;
}

static void
watch(struct jobfeed *f, int fd)
{
	if (fd >= 0 && !f->watching) {
		loop_io_set(f->loop, fd, POLLIN, on_input_readable, f);
		f->watching = true;
	}
}

/* --pipe: each block is a job; its identity for --resume is the command
 * and the block's seq (every block has the same command). */
static int
next_block(struct jobfeed *f, struct jobfeed_item *item)
{
	char *cause = NULL;
	int rc;

	for (;;) {
		args_init(&item->args);
		item->block = NULL;
		rc = pipein_next(f->pipe, &item->block, &cause);
		if (rc == PFAN_AGAIN) {
			watch(f, pipein_fd(f->pipe));
			return PFAN_AGAIN;
		}
		if (rc == PFAN_E_SYS) {
			log_error("%s", cause);
			free(cause);
			f->read_error = true;
		}
		if (rc != PFAN_OK)
			return PFAN_EOF;
		item->seq = ++f->last_seq;
		if (take_record(f, item->seq, &item->args) != PFAN_OK) {
			pipein_block_free(item->block);
			item->block = NULL;
			continue;
		}
		item->cmd = xstrndup(buf_cstr(&f->cmd), f->cmd.len);
		return PFAN_OK;
	}
}

static char **
copy_strs(const char *const *v, size_t n)
{
	char **c = n > 0 ? xcalloc(n, sizeof *c) : NULL;

	for (size_t i = 0; i < n; i++)
		c[i] = xstrdup(v[i]);
	return c;
}

/* --json-jobs: the next object not done (--resume) nor printed (--dry-run). */
static int
next_json(struct jobfeed *f, struct jobfeed_item *item)
{
	const struct jsonjob *jj;

	while ((jj = jsonjobs_get(f->json, f->next_json)) != NULL) {
		unsigned long long seq = ++f->last_seq;
		f->next_json++;
		if (f->resume != NULL && (jj->id != NULL ?
		    resume_take_done_id(f->resume, jj->id) :
		    resume_take_done(f->resume, jj->command)))
			f->nskipped++;
		else if (f->o->dry_run) {
			buf_reset(&f->cmd);
			buf_adds(&f->cmd, jj->command);
			write_cmd(f);
		} else {
			item->seq = seq;
			args_init(&item->args);
			args_push(&item->args, jj->cmd, strlen(jj->cmd));
			item->cmd = xstrdup(jj->command);
			item->block = NULL;
			item->json = jj;
			item->pin.hosts = copy_strs(jj->hosts, jj->nhosts);
			item->pin.nhosts = jj->nhosts;
			item->pin.tags = copy_strs(jj->tags, jj->ntags);
			item->pin.ntags = jj->ntags;
			return PFAN_OK;
		}
		output_seq_skip(f->out, seq);
	}
	return PFAN_EOF;
}

int
jobfeed_next(struct jobfeed *f, struct jobfeed_item *item)
{
	char *cause = NULL;
	int rc;

	if (f->json != NULL)
		return next_json(f, item);
	if (f->pipe != NULL)
		return next_block(f, item);
	item->block = NULL;
	for (;;) {
		args_init(&item->args);
		rc = next_record(f, &item->args, &cause);
		if (rc == PFAN_AGAIN) {
			watch(f, input_fd(f->input));
			return PFAN_AGAIN;
		}
		if (rc == PFAN_EOF)
			return PFAN_EOF;
		if (rc == PFAN_E_SYS) {
			/* Not a bad record but a source that cannot be read (stdin
			 * a directory, an I/O error): no more input, exit 255. */
			log_error("%s", cause);
			free(cause);
			f->read_error = true;
			return PFAN_EOF;
		}
		item->seq = ++f->last_seq;
		if (rc != PFAN_OK) {
			log_error("%s", cause);
			free(cause);
			cause = NULL;
			f->nfailed++;
			output_seq_skip(f->out, item->seq);
			continue;
		}
		if (take_record(f, item->seq, &item->args) != PFAN_OK)
			continue;
		item->cmd = xstrndup(buf_cstr(&f->cmd), f->cmd.len);
		return PFAN_OK;
	}
}

unsigned long long
jobfeed_count_rest(struct jobfeed *f, unsigned long long limit, bool *all)
{
	unsigned long long n = 0;
	char *cause = NULL;
	struct args a;
	int rc = PFAN_OK;

	if (f->json != NULL) {
		n = jsonjobs_count(f->json) - f->next_json;
		n = n < limit ? n : limit;
		f->next_json += (size_t)n;
		*all = f->next_json == jsonjobs_count(f->json);
		return n;
	}
	if (f->pipe != NULL) {
		/* Blocks are not counted: that would read the input through. */
		*all = false;
		return 0;
	}
	while (n < limit) {
		args_init(&a);
		rc = next_record(f, &a, &cause);
		args_free(&a);
		if (rc == PFAN_E_SYS) {
			log_error("%s", cause);
			f->read_error = true;
		}
		free(cause);
		cause = NULL;
		if (rc == PFAN_OK)
			n++;
		else if (rc != PFAN_E_INPUT)
			break;
	}
	*all = rc == PFAN_EOF || rc == PFAN_E_SYS;
	return n;
}

bool
jobfeed_read_error(const struct jobfeed *f)
{
	return f->read_error;
}

unsigned long long
jobfeed_failed(const struct jobfeed *f)
{
	return f->nfailed;
}

unsigned long long
jobfeed_skipped(const struct jobfeed *f)
{
	return f->nskipped;
}

void
jobfeed_free(struct jobfeed *f)
{
	if (f == NULL)
		return;
	if (f->watching && f->json == NULL)
		loop_io_del(f->loop, f->pipe != NULL ? pipein_fd(f->pipe) : input_fd(f->input));
	for (size_t i = f->next_held; i < f->nheld; i++) {
		args_free(&f->held[i].a);
		free(f->held[i].cause);
	}
	free(f->held);
	buf_free(&f->cmd);
	free(f->dry_host);
	free(f->dry_end);
	free(f);
}
