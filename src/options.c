/* options.c: the command line. One table drives getopt_long and --help
 * (and through --help, the bash completion and the man page test). The
 * values are read by optvalue.c, the words after the options by optpos.c;
 * optgnu.c answers for GNU parallel's options pfan lacks; options_dump
 * prints the table for the shell completions built from it. */
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "errors.h"
#include "optgnu.h"
#include "options.h"
#include "optpos.h"
#include "xalloc.h"

enum opt_id {
	OPT_ARG_FILE = 'a', OPT_HOSTFILE = 'H', OPT_HELP = 'h', OPT_JOBS = 'j',
	OPT_KEEP_ORDER = 'k', OPT_MAX_ARGS = 'n', OPT_SSHLOGIN = 'S',
	OPT_VERBOSE = 'v', OPT_VERSION = 'V', OPT_NULL = '0',
	OPT_COLSEP = 256, OPT_LINK, OPT_DRY_RUN, OPT_RETRIES, OPT_HALT,
	OPT_TIMEOUT, OPT_LINE_BUFFER, OPT_TAG, OPT_RESULTS, OPT_JOBLOG,
	OPT_RESUME, OPT_RESUME_FAILED, OPT_ACCEPT_NEW, OPT_KEEPALIVE,
	OPT_HOST_WAIT, OPT_CONNECT_TIMEOUT, OPT_QUIET, OPT_PLUS, OPT_NOOP,
	OPT_MAX_REPLACE_ARGS = 'N', OPT_XARGS_M = 'm', OPT_XARGS_X = 'X',
	OPT_DELIMITER = 'd', OPT_EOF = 'E', OPT_NO_RUN_IF_EMPTY = 'r',
	OPT_REPLACE = 'I', OPT_TRIM = 300, OPT_ARG_SEP, OPT_ARG_FILE_SEP,
	OPT_HEADER, OPT_XARGS,
	OPT_UNGROUP = 'u', OPT_TAGSTRING = 320, OPT_FILES, OPT_TMPDIR, OPT_GROUP,
	OPT_DEBUG,
	OPT_REPORT, OPT_REPORT_RUN, OPT_SVG, OPT_HTML,
	OPT_DELAY, OPT_NICE, OPT_SHUF, OPT_MEMFREE, OPT_LOAD, OPT_SSHLOGINFILE,
	OPT_WORKDIR,
	OPT_BAR, OPT_ETA, OPT_PROGRESS, OPT_SUMMARY,
	OPT_PIPE, OPT_PIPEPART, OPT_BLOCK, OPT_RECSTART, OPT_RECEND,
};

struct opt_def {
	const char *name;
	int id;
	int has_arg;
	const char *argname;
	const char *help;
};

static const struct opt_def opt_table[] = {
	{ "jobs", OPT_JOBS, 1, "N", "run N jobs at once (default: one per core; +N, -N: cores plus or minus N; N%: of the cores; 0: as many as open files allow, at most 1024); with hosts, slots per host whose slots are auto" },
	{ "arg-file", OPT_ARG_FILE, 1, "FILE", "read arguments from FILE (- for stdin); repeatable" },
	{ "null", OPT_NULL, 0, NULL, "input records end with NUL, not newline" },
	{ "colsep", OPT_COLSEP, 1, "REGEX", "split input records into columns {1} {2} ... (PCRE2; also -C)" },
	{ "link", OPT_LINK, 0, NULL, "pair input sources instead of their cartesian product" },
	{ "max-args", OPT_MAX_ARGS, 1, "N", "put N arguments in one job" },
	{ "plus", OPT_PLUS, 0, NULL, "also GNU parallel's --plus replacement strings: {..} {+.} {%RE} {/RE/S} {:-TEXT} ..." },
	{ "max-replace-args", OPT_MAX_REPLACE_ARGS, 1, "N", "like -n, {1}..{N} are the N arguments; -N0: one job per argument, none given" },
	{ NULL, OPT_XARGS_M, 0, NULL, "put as many arguments in one job as fit in a command line" },
	{ "xargs", OPT_XARGS, 0, NULL, "like -m, but a short input is not shared among the job slots" },
	{ NULL, OPT_XARGS_X, 0, NULL, "like -m, and the word around {} is repeated for each argument" },
	{ "delimiter", OPT_DELIMITER, 1, "DELIM", "input records end with DELIM (\\n \\t \\0 \\NNN \\xHH escapes)" },
	{ NULL, OPT_EOF, 1, "EOF_STR", "a record equal to EOF_STR ends its input source" },
	{ "no-run-if-empty", OPT_NO_RUN_IF_EMPTY, 0, NULL, "skip input records of white space only" },
	{ "trim", OPT_TRIM, 1, "WHERE", "n|l|r|lr|rl: trim white space from values (default lr with --colsep, else n)" },
	{ NULL, OPT_REPLACE, 1, "STR", "use STR instead of {} in the command" },
	{ "arg-sep", OPT_ARG_SEP, 1, "SEP", "use SEP instead of ::: (and SEP+ instead of :::+)" },
	{ "arg-file-sep", OPT_ARG_FILE_SEP, 1, "SEP", "use SEP instead of :::: (and SEP+ instead of ::::+)" },
	{ "header", OPT_HEADER, 1, "REGEX", "the first record of each source names its columns: {name} (\":\": one line; N: N lines)" },
	{ "pipe", OPT_PIPE, 0, NULL, "cut stdin into blocks of about --block bytes at record ends; each block is one job's stdin (-N N: N records a block; --header N: N lines given to every block)" },
	{ "pipepart", OPT_PIPEPART, 0, NULL, "like --pipe, for the file of -a FILE, cut by offsets without reading it through pfan" },
	{ "block", OPT_BLOCK, 1, "SIZE", "with --pipe: bytes per block, about (default 1M; K M G: of 1024, k m g: of 1000)" },
	{ "recstart", OPT_RECSTART, 1, "STR", "with --pipe: a record starts with STR (\\n \\t \\0 escapes)" },
	{ "recend", OPT_RECEND, 1, "STR", "with --pipe: a record ends with STR (default \\n; \"\" when --recstart alone is given)" },
	{ "dry-run", OPT_DRY_RUN, 0, NULL, "print the commands, run nothing" },
	{ "retries", OPT_RETRIES, 1, "N", "run a failing job up to N times in all, on another host when there is one" },
	{ "halt", OPT_HALT, 1, "WHEN", "now|soon,fail=N|success=N|done=N (or N%), or 0 1 2 -1 -2: stop when it holds" },
	{ "timeout", OPT_TIMEOUT, 1, "SECS", "kill a job's process group after SECS (TERM, then KILL); units s m h d; N%: of the median runtime of the jobs that succeeded" },
	{ "delay", OPT_DELAY, 1, "SECS", "start jobs at least SECS apart (units s m h d)" },
	{ "nice", OPT_NICE, 1, "N", "run the jobs at niceness N (remote: under nice -n N)" },
	{ "shuf", OPT_SHUF, 0, NULL, "run the jobs in random order (reads all input first)" },
	{ "memfree", OPT_MEMFREE, 1, "SIZE", "start no job while less than SIZE memory is available; under half, kill the youngest job and run it again later" },
	{ "load", OPT_LOAD, 1, "MAX", "start no local job while the 1-minute load average is above MAX" },
	{ "keep-order", OPT_KEEP_ORDER, 0, NULL, "print output in input order" },
	{ "line-buffer", OPT_LINE_BUFFER, 0, NULL, "print whole lines as they come" },
	{ "tag", OPT_TAG, 0, NULL, "prefix each output line with the job's arguments and a tab" },
	{ "tagstring", OPT_TAGSTRING, 1, "STR", "prefix each output line with STR and a tab ({} {#} {%} ... replaced, unquoted)" },
	{ "group", OPT_GROUP, 0, NULL, "print each job's output whole when it ends (the default)" },
	{ "ungroup", OPT_UNGROUP, 0, NULL, "print output as it comes: lines of jobs may mix (no --tag, no -k)" },
	{ "files", OPT_FILES, 0, NULL, "save each job's stdout to a file in the temp directory; print its name" },
	{ "tmpdir", OPT_TMPDIR, 1, "DIR", "temp directory for spilled output and --files (default $TMPDIR, /tmp)" },
	{ "results", OPT_RESULTS, 1, "DIR", "also write each job's output to DIR/SEQ/stdout and DIR/SEQ/stderr; DIR ending .csv .tsv .json: one file, a record per job (GNU's format)" },
	{ "joblog", OPT_JOBLOG, 1, "FILE", "append a JSON line per finished attempt to FILE" },
	{ "resume", OPT_RESUME, 1, "FILE", "skip the jobs FILE records ok, run the rest; append to FILE" },
	{ "resume-failed", OPT_RESUME_FAILED, 1, "FILE", "the same as --resume (GNU parallel's name)" },
	{ "report", OPT_REPORT, 1, "FILE", "run nothing: summarise the last run in joblog FILE (jobs, hosts, makespan)" },
	{ "report-run", OPT_REPORT_RUN, 1, "N", "with --report: the N-th run in the joblog instead (1 is the first)" },
	{ "svg", OPT_SVG, 1, "FILE", "with --report: also draw the run's timeline to FILE as SVG" },
	{ "html", OPT_HTML, 1, "FILE", "with --report: the same timeline as an HTML page with zoom" },
	{ "hostfile", OPT_HOSTFILE, 1, "FILE", "run on the hosts in the YAML FILE (\"slurm\": the SLURM allocation)" },
	{ "sshlogin", OPT_SSHLOGIN, 1, "SPEC", "run on [N/][user@]host[:port][,...] (\":\" is this machine)" },
	{ "sshloginfile", OPT_SSHLOGINFILE, 1, "FILE", "run on the -S logins in FILE, one a line (# comments; \"..\": ~/.parallel/sshloginfile)" },
	{ "workdir", OPT_WORKDIR, 1, "DIR", "remote jobs run in DIR (relative: to the remote home; \"...\": a private directory per host, removed at the end); default: the directory pfan runs in" },
	{ "accept-new-hostkeys", OPT_ACCEPT_NEW, 0, NULL, "record the keys of hosts not yet in known_hosts" },
	{ "keepalive", OPT_KEEPALIVE, 1, "SECS", "SSH keepalive interval; a host is lost after 3 unanswered (default 5)" },
	{ "connect-timeout", OPT_CONNECT_TIMEOUT, 1, "SECS", "give up on a host not connected and logged in within SECS (default 10)" },
	{ "host-wait", OPT_HOST_WAIT, 1, "SECS", "with no host left, wait this long for one to come back (default 60)" },
	{ "verbose", OPT_VERBOSE, 0, NULL, "print each job's command before its output (GNU parallel's -v)" },
	{ "bar", OPT_BAR, 0, NULL, "a progress line on stderr: done/total, percent, running, failed, jobs/s, ETA (on a terminal redrawn in place, else every 30 s); then --summary" },
	{ "eta", OPT_ETA, 0, NULL, "GNU parallel's ETA line on stderr (\"ETA: 27s Left: 88 AVG: 0.50s\"); then --summary" },
	{ "progress", OPT_PROGRESS, 0, NULL, "a row per host on stderr: slots, running, done, failed, lost, mean runtime; then --summary" },
	{ "summary", OPT_SUMMARY, 0, NULL, "at the end, a summary on stderr: jobs ok/failed/timed out, lost and rerun, each host's share and use, makespan against the ideal" },
	{ "debug", OPT_DEBUG, 0, NULL, "pfan's debug messages: hosts, connections, every job's state changes" },
	{ "quiet", OPT_QUIET, 0, NULL, "no warnings" },
	{ "help", OPT_HELP, 0, NULL, "show this help" },
	{ "version", OPT_VERSION, 0, NULL, "show the version" },
	/* GNU parallel's other names for the options above. */
	{ "max-procs", OPT_JOBS, 1, "N", "the same as --jobs (also -P)" },
	{ "lb", OPT_LINE_BUFFER, 0, NULL, "the same as --line-buffer" },
	{ "linebuffer", OPT_LINE_BUFFER, 0, NULL, "the same as --line-buffer" },
	{ "dryrun", OPT_DRY_RUN, 0, NULL, "the same as --dry-run" },
	{ "wd", OPT_WORKDIR, 1, "DIR", "the same as --workdir" },
	{ "slf", OPT_SSHLOGINFILE, 1, "FILE", "the same as --sshloginfile" },
	{ "pipe-part", OPT_PIPEPART, 0, NULL, "the same as --pipepart" },
	{ "block-size", OPT_BLOCK, 1, "SIZE", "the same as --block" },
	{ "halt-on-error", OPT_HALT, 1, "WHEN", "the same as --halt" },
	{ "will-cite", OPT_NOOP, 0, NULL, "accepted and ignored (GNU parallel's citation notice)" },
	{ "no-notice", OPT_NOOP, 0, NULL, "accepted and ignored (GNU parallel's citation notice)" },
	{ "bibtex", OPT_NOOP, 0, NULL, "accepted and ignored (GNU parallel's citation notice)" },
	{ "output-as-files", OPT_FILES, 0, NULL, "the same as --files" },
	{ "outputasfiles", OPT_FILES, 0, NULL, "the same as --files" },
};
#define NOPTS (sizeof opt_table / sizeof opt_table[0])

/* A row whose id an earlier row has is another name for it: it has no
 * short letter of its own. */
static bool
is_alias(size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (opt_table[j].id == opt_table[i].id)
			return true;
	return false;
}

/* Is tok ("--name" or "--name=value") a whole name of the table? */
static bool
exact_long(const char *tok)
{
	size_t len = strcspn(tok + 2, "=");

	for (size_t i = 0; i < NOPTS; i++)
		if (opt_table[i].name != NULL && strlen(opt_table[i].name) == len &&
		    strncmp(opt_table[i].name, tok + 2, len) == 0)
			return true;
	return false;
}

/* Short options that are another letter for a table row (GNU parallel's
 * and xargs' letters). */
static const struct { char c; int id; } short_alias[] = {
	{ 'P', OPT_JOBS },       /* xargs -P */
	{ 'C', OPT_COLSEP },     /* GNU parallel -C */
};
#define NSHORT_ALIAS (sizeof short_alias / sizeof short_alias[0])

/* A million retries of one job is already more than anyone means. */
#define RETRIES_MAX 1000000u

void
options_usage(FILE *fp)
{
	fputs("Usage: pfan [OPTION]... COMMAND [ARG]... [::: VALUES...] [:::: FILES...]\n"
	    "Run COMMAND once per input record, in parallel, here or on hosts over SSH.\n"
	    "Records come from stdin, or from ::: lists and :::: files (their cartesian\n"
	    "product; :::+ and ::::+ pair a source with the one before). {} {.} {/} {//}\n"
	    "{/.} {#} {%} {host} {N} and {= s/RE/REPL/ =} in COMMAND are replaced,\n"
	    "shell-quoted; without them the values are appended. Without COMMAND each\n"
	    "value or line is a command.\n\n", fp);
	for (size_t i = 0; i < NOPTS; i++) {
		const struct opt_def *d = &opt_table[i];
		char left[64];
		if (d->name == NULL)
			snprintf(left, sizeof left, "-%c%s%s", d->id,
			    d->argname ? " " : "", d->argname ? d->argname : "");
		else if (d->id < 256 && !is_alias(i))
			snprintf(left, sizeof left, "-%c, --%s%s%s", d->id, d->name,
			    d->argname ? " " : "", d->argname ? d->argname : "");
		else
			snprintf(left, sizeof left, "    --%s%s%s", d->name,
			    d->argname ? " " : "", d->argname ? d->argname : "");
		fprintf(fp, "  %-30s %s\n", left, d->help);
	}
	optgnu_usage(fp);
	fputs("\n\nExit status: the number of failed jobs (at most 101); 255 for pfan's own\n"
	    "errors; 128+N when interrupted by signal N. See pfan(1).\n", fp);
}

/* Each option's value into struct pfan_opts: optvalue.c reads it. */
static int
parse_uint(const char *opt, const char *s, unsigned min, unsigned max, unsigned *out,
    char **cause)
{
	return optvalue_uint(opt, s, min, max, out, cause);
}

static int
parse_secs(const char *opt, const char *s, bool nonzero, double *out, char **cause)
{
	return optvalue_secs(opt, s, nonzero, out, cause);
}

static int
parse_duration(const char *opt, const char *s, double *out, char **cause)
{
	return optvalue_duration(opt, s, out, cause);
}

static int
parse_size(const char *opt, const char *s, unsigned long long *out, char **cause)
{
	return optvalue_size(opt, s, out, cause);
}

static int
parse_timeout(struct pfan_opts *o, const char *s, char **cause)
{
	return optvalue_timeout(s, &o->timeout, &o->timeout_pct, cause);
}

static int
parse_nice(struct pfan_opts *o, const char *s, char **cause)
{
	return optvalue_nice(s, &o->nice, cause);
}

static int
parse_load(struct pfan_opts *o, const char *s, char **cause)
{
	return optvalue_load(s, &o->load, cause);
}

static int
parse_trim(struct pfan_opts *o, const char *s, char **cause)
{
	return optvalue_trim(s, &o->input.trim, cause);
}

/* never leaves what an earlier --halt counted as it was. */
static int
parse_halt(struct pfan_opts *o, const char *s, char **cause)
{
	struct optvalue_halt h;

	if (optvalue_halt(s, &h, cause) != PFAN_OK)
		return PFAN_E_INPUT;
	o->halt_when = h.when;
	if (h.when != HALT_NEVER) {
		o->halt_what = h.what;
		o->halt_count = h.count;
		o->halt_pct = h.pct;
	}
	return PFAN_OK;
}

/* Only the field of the form given: -j N% leaves an earlier -j N's N. */
static int
parse_jobs(struct pfan_opts *o, const char *s, char **cause)
{
	struct optvalue_jobs j;

	o->jobs_given = true;
	if (optvalue_jobs(s, &j, cause) != PFAN_OK)
		return PFAN_E_INPUT;
	o->jobs_kind = j.kind;
	if (j.kind == JOBS_PCT)
		o->jobs_pct = j.pct;
	else
		o->jobs = j.n;
	return PFAN_OK;
}

static int
parse_delim(struct pfan_opts *o, const char *s, char **cause)
{
	char *d;
	size_t n;

	if (optvalue_delim(s, &d, &n, cause) != PFAN_OK)
		return PFAN_E_INPUT;
	free(o->delim_buf);
	o->delim_buf = d;
	o->input.delim = d;
	o->input.delim_len = n;
	return PFAN_OK;
}

/* --recstart, --recend: escapes as -d's; "" is allowed (any byte). */
static int
parse_rec(const char *s, char **buf, size_t *len, char **cause)
{
	char *d = NULL;
	size_t n = 0;

	if (*s != '\0' && optvalue_delim(s, &d, &n, cause) != PFAN_OK)
		return PFAN_E_INPUT;
	free(*buf);
	*buf = d != NULL ? d : xstrdup("");
	*len = n;
	return PFAN_OK;
}

static int
parse_max_replace(struct pfan_opts *o, const char *s, char **cause)
{
	unsigned n;

	if (parse_uint("max-replace-args", s, 0, UINT_MAX, &n, cause) != PFAN_OK)
		return PFAN_E_INPUT;
	o->input.no_args = n == 0;
	o->input.max_args = n > 0 ? n : 1;
	o->max_args_given = true;
	return PFAN_OK;
}

unsigned
options_jobs_slots(const struct pfan_opts *o, unsigned cores)
{
	struct rlimit rl;
	double n;

	switch (o->jobs_kind) {
	case JOBS_PLUS: n = (double)cores + o->jobs; break;
	case JOBS_MINUS: n = (double)cores - o->jobs; break;
	case JOBS_PCT: n = ceil(cores * o->jobs_pct); break;
	case JOBS_ABS:
	default:
		if (o->jobs > 0) {
			n = o->jobs;
			break;
		}
		/* 0: as many as possible. Each running job holds two pipes'
		 * read ends; keep 64 descriptors for pfan's own files. */
		n = JOBS_MAX_CAP;
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
		    (rl.rlim_cur - 64) / 2 < (rlim_t)n)
			n = rl.rlim_cur > 66 ? (double)((rl.rlim_cur - 64) / 2) : 1;
		break;
	}
	return n < 1 ? 1 : n > UINT_MAX ? UINT_MAX : (unsigned)n;
}

static void
push_str(char ***v, size_t *n, char *s)
{
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	(*v)[(*n)++] = s;
}

static void
add_source(struct pfan_opts *o, enum input_kind kind, const char *path)
{
	optpos_add_source(&o->input, kind, path);
}

static int
apply(struct pfan_opts *o, int id, char *arg, char **cause)
{
	switch (id) {
	case OPT_JOBS: return parse_jobs(o, arg, cause);
	case OPT_ARG_FILE: add_source(o, INPUT_FILE, arg); break;
	case OPT_NULL: o->input.null_sep = true; break;
	case OPT_COLSEP: o->input.colsep = arg; break;
	case OPT_LINK: o->input.link = true; break;
	case OPT_MAX_ARGS: return parse_uint("max-args", arg, 1, UINT_MAX, &o->input.max_args, cause);
	case OPT_DRY_RUN: o->dry_run = true; break;
	case OPT_PIPE: o->pipe = true; break;
	case OPT_PIPEPART: o->pipe = o->pipepart = true; break;
	case OPT_BLOCK: return parse_size("block", arg, &o->block, cause);
	case OPT_RECSTART: return parse_rec(arg, &o->recstart, &o->recstart_len, cause);
	case OPT_RECEND: return parse_rec(arg, &o->recend, &o->recend_len, cause);
	case OPT_BAR: o->bar = true; break;
	case OPT_ETA: o->eta = true; break;
	case OPT_PROGRESS: o->progress = true; break;
	case OPT_SUMMARY: o->summary = true; break;
	case OPT_PLUS: o->plus = true; break;
	case OPT_RETRIES: return parse_uint("retries", arg, 0, RETRIES_MAX, &o->retries, cause);
	case OPT_HALT: return parse_halt(o, arg, cause);
	case OPT_TIMEOUT: return parse_timeout(o, arg, cause);
	case OPT_DELAY: return parse_duration("delay", arg, &o->delay, cause);
	case OPT_NICE: return parse_nice(o, arg, cause);
	case OPT_SHUF: o->shuf = true; break;
	case OPT_MEMFREE: return parse_size("memfree", arg, &o->memfree, cause);
	case OPT_LOAD: return parse_load(o, arg, cause);
	case OPT_SSHLOGINFILE: push_str(&o->sshloginfiles, &o->nsshloginfiles, arg); break;
	case OPT_KEEP_ORDER: o->keep_order = true; break;
	case OPT_LINE_BUFFER: o->line_buffer = true; break;
	case OPT_TAG: o->tag = true; break;
	case OPT_RESULTS: o->results = arg; break;
	case OPT_JOBLOG: o->joblog = arg; break;
	case OPT_RESUME:
	case OPT_RESUME_FAILED:
		if (arg == NULL)
			o->resume_flag = true;   /* GNU's form: the --joblog FILE */
		else
			o->resume = arg;
		break;
	case OPT_REPORT: o->report = arg; break;
	case OPT_REPORT_RUN: return parse_uint("report-run", arg, 1, UINT_MAX, &o->report_run, cause);
	case OPT_SVG: o->report_svg = arg; break;
	case OPT_HTML: o->report_html = arg; break;
	case OPT_HOSTFILE: push_str(&o->hostfiles, &o->nhostfiles, arg); break;
	case OPT_SSHLOGIN: push_str(&o->sshlogins, &o->nsshlogins, arg); break;
	case OPT_ACCEPT_NEW: o->accept_new_hostkeys = true; break;
	case OPT_KEEPALIVE: return parse_secs("keepalive", arg, true, &o->keepalive, cause);
	case OPT_HOST_WAIT: return parse_secs("host-wait", arg, false, &o->host_wait, cause);
	case OPT_CONNECT_TIMEOUT:
		return parse_secs("connect-timeout", arg, true, &o->connect_timeout, cause);
	case OPT_MAX_REPLACE_ARGS: return parse_max_replace(o, arg, cause);
	case OPT_XARGS: o->xargs = XARGS_XARGS; break;
	case OPT_XARGS_M: o->xargs = XARGS_M; break;
	case OPT_XARGS_X: o->xargs = XARGS_X; break;
	case OPT_DELIMITER: return parse_delim(o, arg, cause);
	case OPT_EOF: o->input.eof_str = arg; break;
	case OPT_NO_RUN_IF_EMPTY: o->input.skip_blank = true; break;
	case OPT_TRIM: return parse_trim(o, arg, cause);
	case OPT_REPLACE:
		if (*arg == '\0') {
			*cause = xstrdup("-I: the replacement string must not be empty");
			return PFAN_E_INPUT;
		}
		o->replace_str = arg;
		break;
	case OPT_ARG_SEP: o->arg_sep = arg; break;
	case OPT_ARG_FILE_SEP: o->arg_file_sep = arg; break;
	case OPT_HEADER: o->input.header = arg; break;
	case OPT_VERBOSE: o->print_cmd = true; break;
	case OPT_DEBUG: o->verbose = 2; break;
	case OPT_TAGSTRING: o->tagstring = arg; break;
	case OPT_UNGROUP: o->ungroup = true; break;
	case OPT_GROUP: o->ungroup = false; break;
	case OPT_FILES: o->files = true; break;
	case OPT_TMPDIR: o->tmpdir = arg; break;
	case OPT_WORKDIR:
		if (*arg == '\0') {
			*cause = xstrdup("--workdir: the directory is empty");
			return PFAN_E_INPUT;
		}
		o->workdir = arg;
		break;
	case OPT_QUIET: o->verbose = 0; break;
	case OPT_HELP: o->help = true; break;
	case OPT_VERSION: o->version = true; break;
	case OPT_NOOP: break;
	}
	return PFAN_OK;
}

/* getopt_long's two tables, from opt_table. */
struct getopt_tables {
	struct option longopts[NOPTS + 1];
	char shortopts[3 * NOPTS + 2 * NSHORT_ALIAS + 3];
};

/* gnu_resume: --resume and --resume-failed are flags, GNU parallel's
 * form (--joblog FILE --resume), not pfan's --resume FILE. */
static void
getopt_tables(struct getopt_tables *t, bool gnu_resume)
{
	size_t ns = 0;

	t->shortopts[ns++] = '+';   /* stop at the template: its options are its own */
	t->shortopts[ns++] = ':';
	size_t nl = 0;

	for (size_t i = 0; i < NOPTS; i++) {
		/* A row without a name is a short option only (-m, -X, -E, -I:
		 * GNU has no long name for them). */
		if (opt_table[i].name != NULL) {
			t->longopts[nl].name = opt_table[i].name;
			t->longopts[nl].has_arg = opt_table[i].has_arg ?
			    required_argument : no_argument;
			t->longopts[nl].flag = NULL;
			if (gnu_resume && (opt_table[i].id == OPT_RESUME ||
			    opt_table[i].id == OPT_RESUME_FAILED))
				t->longopts[nl].has_arg = no_argument;
			t->longopts[nl++].val = opt_table[i].id;
		}
		if (opt_table[i].id < 256 && !is_alias(i)) {
			t->shortopts[ns++] = (char)opt_table[i].id;
			if (opt_table[i].has_arg)
				t->shortopts[ns++] = ':';
		}
	}
	memset(&t->longopts[nl], 0, sizeof t->longopts[nl]);
	for (size_t i = 0; i < NSHORT_ALIAS; i++) {
		t->shortopts[ns++] = short_alias[i].c;
		t->shortopts[ns++] = ':';
	}
	t->shortopts[ns] = '\0';
}

/* The table id of what getopt_long returned (a short alias is its row's). */
static int
canonical_id(int c)
{
	for (size_t i = 0; i < NSHORT_ALIAS; i++)
		if (c == short_alias[i].c)
			return short_alias[i].id;
	return c;
}

static int
parse_pass(struct pfan_opts *o, int argc, char **argv, bool gnu_resume, char **cause)
{
	struct getopt_tables t;
	int rc, c;

	memset(o, 0, sizeof *o);
	o->argc = argc;
	o->argv = argv;
	o->kill_grace = 1.0;
	o->keepalive = 5;
	o->host_wait = 60;
	o->connect_timeout = 10;
	o->verbose = 1;
	o->input.stdin_fd = 0;
	getopt_tables(&t, gnu_resume);

	optind = 1;
	opterr = 0;
	for (;;) {
		int before = optind, li = -1;
		if ((c = getopt_long(argc, argv, t.shortopts, t.longopts, &li)) == -1)
			break;
		/* getopt_long takes any unambiguous prefix: --ssh would be
		 * --sshlogin. Only whole names count, so that no GNU parallel
		 * option is swallowed by one of pfan's. */
		if (li >= 0 && c != '?' && strncmp(argv[before], "--", 2) == 0 &&
		    strcspn(argv[before] + 2, "=") != strlen(t.longopts[li].name)) {
			*cause = optgnu_not_an_option(argv[before], 0);
			return PFAN_E_INPUT;
		}
		if (c == '?') {
			if (optopt != 0 && optopt < 256)
				*cause = optgnu_not_an_option(NULL, optopt);
			else
				*cause = optgnu_not_an_option(argv[optind - 1], 0);
			return PFAN_E_INPUT;
		}
		if (c == ':' && strncmp(argv[before], "--", 2) == 0 && !exact_long(argv[before])) {
			*cause = optgnu_not_an_option(argv[before], 0);
			return PFAN_E_INPUT;
		}
		if (c == ':') {
			*cause = xasprintf("option %s needs a value", argv[optind - 1]);
			return PFAN_E_INPUT;
		}
		if ((rc = apply(o, canonical_id(c), optarg, cause)) != PFAN_OK)
			return rc;
	}
	if (o->resume_flag)
		o->resume = o->joblog;
	return optpos_split(argc, argv, optind, o->arg_sep, o->arg_file_sep,
	    &o->template, &o->ntemplate, &o->input, cause);
}

/* GNU parallel's `--joblog FILE --resume` and pfan's `--resume FILE` are
 * both read: when the first pass saw --joblog and --resume, the second
 * reads --resume as GNU's flag (so `--joblog J --resume cmd` runs cmd, and
 * never creates a joblog named after the next word). */
int
options_parse(struct pfan_opts *o, int argc, char **argv, char **cause)
{
	char *cause2 = NULL;
	int rc1, rc2;
	bool dashed;

	/* pfan's form first. It fails on `--resume --joblog J` only when the
	 * joblog would be named after an option: that is GNU's form too. */
	rc1 = parse_pass(o, argc, argv, false, cause);
	if (o->resume == NULL || (o->joblog == NULL && o->resume[0] != '-'))
		return rc1;
	dashed = o->resume[0] == '-';   /* a joblog named like an option */
	options_free(o);
	rc2 = parse_pass(o, argc, argv, true, &cause2);
	if (rc2 == PFAN_OK && !(o->resume_flag && o->joblog == NULL)) {
		if (rc1 != PFAN_OK) {
			free(*cause);
			*cause = NULL;
		}
		return PFAN_OK;
	}
	free(cause2);
	if (rc1 != PFAN_OK || dashed) {
		if (rc1 != PFAN_OK)
			free(*cause);
		*cause = xstrdup("--resume without a FILE needs --joblog FILE "
		    "(GNU parallel's form), or give it one: --resume FILE");
		return PFAN_E_INPUT;
	}
	/* --resume FILE ... --joblog OTHER: pfan's form, as the first pass
	 * read it (and judged by the rest of pfan). */
	options_free(o);
	return parse_pass(o, argc, argv, false, cause);
}


/* The option's first name in the table (NULL for -m -X -E -I). */
static const char *
opt_name(int id)
{
	for (size_t i = 0; i < NOPTS; i++)
		if (opt_table[i].id == id)
			return opt_table[i].name;
	return "?";
}

int
options_walk(int argc, char **argv, options_group_fn each, void *data, int *end,
    char **cause)
{
	struct getopt_tables t;
	int start = 1, c;
	int ids[NOPTS * 2], nids = 0;

	getopt_tables(&t, false);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, t.shortopts, t.longopts, NULL)) != -1) {
		if (c == '?' || c == ':') {
			*cause = xasprintf("%s: not an option pfan knows", argv[optind - 1]);
			return PFAN_E_INPUT;
		}
		if (nids < (int)(sizeof ids / sizeof ids[0]))
			ids[nids++] = canonical_id(c);
		if (optind == start)
			continue;   /* more of a bundle to come */
		for (int i = 0; i < nids; i++) {
			struct options_group g = { opt_name(ids[i]), ids[i] < 256 ? ids[i] : 0,
			    start, optind };
			if (each(data, &g, cause) != PFAN_OK)
				return PFAN_E_INPUT;
		}
		nids = 0;
		start = optind;
	}
	*end = start < optind && strcmp(argv[start], "--") == 0 ? start : optind;
	return PFAN_OK;
}

void
options_free(struct pfan_opts *o)
{
	free(o->input.sources);
	free(o->delim_buf);
	free(o->recstart);
	free(o->recend);
	free(o->hostfiles);
	free(o->sshlogins);
	free(o->sshloginfiles);
	memset(o, 0, sizeof *o);
}

/* The table for the build's completion generator (completions/gen.awk):
 * a line per option name, "SHORT\tLONG\tARG\tHELP", a field empty when
 * there is none. The short aliases (-P, -C) are lines of their own; the
 * GNU-only options are not options, so they are not here. */
void
options_dump(FILE *fp)
{
	for (size_t i = 0; i < NOPTS; i++) {
		const struct opt_def *d = &opt_table[i];
		char letter[2] = { d->id < 256 && !is_alias(i) ? (char)d->id : '\0', '\0' };
		fprintf(fp, "%s\t%s\t%s\t%s\n", letter, d->name ? d->name : "",
		    d->argname ? d->argname : "", d->help);
	}
	for (size_t i = 0; i < NSHORT_ALIAS; i++)
		for (size_t j = 0; j < NOPTS; j++)
			if (opt_table[j].id == short_alias[i].id) {
				fprintf(fp, "%c\t\t%s\tthe same as --%s\n", short_alias[i].c,
				    opt_table[j].argname ? opt_table[j].argname : "", opt_table[j].name);
				break;
			}
}
