/* optgnu.h: GNU parallel's options that pfan does not have. Each gets a
 * message that says so (with what to use instead, where there is
 * something), never "unknown option" and never a guess; --help and the
 * man page list them. */
#ifndef PFAN_OPTGNU_H
#define PFAN_OPTGNU_H
#include <stdio.h>

/* The message (malloc'd) for an option pfan does not have: one of GNU
 * parallel's, or not an option at all. Either shortopt is the letter of
 * "-t", or it is 0 and tok is the long option as typed ("--bar=1"). */
char *optgnu_not_an_option(const char *tok, int shortopt);
/* --help's list of them, after pfan's own options. */
void optgnu_usage(FILE *fp);

#endif
