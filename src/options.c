/* options.c: the command line. One table drives getopt_long and --help
 * (and through --help, the bash completion and the man page test). */
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
	{ "results", OPT_RESULTS, 1, "DIR", "also write each job's output to DIR/SEQ/stdout and DIR/SEQ/stderr" },
	{ "joblog", OPT_JOBLOG, 1, "FILE", "append a JSON line per finished attempt to FILE" },
	{ "resume", OPT_RESUME, 1, "FILE", "skip the jobs FILE records ok, run the rest; append to FILE" },
	{ "resume-failed", OPT_RESUME_FAILED, 1, "FILE", "the same as --resume (GNU parallel's name)" },
	{ "hostfile", OPT_HOSTFILE, 1, "FILE", "run on the hosts in the YAML FILE (\"slurm\": the SLURM allocation)" },
	{ "sshlogin", OPT_SSHLOGIN, 1, "SPEC", "run on [N/][user@]host[:port][,...] (\":\" is this machine)" },
	{ "sshloginfile", OPT_SSHLOGINFILE, 1, "FILE", "run on the -S logins in FILE, one a line (# comments; \"..\": ~/.parallel/sshloginfile)" },
	{ "accept-new-hostkeys", OPT_ACCEPT_NEW, 0, NULL, "record the keys of hosts not yet in known_hosts" },
	{ "keepalive", OPT_KEEPALIVE, 1, "SECS", "SSH keepalive interval; a host is lost after 3 unanswered (default 5)" },
	{ "connect-timeout", OPT_CONNECT_TIMEOUT, 1, "SECS", "give up on a host not connected and logged in within SECS (default 10)" },
	{ "host-wait", OPT_HOST_WAIT, 1, "SECS", "with no host left, wait this long for one to come back (default 60)" },
	{ "verbose", OPT_VERBOSE, 0, NULL, "say more (twice: debug)" },
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
		if (strlen(opt_table[i].name) == len && strncmp(opt_table[i].name, tok + 2, len) == 0)
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
	{ "sshdelay", NULL }, { "filter-hosts", "pfan --check (planned) or -v" },
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
	{ "memsuspend", NULL }, { "group", NULL }, { "no-keep-order", NULL },
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
	{ "max-replace-args", NULL }, { "output-as-files", NULL },
	{ "outputasfiles", NULL }, { "process-slot-var", "{%} or $PFAN_SLOT" },
	{ "seqreplace", NULL }, { "slotreplace", NULL }, { "basenamereplace", NULL },
	{ "bnr", NULL }, { "dirnamereplace", NULL }, { "dnr", NULL },
	{ "extensionreplace", NULL }, { "er", NULL },
	{ "basenameextensionreplace", NULL }, { "bner", NULL },
	{ "replace", NULL }, { "quote", NULL }, { "ungroup", NULL },
	{ "tagstring", NULL }, { "files", NULL }, { "tmpdir", "the TMPDIR variable" },
};
#define NGNU_ONLY (sizeof gnu_only / sizeof gnu_only[0])
static const char gnu_only_short[] = "JLMlpstxieuoq";

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
		if (d->id < 256 && !is_alias(i))
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

/* A whole number, or N% (a fraction in *pct). */
static bool
count_or_pct(const char *s, unsigned *count, double *pct)
{
	char *end;
	double v;

	if (*s < '0' || *s > '9')
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
	errno = 0;
	v = strtod(s, &end);
	if (*s < '0' || *s > '9' || errno != 0 || !isfinite(v) || v > UINT_MAX)
		goto bad;
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

	if (*s == '\0')
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
	case OPT_MAX_ARGS: return parse_uint("max-args", arg, 1, &o->input.max_args, cause);
	case OPT_DRY_RUN: o->dry_run = true; break;
	case OPT_PLUS: o->plus = true; break;
	case OPT_RETRIES: return parse_uint("retries", arg, 0, &o->retries, cause);
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
	case OPT_VERBOSE: o->verbose++; break;
	case OPT_QUIET: o->verbose = 0; break;
	case OPT_HELP: o->help = true; break;
	case OPT_VERSION: o->version = true; break;
	case OPT_NOOP: break;
	}
	return PFAN_OK;
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
	char shortopts[3 * NOPTS + 2 * NSHORT_ALIAS + 2];
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
		if (opt_table[i].id < 256 && !is_alias(i)) {
			shortopts[ns++] = (char)opt_table[i].id;
			if (opt_table[i].has_arg)
				shortopts[ns++] = ':';
		}
	}
	memset(&longopts[NOPTS], 0, sizeof longopts[NOPTS]);
	for (size_t i = 0; i < NSHORT_ALIAS; i++) {
		shortopts[ns++] = short_alias[i].c;
		shortopts[ns++] = ':';
	}
	shortopts[ns] = '\0';

	optind = 1;
	opterr = 0;
	for (;;) {
		int before = optind, li = -1;
		if ((c = getopt_long(argc, argv, shortopts, longopts, &li)) == -1)
			break;
		/* getopt_long takes any unambiguous prefix: --ssh would be
		 * --sshlogin. Only whole names count, so that no GNU parallel
		 * option is swallowed by one of pfan's. */
		if (li >= 0 && c != '?' && strncmp(argv[before], "--", 2) == 0 &&
		    strcspn(argv[before] + 2, "=") != strlen(longopts[li].name)) {
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
		for (size_t i = 0; i < NSHORT_ALIAS; i++)
			if (c == short_alias[i].c)
				c = short_alias[i].id;
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
	free(o->sshloginfiles);
	memset(o, 0, sizeof *o);
}
