/* input.h: the job arguments, as a lazy iterator.
 *
 * Sources: stdin lines (or NUL-separated with -0), `::: a b c` lists,
 * `:::: FILE` and `-a FILE` files (`-` is stdin). Several sources combine
 * as a cartesian product, the last varying fastest (as GNU parallel), or
 * pairwise with --link (shorter sources wrap around); a source marked
 * linked (:::+, ::::+) is paired with the one before it, up to the shorter
 * of the two. --colsep REGEX splits each record into columns (PCRE2).
 * -n N puts N records in one job; -m/-X as many as max_chars allows (a
 * short input shared evenly by `spread` jobs, as GNU parallel does).
 * -d, -E, -r, --trim and --header shape the records (options.c says how).
 * Only the first source is read lazily; the others are read whole at open
 * (a product needs them again and again). Reading never blocks: when the
 * lazy source is a pipe or terminal with no complete record buffered,
 * input_next returns PFAN_AGAIN and the caller polls input_fd() for POLLIN.
 */
#ifndef PFAN_INPUT_H
#define PFAN_INPUT_H
#include <stdbool.h>
#include "args.h"
#include "record.h"

enum input_kind { INPUT_STDIN, INPUT_FILE, INPUT_LIST };

struct input_source {
	enum input_kind kind;
	const char *path;        /* INPUT_FILE: file name, "-" = stdin */
	char **items;            /* INPUT_LIST: the ::: values */
	size_t nitems;
	bool linked;             /* :::+ / ::::+: paired with the source before */
};


struct input_config {
	struct input_source *sources;   /* none: stdin */
	size_t nsources;
	bool null_sep;                  /* -0: records end with NUL, not \n */
	const char *colsep;             /* PCRE2 pattern, or NULL */
	bool link;                      /* --link instead of the product */
	unsigned max_args;              /* -n: values per job (0 = 1) */
	bool no_args;                   /* -N0: one record per job, no values */
	const char *delim;              /* -d: record separator (delim_len bytes) */
	size_t delim_len;
	const char *eof_str;            /* -E: a record equal to it ends its source */
	bool skip_blank;                /* -r: drop records of white space only */
	enum input_trim trim;           /* --trim; default: both with --colsep */
	const char *header;             /* --header: ":", N lines, or a regex */
	size_t max_chars;               /* -m/-X: values' bytes per job (0: off) */
	size_t value_extra;             /* -X: bytes each value adds besides itself */
	unsigned spread;                /* -m/-X: job slots to share short input */
	int stdin_fd;                   /* normally 0; tests pass a pipe */
};

struct input;

/* Opens every source; reads all but the first whole. PFAN_E_INPUT with
 * cause ("FILE: No such file or directory", bad colsep with PCRE2's
 * message and offset, -n with several sources) on error. */
int input_open(struct input **out, const struct input_config *cfg, char **cause);
/* Next job's values into *a (which the caller then owns and frees with
 * args_free). PFAN_OK, PFAN_EOF at the end, PFAN_AGAIN (poll input_fd()),
 * or PFAN_E_INPUT for a bad record (cause: "stdin:LINE: NUL byte in input
 * line (use -0 for NUL-separated input)"), after which the iterator has
 * moved past the record and may be called again. */
int input_next(struct input *in, struct args *a, char **cause);
/* --header: the column names (NULL where a column has none), n of them;
 * the i-th name is the value {i+1}. */
void input_names(const struct input *in, char *const **names, size_t *n);
/* The fd to poll when input_next says PFAN_AGAIN; -1 if none. */
int input_fd(const struct input *in);
/* True when the input came from an empty regular file on stdin and
 * nothing else: main warns that `<>` unquoted may have been a redirection. */
bool input_was_empty_stdin_file(const struct input *in);
void input_free(struct input *in);

#endif
