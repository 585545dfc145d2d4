/* opttable.h: pfan's options as data: each long name, its id (the short
 * letter where it has one), whether it takes a value, and its help line.
 * options.c parses with it; --help, the man page check (docs.bats) and the
 * shell completions (generated at build time) all read the same rows, so
 * an option added here is documented and completed everywhere.
 *
 * Called by: options.c.
 */
#ifndef PFAN_OPTTABLE_H
#define PFAN_OPTTABLE_H
#include <stddef.h>

enum opt_id {
	OPT_ARG_FILE = 'a', OPT_HOSTFILE = 'H', OPT_HELP = 'h', OPT_JOBS = 'j',
	OPT_KEEP_ORDER = 'k', OPT_MAX_ARGS = 'n', OPT_SSHLOGIN = 'S',
	OPT_VERBOSE = 'v', OPT_VERSION = 'V', OPT_NULL = '0', OPT_QUOTE = 'q',
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
	OPT_WORKDIR, OPT_TRANSFERFILE, OPT_RETURN, OPT_CLEANUP, OPT_TRC,
	OPT_BASEFILE, OPT_ENV,
	OPT_BAR, OPT_ETA, OPT_PROGRESS, OPT_SUMMARY, OPT_CHECK,
	OPT_ONALL, OPT_NONALL, OPT_FOLD,
	OPT_PIPE, OPT_PIPEPART, OPT_BLOCK, OPT_RECSTART, OPT_RECEND,
	OPT_HOSTS,
	OPT_JSON_JOBS, OPT_JSON_RESULTS, OPT_NO_REMOTE_AGENT,
};

struct opt_def {
	const char *name;
	int id;
	int has_arg;
	const char *argname;
	const char *help;
};

/* A row whose id an earlier row has is another name for it. The MAX
 * bounds size options.c's getopt tables; opttable.c asserts them. */
#define OPT_TABLE_MAX 160
#define SHORT_ALIAS_MAX 4
extern const struct opt_def opt_table[];
extern const size_t opt_table_n;

struct opt_short_alias {
	char c;
	int id;
};
/* Short options that are another letter for a row. */
extern const struct opt_short_alias short_alias[];
extern const size_t short_alias_n;

#endif
