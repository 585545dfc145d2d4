/* sshwrap.c: the remote wrapper, a few lines of POSIX sh around each job.
 *
 * sshd runs an exec channel's command as `$SHELL -c TEXT` in a new session
 * (setsid), so the shell running TEXT has pid = pgid = sid: everything the
 * job starts is in that one process group unless it makes its own. The
 * remote login shell is assumed to be a POSIX sh (dash, bash, busybox ash,
 * ksh); csh or fish would not parse the wrapper.
 *
 *   exec 3<&0 </dev/null          channel stdin kept on fd 3, job gets EOF
 *   cd -- DIR 2>/dev/null || { kill -s USR2 $$; exit 0; }    with a workdir
 *   export PFAN_SEQ=.. PFAN_SLOT=.. PARALLEL_SEQ=.. PARALLEL_JOBSLOT=.. PFAN_HOST=..
 *   trap : USR1 USR2              see "exit status" below
 *   (while read -r _ <&3; do :; done; trap '' TERM; kill -TERM 0;
 *    sleep GRACE; kill -KILL 0) >/dev/null 2>&1 &
 *   __pfan_w=$!
 *   "${SHELL:-/bin/sh}" -c 'JOB' sh 3<&-    or, for a plain job: eval 'JOB' 3<&-
 *   __pfan_s=$?
 *   kill "$__pfan_w" 2>/dev/null
 *   [ "$__pfan_s" -ne 0 ] && exit "$__pfan_s"
 *   trap - USR1; kill -s USR1 $$; exit 0
 *
 * The watcher (a background subshell, in the job's process group) blocks
 * reading the channel's stdin, which pfan never writes and keeps open while
 * the job runs. It returns when stdin reaches EOF: pfan sent EOF (cancel:
 * a timeout or Ctrl-C), pfan died, or the connection dropped (sshd closes
 * the pipe). It then signals the whole group, TERM and after a grace KILL,
 * ignoring TERM itself so it lives to send the KILL. Its output goes to
 * /dev/null so it never holds the channel's stdout open. On a normal exit
 * the wrapper kills the watcher first. The job runs in the foreground
 * (a background job would start with SIGINT and SIGQUIT ignored).
 *
 * Exit status. libssh2 1.10's libssh2_channel_get_exit_status() returns 0
 * both for "exit-status 0 received" and for "nothing received" (a channel
 * that sshd closed without a status, e.g. under ChannelTimeout), and it
 * offers no way to tell them apart. Every exit status is a job's possible
 * one, so no mapping of statuses alone can free the value 0. The protocol's
 * other channel is exit-signal, which libssh2 does record (NULL when none
 * came): so the wrapper never sends exit-status 0. A job that exited 0 makes
 * the wrapper kill itself with SIGUSR1, which sshd reports as exit-signal
 * "USR1"; any other status is sent as exit-status. pfan reads exit-signal
 * USR1 as "exited 0", another signal as "the wrapper was killed" (cancel,
 * or someone on the host), a non-zero exit-status as that status, and a
 * zero status with no signal as "no status came back" (EXEC_NO_STATUS), never
 * as success. The wrapper traps USR1 (`trap :`) while the job runs, so a
 * stray USR1 to the group cannot pass for success: the job's programs get
 * the default action back (exec resets a caught signal), and a foreground
 * wait is not interrupted by a trapped signal. If sshd's session already
 * ignores USR1, the self-kill does nothing, the wrapper exits 0, and pfan
 * reports the job's end without a status, with a cause saying so rather
 * than guessing (retry.c gives a job up after 3 such ends).
 *
 * The job runs in a shell of its own: the login shell again ($SHELL, which
 * sshd sets), as `sh -c` runs a local job. Nothing it does to that shell
 * (IFS, a function named kill or wait, set -e/-u/-n, traps, aliases,
 * readonly or unset variables, exec, closing fds) can reach the wrapper's
 * lines after it, and $$, $0 and its traps are its own as they are for a
 * local job (a subshell would share the wrapper's $$: `kill -USR1 $$`
 * would hit the wrapper's trap). That child shell is a fork and an exec on
 * every job's critical path: on a loopback sshd it cost ~25% of the
 * throughput of tiny jobs (bench/ssh_overhead.sh). So a plain job, one
 * that provably cannot touch the shell running it (sshwrap_inline_ok),
 * runs in the wrapper's shell itself. Plain: only unquoted words of
 * letters, digits and _./,:+-@%=~*?[]^, the operators ; & | && || and
 * newline, and redirections ([N]< > >> <& >& <> >|, no here-document);
 * and no command word (the first word of a simple command that is not a
 * redirection) holds =, a glob or %, or is a reserved word or builtin of
 * a shell the wrapper supports, bar true, false, echo, test, pwd, sleep
 * and the like. A shell's state changes only through assignments (NAME=,
 * ${..=}, $((..=)), bash's {NAME}>), builtins, reserved words, functions
 * and aliases (which need a builtin or parentheses to define), none of
 * which a plain job can spell.
 *
 * Working directory. sshd starts the wrapper in the login's home; a job
 * runs in req->workdir when there is one (pfan's own directory by default,
 * or --workdir's). A host without it must not look like a job that failed:
 * the job never ran, and every job sent there would fail the same way. So
 * a failed cd kills the wrapper with SIGUSR2, before the job starts, which
 * pfan reads as EXEC_NO_WORKDIR. Like USR1, USR2 is trapped while the job
 * runs, so a job killed by a stray USR2 is the job's exit 140, never a
 * missing directory. A relative DIR is relative to the home (./ first, so
 * CDPATH cannot redirect it); with workdir_create (--workdir ...) it is
 * made first, mode 700. If the session ignores USR2 the wrapper exits 0
 * with no signal: "no status", never success.
 *
 * --pipe. The job's block comes down the channel's stdin, and the channel
 * must stay open after it (its EOF is the watcher's signal), so pfan sends
 * no EOF after the block: the wrapper knows its size N and gives the job
 * exactly N bytes, then EOF, through a pipe:
 *
 *   { (head -c N <&3; exec >/dev/null; cat <&3 >/dev/null; trap '' TERM;
 *      kill -TERM 0; sleep GRACE; kill -KILL 0) 2>/dev/null & } | JOB 3<&-
 *
 * The feeder turns watcher once the block is through (a job that stops
 * reading early makes head fail; cat then swallows the rest pfan sends).
 * Its pid is not the wrapper's to kill (it was started inside the
 * pipeline's subshell): at the job's end it lives on until the channel
 * closes, then kills what is left of the group, itself last, as it would
 * after a cancel. `head -c` is not POSIX but GNU, BSD and busybox have it.
 *
 * A job killed by a signal looks to sh like exit 128+N, so remote jobs
 * report such exits as EXEC_EXITED 128+N; EXEC_SIGNALED means the wrapper
 * itself was killed (TERM from the watcher after cancel).
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "execin.h"
#include "quote.h"
#include "sshwrap.h"
#include "xalloc.h"

/* Words that may not start a simple command run in the wrapper's shell:
 * the reserved words and the builtins (and ksh's predefined aliases) of
 * the shells a login shell may be (dash, bash, busybox ash, ksh93, mksh),
 * except a few that touch no shell state. A builtin runs in the shell
 * itself and may change it: exec, exit, set, trap, read, kill (%1 is the
 * watcher), ulimit, enable -n, printf -v, typeset, alias, ... */
static const char *const shell_words[] = {
	"!", ".", "[[", "]]", "{", "}", "alias", "alarm", "autoload", "bg",
	"bind", "break", "builtin", "builtins", "caller", "case", "cd", "chdir",
	"command", "compgen", "complete", "compopt", "compound", "continue",
	"coproc", "declare", "dirs", "disown", "do", "done", "elif", "else",
	"enable", "enum", "esac", "eval", "exec", "exit", "export", "fc", "fg",
	"fi", "float", "for", "function", "functions", "getopts", "global", "hash", "help",
	"hist", "history", "if", "in", "integer", "jobs", "kill", "let", "local",
	"login", "logout", "mapfile", "namespace", "nameref", "newgrp", "popd", "print",
	"printf", "pushd", "r", "read", "readarray", "readonly", "redirect",
	"rename", "return", "select", "set", "setvar", "shift", "shopt",
	"source", "stop", "suspend", "then", "time", "times", "trap", "type",
	"typeset", "ulimit", "umask", "unalias", "unset", "until", "vpath",
	"wait", "whence", "while",
};

static bool
is_shell_word(const char *w, size_t n)
{
	for (size_t i = 0; i < sizeof shell_words / sizeof shell_words[0]; i++)
		if (strlen(shell_words[i]) == n && memcmp(w, shell_words[i], n) == 0)
			return true;
	return false;
}

/* Bytes of a plain word: no quoting, expansion ($, `), grouping, comment
 * or brace ({fd}> assigns in bash). */
static bool
word_char(unsigned char c)
{
	return isalnum(c) || (c != '\0' && strchr("_./,:+-@%=~*?[]^", c) != NULL);
}

static bool
command_word_ok(const char *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)w[i]) && strchr("_./,:+-@~", w[i]) == NULL)
			return false;   /* NAME=value, a glob, a %job */
	return !is_shell_word(w, n);
}

bool
sshwrap_inline_ok(const char *cmd)
{
	const char *p = cmd;
	bool want_command = true;   /* the next plain word names the command */
	bool need_more = false;     /* after && || |: a command must follow */

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			return !(want_command && need_more);
		size_t n = strspn(p, "0123456789");
		if (p[n] == '<' || p[n] == '>') {
			/* a redirection: [N]op word, op one of < > >> <& >& <> >| */
			const char *op = p + n;
			size_t oplen = op[1] != '\0' && strchr(op[0] == '>' ? ">&|" : "&>",
			    op[1]) != NULL ? 2 : 1;
			if (op[0] == '<' && op[1] == '<')
				return false;   /* a here-document */
			p = op + oplen;
			while (*p == ' ' || *p == '\t')
				p++;
			n = 0;
			while (word_char((unsigned char)p[n]))
				n++;
			if (n == 0)
				return false;
			p += n;
			continue;
		}
		if (*p == ';' || *p == '&' || *p == '|' || *p == '\n') {
			if (want_command)
				return false;   /* an empty command: a syntax error */
			n = (p[0] == '&' || p[0] == '|') && p[1] == p[0] ? 2 : 1;
			need_more = p[0] == '|' || n == 2;
			p += n;
			want_command = true;
			continue;
		}
		n = 0;
		while (word_char((unsigned char)p[n]))
			n++;
		if (n == 0)
			return false;   /* a byte outside the plain set */
		if (want_command && !command_word_ok(p, n))
			return false;
		want_command = false;
		p += n;
	}
}

/* The wrapper's cd into dir; a failure is its death by USR2. */
static void
add_cd(struct buf *out, const char *dir, bool create)
{
	struct buf d = BUF_INIT;

	if (dir[0] != '/')
		buf_adds(&d, "./");
	buf_adds(&d, dir);
	if (create) {
		buf_adds(out, "mkdir -p -m 700 -- ");
		quote_shell(out, d.data, d.len);
		buf_adds(out, " 2>/dev/null\n");
	}
	buf_adds(out, "cd -- ");
	quote_shell(out, d.data, d.len);
	buf_adds(out, " 2>/dev/null || { kill -s " SSHWRAP_NO_DIR_SIGNAL " $$; exit 0; }\n");
	buf_free(&d);
}

char *
sshwrap_job_cmd(const struct exec_request *req)
{
	struct buf niced = BUF_INIT;

	if (req->nice == 0)
		return xstrdup(req->cmd);
	/* As GNU parallel: the job runs under nice(1), so that everything
	 * it starts is niced too. */
	buf_addf(&niced, "nice -n %d /bin/sh -c ", req->nice);
	quote_shell(&niced, req->cmd, strlen(req->cmd));
	return buf_steal(&niced);
}

void
sshwrap_command(struct buf *out, const struct exec_request *req)
{
	char *cmd = sshwrap_job_cmd(req);

	sshwrap_text(out, req, cmd, sshwrap_inline_ok(cmd));
	free(cmd);
}

void
sshwrap_text(struct buf *out, const struct exec_request *req, const char *cmd,
    bool inl)
{
	const char *host = req->host != NULL ? req->host : "";

	buf_adds(out, "exec 3<&0 </dev/null\n");
	if (req->workdir != NULL)
		add_cd(out, req->workdir, req->workdir_create);
	buf_addf(out, "export PFAN_SEQ=%llu PFAN_SLOT=%u PARALLEL_SEQ=%llu PARALLEL_JOBSLOT=%u PFAN_HOST=",
	    req->seq, req->slot, req->seq, req->slot);
	quote_shell(out, host, strlen(host));
	buf_adds(out, "\ntrap : " SSHWRAP_OK_SIGNAL " " SSHWRAP_NO_DIR_SIGNAL "\n");
	if (req->in != NULL)
		buf_addf(out, "{ (head -c %llu <&3; exec >/dev/null; cat <&3 >/dev/null; "
		    "trap '' TERM; kill -TERM 0; sleep %d; kill -KILL 0) 2>/dev/null & } | ",
		    (unsigned long long)execin_total(req->in), SSHWRAP_KILL_GRACE);
	else
		buf_addf(out, "(while read -r _ <&3; do :; done; trap '' TERM; kill -TERM 0; "
		    "sleep %d; kill -KILL 0) >/dev/null 2>&1 &\n"
		    "__pfan_w=$!\n", SSHWRAP_KILL_GRACE);
	buf_adds(out, inl ? "eval " : "\"${SHELL:-/bin/sh}\" -c ");
	quote_shell(out, cmd, strlen(cmd));
	buf_adds(out, inl ? " 3<&-\n" : " sh 3<&-\n");
	buf_adds(out, "__pfan_s=$?\n");
	if (req->in == NULL)
		buf_adds(out, "kill \"$__pfan_w\" 2>/dev/null\n");
	buf_adds(out, "[ \"$__pfan_s\" -ne 0 ] && exit \"$__pfan_s\"\n"
	    "trap - " SSHWRAP_OK_SIGNAL "\n"
	    "kill -s " SSHWRAP_OK_SIGNAL " $$\n"
	    "exit 0\n");
}

char *
sshwrap_result(struct exec_result *r, int status, const char *sig, bool wrapped,
    const char *workdir)
{
	char *cause = NULL;

	memset(r, 0, sizeof *r);
	if (sig != NULL) {
		if (wrapped && strcmp(sig, SSHWRAP_OK_SIGNAL) == 0) {
			r->end = EXEC_EXITED;
			r->exit_code = 0;
		} else if (wrapped && workdir != NULL && strcmp(sig, SSHWRAP_NO_DIR_SIGNAL) == 0) {
			r->end = EXEC_NO_WORKDIR;
			cause = xasprintf("cannot enter the directory %s (missing, "
			    "or not readable by the login)", workdir);
		} else {
			r->end = EXEC_SIGNALED;
			r->signal = sshwrap_signal_number(sig);
		}
	} else if (status != 0 || !wrapped) {
		r->end = EXEC_EXITED;
		r->exit_code = status;
	} else {
		r->end = EXEC_NO_STATUS;
		cause = xstrdup("the channel closed without the job's exit status "
		    "(sshd ChannelTimeout, or a remote shell that ignores SIGUSR1?)");
	}
	r->cause = cause;
	return cause;
}

int
sshwrap_signal_number(const char *name)
{
	static const struct { const char *name; int signo; } table[] = {
		{ "ABRT", SIGABRT }, { "ALRM", SIGALRM }, { "BUS", SIGBUS },
		{ "CHLD", SIGCHLD }, { "CONT", SIGCONT }, { "FPE", SIGFPE },
		{ "HUP", SIGHUP }, { "ILL", SIGILL }, { "INT", SIGINT },
		{ "KILL", SIGKILL }, { "PIPE", SIGPIPE }, { "QUIT", SIGQUIT },
		{ "SEGV", SIGSEGV }, { "STOP", SIGSTOP }, { "TERM", SIGTERM },
		{ "TSTP", SIGTSTP }, { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU },
		{ "USR1", SIGUSR1 }, { "USR2", SIGUSR2 }, { "SYS", SIGSYS },
		{ "TRAP", SIGTRAP }, { "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ },
	};

	if (strncmp(name, "SIG", 3) == 0)
		name += 3;
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
		if (strcmp(name, table[i].name) == 0)
			return table[i].signo;
	return 0;   /* sshd's "SIG@openssh.com": a signal it has no name for */
}
