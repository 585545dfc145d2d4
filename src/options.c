/* options.c: the command line. One table drives getopt_long and --help
 * (and through --help, the bash completion and the man page test). */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

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
	OPT_HOST_WAIT, OPT_CONNECT_TIMEOUT, OPT_QUIET, OPT_PLUS, OPT_NOOP,
	OPT_MAX_REPLACE_ARGS = 'N', OPT_XARGS_M = 'm', OPT_XARGS_X = 'X',
	OPT_DELIMITER = 'd', OPT_EOF = 'E', OPT_NO_RUN_IF_EMPTY = 'r',
	OPT_REPLACE = 'I', OPT_TRIM = 300, OPT_ARG_SEP, OPT_ARG_FILE_SEP,
	OPT_HEADER, OPT_XARGS,
	OPT_UNGROUP = 'u', OPT_TAGSTRING = 320, OPT_FILES, OPT_TMPDIR, OPT_GROUP,
	OPT_DEBUG,
	OPT_REPORT, OPT_REPORT_RUN, OPT_SVG, OPT_HTML,
	OPT_DELAY, OPT_NICE, OPT_SHUF, OPT_MEMFREE, OPT_LOAD, OPT_SSHLOGINFILE,
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
	{ "accept-new-hostkeys", OPT_ACCEPT_NEW, 0, NULL, "record the keys of hosts not yet in known_hosts" },
	{ "keepalive", OPT_KEEPALIVE, 1, "SECS", "SSH keepalive interval; a host is lost after 3 unanswered (default 5)" },
	{ "connect-timeout", OPT_CONNECT_TIMEOUT, 1, "SECS", "give up on a host not connected and logged in within SECS (default 10)" },
	{ "host-wait", OPT_HOST_WAIT, 1, "SECS", "with no host left, wait this long for one to come back (default 60)" },
	{ "verbose", OPT_VERBOSE, 0, NULL, "print each job's command before its output (GNU parallel's -v)" },
	{ "debug", OPT_DEBUG, 0, NULL, "pfan's debug messages: hosts, connections, every job's state changes" },
	{ "quiet", OPT_QUIET, 0, NULL, "no warnings" },
	{ "help", OPT_HELP, 0, NULL, "show this help" },
	{ "version", OPT_VERSION, 0, NULL, "show the version" },
	/* GNU parallel's other names for the options above. */
	{ "max-procs", OPT_JOBS, 1, "N", "the same as --jobs (also -P)" },
	{ "lb", OPT_LINE_BUFFER, 0, NULL, "the same as --line-buffer" },
	{ "linebuffer", OPT_LINE_BUFFER, 0, NULL, "the same as --line-buffer" },
	{ "dryrun", OPT_DRY_RUN, 0, NULL, "the same as --dry-run" },
	{ "slf", OPT_SSHLOGINFILE, 1, "FILE", "the same as --sshloginfile" },
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

/* GNU parallel options that pfan does not have, with what to use instead
 * where there is something. They get a message that says so, never
 * "unknown option" and never a guess; --help and the man page list them. */
static const struct { const char *name; const char *instead; } gnu_only[] = {
	{ "basefile", NULL }, { "bf", NULL }, { "bar", NULL }, { "eta", NULL },
	{ "progress", NULL }, { "total-jobs", NULL }, { "total", NULL },
	{ "transferfile", NULL }, { "tf", NULL }, { "return", NULL },
	{ "cleanup", NULL }, { "trc", NULL }, { "transfer", NULL },
	{ "onall", NULL }, { "nonall", NULL }, { "env", NULL },
	{ "workdir", NULL }, { "wd", NULL }, { "pipe", NULL },
	{ "pipepart", NULL }, { "pipe-part", NULL }, { "block", NULL },
	{ "block-size", NULL }, { "recstart", NULL }, { "recend", NULL },
	{ "regexp", NULL }, { "remove-rec-sep", NULL }, { "removerecsep", NULL },
	{ "rrs", NULL }, { "cat", NULL }, { "fifo", NULL },
	{ "round-robin", NULL }, { "round", NULL }, { "block-timeout", NULL },
	{ "bt", NULL }, { "spreadstdin", NULL }, { "tee", NULL },
	{ "shard", NULL }, { "bin", NULL }, { "group-by", NULL },
	{ "ssh", "-S/-H with ~/.ssh/config (pfan speaks SSH itself)" },
	{ "ssh-delay", NULL }, { "controlmaster", "nothing: pfan keeps one connection per host open already" },
	{ "sshdelay", NULL }, { "filter-hosts", "pfan --check (planned) or --debug" },
	{ "rsync-opts", NULL }, { "sql", NULL }, { "sqlmaster", NULL },
	{ "sql-master", NULL }, { "sqlandworker", NULL }, { "sql-and-worker", NULL },
	{ "sqlworker", NULL }, { "sql-worker", NULL }, { "semaphore", NULL },
	{ "sem", NULL }, { "semaphore-name", NULL }, { "semaphoretimeout", NULL },
	{ "semaphore-timeout", NULL }, { "fg", NULL }, { "bg", NULL },
	{ "wait", NULL }, { "id", NULL }, { "shebang", NULL },
	{ "hashbang", NULL }, { "shebang-wrap", NULL }, { "embed", NULL },
	{ "profile", NULL }, { "tmux", NULL }, { "tmuxpane", NULL },
	{ "tty", NULL }, { "open-tty", NULL }, { "interactive", NULL },
	{ "xapply", "--link" }, { "csv", "--colsep ," },
	{ "color", NULL }, { "color-failed", NULL }, { "ctag", "--tag" },
	{ "ctagstring", NULL }, { "compress", NULL }, { "compress-program", NULL },
	{ "decompress-program", NULL }, { "latest-line", "--line-buffer" },
	{ "ll", "--line-buffer" }, { "limit", NULL }, { "noswap", NULL },
	{ "memsuspend", NULL }, { "no-keep-order", NULL },
	{ "keeporder", "--keep-order" }, { "record-env", NULL },
	{ "parens", NULL }, { "rpl", NULL }, { "gnu", NULL }, { "minversion", NULL },
	{ "number-of-cpus", NULL }, { "number-of-cores", NULL },
	{ "number-of-sockets", NULL }, { "number-of-threads", NULL },
	{ "use-cores-instead-of-threads", NULL }, { "use-cpus-instead-of-cores", NULL },
	{ "use-sockets-instead-of-threads", NULL }, { "show-limits", NULL },
	{ "shell-quote", NULL }, { "shell-completion", NULL }, { "silent", NULL },
	{ "skip-first-line", NULL }, { "hgrp", NULL }, { "hostgroups", NULL },
	{ "template", NULL }, { "tmpl", NULL }, { "term-seq", NULL },
	{ "plain", NULL }, { "retry-failed", "--resume-failed FILE" },
	{ "exit", NULL }, { "filter", NULL }, { "max-chars", NULL },
	{ "max-line-length-allowed", NULL }, { "max-lines", NULL },
	{ "process-slot-var", "{%} or $PFAN_SLOT" },
	{ "seqreplace", NULL }, { "slotreplace", NULL }, { "basenamereplace", NULL },
	{ "bnr", NULL }, { "dirnamereplace", NULL }, { "dnr", NULL },
	{ "extensionreplace", NULL }, { "er", NULL },
	{ "basenameextensionreplace", NULL }, { "bner", NULL },
	{ "replace", NULL }, { "quote", NULL },
};
#define NGNU_ONLY (sizeof gnu_only / sizeof gnu_only[0])
static const char gnu_only_short[] = "JLMlpstxieoq";

/* The gnu_only row for a long option name of len bytes, or NULL. */
static const char *const *
gnu_only_find(const char *name, size_t len)
{
	for (size_t i = 0; i < NGNU_ONLY; i++)
		if (strlen(gnu_only[i].name) == len && strncmp(gnu_only[i].name, name, len) == 0)
			return &gnu_only[i].name;
	return NULL;
}

/* The message for an option pfan does not have: GNU parallel's, or not
 * an option at all. tok is the word as typed ("--bar=1", "-t"). */
static char *
not_an_option(const char *tok, int shortopt)
{
	if (shortopt != 0) {
		if (strchr(gnu_only_short, shortopt) != NULL)
			return xasprintf("-%c is a GNU parallel option that pfan does not have "
			    "(see pfan --help)", shortopt);
		return xasprintf("unknown option -%c (see pfan --help)", shortopt);
	}
	size_t len = strcspn(tok + 2, "=");
	const char *const *g = gnu_only_find(tok + 2, len);
	if (g == NULL)
		return xasprintf("unknown option %.*s (see pfan --help)", (int)len + 2, tok);
	if (g[1] != NULL)
		return xasprintf("--%s is a GNU parallel option that pfan does not have; use %s",
		    g[0], g[1]);
	return xasprintf("--%s is a GNU parallel option that pfan does not have", g[0]);
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
	fputs("\nGNU parallel options that pfan does not have (each says so when used):\n", fp);
	size_t col = 0;
	for (size_t i = 0; i < NGNU_ONLY; i++) {
		size_t w = strlen(gnu_only[i].name) + 3;
		if (col + w > 78) {
			fputc('\n', fp);
			col = 0;
		}
		col += (size_t)fprintf(fp, "%s--%s", col ? " " : "", gnu_only[i].name);
	}
	for (const char *c = gnu_only_short; *c; c++) {
		if (col + 3 > 78) {
			fputc('\n', fp);
			col = 0;
		}
		col += (size_t)fprintf(fp, "%s-%c", col ? " " : "", *c);
	}
	fputs("\n\nExit status: the number of failed jobs (at most 101); 255 for pfan's own\n"
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

/* A whole number, or N% (a fraction in *pct). */
static bool
count_or_pct(const char *s, unsigned *count, double *pct)
{
	char *end;
	double v;

	/* decimal only: strtod would take 0x1 and 1e2 */
	if (*s < '0' || *s > '9' || s[strspn(s, "0123456789.%")] != '\0')
		return false;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || !isfinite(v))
		return false;
	if (strcmp(end, "%") == 0 && v > 0 && v <= 100) {
		*count = 0;
		*pct = v / 100;
		return true;
	}
	if (*end != '\0' || v != floor(v) || v < 1 || v > UINT_MAX)
		return false;
	*count = (unsigned)v;
	*pct = 0;
	return true;
}

/* GNU parallel's forms: WHEN,WHAT=N or N%, never, and the old numbers
 * 0 1 2 -1 -2 and N% (soon,fail=N%). */
static int
parse_halt(struct pfan_opts *o, const char *s, char **cause)
{
	static const struct { const char *old, *now; } old_forms[] = {
		{ "0", "never" }, { "1", "soon,fail=1" }, { "2", "now,fail=1" },
		{ "-1", "soon,success=1" }, { "-2", "now,success=1" },
	};
	static const struct { const char *name; enum halt_what what; } whats[] = {
		{ "fail=", HALT_FAIL }, { "success=", HALT_SUCCESS }, { "done=", HALT_DONE },
	};
	const char *given = s, *comma, *cond;
	char pct_form[64];
	size_t wl;

	for (size_t i = 0; i < sizeof old_forms / sizeof old_forms[0]; i++)
		if (strcmp(s, old_forms[i].old) == 0)
			s = old_forms[i].now;
	if (*s >= '0' && *s <= '9' && s[strlen(s) - 1] == '%' && strlen(s) < 32) {
		snprintf(pct_form, sizeof pct_form, "soon,fail=%s", s);
		s = pct_form;
	}
	comma = strchr(s, ',');
	wl = comma ? (size_t)(comma - s) : strlen(s);
	cond = comma ? comma + 1 : NULL;
	if (wl == 3 && strncmp(s, "now", 3) == 0)
		o->halt_when = HALT_NOW;
	else if (wl == 4 && strncmp(s, "soon", 4) == 0)
		o->halt_when = HALT_SOON;
	else if (wl == 5 && strncmp(s, "never", 5) == 0 && cond == NULL) {
		o->halt_when = HALT_NEVER;
		return PFAN_OK;
	} else
		goto bad;
	if (cond == NULL)
		goto bad;
	for (size_t i = 0; i < sizeof whats / sizeof whats[0]; i++) {
		size_t n = strlen(whats[i].name);
		if (strncmp(cond, whats[i].name, n) == 0 &&
		    count_or_pct(cond + n, &o->halt_count, &o->halt_pct)) {
			o->halt_what = whats[i].what;
			return PFAN_OK;
		}
	}
bad:
	*cause = xasprintf("--halt: '%s': expected now|soon,fail|success|done=N|N%% "
	    "(or never, 0, 1, 2, -1, -2, N%%)", given);
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

/* -j N, +N, -N, N%; 0: as many as possible. */
static int
parse_jobs(struct pfan_opts *o, const char *s, char **cause)
{
	const char *given = s;
	char *end;
	double v;

	o->jobs_given = true;
	o->jobs_kind = *s == '+' ? JOBS_PLUS : *s == '-' ? JOBS_MINUS : JOBS_ABS;
	if (*s == '+' || *s == '-')
		s++;
	if (s[strspn(s, "0123456789.%")] != '\0')
		goto bad;   /* strtod would take hex, exponents, inf */
	errno = 0;
	v = strtod(s, &end);
	if (*s < '0' || *s > '9' || errno != 0 || !isfinite(v))
		goto bad;
	if (v > UINT_MAX && *end == '\0') {
		*cause = xasprintf("--jobs: '%s' is out of range (0 to %u)", given, UINT_MAX);
		return PFAN_E_INPUT;
	}
	if (o->jobs_kind == JOBS_ABS && strcmp(end, "%") == 0 && v > 0) {
		o->jobs_kind = JOBS_PCT;
		o->jobs_pct = v / 100;
		return PFAN_OK;
	}
	if (*end != '\0' || v != floor(v))
		goto bad;
	o->jobs = (unsigned)v;
	return PFAN_OK;
bad:
	*cause = xasprintf("--jobs: '%s' is not N, +N, -N or N%%", given);
	return PFAN_E_INPUT;
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

int
options_parse_duration(const char *s, double *out)
{
	double total = 0;
	const char *p = s;
	bool units = false;

	/* Decimal digits and GNU's units only: strtod would also take hex,
	 * exponents and "inf". */
	if (*s == '\0' || s[strspn(s, "0123456789.smhdSMHD")] != '\0')
		return PFAN_E_INPUT;
	while (*p != '\0') {
		char *end;
		double v, mult = 1;
		if ((*p < '0' || *p > '9') && *p != '.')
			return PFAN_E_INPUT;
		errno = 0;
		v = strtod(p, &end);
		if (end == p || errno != 0 || !isfinite(v))
			return PFAN_E_INPUT;
		switch (*end) {
		case 's': case 'S': mult = 1; break;
		case 'm': case 'M': mult = 60; break;
		case 'h': case 'H': mult = 3600; break;
		case 'd': case 'D': mult = 86400; break;
		case '\0':
			if (units)   /* 1m30 is not a duration */
				return PFAN_E_INPUT;
			*out = v;
			return PFAN_OK;
		default: return PFAN_E_INPUT;
		}
		units = true;
		total += v * mult;
		p = end + 1;
	}
	*out = total;
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
parse_duration(const char *opt, const char *s, double *out, char **cause)
{
	if (options_parse_duration(s, out) != PFAN_OK) {
		*cause = xasprintf("--%s: '%s' is not a duration (SECS, or units: 1h30m, 2.5s, 1d)",
		    opt, s);
		return PFAN_E_INPUT;
	}
	return PFAN_OK;
}

static int
parse_timeout(struct pfan_opts *o, const char *s, char **cause)
{
	size_t n = strlen(s);

	o->timeout = o->timeout_pct = 0;
	if (n > 1 && s[n - 1] == '%') {
		char *end;
		double v = strtod(s, &end);
		if (*s >= '0' && *s <= '9' && end == s + n - 1 && isfinite(v) && v > 0) {
			o->timeout_pct = v / 100;
			return PFAN_OK;
		}
		*cause = xasprintf("--timeout: '%s' is not a percentage", s);
		return PFAN_E_INPUT;
	}
	return parse_duration("timeout", s, &o->timeout, cause);
}

/* GNU parallel's sizes: K M G T P are powers of 1024 (Ki Mi ... too),
 * k m g t p powers of 1000. */
static int
parse_size(const char *opt, const char *s, unsigned long long *out, char **cause)
{
	static const char units[] = "kmgtp";
	char *end;
	double v, mult = 1;
	const char *u;

	errno = 0;
	v = strtod(s, &end);
	if (*s < '0' || *s > '9' || errno != 0 || !isfinite(v))
		goto bad;
	if (*end != '\0') {
		if ((u = strchr(units, (char)(*end | 0x20))) == NULL)
			goto bad;
		bool binary = (*end >= 'A' && *end <= 'Z') || end[1] == 'i' || end[1] == 'I';
		for (const char *k = units; k <= u; k++)
			mult *= binary ? 1024 : 1000;
		end += (end[1] == 'i' || end[1] == 'I') ? 2 : 1;
		if (*end != '\0')
			goto bad;
	}
	v *= mult;
	if (v >= 1.8e19)
		goto bad;
	*out = (unsigned long long)v;
	return PFAN_OK;
bad:
	*cause = xasprintf("--%s: '%s' is not a size (bytes, or with k K m M g G t T)", opt, s);
	return PFAN_E_INPUT;
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

static int
parse_nice(struct pfan_opts *o, const char *s, char **cause)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < -20 || v > 19) {
		*cause = xasprintf("--nice: '%s' is not a niceness (-20 to 19)", s);
		return PFAN_E_INPUT;
	}
	o->nice = (int)v;
	return PFAN_OK;
}

static int
parse_load(struct pfan_opts *o, const char *s, char **cause)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (*s < '0' || *s > '9' || *end != '\0' || errno != 0 || !isfinite(v) || v <= 0) {
		*cause = xasprintf("--load: '%s' is not a load average (more than 0)", s);
		return PFAN_E_INPUT;
	}
	o->load = v;
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
	case OPT_JOBS: return parse_jobs(o, arg, cause);
	case OPT_ARG_FILE: add_source(o, INPUT_FILE, arg); break;
	case OPT_NULL: o->input.null_sep = true; break;
	case OPT_COLSEP: o->input.colsep = arg; break;
	case OPT_LINK: o->input.link = true; break;
	case OPT_MAX_ARGS: return parse_uint("max-args", arg, 1, UINT_MAX, &o->input.max_args, cause);
	case OPT_DRY_RUN: o->dry_run = true; break;
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
	case OPT_QUIET: o->verbose = 0; break;
	case OPT_HELP: o->help = true; break;
	case OPT_VERSION: o->version = true; break;
	case OPT_NOOP: break;
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
	if (o->ntemplate > 0 && blank_words(o->template, o->ntemplate)) {
		/* GNU parallel runs the values themselves then: 'pfan "" ::: rm'
		 * would run rm. A command must be said. */
		*cause = xstrdup("the command is empty");
		return PFAN_E_INPUT;
	}
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
			*cause = not_an_option(argv[before], 0);
			return PFAN_E_INPUT;
		}
		if (c == '?') {
			if (optopt != 0 && optopt < 256)
				*cause = not_an_option(NULL, optopt);
			else
				*cause = not_an_option(argv[optind - 1], 0);
			return PFAN_E_INPUT;
		}
		if (c == ':' && strncmp(argv[before], "--", 2) == 0 && !exact_long(argv[before])) {
			*cause = not_an_option(argv[before], 0);
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
	return parse_positional(o, argc, argv, optind, cause);
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

/* What may be given with `pfan --resume FILE` alone: how the recorded run
 * runs (slots, hosts, output, limits), never which jobs it has (its input
 * and command) or where it logs (FILE itself). */
static bool
replay_may_change(int id)
{
	static const int ok[] = {
		OPT_JOBS, OPT_DRY_RUN, OPT_RETRIES, OPT_HALT, OPT_TIMEOUT,
		OPT_KEEP_ORDER, OPT_LINE_BUFFER, OPT_TAG, OPT_RESULTS, OPT_HOSTFILE,
		OPT_SSHLOGIN, OPT_ACCEPT_NEW, OPT_KEEPALIVE, OPT_CONNECT_TIMEOUT,
		OPT_HOST_WAIT, OPT_VERBOSE, OPT_QUIET, OPT_NOOP, OPT_DEBUG,
		OPT_TAGSTRING, OPT_UNGROUP, OPT_GROUP, OPT_FILES, OPT_TMPDIR,
	};

	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
		if (ok[i] == id)
			return true;
	return false;
}

static const char *
opt_name(int id)
{
	for (size_t i = 0; i < NOPTS; i++)
		if (opt_table[i].id == id)
			return opt_table[i].name;
	return "?";
}

/* Calls each(word index range) for every option group of argv (one word,
 * or an option and its value, or a bundle like -kj4) and returns where
 * the options end: the first template word, or the "--" before it. */
typedef int (*group_fn)(void *data, int id, int start, int end, char **cause);

static int
walk_options(int argc, char **argv, group_fn each, void *data, int *end,
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
		for (int i = 0; i < nids; i++)
			if (each(data, ids[i], start, optind, cause) != PFAN_OK)
				return PFAN_E_INPUT;
		nids = 0;
		start = optind;
	}
	*end = start < optind && strcmp(argv[start], "--") == 0 ? start : optind;
	return PFAN_OK;
}

struct extra {
	char **argv;
	char **words;
	int n;
	int skip_until;   /* the words of --resume FILE */
};

static int
take_extra(void *data, int id, int start, int end, char **cause)
{
	struct extra *x = data;

	if (id == OPT_RESUME || id == OPT_RESUME_FAILED) {
		x->skip_until = end;
		return PFAN_OK;
	}
	if (!replay_may_change(id)) {
		if (strncmp(x->argv[start], "--", 2) == 0 || id >= 256)
			*cause = xasprintf("--%s: cannot be given with --resume FILE alone: "
			    "it would change the run FILE records (to change it, give the "
			    "whole command line with --resume FILE)", opt_name(id));
		else
			*cause = xasprintf("-%c: cannot be given with --resume FILE alone: "
			    "it would change the run FILE records (to change it, give the "
			    "whole command line with --resume FILE)", id);
		return PFAN_E_INPUT;
	}
	/* A bundle calls once per option: add its words once. */
	for (int i = start > x->skip_until ? start : x->skip_until; i < end; i++)
		x->words[x->n++] = x->argv[i];
	if (end > x->skip_until)
		x->skip_until = end;
	return PFAN_OK;
}

static int
ignore_group(void *data, int id, int start, int end, char **cause)
{
	(void)data, (void)id, (void)start, (void)end, (void)cause;
	return PFAN_OK;
}

int
options_replay_argv(int rec_argc, char **rec_argv, int argc, char **argv,
    int *out_argc, char ***out_argv, char **cause)
{
	struct extra x = { argv, xcalloc((size_t)argc + 1, sizeof (char *)), 0, 1 };
	int end, ins, n = 0;
	char **v;

	if (walk_options(argc, argv, take_extra, &x, &end, cause) != PFAN_OK ||
	    walk_options(rec_argc, rec_argv, ignore_group, NULL, &ins, cause) != PFAN_OK) {
		free(x.words);
		return PFAN_E_INPUT;
	}
	/* After the recorded options, so that a value given now wins. */
	v = xcalloc((size_t)rec_argc + (size_t)x.n + 1, sizeof *v);
	for (int i = 0; i < ins; i++)
		v[n++] = rec_argv[i];
	for (int i = 0; i < x.n; i++)
		v[n++] = x.words[i];
	for (int i = ins; i < rec_argc; i++)
		v[n++] = rec_argv[i];
	free(x.words);
	*out_argc = n;
	*out_argv = v;
	return PFAN_OK;
}

void
options_free(struct pfan_opts *o)
{
	free(o->input.sources);
	free(o->delim_buf);
	free(o->hostfiles);
	free(o->sshlogins);
	free(o->sshloginfiles);
	memset(o, 0, sizeof *o);
}
