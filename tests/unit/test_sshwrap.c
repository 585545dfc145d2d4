/* test_sshwrap.c: the remote wrapper (sshwrap.c) run by /bin/sh in a new
 * session with a pipe for stdin, as sshd runs it: its exit status or
 * signal for each case in tests/data/sshwrap_cases.txt, which jobs run
 * inline, that the job's plain `/bin/sh -c` (a local job) ends the same
 * way, and that closing stdin kills the job's whole process group. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "execin.h"
#include "sshwrap.h"
#include "xalloc.h"

struct run {
	pid_t pid;
	int stdin_wr;
};

/* Starts the wrapper around cmd or, plain, cmd alone as a local job runs
 * (/bin/sh -c, PFAN_* in its environment). */
static struct run
start_fed(const char *cmd, bool plain, const char *workdir, int nice,
    const struct exec_stdin *in)
{
	struct exec_request req = { .cmd = cmd, .seq = 7, .slot = 3, .host = "node 1",
	    .nice = nice, .workdir = workdir, .in = in };
	struct buf text = BUF_INIT;
	int p[2];
	struct run r;

	if (plain)
		buf_adds(&text, cmd);
	else
		sshwrap_command(&text, &req);
	assert_int_equal(pipe(p), 0);
	r.pid = fork();
	assert_true(r.pid >= 0);
	if (r.pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		/* As under sshd: default dispositions, whatever ours are (a
		 * background CI job inherits SIGINT ignored). */
		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGUSR1, SIG_DFL);
		signal(SIGUSR2, SIG_DFL);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		setsid();
		/* sshd sets SHELL to the login shell: the test user's is sh */
		setenv("SHELL", "/bin/sh", 1);
		if (plain) {
			setenv("PFAN_SEQ", "7", 1);
			setenv("PFAN_SLOT", "3", 1);
			setenv("PFAN_HOST", "node 1", 1);
		}
		dup2(p[0], 0);
		if (plain)   /* a local job's stdin is at EOF */
			dup2(open("/dev/null", O_RDONLY), 0);
		dup2(null, 1);
		dup2(null, 2);
		close(p[0]);
		close(p[1]);
		execl("/bin/sh", "sh", "-c", text.data, (char *)NULL);
		_exit(127);
	}
	close(p[0]);
	r.stdin_wr = p[1];
	buf_free(&text);
	return r;
}

static struct run
start_in(const char *cmd, bool plain, const char *workdir, int nice)
{
	return start_fed(cmd, plain, workdir, nice, NULL);
}

static struct run
start_as(const char *cmd, bool plain)
{
	return start_in(cmd, plain, NULL, 0);
}

static struct run
start(const char *cmd)
{
	return start_as(cmd, false);
}

/* The status pfan records, as 128+N for a signal N (the way a remote
 * job's is reported): the wrapper's "ok" is 0. */
static int
as_code(int status, bool wrapper)
{
	if (WIFSIGNALED(status))
		return wrapper && WTERMSIG(status) == SIGUSR1 ? 0 : 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* "ok", "exit N" or "signal N", as pfan would read the channel's end. */
static void
describe(int status, char *out, size_t len)
{
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGUSR1)
		snprintf(out, len, "ok");
	else if (WIFSIGNALED(status))
		snprintf(out, len, "signal %d", WTERMSIG(status));
	else
		snprintf(out, len, "exit %d", WEXITSTATUS(status));
}

static void
test_cases(void **state)
{
	const char *srcdir = getenv("PFAN_SRCDIR");
	char *path = xasprintf("%s/tests/data/sshwrap_cases.txt", srcdir ? srcdir : ".");
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int ncases = 0, nfail = 0;

	(void)state;
	assert_non_null(f);
	while ((n = getline(&line, &cap, f)) > 0) {
		char got[64];
		int status;
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		char *inl = line, *expect = strchr(line, '\t');
		assert_non_null(expect);
		*expect++ = '\0';
		char *cmd = strchr(expect, '\t');
		assert_non_null(cmd);
		*cmd++ = '\0';

		bool want_inline = strcmp(inl, "yes") == 0;
		if (sshwrap_inline_ok(cmd) != want_inline) {
			print_error("inline: %s: want %s\n", cmd, inl);
			nfail++;
		}
		struct run r = start(cmd);
		assert_int_equal(waitpid(r.pid, &status, 0), r.pid);
		close(r.stdin_wr);
		describe(status, got, sizeof got);
		if (strcmp(got, expect) != 0) {
			print_error("%s: want %s, got %s\n", cmd, expect, got);
			nfail++;
		}
		/* the same command as a local job: the same status */
		int plain_status;
		r = start_as(cmd, true);
		assert_int_equal(waitpid(r.pid, &plain_status, 0), r.pid);
		close(r.stdin_wr);
		if (as_code(plain_status, false) != as_code(status, true)) {
			print_error("%s: as a local job %d, in the wrapper %d\n", cmd,
			    as_code(plain_status, false), as_code(status, true));
			nfail++;
		}
		ncases++;
	}
	free(line);
	fclose(f);
	free(path);
	assert_true(ncases >= 20);
	assert_int_equal(nfail, 0);
}

/* --pipe: the job gets exactly the block's bytes and then EOF, though
 * the channel's stdin stays open and more follows (a job that read to the
 * channel's EOF would wait for pfan, which waits for the job). */
static void
test_pipe_block(void **state)
{
	struct exec_stdin in = { "h\n", 2, "abc\n", -1, 0, 4 };
	const char *cmds[] = {
		"test \"$(cat)\" = \"$(printf 'h\\nabc')\"",   /* in a child shell */
		"wc -c | grep -qx 6",                          /* inline */
	};
	char got[64];
	int status;

	(void)state;
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		struct run r = start_fed(cmds[i], false, NULL, 0, &in);
		assert_int_equal(write(r.stdin_wr, "h\nabc\nMORE", 10), 10);
		assert_int_equal(waitpid(r.pid, &status, 0), r.pid);
		close(r.stdin_wr);
		describe(status, got, sizeof got);
		if (strcmp(got, "ok") != 0) {
			print_error("%s: want ok, got %s\n", cmds[i], got);
			fail();
		}
	}
}

/* A live (not zombie) process in group pgid. Orphans are reaped by init,
 * which may take its time, so kill(-pgid, 0) would see zombies too. */
static bool
group_alive(pid_t pgid)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	bool alive = false;

	assert_non_null(d);
	while (!alive && (e = readdir(d)) != NULL) {
		char path[300], buf[512], *p;
		FILE *f;
		char state;
		int pid, ppid, pgrp;
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fgets(buf, sizeof buf, f) != NULL && (p = strrchr(buf, ')')) != NULL &&
		    sscanf(p + 1, " %c %d %d", &state, &ppid, &pgrp) == 3 &&
		    pgrp == pgid && state != 'Z' && sscanf(buf, "%d", &pid) == 1)
			alive = true;
		fclose(f);
	}
	closedir(d);
	return alive;
}

/* EOF on stdin (pfan's cancel, pfan dying, the connection dropping) kills
 * the job's process group: TERM at once, KILL after the grace for what
 * ignores TERM. Both the inline and the subshell path. */
static void
check_cancel(const char *cmd, int want_signal, double max_secs)
{
	struct run r = start(cmd);
	struct timespec pause = { 0, 300 * 1000 * 1000 };
	int status;

	nanosleep(&pause, NULL);
	assert_int_equal(waitpid(r.pid, &status, WNOHANG), 0);   /* still running */
	close(r.stdin_wr);
	assert_int_equal(waitpid(r.pid, &status, 0), r.pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), want_signal);
	/* the group (background sleeps, the watcher) is gone within the grace */
	for (int i = 0; i < (int)(max_secs * 10) && group_alive(r.pid); i++) {
		struct timespec t = { 0, 100 * 1000 * 1000 };
		nanosleep(&t, NULL);
	}
	assert_false(group_alive(r.pid));
}

static void
test_cancel_inline(void **state)
{
	(void)state;
	check_cancel("sleep 30 & sleep 31", SIGTERM, SSHWRAP_KILL_GRACE + 1.5);
}

static void
test_cancel_subshell(void **state)
{
	(void)state;
	check_cancel("trap '' TERM; sleep 30 & wait", SIGTERM, SSHWRAP_KILL_GRACE + 1.5);
}

static void
expect_in(const char *cmd, const char *workdir, const char *want)
{
	struct run r = start_in(cmd, false, workdir, 0);
	char got[64];
	int status;

	assert_int_equal(waitpid(r.pid, &status, 0), r.pid);
	close(r.stdin_wr);
	describe(status, got, sizeof got);
	if (strcmp(got, want) != 0)
		print_error("%s in %s: want %s, got %s\n", cmd, workdir, want, got);
	assert_string_equal(got, want);
}

/* --nice N: the job, and what it starts, runs at niceness N more than
 * the wrapper's shell (nice(1) prints its own); its status comes back
 * as ever. */
static void
test_nice(void **state)
{
	char *cmd = xasprintf("test \"$(nice)\" -eq $(( $(cat /proc/%d/stat | "
	    "cut -d' ' -f19) + 5 ))", (int)getpid());
	struct run r = start_in(cmd, false, NULL, 5);
	char got[64];
	int status;

	(void)state;
	assert_int_equal(waitpid(r.pid, &status, 0), r.pid);
	close(r.stdin_wr);
	describe(status, got, sizeof got);
	assert_string_equal(got, "ok");
	free(cmd);
	r = start_in("nice -n 0 sh -c 'exit 3'", false, NULL, 5);
	assert_int_equal(waitpid(r.pid, &status, 0), r.pid);
	close(r.stdin_wr);
	describe(status, got, sizeof got);
	assert_string_equal(got, "exit 3");
}

/* The job runs in its workdir; a missing one is the wrapper's death by
 * SIGUSR2 before the job starts; a job that dies of USR2 itself is its
 * own exit 140, never taken for a missing directory. */
static void
test_workdir(void **state)
{
	char want[32], missing[32];

	(void)state;
	snprintf(missing, sizeof missing, "signal %d", SIGUSR2);
	expect_in("test \"$PWD\" = /tmp", "/tmp", "ok");
	expect_in("sh -c 'test \"$(pwd)\" = /tmp' && true", "/tmp", "ok");
	expect_in("true", "/nonexistent/pfan-dir", missing);
	expect_in("echo not here >/dev/null", "/nonexistent/pfan-dir", missing);
	snprintf(want, sizeof want, "exit %d", 128 + SIGUSR2);
	expect_in("sh -c 'kill -s USR2 $$'", "/tmp", want);
	expect_in("eval 'kill -s USR2 $$'", "/tmp", want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_pipe_block),
		cmocka_unit_test(test_workdir),
		cmocka_unit_test(test_nice),
		cmocka_unit_test(test_cancel_inline),
		cmocka_unit_test(test_cancel_subshell),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
