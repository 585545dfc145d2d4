/* shrun.h: for the unit tests that check what a real shell makes of our
 * text (test_quote, test_template). */
#ifndef PFAN_TEST_SHRUN_H
#define PFAN_TEST_SHRUN_H
#include <stddef.h>

/* Runs `shell [applet] -c cmd` and returns its stdout (malloc'd, *outlen
 * bytes), or NULL when the shell is not installed. Fails the test when the
 * shell does not exit 0. */
char *shrun(const char *shell, const char *applet, const char *cmd, size_t *outlen);

#endif
