/* template.h: the command template, parsed once into tokens, expanded per job.
 *
 * The template is the command words joined with single spaces; it is shell
 * code. Replacement strings: {} {.} {/} {//} {/.} {#} {%} {host}, {n} {n.}
 * {n/} {n//} {n/.} (n-th value, 1-based), <> as an alias of {}, and
 * {= s/REGEX/REPL/flags =} / {=n s/REGEX/REPL/flags =} (PCRE2, regsub.h);
 * with --plus, GNU's --plus strings too (tplplus.h).
 * Every substituted value is shell-quoted (quote.h), unless, as in GNU
 * parallel, a replacement string is part of the first word (not after
 * an =): then the values are the command and none is quoted. Without any
 * replacement string the values are appended, each quoted, space-separated.
 *
 * Details (tests/data/template_*.txt has the cases): {n} or {-n} (n-th
 * from the end) with no such value expands to nothing, not ''. Unknown
 * {words} are plain text. s/// also takes Perl's m, s, x flags, and $&,
 * \1 in the replacement. With no words at all (nwords == 0) the values
 * are the command, joined by spaces and not quoted, as GNU parallel runs
 * input lines as commands. With TEMPLATE_QUOTE (-q) each word is instead
 * one shell word: its values go in unquoted and the word, once replaced,
 * is quoted whole (a token's several values split it, as in GNU). Expansion reuses scratch space and pcre2 match
 * data inside the template: one template, one thread.
 */
#ifndef PFAN_TEMPLATE_H
#define PFAN_TEMPLATE_H
#include <stdbool.h>
#include "args.h"
#include "buf.h"

struct template;

struct template_ctx {
	unsigned long long seq;  /* {#} */
	unsigned slot;           /* {%}: 1-based; 0 = leave "{%}" as written */
	const char *host;        /* {host}; NULL = leave "{host}" as written */
};

/* Parses the words into a template. PFAN_E_INPUT with cause for a bad one
 * (unterminated {=, unknown {= =} expression, bad regex with PCRE2's
 * message and offset, {0}). */
#define TEMPLATE_PLUS 1u  /* --plus: the strings of tplplus.h too */
#define TEMPLATE_TEXT 2u  /* not a command (--tagstring): values unquoted, none appended */
#define TEMPLATE_QUOTE 4u /* -q: each word quoted after replacement (GNU's -q) */
int template_parse(struct template **out, int nwords, char *const words[],
    unsigned flags, char **cause);
/* What -I and -X change: rpl stands for {} (and then {}, {n} and <> are
 * plain text, as in GNU parallel); with context, a word (between blanks)
 * holding {} or {= =} is repeated once per value, each copy given one.
 * flags as for template_parse. */
struct template_opts {
	const char *rpl;
	bool context;
	unsigned flags;
};
int template_parse_opts(struct template **out, int nwords, char *const words[],
    const struct template_opts *opts, char **cause);
/* Appends the command for one job to out. The canonical form (slot 0, host
 * NULL) is the job's identity in the joblog and for --resume. Fails with
 * PFAN_E_INPUT and cause, out as it was, only when a {= =} regex fails at
 * match time (e.g. its match limit) or its result holds a NUL byte. */
int template_expand(const struct template *t, const struct args *a,
    const struct template_ctx *ctx, struct buf *out, char **cause);
/* True when the template has {%} or {host}: the running command then
 * differs from the canonical one and must be expanded again per slot. */
bool template_per_slot(const struct template *t);
void template_free(struct template *t);

#endif
