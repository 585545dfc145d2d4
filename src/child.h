/* child.h: the first step of a helper process pfan forks (resolve.c,
 * guard.c): hold nothing of pfan's. */
#ifndef PFAN_CHILD_H
#define PFAN_CHILD_H
#include <stdbool.h>

/* Moves fd to descriptor `at` (at >= 3), makes stdin, stdout and stderr
 * /dev/null, and closes every other descriptor: no job pipe, SSH socket or
 * terminal stays open in the helper (a Makefile waits on an open stdout).
 * False when it cannot; the child should then _exit. */
bool child_keep_only(int fd, int at);

#endif
