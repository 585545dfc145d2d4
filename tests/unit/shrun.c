/* shrun.c: see shrun.h. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "shrun.h"

char *
shrun(const char *shell, const char *applet, const char *cmd, size_t *outlen)
{
	struct buf out = BUF_INIT;
	int fds[2], status;
	char chunk[4096];
	ssize_t n;
	pid_t pid;

	if (access(shell, X_OK) != 0)
		return NULL;
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		if (applet != NULL)
			execl(shell, shell, applet, "-c", cmd, (char *)NULL);
		else
			execl(shell, shell, "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	while ((n = read(fds[0], chunk, sizeof chunk)) > 0)
		buf_add(&out, chunk, (size_t)n);
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("%s -c %s: exit status %d", shell, cmd, status);
	*outlen = out.len;
	return buf_steal(&out);
}
