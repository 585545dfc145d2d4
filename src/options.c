/* options.c: the command line. One table drives getopt_long and --help
 * (and through --help, the bash completion and the man page test). */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "options.h"
#include "xalloc.h"

enum opt_id {
	OPT_ARG_FILE = 'a', OPT_HOSTFILE = 'H', OPT_HELP = 'h', OPT_JOBS = 'j',
	OPT_KEEP_ORDER = 'k', OPT_MAX_ARGS = 'n', OPT_SSHLOGIN = 'S',
	OPT_VERBOSE = 'v', OPT_VERSION = 'V', OPT_NULL = '0',
	OPT_COLSEP = 256, OPT_LINK, OPT_DRY_RUN, OPT_RETRIES, OPT_HALT,
	OPT_TIMEOUT, OPT_LINE_BUFFER, OPT_TAG, OPT_RESULTS, OPT_JOBLOG,
	OPT_RESUME, OPT_RESUME_FAILED, OPT_ACCEPT_NEW, OPT_KEEPALIVE,
	OPT_HOST_WAIT, OPT_CONNECT_TIMEOUT, OPT_QUIET,
};

struct opt_def {
	const char *name;
	int id;
	int has_arg;
	const char *argname;
	const char *help;
};

static const struct opt_def opt_table[] = {
	{ "jobs", OPT_JOBS, 1, "N", "run N jobs at once (default: one per core); with hosts, slots per host whose slots are auto" },
	{ "arg-file", OPT_ARG_FILE, 1, "FILE", "read arguments from FILE (- for stdin); repeatable" },
	{ "null", OPT_NULL, 0, NULL, "input records end with NUL, not newline" },
	{ "colsep", OPT_COLSEP, 1, "REGEX", "split input records into columns {1} {2} ... (PCRE2)" },
	{ "link", OPT_LINK, 0, NULL, "pair input sources instead of their cartesian product" },
	{ "max-args", OPT_MAX_ARGS, 1, "N", "put N arguments in one job" },
	{ "dry-run", OPT_DRY_RUN, 0, NULL, "print the commands, run nothing" },
	{ "retries", OPT_RETRIES, 1, "N", "retry a failed job up to N times, on another host when there is one" },
	{ "halt", OPT_HALT, 1, "WHEN", "now|soon,fail=N|success=N: stop after N failures (or successes)" },
	{ "timeout", OPT_TIMEOUT, 1, "SECS", "kill a job's process group after SECS (TERM, then KILL)" },
	{ "keep-order", OPT_KEEP_ORDER, 0, NULL, "print output in input order" },
	{ "line-buffer", OPT_LINE_BUFFER, 0, NULL, "print whole lines as they come" },
	{ "tag", OPT_TAG, 0, NULL, "prefix each output line with the job's arguments and a tab" },
	{ "results", OPT_RESULTS, 1, "DIR", "also write each job's output to DIR/SEQ/stdout and DIR/SEQ/stderr" },
	{ "joblog", OPT_JOBLOG, 1, "FILE", "append a JSON line per finished attempt to FILE" },
	{ "resume", OPT_RESUME, 1, "FILE", "skip the jobs FILE records ok, run the rest; append to FILE" },
	{ "resume-failed", OPT_RESUME_FAILED, 1, "FILE", "the same as --resume (GNU parallel's name)" },
	{ "hostfile", OPT_HOSTFILE, 1, "FILE", "run on the hosts in the YAML FILE (\"slurm\": the SLURM allocation)" },
	{ "sshlogin", OPT_SSHLOGIN, 1, "SPEC", "run on [N/][user@]host[:port][,...] (\":\" is this machine)" },
	{ "accept-new-hostkeys", OPT_ACCEPT_NEW, 0, NULL, "record the keys of hosts not yet in known_hosts" },
	{ "keepalive", OPT_KEEPALIVE, 1, "SECS", "SSH keepalive interval; a host is lost after 3 unanswered (default 5)" },
	{ "connect-timeout", OPT_CONNECT_TIMEOUT, 1, "SECS", "give up on a host not connected and logged in within SECS (default 10)" },
	{ "host-wait", OPT_HOST_WAIT, 1, "SECS", "with no host left, wait this long for one to come back (default 60)" },
	{ "verbose", OPT_VERBOSE, 0, NULL, "say more (twice: debug)" },
	{ "quiet", OPT_QUIET, 0, NULL, "no warnings" },
	{ "help", OPT_HELP, 0, NULL, "show this help" },
	{ "version", OPT_VERSION, 0, NULL, "show the version" },
};
#define NOPTS (sizeof opt_table / sizeof opt_table[0])

/* A million retries of one job is already more than anyone means. */
#define RETRIES_MAX 1000000u

void
options_usage(FILE *fp)
{
	fputs("Usage: pfan [OPTION]... COMMAND [ARG]... [::: VALUES...] [:::: FILES...]\n"
	    "Run COMMAND once per input record, in parallel, here or on hosts over SSH.\n"
	    "Records come from stdin, or from ::: lists and :::: files (their cartesian\n"
	    "product). {} {.} {/} {//} {/.} {#} {%} {host} {N} and {= s/RE/REPL/ =} in\n"
	    "COMMAND are replaced, shell-quoted; without them the values are appended.\n\n", fp);
	for (size_t i = 0; i < NOPTS; i++) {
		const struct opt_def *d = &opt_table[i];
		char left[64];
		if (d->id < 256)
			snprintf(left, sizeof left, "-%c, --%s%s%s", d->id, d->name,
			    d->argname ? " " : "", d->argname ? d->argname : "");
		else
			snprintf(left, sizeof left, "    --%s%s%s", d->name,
			    d->argname ? " " : "", d->argname ? d->argname : "");
		fprintf(fp, "  %-30s %s\n", left, d->help);
	}
	fputs("\nExit status: the number of failed jobs (at most 101); 255 for pfan's own\n"
	    "errors; 128+N when interrupted by signal N. See pfan(1).\n", fp);
}

/* The one way numbers are read: decimal digits only. strtoul and strtod
 * alone also take leading blanks, a sign, "0x10", "inf" and "nan", and
 * strtoul turns "-1" into ULONG_MAX. */
static bool
decimal(const char *s, bool fraction)
{
	size_t digits = strspn(s, "0123456789");

	if (fraction && s[digits] == '.') {
		size_t more = strspn(s + digits + 1, "0123456789");
		return digits + more > 0 && s[digits + 1 + more] == '\0';
	}
	return digits > 0 && s[digits] == '\0';
}

static int
parse_uint(const char *opt, const char *s, unsigned min, unsigned max, unsigned *out,
    char **cause)
{
	unsigned long v;

	if (!decimal(s, false)) {
		*cause = xasprintf("--%s: '%s' is not a whole number", opt, s);
		return PFAN_E_INPUT;
	}
	errno = 0;
	v = strtoul(s, NULL, 10);
	if (errno != ERANGE && v < min) {
		*cause = xasprintf("--%s: must be at least %u", opt, min);
		return PFAN_E_INPUT;
	}
	if (errno == ERANGE || v > max) {
		*cause = xasprintf("--%s: '%s' is out of range (%u to %u)", opt, s, min, max);
		return PFAN_E_INPUT;
	}
	*out = (unsigned)v;
	return PFAN_OK;
}

/* nonzero: 0 is refused, where it could mean nothing useful. */
static int
parse_secs(const char *opt, const char *s, bool nonzero, double *out, char **cause)
{
	double v;

	if (!decimal(s, true)) {
		*cause = xasprintf("--%s: '%s' is not a number of seconds (like 5 or 0.5)", opt, s);
		return PFAN_E_INPUT;
	}
	errno = 0;
	v = strtod(s, NULL);
	if (errno == ERANGE || !isfinite(v)) {
		*cause = xasprintf("--%s: '%s' is out of range", opt, s);
		return PFAN_E_INPUT;
	}
	if (nonzero && v <= 0) {
		*cause = xasprintf("--%s: must be more than 0 seconds", opt);
		return PFAN_E_INPUT;
	}
	*out = v;
	return PFAN_OK;
}

static int
parse_halt(struct pfan_opts *o, const char *s, char **cause)
{
	const char *comma = strchr(s, ',');
	size_t wl = comma ? (size_t)(comma - s) : strlen(s);
	const char *cond = comma ? comma + 1 : NULL;

	if (wl == 3 && strncmp(s, "now", 3) == 0)
		o->halt_when = HALT_NOW;
	else if (wl == 4 && strncmp(s, "soon", 4) == 0)
		o->halt_when = HALT_SOON;
	else if (wl == 5 && strncmp(s, "never", 5) == 0) {
		o->halt_when = HALT_NEVER;
		return PFAN_OK;
	} else
		goto bad;
	if (cond == NULL)
		goto bad;
	if (strncmp(cond, "fail=", 5) == 0)
		o->halt_on_success = false;
	else if (strncmp(cond, "success=", 8) == 0)
		o->halt_on_success = true;
	else
		goto bad;
	return parse_uint("halt", strchr(cond, '=') + 1, 1, UINT_MAX, &o->halt_count, cause);
bad:
	*cause = xasprintf("--halt: '%s': expected now|soon,fail=N|success=N (or never)", s);
	return PFAN_E_INPUT;
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
	struct input_config *in = &o->input;

	in->sources = xreallocarray(in->sources, in->nsources + 1, sizeof *in->sources);
	memset(&in->sources[in->nsources], 0, sizeof *in->sources);
	in->sources[in->nsources].kind = kind;
	in->sources[in->nsources].path = path;
	in->nsources++;
}

static int
apply(struct pfan_opts *o, int id, char *arg, char **cause)
{
	switch (id) {
	case OPT_JOBS:
		o->jobs_given = true;
		return parse_uint("jobs", arg, 1, UINT_MAX, &o->jobs, cause);
	case OPT_ARG_FILE: add_source(o, INPUT_FILE, arg); break;
	case OPT_NULL: o->input.null_sep = true; break;
	case OPT_COLSEP: o->input.colsep = arg; break;
	case OPT_LINK: o->input.link = true; break;
	case OPT_MAX_ARGS: return parse_uint("max-args", arg, 1, UINT_MAX, &o->input.max_args, cause);
	case OPT_DRY_RUN: o->dry_run = true; break;
	case OPT_RETRIES: return parse_uint("retries", arg, 0, RETRIES_MAX, &o->retries, cause);
	case OPT_HALT: return parse_halt(o, arg, cause);
	case OPT_TIMEOUT: return parse_secs("timeout", arg, false, &o->timeout, cause);
	case OPT_KEEP_ORDER: o->keep_order = true; break;
	case OPT_LINE_BUFFER: o->line_buffer = true; break;
	case OPT_TAG: o->tag = true; break;
	case OPT_RESULTS: o->results = arg; break;
	case OPT_JOBLOG: o->joblog = arg; break;
	case OPT_RESUME:
	case OPT_RESUME_FAILED: o->resume = arg; break;
	case OPT_HOSTFILE: push_str(&o->hostfiles, &o->nhostfiles, arg); break;
	case OPT_SSHLOGIN: push_str(&o->sshlogins, &o->nsshlogins, arg); break;
	case OPT_ACCEPT_NEW: o->accept_new_hostkeys = true; break;
	case OPT_KEEPALIVE: return parse_secs("keepalive", arg, true, &o->keepalive, cause);
	case OPT_HOST_WAIT: return parse_secs("host-wait", arg, false, &o->host_wait, cause);
	case OPT_CONNECT_TIMEOUT:
		return parse_secs("connect-timeout", arg, true, &o->connect_timeout, cause);
	case OPT_VERBOSE: o->verbose++; break;
	case OPT_QUIET: o->verbose = 0; break;
	case OPT_HELP: o->help = true; break;
	case OPT_VERSION: o->version = true; break;
	}
	return PFAN_OK;
}

static bool
blank_words(char **words, int n)
{
	for (int i = 0; i < n; i++)
		if (words[i][strspn(words[i], " \t\n")] != '\0')
			return false;
	return true;
}

/* Splits what follows the options: the template words, then `:::` lists
 * and `::::` files in order. */
static int
parse_positional(struct pfan_opts *o, int argc, char **argv, int i, char **cause)
{
	o->template = &argv[i];
	while (i < argc && strcmp(argv[i], ":::") != 0 && strcmp(argv[i], "::::") != 0)
		i++;
	o->ntemplate = (int)(&argv[i] - o->template);
	if (o->ntemplate > 0 && blank_words(o->template, o->ntemplate)) {
		/* GNU parallel runs the values themselves then: 'pfan "" ::: rm'
		 * would run rm. A command must be said. */
		*cause = xstrdup("the command is empty");
		return PFAN_E_INPUT;
	}
	while (i < argc) {
		bool files = strcmp(argv[i], "::::") == 0;
		const char *sep = argv[i++];
		int start = i;
		while (i < argc && strcmp(argv[i], ":::") != 0 && strcmp(argv[i], "::::") != 0)
			i++;
		if (i == start) {
			*cause = xasprintf("no values after %s", sep);
			return PFAN_E_INPUT;
		}
		if (files) {
			for (int k = start; k < i; k++)
				add_source(o, INPUT_FILE, argv[k]);
		} else {
			add_source(o, INPUT_LIST, NULL);
			struct input_source *src = &o->input.sources[o->input.nsources - 1];
			src->items = &argv[start];
			src->nitems = (size_t)(i - start);
		}
	}
	return PFAN_OK;
}

int
options_parse(struct pfan_opts *o, int argc, char **argv, char **cause)
{
	struct option longopts[NOPTS + 1];
	char shortopts[3 * NOPTS + 2];
	size_t ns = 0;
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

	shortopts[ns++] = '+';   /* stop at the template: its options are its own */
	shortopts[ns++] = ':';
	for (size_t i = 0; i < NOPTS; i++) {
		longopts[i].name = opt_table[i].name;
		longopts[i].has_arg = opt_table[i].has_arg ? required_argument : no_argument;
		longopts[i].flag = NULL;
		longopts[i].val = opt_table[i].id;
		if (opt_table[i].id < 256) {
			shortopts[ns++] = (char)opt_table[i].id;
			if (opt_table[i].has_arg)
				shortopts[ns++] = ':';
		}
	}
	memset(&longopts[NOPTS], 0, sizeof longopts[NOPTS]);
	shortopts[ns] = '\0';

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (c == '?') {
			if (optopt != 0 && optopt < 256)
				*cause = xasprintf("unknown option -%c (see pfan --help)", optopt);
			else
				*cause = xasprintf("unknown option %s (see pfan --help)", argv[optind - 1]);
			return PFAN_E_INPUT;
		}
		if (c == ':') {
			*cause = xasprintf("option %s needs a value", argv[optind - 1]);
			return PFAN_E_INPUT;
		}
		if ((rc = apply(o, c, optarg, cause)) != PFAN_OK)
			return rc;
	}
	return parse_positional(o, argc, argv, optind, cause);
}

void
options_free(struct pfan_opts *o)
{
	free(o->input.sources);
	free(o->hostfiles);
	free(o->sshlogins);
	memset(o, 0, sizeof *o);
}
