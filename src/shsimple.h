/* shsimple.h: is a shell command one simple command, and if so its words.
 * Pure: no process, no file. local.c runs such a command without
 * /bin/sh -c (posix_spawnp with the words); anything else keeps the shell. */
#ifndef PFAN_SHSIMPLE_H
#define PFAN_SHSIMPLE_H

/* cmd as /bin/sh would split it into a NULL-terminated argv, when it is
 * words only (unquoted bytes [A-Za-z0-9_@%+:,./=#-], '...' quotes, "..."
 * quotes without $ or `, backslash escapes, separated by spaces and tabs;
 * '#' not first in a word), its first word holds no unquoted '=', and
 * names no reserved word or shell builtin (echo, true, test, cd, exit,
 * ...). Else NULL: the command needs a shell. One allocation: free() it. */
char **shsimple_argv(const char *cmd);

#endif
