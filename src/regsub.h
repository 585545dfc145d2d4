/* regsub.h: Perl's s/REGEX/REPLACEMENT/flags, on PCRE2.
 *
 * The {= =} of a template holds such a statement (template.c finds the
 * braces and the position, this module does the rest). Any punctuation
 * but \ { ( [ < is a delimiter; \delim stands for the delimiter; flags
 * g, i, m, s, x; \1 and $& in the replacement. A compiled regsub owns its
 * match data and scratch space: one regsub, one thread.
 */
#ifndef PFAN_REGSUB_H
#define PFAN_REGSUB_H
#include <stddef.h>
#include "buf.h"

struct regsub;

/* Compiles the statement src[0..len) (spaces around it and a trailing ;
 * allowed, as Perl allows them). PFAN_E_INPUT with *what, a message
 * without any prefix ("regex error at offset 2: missing )"), for a bad
 * one. */
int regsub_parse(struct regsub **out, const char *src, size_t len, char **what);
/* Sets out to the result of the substitution on v[0..len). PFAN_E_INPUT
 * with *what, out as it was, when the match fails (e.g. its match limit)
 * or the result holds a NUL byte. */
int regsub_apply(struct regsub *r, const char *v, size_t len, struct buf *out,
    char **what);
void regsub_free(struct regsub *r);

#endif
