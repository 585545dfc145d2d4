/* sshwrap.c: the remote wrapper, a few lines of POSIX sh around each job.
 *
 * sshd runs an exec channel's command as `$SHELL -c TEXT` in a new session
 * (setsid), so the shell running TEXT has pid = pgid = sid: everything the
 * job starts is in that one process group unless it makes its own. The
 * remote login shell is assumed to be a POSIX sh (dash, bash, busybox ash,
 * ksh); csh or fish would not parse the wrapper.
 *
 *   exec 3<&0 </dev/null          channel stdin kept on fd 3, job gets EOF
 *   export PFAN_SEQ=.. PFAN_SLOT=.. PARALLEL_SEQ=.. PARALLEL_JOBSLOT=.. PFAN_HOST=..
 *   trap : USR1                   see "exit status" below
 *   (while read -r _ <&3; do :; done; trap '' TERM; kill -TERM 0;
 *    sleep GRACE; kill -KILL 0) >/dev/null 2>&1 &
 *   __pfan_w=$!
 *   (eval 'JOB') 3<&-             or, for a simple job: eval 'JOB'
 *   __pfan_s=$?
 *   kill $__pfan_w 2>/dev/null
 *   [ $__pfan_s -ne 0 ] && exit $__pfan_s
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
 * zero status with no signal as "no status came back" (EXEC_LOST), never
 * as success. The wrapper traps USR1 (`trap :`) while the job runs, so a
 * stray USR1 to the group cannot pass for success: the job's programs get
 * the default action back (exec resets a caught signal), and a foreground
 * wait is not interrupted by a trapped signal. If sshd's session already ignores USR1, the self-kill
 * does nothing, the wrapper exits 0, and pfan reports every job lost with a
 * cause saying so rather than guessing.
 *
 * The job runs in a subshell, so that nothing it does (exec, exit, trap,
 * set -e, wait, which would wait for the watcher) can upset the lines
 * after it. That subshell is a fork and a wait on every job's critical
 * path: on a loopback sshd it cost ~10% of the throughput of tiny jobs
 * (bench/ssh_overhead.sh). So a job whose text has none of the words that
 * could do those things (sshwrap_inline_ok) runs in the wrapper's shell
 * itself (its programs then also inherit fd 3, which nothing writes). A word list errs one way only: a job it wrongly lets through can
 * at worst be reported lost (its exit 0 unseen) or hang on `wait`; honest
 * commands do not spell `exec` as "ex"ec.
 *
 * A job killed by a signal looks to sh like exit 128+N, so remote jobs
 * report such exits as EXEC_EXITED 128+N; EXEC_SIGNALED means the wrapper
 * itself was killed (TERM from the watcher after cancel).
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "quote.h"
#include "sshwrap.h"

/* Words after which the job must not run in the wrapper's own shell: they
 * replace it (exec), end it early (exit, return, and what eval or a dot
 * script might run), change its traps or options (trap, set), wait for
 * its watcher (wait), or reach around a name (command, builtin). */
static const char *const unsafe_words[] = {
	"exec", "exit", "return", "eval", ".", "source", "trap", "set", "wait",
	"command", "builtin", "unset", "readonly", "shift", "local", "alias",
	"jobs", "fg", "bg",
};

static bool
word_char(unsigned char c)
{
	return c > ' ' && strchr(";&|()<>'\"`${}", c) == NULL;
}

bool
sshwrap_inline_ok(const char *cmd)
{
	const char *p = cmd;

	if (strchr(cmd, '\\') != NULL || strstr(cmd, "__pfan") != NULL)
		return false;
	while (*p != '\0') {
		size_t n = 0;
		while (*p != '\0' && !word_char((unsigned char)*p))
			p++;
		while (word_char((unsigned char)p[n]))
			n++;
		for (size_t i = 0; n > 0 && i < sizeof unsafe_words / sizeof unsafe_words[0]; i++)
			if (strlen(unsafe_words[i]) == n && memcmp(p, unsafe_words[i], n) == 0)
				return false;
		p += n;
	}
	return true;
}

void
sshwrap_command(struct buf *out, const struct exec_request *req)
{
	const char *host = req->host != NULL ? req->host : "";
	bool inl = sshwrap_inline_ok(req->cmd);

	buf_addf(out, "exec 3<&0 </dev/null\n"
	    "export PFAN_SEQ=%llu PFAN_SLOT=%u PARALLEL_SEQ=%llu PARALLEL_JOBSLOT=%u PFAN_HOST=",
	    req->seq, req->slot, req->seq, req->slot);
	quote_shell(out, host, strlen(host));
	buf_addf(out, "\ntrap : " SSHWRAP_OK_SIGNAL "\n"
	    "(while read -r _ <&3; do :; done; trap '' TERM; kill -TERM 0; "
	    "sleep %d; kill -KILL 0) >/dev/null 2>&1 &\n"
	    "__pfan_w=$!\n", SSHWRAP_KILL_GRACE);
	buf_adds(out, inl ? "eval " : "(eval ");
	quote_shell(out, req->cmd, strlen(req->cmd));
	buf_adds(out, inl ? "\n" : ") 3<&-\n");
	buf_adds(out, "__pfan_s=$?\n"
	    "kill $__pfan_w 2>/dev/null\n"
	    "[ $__pfan_s -ne 0 ] && exit $__pfan_s\n"
	    "trap - " SSHWRAP_OK_SIGNAL "\n"
	    "kill -s " SSHWRAP_OK_SIGNAL " $$\n"
	    "exit 0\n");
}
