/* options.h: the command line -> struct pfan_opts (getopt_long, one table
 * that also feeds --help). The parsed options are the only state shared
 * program-wide, and they are passed as `const struct pfan_opts *`. */
#ifndef PFAN_OPTIONS_H
#define PFAN_OPTIONS_H
#include <stdbool.h>
#include <stdio.h>
#include "input.h"
#include "optvalue.h"

/* -j 0: as many slots as the open-file limit allows, at most this. */
#define JOBS_MAX_CAP 1024

struct pfan_opts {
	int argc;                 /* the whole command line, for the joblog */
	char **argv;

	int ntemplate;            /* the command words (may be 0: --resume) */
	char **template;
	struct input_config input;
	const char *replace_str;  /* -I: stands for {} in the template */
	enum { XARGS_NONE, XARGS_M, XARGS_X, XARGS_XARGS } xargs;  /* -m, -X, --xargs */
	bool max_args_given;      /* -N: implies -X unless -m */
	const char *arg_sep, *arg_file_sep;  /* ::: and :::: unless renamed */
	char *delim_buf;          /* -d after its escapes (input.delim) */

	unsigned jobs;            /* -j: 0 = one per core */
	bool jobs_given;
	enum jobs_kind jobs_kind;
	double jobs_pct;          /* JOBS_PCT */
	unsigned retries;         /* attempts in all (0 and 1: one) */
	enum halt_when halt_when;
	enum halt_what halt_what;
	unsigned halt_count;      /* N, or 0 when halt_pct is given */
	double halt_pct;          /* N% as a fraction, or 0 */
	double timeout;           /* 0: none */
	double timeout_pct;       /* N%: of the median runtime (fraction), or 0 */
	double delay;             /* seconds between job starts */
	int nice;                 /* --nice N */
	bool shuf;                /* run the jobs in random order */
	unsigned long long memfree; /* bytes of MemAvailable to start a job */
	double load;              /* max 1-min load average, 0: none */
	enum jobs_kind load_kind; /* --load +N, -N, N%: load is N or a fraction */
	double kill_grace;        /* TERM -> KILL, seconds */

	/* --pipe, --pipepart: stdin (or -a FILE) cut into blocks, each one
	 * job's stdin; -N and --header N count records and lines then. */
	bool pipe, pipepart;
	unsigned long long block;   /* --block (0: the default, 1M) */
	char *recstart, *recend;    /* after their escapes; NULL: not given */
	size_t recstart_len, recend_len;

	bool keep_order, line_buffer, tag;
	const char *tagstring;    /* --tagstring: a template, expanded unquoted */
	bool ungroup, files;      /* -u, --files */
	const char *tmpdir;       /* --tmpdir; NULL: $TMPDIR */
	bool print_cmd;           /* -v: each command before its output */
	const char *results;
	const char *json_jobs;    /* --json-jobs FILE ("-": stdin) */
	const char *json_results; /* --json-results FILE */
	const char *joblog;
	const char *resume;       /* --resume / --resume-failed FILE */
	bool resume_flag;         /* GNU's --joblog FILE --resume: resume is FILE */
	bool dry_run;
	bool bar, eta, progress, summary;   /* what is drawn on stderr (progress.c) */
	bool plus;                /* --plus replacement strings */
	bool onall, nonall;       /* every job on every host (onall.c) */
	bool fold;                /* --fold: hosts with the same output once */
	bool quote;               /* -q: the command's words quoted */
	const char *report;       /* --report JOBLOG: a mode of its own */
	unsigned report_run;      /* --report-run N; 0: the last run */
	const char *report_svg;   /* --svg FILE */
	const char *report_html;  /* --html FILE */
	bool check;               /* --check: a mode of its own */

	char **hostfiles;         /* -H, in order */
	size_t nhostfiles;
	char **sshlogins;         /* -S, in order */
	size_t nsshlogins;
	char **sshloginfiles;     /* --sshloginfile, in order ("..": the default) */
	size_t nsshloginfiles;
	char **host_tags;         /* --hosts TAG[,TAG...], in order */
	size_t nhost_tags;
	bool accept_new_hostkeys;
	bool no_remote_agent;     /* --no-remote-agent */
	double keepalive;
	double host_wait;
	double connect_timeout;   /* lookup + connect + handshake + auth */
	const char *workdir;      /* --workdir; NULL: pfan's own directory */
	char **transferfiles;     /* --transferfile templates (--trc: "{}") */
	size_t ntransferfiles;
	char **returns;           /* --return templates */
	size_t nreturns;
	bool cleanup;             /* --cleanup */
	char **basefiles;         /* --basefile, in order */
	size_t nbasefiles;
	char **envs;              /* --env names */
	size_t nenvs;

	int verbose;              /* 0 --quiet, 1, 2 --debug */
	bool help, version;
};

/* Fills o from argv. PFAN_OK, or PFAN_E_INPUT with cause ("--jobs: 'x' is
 * not a number"). The strings point into argv. */
int options_parse(struct pfan_opts *o, int argc, char **argv, char **cause);
/* One option of a command line, as options_walk finds it: argv[start] to
 * argv[end - 1] are its words (the option and its value; a bundle like
 * -kj4 gives each of its options all its words). */
struct options_group {
	const char *name;   /* its first long name in the table ("jobs" for -P
			     * and --max-procs too); NULL for -m -X -E -I */
	int letter;         /* its short letter ('j' for -P too), or 0 */
	int start, end;
};
typedef int (*options_group_fn)(void *data, const struct options_group *g,
    char **cause);
/* Calls each for every option of argv in order, and sets *end to where the
 * options end: the first template word, or the "--" before it.
 * PFAN_E_INPUT when a word is no option pfan knows, or each refuses one. */
int options_walk(int argc, char **argv, options_group_fn each, void *data,
    int *end, char **cause);
void options_usage(FILE *fp);
/* The slots -j asks for on a machine with `cores` cores (at least 1). */
unsigned options_jobs_slots(const struct pfan_opts *o, unsigned cores);
/* --load's maximum given the cores (at least 0.01, as GNU's); only for a
 * --load given. */
double options_load_max(const struct pfan_opts *o, unsigned cores);
/* The table, a tab-separated line per option name, for completions/gen.awk. */
void options_dump(FILE *fp);
void options_free(struct pfan_opts *o);

#endif
