/* header.h: --header's column names in the command template. {name} and
 * its forms {name.} {name/} {name//} {name/.} and {=name ... =} become the
 * positional {N...} of the name's column, before the template is parsed. */
#ifndef PFAN_HEADER_H
#define PFAN_HEADER_H
#include <stddef.h>

/* A new array of nwords malloc'd words; names[i] (NULL: none) is {i+1}. */
char **header_rewrite(int nwords, char *const words[], char *const names[],
    size_t nnames);

#endif
