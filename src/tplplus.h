/* tplplus.h: the replacement strings of --plus, as GNU parallel 20221122
 * has them: {..} {...} {/..} {/...} {+/} {+.} {+..} {+...} {slot} and the
 * bash-like {%RE} {%%RE} {#RE} {##RE} {/RE/S} {//RE/S} {/#RE/S} {/%RE/S}
 * {^RE} {^^RE} {,RE} {,,RE} {:-TEXT} {:N} {:N:M}. GNU defines each as Perl
 * code; each here is that code's meaning, most of them as s/// statements
 * (regsub.h) where RE is a regular expression, as in GNU, not a shell
 * pattern. {##} {0#} {0%} {choose_k} {uniq} {sshlogin} {hgrp} {agrp} are
 * refused.
 */
#ifndef PFAN_TPLPLUS_H
#define PFAN_TPLPLUS_H
#include <stdbool.h>
#include <stddef.h>
#include "buf.h"

struct tplplus;

/* Reads a --plus string at s, just after its "{" (and after its position
 * when positional); avail bytes are there. Returns 1 with *out and *used
 * (the bytes through the closing "}"), 0 when there is none, or
 * PFAN_E_INPUT with *what. *slot instead of *out for {slot}. */
int tplplus_scan(const char *s, size_t avail, bool positional,
    struct tplplus **out, bool *slot, size_t *used, char **what);
/* Sets out to the value v[0..len) transformed; PFAN_E_INPUT with *what. */
int tplplus_apply(struct tplplus *p, const char *v, size_t len, struct buf *out,
    char **what);
void tplplus_free(struct tplplus *p);

#endif
