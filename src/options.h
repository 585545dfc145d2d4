/* options.h: the command line -> struct pfan_opts (getopt_long, one table
 * that also feeds --help). The parsed options are the only state shared
 * program-wide, and they are passed as `const struct pfan_opts *`. */
#ifndef PFAN_OPTIONS_H
#define PFAN_OPTIONS_H
#include <stdbool.h>
#include <stdio.h>
#include "input.h"

enum halt_when { HALT_NEVER, HALT_SOON, HALT_NOW };

struct pfan_opts {
	int argc;                 /* the whole command line, for the joblog */
	char **argv;

	int ntemplate;            /* the command words (may be 0: --resume) */
	char **template;
	struct input_config input;

	unsigned jobs;            /* -j: 0 = one per core */
	bool jobs_given;
	unsigned retries;
	enum halt_when halt_when;
	bool halt_on_success;     /* success=N, else fail=N */
	unsigned halt_count;
	double timeout;           /* 0: none */
	double kill_grace;        /* TERM -> KILL, seconds */

	bool keep_order, line_buffer, tag;
	const char *results;
	const char *joblog;
	const char *resume;       /* --resume / --resume-failed FILE */
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
	bool accept_new_hostkeys;
	double keepalive;
	double host_wait;
	double connect_timeout;   /* lookup + connect + handshake + auth */

	int verbose;
	bool help, version;
};

/* Fills o from argv. PFAN_OK, or PFAN_E_INPUT with cause ("--jobs: 'x' is
 * not a number"). The strings point into argv. */
int options_parse(struct pfan_opts *o, int argc, char **argv, char **cause);
void options_usage(FILE *fp);
void options_free(struct pfan_opts *o);

#endif
