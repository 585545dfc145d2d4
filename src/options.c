/* options.c: the command line. One table drives getopt_long and --help
 * (and through --help, the bash completion and the man page test). */
#include <ctype.h>
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
	OPT_MAX_REPLACE_ARGS = 'N', OPT_XARGS_M = 'm', OPT_XARGS_X = 'X',
	OPT_DELIMITER = 'd', OPT_EOF = 'E', OPT_NO_RUN_IF_EMPTY = 'r',
	OPT_REPLACE = 'I', OPT_TRIM = 300, OPT_ARG_SEP, OPT_ARG_FILE_SEP,
	OPT_HEADER, OPT_XARGS,
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
		else if (d->id < 256)
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

static int
parse_uint(const char *opt, const char *s, unsigned min, unsigned *out, char **cause)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v > UINT_MAX || *s == '-') {
		*cause = xasprintf("--%s: '%s' is not a whole number", opt, s);
		return PFAN_E_INPUT;
	}
	if (v < min) {
		*cause = xasprintf("--%s: must be at least %u", opt, min);
		return PFAN_E_INPUT;
	}
	*out = (unsigned)v;
	return PFAN_OK;
}

static int
parse_secs(const char *opt, const char *s, double *out, char **cause)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (*s == '\0' || *end != '\0' || errno != 0 || !isfinite(v) || v < 0) {
		*cause = xasprintf("--%s: '%s' is not a number of seconds", opt, s);
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
	return parse_uint("halt", strchr(cond, '=') + 1, 1, &o->halt_count, cause);
bad:
	*cause = xasprintf("--halt: '%s': expected now|soon,fail=N|success=N (or never)", s);
	return PFAN_E_INPUT;
}

/* -d's escapes, as printf(1) reads them: \n \t \r \a \b \f \v \\,
 * \NNN octal (so \0 is NUL) and \xHH. */
static int
parse_delim(struct pfan_opts *o, const char *s, char **cause)
{
	static const char esc[] = "n\nt\tr\ra\ab\bf\fv\v\\\\";
	char *d = xmalloc(strlen(s) + 1);
	size_t n = 0;

	for (const char *p = s; *p != '\0'; p++) {
		const char *e;
		if (*p != '\\' || p[1] == '\0') {
			d[n++] = *p;
		} else if (p[1] >= '0' && p[1] <= '7') {
			int v = 0, k;
			for (k = 1; k <= 3 && p[k] >= '0' && p[k] <= '7'; k++)
				v = v * 8 + (p[k] - '0');
			d[n++] = (char)v;
			p += k - 1;
		} else if (p[1] == 'x' && isxdigit((unsigned char)p[2])) {
			int k = isxdigit((unsigned char)p[3]) ? 2 : 1;
			char hex[3] = { p[2], k == 2 ? p[3] : '\0', '\0' };
			d[n++] = (char)strtol(hex, NULL, 16);
			p += k + 1;
		} else if ((e = strchr(esc, p[1])) != NULL && (e - esc) % 2 == 0) {
			d[n++] = e[1];
			p++;
		} else {
			d[n++] = *p;
		}
	}
	if (n == 0) {
		free(d);
		*cause = xstrdup("--delimiter: must not be empty");
		return PFAN_E_INPUT;
	}
	free(o->delim_buf);
	o->delim_buf = d;
	o->input.delim = d;
	o->input.delim_len = n;
	return PFAN_OK;
}

static int
parse_trim(struct pfan_opts *o, const char *s, char **cause)
{
	static const struct { const char *name; enum input_trim trim; } t[] = {
		{ "n", TRIM_NONE }, { "l", TRIM_LEFT }, { "r", TRIM_RIGHT },
		{ "lr", TRIM_BOTH }, { "rl", TRIM_BOTH },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (strcmp(s, t[i].name) == 0) {
			o->input.trim = t[i].trim;
			return PFAN_OK;
		}
	*cause = xasprintf("--trim: '%s': expected n, l, r, lr or rl", s);
	return PFAN_E_INPUT;
}

static int
parse_max_replace(struct pfan_opts *o, const char *s, char **cause)
{
	unsigned n;

	if (parse_uint("max-replace-args", s, 0, &n, cause) != PFAN_OK)
		return PFAN_E_INPUT;
	o->input.no_args = n == 0;
	o->input.max_args = n > 0 ? n : 1;
	o->max_args_given = true;
	return PFAN_OK;
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
		return parse_uint("jobs", arg, 1, &o->jobs, cause);
	case OPT_ARG_FILE: add_source(o, INPUT_FILE, arg); break;
	case OPT_NULL: o->input.null_sep = true; break;
	case OPT_COLSEP: o->input.colsep = arg; break;
	case OPT_LINK: o->input.link = true; break;
	case OPT_MAX_ARGS: return parse_uint("max-args", arg, 1, &o->input.max_args, cause);
	case OPT_DRY_RUN: o->dry_run = true; break;
	case OPT_RETRIES: return parse_uint("retries", arg, 0, &o->retries, cause);
	case OPT_HALT: return parse_halt(o, arg, cause);
	case OPT_TIMEOUT: return parse_secs("timeout", arg, &o->timeout, cause);
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
	case OPT_KEEPALIVE: return parse_secs("keepalive", arg, &o->keepalive, cause);
	case OPT_HOST_WAIT: return parse_secs("host-wait", arg, &o->host_wait, cause);
	case OPT_CONNECT_TIMEOUT:
		if (parse_secs("connect-timeout", arg, &o->connect_timeout, cause) != PFAN_OK)
			return PFAN_E_INPUT;
		if (o->connect_timeout <= 0) {
			*cause = xstrdup("--connect-timeout: must be more than 0 seconds");
			return PFAN_E_INPUT;
		}
		return PFAN_OK;
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
	case OPT_VERBOSE: o->verbose++; break;
	case OPT_QUIET: o->verbose = 0; break;
	case OPT_HELP: o->help = true; break;
	case OPT_VERSION: o->version = true; break;
	}
	return PFAN_OK;
}

/* Which separator argv[i] is: 0 none, 1 ::: (values), 2 :::: (files);
 * *linked for the :::+ and ::::+ forms. */
static int
separator(const struct pfan_opts *o, const char *w, bool *linked)
{
	const char *seps[2] = { o->arg_sep ? o->arg_sep : ":::",
	    o->arg_file_sep ? o->arg_file_sep : "::::" };

	for (int k = 0; k < 2; k++) {
		size_t n = strlen(seps[k]);
		if (strncmp(w, seps[k], n) != 0)
			continue;
		if (w[n] == '\0' || (w[n] == '+' && w[n + 1] == '\0')) {
			*linked = w[n] == '+';
			return k + 1;
		}
	}
	return 0;
}

/* Splits what follows the options: the template words, then ::: lists
 * and :::: files in order (their + forms link to the source before). */
static int
parse_positional(struct pfan_opts *o, int argc, char **argv, int i, char **cause)
{
	bool linked;

	o->template = &argv[i];
	while (i < argc && separator(o, argv[i], &linked) == 0)
		i++;
	o->ntemplate = (int)(&argv[i] - o->template);
	while (i < argc) {
		int kind = separator(o, argv[i], &linked);
		const char *sep = argv[i++];
		int start = i;
		bool l;
		while (i < argc && separator(o, argv[i], &l) == 0)
			i++;
		if (i == start) {
			*cause = xasprintf("no values after %s", sep);
			return PFAN_E_INPUT;
		}
		if (kind == 2) {
			for (int k = start; k < i; k++) {
				add_source(o, INPUT_FILE, argv[k]);
				o->input.sources[o->input.nsources - 1].linked = linked;
			}
		} else {
			add_source(o, INPUT_LIST, NULL);
			struct input_source *src = &o->input.sources[o->input.nsources - 1];
			src->items = &argv[start];
			src->nitems = (size_t)(i - start);
			src->linked = linked;
		}
	}
	return PFAN_OK;
}

int
options_parse(struct pfan_opts *o, int argc, char **argv, char **cause)
{
	struct option longopts[NOPTS + 1];
	char shortopts[3 * NOPTS + 2];
	size_t ns = 0, nl = 0;
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
		if (opt_table[i].name != NULL) {
			longopts[nl].name = opt_table[i].name;
			longopts[nl].has_arg = opt_table[i].has_arg ?
			    required_argument : no_argument;
			longopts[nl].flag = NULL;
			longopts[nl++].val = opt_table[i].id;
		}
		if (opt_table[i].id < 256) {
			shortopts[ns++] = (char)opt_table[i].id;
			if (opt_table[i].has_arg)
				shortopts[ns++] = ':';
		}
	}
	memset(&longopts[nl], 0, sizeof longopts[nl]);
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
	free(o->delim_buf);
	free(o->hostfiles);
	free(o->sshlogins);
	memset(o, 0, sizeof *o);
}
