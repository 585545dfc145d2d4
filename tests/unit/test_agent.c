/* test_agent.c: the remote agent (agentscript.c) run here, under perl,
 * as sshd would run it but on pipes: the cases of
 * tests/data/agent_cases.txt all at once, then what a table cannot say:
 * a cancel kills the job's whole group and only it; a workdir that is
 * missing, or made; 1 MiB of output whole; kill on loss: the agent's
 * stdin closing, or the agent SIGKILLed, kills the groups it runs; a
 * login shell that cannot run its slot shells makes it exit ungreeted.
 * Waits are for events, each bounded (a hang fails, slowness does not). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agentproto.h"
#include "agentscript.h"
#include "buf.h"
#include "cescape.h"
#include "loop.h"
#include "sshwrap.h"

#define DEADLINE 60   /* seconds any one wait may take before it fails */
#define MAXJOBS 64

struct agent {
	pid_t pid;
	int in, out;              /* its stdin (ours to write), its stdout */
	struct agentproto_reader rd;
	struct buf got[MAXJOBS][3];   /* [id][1 stdout, 2 stderr] */
	char end[MAXJOBS];        /* the X code, 0 until it came */
	int num[MAXJOBS];
};

static void
agent_start(struct agent *a)
{
	int in[2], out[2];

	memset(a, 0, sizeof *a);
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	a->pid = fork();
	assert_true(a->pid >= 0);
	if (a->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]), close(in[1]), close(out[0]), close(out[1]);
		setenv("SHELL", "/bin/sh", 1);
		execlp("perl", "perl", "-e", agentscript_text(), (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	a->in = in[1];
	a->out = out[0];
	signal(SIGPIPE, SIG_IGN);
	/* the greeting, before anything else */
	char g[sizeof AGENTPROTO_GREETING - 1];
	size_t n = 0;
	while (n < sizeof g) {
		ssize_t k = read(a->out, g + n, sizeof g - n);
		assert_true(k > 0);
		n += (size_t)k;
	}
	assert_memory_equal(g, AGENTPROTO_GREETING, sizeof g);
}

static void
agent_send(struct agent *a, const struct buf *b)
{
	size_t off = 0;
	while (off < b->len) {
		ssize_t k = write(a->in, b->data + off, b->len - off);
		assert_true(k > 0);
		off += (size_t)k;
	}
}

static void
agent_job(struct agent *a, unsigned id, const char *cmd, const char *dir, bool mk)
{
	struct buf b = BUF_INIT;
	struct agentproto_job j = { .seq = 7, .slot = 3, .host = "node-x",
	    .workdir = dir, .workdir_create = mk, .inline_ok = sshwrap_inline_ok(cmd),
	    .cmd = cmd };
	agentproto_job(&b, id, &j);
	agent_send(a, &b);
	buf_free(&b);
}

/* Reads frames until done(a, arg) or EOF; false on EOF. */
static bool
agent_until(struct agent *a, bool (*done)(struct agent *, void *), void *arg)
{
	double limit = mono_now() + DEADLINE;
	char data[65536];

	while (!done(a, arg)) {
		struct pollfd p = { a->out, POLLIN, 0 };
		if (mono_now() > limit)
			fail_msg("the agent said nothing for %d s", DEADLINE);
		if (poll(&p, 1, 1000) <= 0)
			continue;
		ssize_t n = read(a->out, data, sizeof data);
		if (n == 0)
			return false;
		assert_true(n > 0);
		agentproto_feed(&a->rd, data, (size_t)n);
		struct agentproto_event ev;
		const char *why;
		int r;
		while ((r = agentproto_next(&a->rd, &ev, &why)) > 0) {
			assert_true(ev.id < MAXJOBS);
			if (ev.type == AGENTPROTO_END) {
				assert_int_equal(a->end[ev.id], 0);   /* once */
				a->end[ev.id] = "eskdfn"[ev.end];
				a->num[ev.id] = ev.num;
			} else {
				assert_int_equal(a->end[ev.id], 0);   /* output before the end */
				buf_add(&a->got[ev.id][ev.type == AGENTPROTO_OUT ? 1 : 2],
				    ev.data, ev.len);
			}
		}
		if (r < 0)
			fail_msg("the agent sent %s", why);
	}
	return true;
}

static bool
ended(struct agent *a, void *arg)
{
	return a->end[*(unsigned *)arg] != 0;
}

static bool
all_ended(struct agent *a, void *arg)
{
	unsigned n = *(unsigned *)arg;
	for (unsigned i = 1; i <= n; i++)
		if (a->end[i] == 0)
			return false;
	return true;
}

static bool
has_line(struct agent *a, void *arg)
{
	return memchr(a->got[*(unsigned *)arg][1].data ? a->got[*(unsigned *)arg][1].data : "",
	    '\n', a->got[*(unsigned *)arg][1].len) != NULL;
}

/* Closes its stdin and reaps it; its exit status. */
static int
agent_stop(struct agent *a)
{
	int st;
	close(a->in);
	assert_int_equal(waitpid(a->pid, &st, 0), a->pid);
	close(a->out);
	agentproto_reader_free(&a->rd);
	for (int i = 0; i < MAXJOBS; i++)
		for (int s = 0; s < 3; s++)
			buf_free(&a->got[i][s]);
	return st;
}

/* Waits (bounded) until no process is in group pgid. */
static void
wait_group_gone(pid_t pgid)
{
	double limit = mono_now() + DEADLINE;
	while (kill(-pgid, 0) == 0 || errno != ESRCH) {
		if (mono_now() > limit)
			fail_msg("process group %d still there after %d s", (int)pgid, DEADLINE);
		usleep(20000);
	}
}

static void
test_table(void **state)
{
	(void)state;
	char path[4096], line[4096];
	snprintf(path, sizeof path, "%s/tests/data/agent_cases.txt",
	    getenv("PFAN_SRCDIR") != NULL ? getenv("PFAN_SRCDIR") : ".");
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	struct agent *a = calloc(1, sizeof *a);
	char *want[MAXJOBS][4] = { { NULL } };
	int lines[MAXJOBS];
	unsigned n = 0;
	int lineno = 0;

	agent_start(a);
	while (fgets(line, sizeof line, f) != NULL) {
		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		char *field[4], *p = line;
		for (int i = 0; i < 4; i++) {
			field[i] = p;
			p = strchr(p, '\t');
			if (p == NULL && i < 3)
				fail_msg("agent_cases.txt:%d: want 4 fields", lineno);
			if (p != NULL)
				*p++ = '\0';
		}
		n++;
		assert_true(n < MAXJOBS);
		lines[n] = lineno;
		for (int i = 0; i < 4; i++)
			want[n][i] = strdup(field[i]);
		agent_job(a, n, field[0], NULL, false);
	}
	fclose(f);
	assert_true(n >= 10);
	assert_true(agent_until(a, all_ended, &n));
	for (unsigned i = 1; i <= n; i++) {
		for (int s = 1; s <= 2; s++) {
			struct buf w = BUF_INIT;
			cescape_decode(want[i][s], strlen(want[i][s]), &w);
			if (w.len != a->got[i][s].len ||
			    (w.len > 0 && memcmp(w.data, a->got[i][s].data, w.len) != 0))
				fail_msg("agent_cases.txt:%d: %s: got '%s' on %s, want '%s'",
				    lines[i], want[i][0], buf_cstr(&a->got[i][s]),
				    s == 1 ? "stdout" : "stderr", buf_cstr(&w));
			buf_free(&w);
		}
		char got_end[32];
		snprintf(got_end, sizeof got_end, "%c %d", a->end[i], a->num[i]);
		if (strcmp(got_end, want[i][3]) != 0)
			fail_msg("agent_cases.txt:%d: %s: ended '%s', want '%s'", lines[i],
			    want[i][0], got_end, want[i][3]);
		for (int k = 0; k < 4; k++)
			free(want[i][k]);
	}
	int st = agent_stop(a);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	free(a);
}

/* A cancel kills the job's group, children too, and nothing else. */
static void
test_cancel(void **state)
{
	(void)state;
	struct agent *a = calloc(1, sizeof *a);
	unsigned victim = 1, other = 2;
	struct buf k = BUF_INIT;

	agent_start(a);
	agent_job(a, victim, "ps -o pgid= -p $$; sleep 300 & wait", NULL, false);
	agent_job(a, other, "ps -o pgid= -p $$; sleep 2; echo survived", NULL, false);
	assert_true(agent_until(a, has_line, &victim));
	assert_true(agent_until(a, has_line, &other));
	pid_t pg = (pid_t)atoi(buf_cstr(&a->got[victim][1]));
	pid_t pg_other = (pid_t)atoi(buf_cstr(&a->got[other][1]));
	assert_true(pg > 1);
	/* groups of their own: not the agent's, not each other's */
	assert_int_not_equal(pg, getpgid(a->pid));
	assert_int_not_equal(pg, pg_other);
	agentproto_kill(&k, victim);
	agent_send(a, &k);
	assert_true(agent_until(a, ended, &victim));
	assert_int_equal(a->end[victim], 'k');
	wait_group_gone(pg);   /* the background sleep too */
	assert_true(agent_until(a, ended, &other));
	assert_int_equal(a->end[other], 'e');
	assert_int_equal(a->num[other], 0);
	assert_non_null(strstr(buf_cstr(&a->got[other][1]), "survived"));
	/* a cancel for a job that ended, or never was, is nothing */
	agent_send(a, &k);
	buf_reset(&k);
	agentproto_kill(&k, 42);
	agent_send(a, &k);
	unsigned last = 3;
	agent_job(a, last, "echo still", NULL, false);
	assert_true(agent_until(a, ended, &last));
	assert_string_equal(buf_cstr(&a->got[last][1]), "still\n");
	buf_free(&k);
	agent_stop(a);
	free(a);
}

static void
test_workdir(void **state)
{
	(void)state;
	struct agent *a = calloc(1, sizeof *a);
	char tmpl[] = "/tmp/pfan-agent.XXXXXX";
	char *top = mkdtemp(tmpl);
	assert_non_null(top);
	char *missing, *made;
	assert_true(asprintf(&missing, "%s/none", top) > 0);
	assert_true(asprintf(&made, "%s/a/b", top) > 0);
	unsigned i1 = 1, i2 = 2;

	agent_start(a);
	agent_job(a, i1, "echo ran", missing, false);
	assert_true(agent_until(a, ended, &i1));
	assert_int_equal(a->end[i1], 'd');
	assert_int_equal(a->got[i1][1].len, 0);   /* it never ran */
	agent_job(a, i2, "pwd", made, true);
	assert_true(agent_until(a, ended, &i2));
	assert_int_equal(a->end[i2], 'e');
	struct buf want = BUF_INIT;
	buf_addf(&want, "%s\n", made);
	assert_string_equal(buf_cstr(&a->got[i2][1]), buf_cstr(&want));
	struct stat st;
	assert_int_equal(stat(made, &st), 0);
	assert_int_equal(st.st_mode & 077, 0);
	agent_stop(a);
	buf_free(&want);
	char *rm;
	assert_true(asprintf(&rm, "rm -rf %s", top) > 0);
	assert_int_equal(system(rm), 0);
	free(rm), free(missing), free(made), free(a);
}

static void
test_big_output(void **state)
{
	(void)state;
	struct agent *a = calloc(1, sizeof *a);
	unsigned id = 1;

	agent_start(a);
	agent_job(a, id, "seq 1 200000", NULL, false);
	assert_true(agent_until(a, ended, &id));
	assert_int_equal(a->end[id], 'e');
	FILE *p = popen("seq 1 200000", "r");
	struct buf want = BUF_INIT;
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, p)) > 0)
		buf_add(&want, chunk, n);
	pclose(p);
	assert_true(want.len > 1000000);
	assert_int_equal(a->got[id][1].len, want.len);
	assert_memory_equal(a->got[id][1].data, want.data, want.len);
	buf_free(&want);
	agent_stop(a);
	free(a);
}

/* Kill on loss: stdin closed (the channel, pfan or the connection gone). */
static void
test_stdin_eof_kills(void **state)
{
	(void)state;
	struct agent *a = calloc(1, sizeof *a);
	unsigned id = 1;

	agent_start(a);
	agent_job(a, id, "ps -o pgid= -p $$; sleep 300 & sleep 300", NULL, false);
	assert_true(agent_until(a, has_line, &id));
	pid_t pg = (pid_t)atoi(buf_cstr(&a->got[id][1]));
	int st = agent_stop(a);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	wait_group_gone(pg);
	free(a);
}

/* Kill on loss: the agent itself SIGKILLed; its watcher kills the jobs. */
static void
test_agent_killed(void **state)
{
	(void)state;
	struct agent *a = calloc(1, sizeof *a);
	unsigned id = 1, id2 = 2;

	agent_start(a);
	agent_job(a, id, "ps -o pgid= -p $$; sleep 300 & sleep 300", NULL, false);
	agent_job(a, id2, "ps -o pgid= -p $$; sleep 300", NULL, false);
	assert_true(agent_until(a, has_line, &id));
	assert_true(agent_until(a, has_line, &id2));
	pid_t pg = (pid_t)atoi(buf_cstr(&a->got[id][1]));
	pid_t pg2 = (pid_t)atoi(buf_cstr(&a->got[id2][1]));
	assert_int_equal(kill(a->pid, SIGKILL), 0);
	int st = agent_stop(a);
	assert_true(WIFSIGNALED(st));
	wait_group_gone(pg);
	wait_group_gone(pg2);
	free(a);
}

/* A login shell that cannot run the slot shells (here /bin/false): no
 * greeting, a message, an exit; pfan then falls back to channels. */
static void
test_bad_shell(void **state)
{
	(void)state;
	int out[2], err[2], st;
	assert_int_equal(pipe(out), 0);
	assert_int_equal(pipe(err), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(out[1], 1);
		dup2(err[1], 2);
		close(out[0]), close(out[1]), close(err[0]), close(err[1]);
		setenv("SHELL", "/bin/false", 1);
		execlp("perl", "perl", "-e", agentscript_text(), (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	char buf[512];
	ssize_t n = read(out[0], buf, sizeof buf);
	assert_int_equal(n, 0);   /* EOF, never the greeting */
	n = read(err[0], buf, sizeof buf - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "cannot run its slot shells"));
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) != 0);
	close(out[0]);
	close(err[0]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_workdir),
		cmocka_unit_test(test_big_output),
		cmocka_unit_test(test_stdin_eof_kills),
		cmocka_unit_test(test_agent_killed),
		cmocka_unit_test(test_bad_shell),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
