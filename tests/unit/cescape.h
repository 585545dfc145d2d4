/* cescape.h: for the unit tests whose cases are in data files: a case's
 * bytes written with C escapes (test_agentproto, test_agent). */
#ifndef PFAN_TEST_CESCAPE_H
#define PFAN_TEST_CESCAPE_H
#include <stddef.h>

#include "buf.h"

/* Appends s[0..n) to out with \n \t \0 \xHH and \<any> (that byte)
 * decoded. */
void cescape_decode(const char *s, size_t n, struct buf *out);

#endif
