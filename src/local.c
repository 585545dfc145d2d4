/* local.c: jobs on this machine.
 *
 * Theory of operation: each task is `/bin/sh -c CMD` started with
 * posix_spawn (vfork speed; glibc reports exec errors as its return value)
 * in a new process group, so cancel() can signal the job's whole tree and a
 * Ctrl-C at the terminal reaches pfan alone. stdin is /dev/null, or with
 * --pipe a pipe whose non-blocking write end the loop feeds the block
 * through as the job reads it, then closes (EOF); a job that exits
 * without reading it all just ends the feeding (EPIPE). stdout and
 * stderr are pipes whose read ends are non-blocking and watched by the
 * loop. SIGCHLD arrives through the loop's self-pipe; we then reap each
 * running task with waitpid(pid, WNOHANG). A task is done once both pipes
 * reached EOF and its exit status is known, in whichever order they come
 * (a job's background child may hold stdout open after sh exits: we wait
 * for it, as GNU parallel does). Each job's group is named to the guard
 * (guard.c) while it runs, so that it dies with pfan however pfan dies.
 *
 * No shell where none is needed. A command that is one simple command of
 * literal words (shsimple.c) is started as sh would start it, by
 * posix_spawnp with its words, without the sh in between (an exec fewer
 * per job). Nothing the job can see changes: the same argv, PATH search,
 * environment (set for both ways as sh would pass it on: PWD right; with
 * dash as /bin/sh, no variable whose name is not a shell name, such as
 * bash's exported functions; with another sh, such a variable keeps every
 * job in sh), descriptors, signals and process group. When the
 * spawn fails (not found, not executable, a script without #!, which sh
 * runs itself) nothing ran: the job is started again through sh, whose
 * message and status (127, 126) it then gets. What sh adds after its
 * child ends is added here. dash forks even for a lone command and waits:
 * a child killed by a signal pfan did not send is reported as dash
 * reports it, exit 128+N and its line on stderr ("Terminated"; none for
 * INT and PIPE); bash, busybox and ksh exec a lone command in place of
 * themselves, so with them the signal is the job's. A job pfan cancelled
 * ends with SIGTERM, as its sh would have. --nice keeps sh (its fork is
 * our own).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "errors.h"
#include "execin.h"
#include "guard.h"
#include "local.h"
#include "log.h"
#include "shsimple.h"
#include "xalloc.h"

extern char **environ;

/* Linux refuses one exec argument longer than this (MAX_ARG_STRLEN). */
#define ARG_STRLEN_MAX (32 * 4096)
#define STDIN_PIPE_SIZE (1024 * 1024)   /* --pipe: the job's stdin pipe, asked for */

struct exec_task {
	struct local *lo;
	pid_t pid;
	int fd[3];              /* [0] stdin's write end (--pipe), [1] stdout,
	                         * [2] stderr read ends; -1 when closed */
	const struct exec_stdin *in;   /* --pipe: what fd[0] is fed */
	uint64_t in_pos;        /* bytes of it written */
	bool exited;
	bool direct;            /* started without sh (see the top) */
	bool cancelled;         /* cancel() came before the exit */
	int status;             /* from waitpid */
	struct loop_timer *kill_timer;
	void *job;
	unsigned long long seq;
	const struct exec_job_ops *ops;
	struct exec_task *next, *prev;
};

struct local {
	struct loop *loop;
	double kill_grace;
	struct exec_task *tasks;     /* running, for the reaper */
	char **env;                  /* environ without ours, then NENV_OWN free entries */
	size_t nenv;
	int devnull;
	struct guard *guard;         /* started with the first job */
	bool guard_started;
	bool direct_ok;              /* env is as sh would pass it on */
	bool sh_dash;                /* /bin/sh is dash */
	char *pwd;                   /* "PWD=..." as sh sets it, or NULL */
};

/* PFAN_SEQ PFAN_SLOT PFAN_HOST PARALLEL_SEQ PARALLEL_JOBSLOT */
#define NENV_OWN 5
static const char *const env_own[NENV_OWN] = {
	"PFAN_SEQ=", "PFAN_SLOT=", "PFAN_HOST=", "PARALLEL_SEQ=", "PARALLEL_JOBSLOT=",
};

/* pfan catches or ignores these; the job gets the defaults back. */
static const int job_default_signals[] = { SIGINT, SIGTERM, SIGCHLD, SIGPIPE, SIGHUP };
#define NDEFAULT_SIGNALS (sizeof job_default_signals / sizeof job_default_signals[0])

static void task_maybe_done(struct exec_task *t);

static void
on_pipe(void *arg, int fd, short revents)
{
	struct exec_task *t = arg;
	char chunk[65536];
	int stream = fd == t->fd[1] ? 1 : 2;
	ssize_t n;

	(void)revents;
	/* A few reads per wake-up, then let other jobs have the loop. */
	for (int i = 0; i < 4; i++) {
		n = read(fd, chunk, sizeof chunk);
		if (n > 0) {
			t->ops->output(t->job, stream, chunk, (size_t)n);
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		loop_io_del(t->lo->loop, fd);
		close(fd);
		t->fd[stream] = -1;
		task_maybe_done(t);
		return;
	}
}

static void
stdin_close(struct exec_task *t)
{
	loop_io_del(t->lo->loop, t->fd[0]);
	close(t->fd[0]);
	t->fd[0] = -1;
}

/* Feeds the job's stdin until the pipe is full, then waits for POLLOUT. */
static void
on_stdin(void *arg, int fd, short revents)
{
	struct exec_task *t = arg;
	uint64_t total = execin_total(t->in);
	char scratch[65536];

	(void)revents;
	while (t->in_pos < total) {
		int unreadable;
		ssize_t k = execin_write(t->in, t->in_pos, fd, scratch, sizeof scratch,
		    &unreadable);
		if (k < 0 && unreadable) {
			log_error("job %llu: its block could not be read: %s", t->seq,
			    strerror(errno));
			break;
		}
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && errno == EAGAIN)
			return;
		if (k < 0)
			break;    /* EPIPE: the job does not read the rest */
		t->in_pos += (uint64_t)k;
	}
	stdin_close(t);
}

static void
task_free(struct exec_task *t)
{
	struct local *lo = t->lo;

	if (t->fd[0] >= 0)
		stdin_close(t);
	for (int s = 1; s <= 2; s++) {
		if (t->fd[s] >= 0) {
			loop_io_del(lo->loop, t->fd[s]);
			close(t->fd[s]);
		}
	}
	loop_timer_del(lo->loop, t->kill_timer);
	guard_del(lo->guard, t->pid);
	if (t->prev != NULL)
		t->prev->next = t->next;
	else
		lo->tasks = t->next;
	if (t->next != NULL)
		t->next->prev = t->prev;
	free(t);
}

static void
task_maybe_done(struct exec_task *t)
{
	struct exec_result r;

	if (!t->exited || t->fd[1] >= 0 || t->fd[2] >= 0)
		return;
	memset(&r, 0, sizeof r);
	if (t->direct && t->cancelled) {
		r.end = EXEC_SIGNALED;    /* the TERM that ended its sh */
		r.signal = SIGTERM;
	} else if (t->direct && t->lo->sh_dash && WIFSIGNALED(t->status)) {
		int sig = WTERMSIG(t->status);
		if (sig != SIGINT && sig != SIGPIPE) {
			char line[64];
			int n = snprintf(line, sizeof line, "%s%s\n", strsignal(sig),
			    WCOREDUMP(t->status) ? " (core dumped)" : "");
			t->ops->output(t->job, 2, line, (size_t)n);
		}
		r.end = EXEC_EXITED;
		r.exit_code = 128 + sig;
	} else if (WIFSIGNALED(t->status)) {
		r.end = EXEC_SIGNALED;
		r.signal = WTERMSIG(t->status);
	} else {
		r.end = EXEC_EXITED;
		r.exit_code = WEXITSTATUS(t->status);
	}
	t->ops->done(t->job, &r);
	task_free(t);
}

static void
on_sigchld(void *arg, int signo)
{
	struct local *lo = arg;
	int status;
	pid_t pid;

	(void)signo;
	/* Only our own: pfan's other children (resolve.c, guard.c) are
	 * reaped by the modules that started them. */
	for (bool again = true; again;) {
		again = false;
		for (struct exec_task *t = lo->tasks; t != NULL; t = t->next) {
			if (t->exited || (pid = waitpid(t->pid, &status, WNOHANG)) != t->pid)
				continue;
			t->exited = true;
			t->status = status;
			/* done() may start or end other tasks: walk the list anew. */
			task_maybe_done(t);
			again = true;
			break;
		}
	}
}

/* --nice: a fork of our own, so that the niceness is set before sh runs
 * anything (posix_spawn has no attribute for it, and a renice after the
 * spawn could miss what sh forks first). As GNU parallel, a niceness
 * below pfan's own needs privilege; without it the job runs at pfan's. */
static int
spawn_niced(struct local *lo, int nice, char **argv, int in_r, int out_w, int err_w,
    pid_t *pid, char **cause)
{
	sigset_t all, old;
	pid_t p;

	/* No handler of pfan's may run in the child before it resets them. */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	p = fork();
	if (p == 0) {
		sigset_t none;
		for (size_t i = 0; i < NDEFAULT_SIGNALS; i++)
			signal(job_default_signals[i], SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		setpgid(0, 0);
		(void)setpriority(PRIO_PROCESS, 0, nice);
		if (dup2(in_r, 0) < 0 || dup2(out_w, 1) < 0 || dup2(err_w, 2) < 0)
			_exit(127);
		execve("/bin/sh", argv, lo->env);
		_exit(127);
	}
	if (p > 0)
		setpgid(p, p);   /* before any kill(-pid): the child may not have yet */
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (p < 0) {
		*cause = xasprintf("fork: %s", strerror(errno));
		return PFAN_E_SYS;
	}
	*pid = p;
	return PFAN_OK;
}

static int
spawn(struct local *lo, const struct exec_request *req, int in_r, int out_w, int err_w,
    pid_t *pid, bool *direct, char **cause)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, defaults;
	char seq[40], slot[40], host[512], pseq[48], pslot[48];
	char *argv[] = { "sh", "-c", (char *)req->cmd, NULL };
	int rc = 0;

	*direct = false;
	snprintf(seq, sizeof seq, "PFAN_SEQ=%llu", req->seq);
	snprintf(slot, sizeof slot, "PFAN_SLOT=%u", req->slot);
	snprintf(host, sizeof host, "PFAN_HOST=%s", req->host);
	/* GNU parallel's names for the first two. */
	snprintf(pseq, sizeof pseq, "PARALLEL_SEQ=%llu", req->seq);
	snprintf(pslot, sizeof pslot, "PARALLEL_JOBSLOT=%u", req->slot);
	lo->env[lo->nenv] = seq;
	lo->env[lo->nenv + 1] = slot;
	lo->env[lo->nenv + 2] = host;
	lo->env[lo->nenv + 3] = pseq;
	lo->env[lo->nenv + 4] = pslot;
	if (req->nice != 0)
		return spawn_niced(lo, req->nice, argv, in_r, out_w, err_w, pid, cause);

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in_r, 0);
	posix_spawn_file_actions_adddup2(&fa, out_w, 1);
	posix_spawn_file_actions_adddup2(&fa, err_w, 2);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigemptyset(&defaults);
	for (size_t i = 0; i < NDEFAULT_SIGNALS; i++)
		sigaddset(&defaults, job_default_signals[i]);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &defaults);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
	    POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	char **words = lo->direct_ok ? shsimple_argv(req->cmd) : NULL;
	if (words != NULL) {
		rc = posix_spawnp(pid, words[0], &fa, &attr, words, lo->env);
		*direct = rc == 0;
		if (rc != 0)
			log_debug("job %llu: %s: %s; through sh", req->seq, words[0], strerror(rc));
		free(words);
	}
	if (!*direct)
		rc = posix_spawn(pid, "/bin/sh", &fa, &attr, argv, lo->env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (rc != 0) {
		*cause = xasprintf("/bin/sh: %s", strerror(rc));
		return PFAN_E_SYS;
	}
	return PFAN_OK;
}

static int
local_start(void *impl, const struct exec_request *req, struct exec_task **out,
    char **cause)
{
	struct local *lo = impl;
	struct exec_task *t;
	int outp[2], errp[2], inp[2] = { -1, -1 };
	size_t len = strlen(req->cmd);

	if (len >= ARG_STRLEN_MAX) {
		*cause = xasprintf("the command is %zu bytes; this system's limit "
		    "for one argument is %d", len, ARG_STRLEN_MAX - 1);
		return PFAN_E_INPUT;
	}
	/* Not before: a run whose local slots get no job forks no guard. */
	if (!lo->guard_started) {
		lo->guard = guard_new(lo->loop, lo->kill_grace);
		lo->guard_started = true;
	}
	if (req->in != NULL && pipe2(inp, O_CLOEXEC) != 0)
		goto syserr;
	/* A block goes down in fewer, larger steps (best effort: a pipe
	 * stays 64 KiB past /proc/sys/fs/pipe-max-size). */
	if (inp[1] >= 0)
		(void)fcntl(inp[1], F_SETPIPE_SZ, STDIN_PIPE_SIZE);
	if (pipe2(outp, O_CLOEXEC) != 0) {
		close(inp[0]);
		close(inp[1]);
		goto syserr;
	}
	if (pipe2(errp, O_CLOEXEC) != 0) {
		close(inp[0]);
		close(inp[1]);
		close(outp[0]);
		close(outp[1]);
		goto syserr;
	}
	t = xcalloc(1, sizeof *t);
	t->lo = lo;
	t->job = req->job;
	t->ops = req->ops;
	t->fd[0] = inp[1];
	t->fd[1] = outp[0];
	t->fd[2] = errp[0];
	t->seq = req->seq;
	t->in = req->in;
	int rc = spawn(lo, req, req->in != NULL ? inp[0] : lo->devnull, outp[1], errp[1],
	    &t->pid, &t->direct, cause);
	if (inp[0] >= 0)
		close(inp[0]);
	close(outp[1]);
	close(errp[1]);
	if (rc != PFAN_OK) {
		if (inp[1] >= 0)
			close(inp[1]);
		close(outp[0]);
		close(errp[0]);
		free(t);
		return rc;
	}
	guard_add(lo->guard, t->pid);
	fcntl(t->fd[1], F_SETFL, O_NONBLOCK);
	fcntl(t->fd[2], F_SETFL, O_NONBLOCK);
	t->next = lo->tasks;
	if (lo->tasks != NULL)
		lo->tasks->prev = t;
	lo->tasks = t;
	loop_io_set(lo->loop, t->fd[1], POLLIN, on_pipe, t);
	loop_io_set(lo->loop, t->fd[2], POLLIN, on_pipe, t);
	if (t->fd[0] >= 0) {
		/* A block of 1 MB in one go where the kernel allows: fewer
		 * wake-ups than its default 64 kB. */
		(void)fcntl(t->fd[0], F_SETPIPE_SZ, 1024 * 1024);
		fcntl(t->fd[0], F_SETFL, O_NONBLOCK);
		loop_io_set(lo->loop, t->fd[0], POLLOUT, on_stdin, t);
	}
	*out = t;
	t->ops->started(t->job);
	return PFAN_OK;
syserr:
	*cause = xasprintf("pipe: %s", strerror(errno));
	return PFAN_E_SYS;
}

static void
on_kill_grace(void *arg)
{
	struct exec_task *t = arg;

	t->kill_timer = NULL;
	kill(-t->pid, SIGKILL);
}

static void
local_cancel(void *impl, struct exec_task *t)
{
	(void)impl;
	t->cancelled |= !t->exited;
	/* The group outlives its leader while a member lives: signal it even
	 * when sh has exited but a child still holds the pipes. */
	kill(-t->pid, SIGTERM);
	if (t->kill_timer == NULL)
		t->kill_timer = loop_timer_add(t->lo->loop, t->lo->kill_grace, on_kill_grace, t);
}

static void
local_free(void *impl)
{
	struct local *lo = impl;

	if (lo == NULL)
		return;
	while (lo->tasks != NULL) {
		kill(-lo->tasks->pid, SIGKILL);
		task_free(lo->tasks);
	}
	guard_free(lo->guard);
	close(lo->devnull);
	free(lo->env);
	free(lo->pwd);
	free(lo);
}

static const struct executor_ops local_ops = {
	.start = local_start,
	.cancel = local_cancel,
	.free = local_free,
};

/* A name every sh passes on. dash drops the others (bats' and bash's
 * exported functions, BASH_FUNC_f%%=); bash imports those as functions. */
static bool
env_name_ok(const char *e)
{
	if (!((*e >= 'a' && *e <= 'z') || (*e >= 'A' && *e <= 'Z') || *e == '_'))
		return false;
	while ((*e >= 'a' && *e <= 'z') || (*e >= 'A' && *e <= 'Z') || *e == '_' ||
	    (*e >= '0' && *e <= '9'))
		e++;
	return *e == '=';
}

/* sh keeps an absolute $PWD naming the working directory, else sets it
 * to getcwd()'s: "PWD=..." when it would set it, NULL when it keeps it. */
static char *
sh_pwd(bool *ok)
{
	const char *pwd = getenv("PWD");
	struct stat a, b;
	char *cwd, *s;

	if (pwd != NULL && pwd[0] == '/' && stat(pwd, &a) == 0 && stat(".", &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		return NULL;
	if ((cwd = getcwd(NULL, 0)) == NULL) {
		*ok = false;
		return NULL;
	}
	s = xasprintf("PWD=%s", cwd);
	free(cwd);
	return s;
}

/* Whether /bin/sh is dash, which drops the variables env_name_ok
 * refuses: then jobs get none of them whichever way they start. */
static bool
sh_is_dash(void)
{
	char *sh = realpath("/bin/sh", NULL);
	const char *base = sh != NULL ? strrchr(sh, '/') : NULL;
	bool dash = base != NULL && strcmp(base, "/dash") == 0;

	free(sh);
	return dash;
}

struct local *
local_new(struct loop *loop, double kill_grace)
{
	struct local *lo = xcalloc(1, sizeof *lo);
	size_t n = 0;

	lo->loop = loop;
	lo->kill_grace = kill_grace;
	lo->devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (lo->devnull < 0)
		fatal("/dev/null: %s", strerror(errno));
	for (char **e = environ; *e != NULL; e++)
		n++;
	lo->env = xcalloc(n + 1 + NENV_OWN + 1, sizeof *lo->env);
	/* Without PATH, sh and posix_spawnp search different defaults. */
	lo->direct_ok = getenv("PATH") != NULL;
	lo->pwd = sh_pwd(&lo->direct_ok);
	bool dash = lo->sh_dash = sh_is_dash();
	if (lo->pwd != NULL)
		lo->env[lo->nenv++] = lo->pwd;
	for (char **e = environ; *e != NULL; e++) {
		bool own = lo->pwd != NULL && strncmp(*e, "PWD=", 4) == 0;
		for (size_t i = 0; i < NENV_OWN; i++)
			own |= strncmp(*e, env_own[i], strlen(env_own[i])) == 0;
		if (!env_name_ok(*e)) {
			/* dash would drop it; another sh may use it (bash:
			 * as a function, which may stand for a command) */
			own |= dash;
			lo->direct_ok &= dash;
		}
		if (!own)
			lo->env[lo->nenv++] = *e;
	}
	loop_signal(loop, SIGCHLD, on_sigchld, lo);
	return lo;
}

struct executor
local_executor(struct local *lo)
{
	struct executor ex = { &local_ops, lo };
	return ex;
}
