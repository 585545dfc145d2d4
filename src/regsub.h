/* regsub.h: Perl's s/REGEX/REPLACEMENT/flags, on PCRE2.
 *
 * The {= =} of a template holds such statements (template.c finds the
 * braces and the position, this module does the rest): several, joined
 * by ; (each runs on the result of the one before) or || (the next runs
 * only if the ones before it changed nothing), as in Perl. Any
 * punctuation but \ is a delimiter; \delim stands for the delimiter;
 * a bracketing pair nests, s{RE}{REPL}; flags g, i, m, s, x; \1 and $&
 * in the replacement. Any other Perl is refused: pfan has no Perl. A
 * compiled regsub owns its match data and scratch space: one regsub,
 * one thread.
 */
#ifndef PFAN_REGSUB_H
#define PFAN_REGSUB_H
#include <stddef.h>
#include "buf.h"

struct regsub;

/* Compiles the statements src[0..len). PFAN_E_INPUT with *what, a
 * message without any prefix ("regex error at offset 2: missing )"),
 * for a bad one. */
int regsub_parse(struct regsub **out, const char *src, size_t len, char **what);

#define REGSUB_GLOBAL 1u  /* the g flag */
#define REGSUB_OR     2u  /* joined to the statement before by || */
/* Appends to *r (made when NULL) one statement given in PCRE2's own
 * terms: pattern pat and an extended replacement (${1}, \U...). For the
 * replacement strings that pfan writes itself; *what as above. */
int regsub_add(struct regsub **r, const char *pat, size_t patlen,
    const char *repl, size_t repl_len, unsigned flags, char **what);
/* Sets out to the result of the statements on v[0..len). PFAN_E_INPUT
 * with *what, out empty, when a match fails (e.g. its match limit) or
 * the result holds a NUL byte. */
int regsub_apply(struct regsub *r, const char *v, size_t len, struct buf *out,
    char **what);
void regsub_free(struct regsub *r);

#endif
