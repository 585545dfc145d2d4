/* sshwarm.c: a warm channel (sshwarm.h), opened while the slot's job
 * still runs, so that the next job starts with one write.
 *
 *   QUEUED -> OPENING -> EXEC -> GREETING -> READY -> (taken by a job)
 *   any of them -> CLOSING -> DONE        retired, or the shell failed
 *
 * EXEC sends the warm script, which sshd runs as `$SHELL -c TEXT` in a
 * new session, exactly as it runs a job's wrapper (sshwrap.c):
 *
 *   __pfan_r() { __pfan_c=; while IFS= read -r __pfan_l || exit 0;
 *       [ "$__pfan_l" != __pfan_go ]; do __pfan_c="$__pfan_c$__pfan_l
 *   "; done; }
 *   printf 'pfan-warm %d\n' "$((6*7))"
 *   __pfan_r; unset -f __pfan_r; unset __pfan_l
 *   eval "$__pfan_c"
 *
 * It prints the handshake, then reads lines (read(1) takes no byte past
 * its newline, so --pipe's block that follows stays on stdin for the
 * wrapper) up to the line __pfan_go and evals them: the job's whole
 * wrapper text, built per job as for a cold channel, so seq, slot, host,
 * --workdir and --nice are the job's and the shell is the same fresh
 * login shell; the wrapper's `exec 3<&0` then keeps the channel's stdin
 * for its watcher. Nothing runs before that line: EOF first (pfan retired
 * the channel, died, or lost the connection: sshd closes the pipe) makes
 * the shell exit 0 having run nothing, so a waiting wrapper dies with its
 * channel as a job's watcher does.
 *
 * GREETING reads the handshake. The greeting must be exactly the first
 * bytes of stdout, and nothing may come on stderr: a login shell that is
 * not a POSIX sh fails to define the function or to expand $((..)), a
 * profile that prints a banner shows it before, and either way the
 * channel is closed, its failure kept (sshwarm_failure), and the host
 * runs its jobs one channel each, as before (their output then shows
 * whatever the shell prints, as it always did). Detection is by this
 * reply, never by timing.
 */
#include <stdlib.h>
#include <string.h>

#include "fsm.h"
#include "log.h"
#include "sshsess.h"
#include "sshwarm.h"
#include "xalloc.h"

#define GREETING "pfan-warm 42\n"

static const char warm_script[] =
    "__pfan_r() { __pfan_c=; while IFS= read -r __pfan_l || exit 0; "
    "[ \"$__pfan_l\" != __pfan_go ]; do __pfan_c=\"$__pfan_c$__pfan_l\n"
    "\"; done; }\n"
    "printf 'pfan-warm %d\\n' \"$((6*7))\"\n"
    "__pfan_r; unset -f __pfan_r; unset __pfan_l\n"
    "eval \"$__pfan_c\"\n";

enum warm_state {
	WARM_QUEUED,
	WARM_OPENING,
	WARM_EXEC,
	WARM_GREETING,
	WARM_READY,
	WARM_CLOSING,
	WARM_DONE,
};

static const char *const warm_state_names[] = {
	"queued", "opening", "exec", "greeting", "ready", "closing", "done",
};

#define B(s) FSM_TO(s)
static const unsigned warm_next[] = {
	[WARM_QUEUED] = B(WARM_OPENING) | B(WARM_DONE),
	[WARM_OPENING] = B(WARM_QUEUED) | B(WARM_EXEC) | B(WARM_CLOSING) | B(WARM_DONE),
	[WARM_EXEC] = B(WARM_GREETING) | B(WARM_CLOSING),
	[WARM_GREETING] = B(WARM_READY) | B(WARM_CLOSING),
	[WARM_READY] = B(WARM_CLOSING),
	[WARM_CLOSING] = B(WARM_DONE),
	[WARM_DONE] = 0,
};
#undef B
static const struct fsm_def warm_fsm = FSM_DEF(warm_state_names, warm_next);

struct sshwarm {
	enum warm_state state;
	LIBSSH2_CHANNEL *ch;
	size_t seen;        /* bytes of GREETING read */
	bool retired;
	bool eof_sent;
	char *failure;
};

static void
warm_set_state(struct sshwarm *w, enum warm_state s)
{
	w->state = fsm_move(&warm_fsm, w->state, s, "warm channel");
}

struct sshwarm *
sshwarm_new(void)
{
	struct sshwarm *w = xcalloc(1, sizeof *w);

	w->state = WARM_QUEUED;
	return w;
}

void
sshwarm_free(struct sshwarm *w)
{
	if (w == NULL)
		return;
	free(w->failure);
	free(w);
}

static bool
session_error(int rc)
{
	return sshsess_channel_error(rc);
}

static enum sshwarm_step
warm_fail(struct sshwarm *w, char *why)
{
	if (w->failure == NULL)
		w->failure = why;
	else
		free(why);
	warm_set_state(w, WARM_CLOSING);
	return SSHWARM_PROGRESS;
}

static enum sshwarm_step
step_opening(struct sshwarm *w, LIBSSH2_SESSION *s)
{
	switch (sshsess_channel_open(s, &w->ch)) {
	case SSHSESS_OPEN_WAIT:
		return SSHWARM_WAIT;
	case SSHSESS_OPEN_REFUSED:
		warm_set_state(w, WARM_DONE);
		return SSHWARM_REFUSED;
	case SSHSESS_OPEN_BROKEN:
		return SSHWARM_BROKEN;
	case SSHSESS_OPEN_DONE:
		break;
	}
	if (w->retired) {
		warm_set_state(w, WARM_CLOSING);
		return SSHWARM_PROGRESS;
	}
	warm_set_state(w, WARM_EXEC);
	return SSHWARM_PROGRESS;
}

static enum sshwarm_step
step_exec(struct sshwarm *w)
{
	int rc = libssh2_channel_process_startup(w->ch, "exec", 4, warm_script,
	    (unsigned)strlen(warm_script));

	if (rc == LIBSSH2_ERROR_EAGAIN || rc == LIBSSH2_ERROR_BAD_USE)
		return SSHWARM_WAIT;
	if (rc != 0) {
		if (session_error(rc))
			return SSHWARM_BROKEN;
		return warm_fail(w, xstrdup("the server refused its exec request"));
	}
	warm_set_state(w, w->retired ? WARM_CLOSING : WARM_GREETING);
	return SSHWARM_PROGRESS;
}

/* Reads what the shell says: the greeting, then nothing until a job
 * takes the channel. -1: the session failed. */
static int
read_greeting(struct sshwarm *w, bool *progress)
{
	char data[256];
	const size_t glen = sizeof GREETING - 1;

	for (int stream = 0; stream < 2 && w->state != WARM_CLOSING; stream++) {
		ssize_t n = libssh2_channel_read_ex(w->ch,
		    stream == 1 ? SSH_EXTENDED_DATA_STDERR : 0, data, sizeof data);
		if (n == LIBSSH2_ERROR_EAGAIN || n == LIBSSH2_ERROR_BAD_USE)
			continue;
		if (n < 0) {
			if (session_error((int)n))
				return -1;
			warm_fail(w, xasprintf("read error %d", (int)n));
		} else if (n == 0) {
			if (libssh2_channel_eof(w->ch))
				warm_fail(w, xstrdup("the shell exited without the handshake"));
		} else if (stream == 1) {
			warm_fail(w, xasprintf("the shell said on stderr: %.*s",
			    (int)(n > 80 ? 80 : n), data));
		} else if (w->seen + (size_t)n > glen ||
		    memcmp(data, &GREETING[w->seen], (size_t)n) != 0) {
			warm_fail(w, xasprintf("the shell said: %.*s",
			    (int)(n > 80 ? 80 : n), data));
		} else {
			w->seen += (size_t)n;
			*progress = true;
			if (w->seen == glen)
				warm_set_state(w, WARM_READY);
		}
		if (w->state == WARM_CLOSING)
			*progress = true;
	}
	return 0;
}

/* Sends EOF (the shell exits), drains, waits for the close, frees. */
static enum sshwarm_step
step_closing(struct sshwarm *w)
{
	switch (sshsess_channel_close(&w->ch, &w->eof_sent)) {
	case SSHSESS_CLOSE_WAIT:
		return SSHWARM_WAIT;
	case SSHSESS_CLOSE_PROGRESS:
		return SSHWARM_PROGRESS;
	case SSHSESS_CLOSE_BROKEN:
		return SSHWARM_BROKEN;
	case SSHSESS_CLOSE_DONE:
		break;
	}
	warm_set_state(w, WARM_DONE);
	return SSHWARM_CLOSED;
}

enum sshwarm_step
sshwarm_step(struct sshwarm *w, LIBSSH2_SESSION *s, bool may_open)
{
	bool progress = false;

	switch (w->state) {
	case WARM_QUEUED:
		if (w->retired) {
			warm_set_state(w, WARM_DONE);
			return SSHWARM_CLOSED;
		}
		if (!may_open)
			return SSHWARM_WAIT;
		warm_set_state(w, WARM_OPENING);
		return SSHWARM_PROGRESS;
	case WARM_OPENING:
		return step_opening(w, s);
	case WARM_EXEC:
		return step_exec(w);
	case WARM_GREETING:
	case WARM_READY:
		if (w->retired) {
			warm_set_state(w, WARM_CLOSING);
			return SSHWARM_PROGRESS;
		}
		if (read_greeting(w, &progress) < 0)
			return SSHWARM_BROKEN;
		return progress ? SSHWARM_PROGRESS : SSHWARM_WAIT;
	case WARM_CLOSING:
		return step_closing(w);
	case WARM_DONE:
		return SSHWARM_CLOSED;
	}
	fatal("warm channel in state %d", (int)w->state);
}

bool
sshwarm_queued(const struct sshwarm *w)
{
	return w->state == WARM_QUEUED;
}

bool
sshwarm_opening(const struct sshwarm *w)
{
	return w->state == WARM_OPENING;
}

bool
sshwarm_ready(const struct sshwarm *w)
{
	return w->state == WARM_READY && !w->retired;
}

bool
sshwarm_closing(const struct sshwarm *w)
{
	return w->retired || w->state == WARM_CLOSING || w->state == WARM_DONE;
}

const char *
sshwarm_failure(const struct sshwarm *w)
{
	return w->failure;
}

void
sshwarm_retire(struct sshwarm *w)
{
	w->retired = true;
}

LIBSSH2_CHANNEL *
sshwarm_take(struct sshwarm *w)
{
	LIBSSH2_CHANNEL *ch = w->ch;

	if (!sshwarm_ready(w))
		fatal("warm channel taken in state %s", warm_state_names[w->state]);
	sshwarm_free(w);
	return ch;
}

int
sshwarm_write(LIBSSH2_CHANNEL *ch, const char *text, size_t len, size_t *pos,
    bool *pending)
{
	while (*pos < len) {
		ssize_t k = libssh2_channel_write(ch, text + *pos, len - *pos);
		*pending = k == LIBSSH2_ERROR_EAGAIN;
		if (k < 0)
			return (int)k;
		*pos += (size_t)k;
	}
	return 0;
}

bool
sshwarm_can_carry(const char *text, size_t len)
{
	const size_t glen = sizeof SSHWARM_GO - 1;

	for (size_t i = 0; i + glen <= len; ) {
		if (memcmp(text + i, SSHWARM_GO, glen) == 0)
			return false;
		const char *nl = memchr(text + i, '\n', len - i);
		if (nl == NULL)
			break;
		i = (size_t)(nl - text) + 1;
	}
	/* A last line without its newline would join SSHWARM_GO's. */
	return len > 0 && text[len - 1] == '\n';
}
