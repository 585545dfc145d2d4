/* optpos.h: what follows pfan's options on the command line: the command
 * template's words, then ::: lists and :::: files in order (:::+ and
 * ::::+ link a source to the one before). */
#ifndef PFAN_OPTPOS_H
#define PFAN_OPTPOS_H
#include "input.h"

/* Splits argv[i] to argv[argc - 1]: *template points at the command's
 * words (*ntemplate of them, maybe 0); each list and file is added to
 * in's sources. arg_sep and arg_file_sep rename ::: and :::: (NULL: not
 * renamed). PFAN_E_INPUT when the command is blank or a separator has no
 * values. */
int optpos_split(int argc, char **argv, int i, const char *arg_sep,
    const char *arg_file_sep, char ***template, int *ntemplate,
    struct input_config *in, char **cause);
/* Adds a source to in (path: INPUT_FILE's file name, "-" for stdin). */
void optpos_add_source(struct input_config *in, enum input_kind kind,
    const char *path);

#endif
