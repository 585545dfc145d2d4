/* options.h: the command line -> struct pfan_opts (getopt_long, one table
 * that also feeds --help). The parsed options are the only state shared
 * program-wide, and they are passed as `const struct pfan_opts *`. */
#ifndef PFAN_OPTIONS_H
#define PFAN_OPTIONS_H
#include <stdbool.h>
#include <stdio.h>
#include "input.h"

enum halt_when { HALT_NEVER, HALT_SOON, HALT_NOW };
/* What --halt counts: failed, succeeded, or finished (done=) jobs. */
enum halt_what { HALT_FAIL, HALT_SUCCESS, HALT_DONE };
/* -j N, +N (cores + N), -N (cores - N), N% (of the cores), 0 (as many as
 * the open-file limit allows, at most JOBS_MAX_CAP). */
enum jobs_kind { JOBS_ABS, JOBS_PLUS, JOBS_MINUS, JOBS_PCT };
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
	double kill_grace;        /* TERM -> KILL, seconds */

	bool keep_order, line_buffer, tag;
	const char *tagstring;    /* --tagstring: a template, expanded unquoted */
	bool ungroup, files;      /* -u, --files */
	const char *tmpdir;       /* --tmpdir; NULL: $TMPDIR */
	bool print_cmd;           /* -v: each command before its output */
	const char *results;
	const char *joblog;
	const char *resume;       /* --resume / --resume-failed FILE */
	bool resume_flag;         /* GNU's --joblog FILE --resume: resume is FILE */
	bool dry_run;
	bool plus;                /* --plus replacement strings */
	const char *report;       /* --report JOBLOG: a mode of its own */
	unsigned report_run;      /* --report-run N; 0: the last run */
	const char *report_svg;   /* --svg FILE */
	const char *report_html;  /* --html FILE */

	char **hostfiles;         /* -H, in order */
	size_t nhostfiles;
	char **sshlogins;         /* -S, in order */
	size_t nsshlogins;
	char **sshloginfiles;     /* --sshloginfile, in order ("..": the default) */
	size_t nsshloginfiles;
	bool accept_new_hostkeys;
	double keepalive;
	double host_wait;
	double connect_timeout;   /* lookup + connect + handshake + auth */

	int verbose;              /* 0 --quiet, 1, 2 --debug */
	bool help, version;
};

/* Fills o from argv. PFAN_OK, or PFAN_E_INPUT with cause ("--jobs: 'x' is
 * not a number"). The strings point into argv. */
int options_parse(struct pfan_opts *o, int argc, char **argv, char **cause);
/* `pfan --resume FILE` alone replays FILE's recorded command line rec_argv;
 * argv is the one given now. The result (*out_argv, malloc'd, NULL-ended,
 * its strings borrowed) is rec_argv with argv's options (but --resume FILE)
 * added after the recorded ones, so that they win. PFAN_E_INPUT naming
 * the first option of argv that would change the run's jobs. */
int options_replay_argv(int rec_argc, char **rec_argv, int argc, char **argv,
    int *out_argc, char ***out_argv, char **cause);
void options_usage(FILE *fp);
/* The slots -j asks for on a machine with `cores` cores (at least 1). */
unsigned options_jobs_slots(const struct pfan_opts *o, unsigned cores);
/* Seconds in s: a number, or GNU parallel's units (1h30m, 2.5s, 1d).
 * PFAN_OK or PFAN_E_INPUT. */
int options_parse_duration(const char *s, double *out);
void options_free(struct pfan_opts *o);

#endif
