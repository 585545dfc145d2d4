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
#include "opttable.h"
#include "optpos.h"
#include "xalloc.h"

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

	for (size_t i = 0; i < opt_table_n; i++)
		if (opt_table[i].name != NULL && strlen(opt_table[i].name) == len &&
		    strncmp(opt_table[i].name, tok + 2, len) == 0)
			return true;
	return false;
}


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
	for (size_t i = 0; i < opt_table_n; i++) {
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
	return optvalue_load(s, &o->load_kind, &o->load, cause);
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

double
options_load_max(const struct pfan_opts *o, unsigned cores)
{
	double n;

	switch (o->load_kind) {
	case JOBS_PLUS: n = cores + o->load; break;
	case JOBS_MINUS: n = cores - o->load; break;
	case JOBS_PCT: n = cores * o->load; break;
	case JOBS_ABS:
	default: n = o->load; break;
	}
	return n < 0.01 ? 0.01 : n;   /* GNU's floor */
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
	case OPT_ONALL: o->onall = true; break;
	case OPT_NONALL: o->nonall = true; break;
	case OPT_FOLD: o->fold = true; break;
	case OPT_CHECK: o->check = true; break;
	case OPT_PLUS: o->plus = true; break;
	case OPT_QUOTE: o->quote = true; break;
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
	case OPT_JSON_JOBS: o->json_jobs = arg; break;
	case OPT_JSON_RESULTS: o->json_results = arg; break;
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
	case OPT_HOSTS: push_str(&o->host_tags, &o->nhost_tags, arg); break;
	case OPT_SSHLOGIN: push_str(&o->sshlogins, &o->nsshlogins, arg); break;
	case OPT_ACCEPT_NEW: o->accept_new_hostkeys = true; break;
	case OPT_NO_REMOTE_AGENT: o->no_remote_agent = true; break;
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
	case OPT_TRANSFERFILE: push_str(&o->transferfiles, &o->ntransferfiles, arg); break;
	case OPT_RETURN: push_str(&o->returns, &o->nreturns, arg); break;
	case OPT_CLEANUP: o->cleanup = true; break;
	case OPT_TRC:
		push_str(&o->transferfiles, &o->ntransferfiles, "{}");
		push_str(&o->returns, &o->nreturns, arg);
		o->cleanup = true;
		break;
	case OPT_BASEFILE: push_str(&o->basefiles, &o->nbasefiles, arg); break;
	case OPT_ENV: push_str(&o->envs, &o->nenvs, arg); break;
	case OPT_QUIET: o->verbose = 0; break;
	case OPT_HELP: o->help = true; break;
	case OPT_VERSION: o->version = true; break;
	case OPT_NOOP: break;
	}
	return PFAN_OK;
}

/* getopt_long's two tables, from opt_table. */
struct getopt_tables {
	struct option longopts[OPT_TABLE_MAX + 1];
	char shortopts[3 * OPT_TABLE_MAX + 2 * SHORT_ALIAS_MAX + 3];
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

	for (size_t i = 0; i < opt_table_n; i++) {
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
	for (size_t i = 0; i < short_alias_n; i++) {
		t->shortopts[ns++] = short_alias[i].c;
		t->shortopts[ns++] = ':';
	}
	t->shortopts[ns] = '\0';
}

/* The table id of what getopt_long returned (a short alias is its row's). */
static int
canonical_id(int c)
{
	for (size_t i = 0; i < short_alias_n; i++)
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
	for (size_t i = 0; i < opt_table_n; i++)
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
	int ids[opt_table_n * 2], nids = 0;

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
	free(o->host_tags);
	free(o->sshlogins);
	free(o->sshloginfiles);
	free(o->transferfiles);
	free(o->returns);
	free(o->basefiles);
	free(o->envs);
	memset(o, 0, sizeof *o);
}

/* The table for the build's completion generator (completions/gen.awk):
 * a line per option name, "SHORT\tLONG\tARG\tHELP", a field empty when
 * there is none. The short aliases (-P, -C) are lines of their own; the
 * GNU-only options are not options, so they are not here. */
void
options_dump(FILE *fp)
{
	for (size_t i = 0; i < opt_table_n; i++) {
		const struct opt_def *d = &opt_table[i];
		char letter[2] = { d->id < 256 && !is_alias(i) ? (char)d->id : '\0', '\0' };
		fprintf(fp, "%s\t%s\t%s\t%s\n", letter, d->name ? d->name : "",
		    d->argname ? d->argname : "", d->help);
	}
	for (size_t i = 0; i < short_alias_n; i++)
		for (size_t j = 0; j < opt_table_n; j++)
			if (opt_table[j].id == short_alias[i].id) {
				fprintf(fp, "%c\t\t%s\tthe same as --%s\n", short_alias[i].c,
				    opt_table[j].argname ? opt_table[j].argname : "", opt_table[j].name);
				break;
			}
}
