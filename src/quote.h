/* quote.h: POSIX shell quoting. A quoted value is exactly one word to
 * /bin/sh (dash, bash, busybox), whatever bytes it holds: `a b; rm -rf ~`
 * stays data, never code. */
#ifndef PFAN_QUOTE_H
#define PFAN_QUOTE_H
#include <stddef.h>
#include "buf.h"

/* Appends s (len bytes) to out as one shell word: unchanged when every byte
 * is in the safe set [A-Za-z0-9_@%+:,./-] and s is not empty; else in
 * single quotes, with each ' written as '\''. */
void quote_shell(struct buf *out, const char *s, size_t len);
/* -q: out[start..] is words separated by NUL bytes (a value holds none);
 * each becomes one shell word, quoted as above, the words joined by
 * spaces. An empty word is ''. */
void quote_words(struct buf *out, size_t start);
/* The same into a new malloc'd string. */
char *quote_shell_str(const char *s);

#endif
