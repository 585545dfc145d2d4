/* sshchan_impl.h: the inside of a task (sshchan.h), shared by
 * sshchan.c (a job on its own channel) and sshchan_agent.c (a job on the
 * connection's remote agent). No other file includes it. */
#ifndef PFAN_SSHCHAN_IMPL_H
#define PFAN_SSHCHAN_IMPL_H
#include <stdbool.h>
#include <stdint.h>
#include <libssh2.h>

#include "exec.h"

struct sshstage;

enum chan_state {
	CHAN_QUEUED,
	CHAN_SEND,
	CHAN_OPENING,
	CHAN_EXEC,
	CHAN_RUNNING,
	CHAN_CLOSING,
	CHAN_FREEING,
	CHAN_FETCH,
	CHAN_AGENT,   /* given to the connection's remote agent */
	CHAN_DONE,
};

struct exec_task {
	enum chan_state state;
	LIBSSH2_CHANNEL *ch;
	char *cmd;                 /* what is exec'd: pinned across EAGAIN */
	size_t cmdlen;
	bool wrapped;              /* cmd is sshwrap's: decode its exit */
	bool warm_ok;              /* cmd may go down a warm channel */
	bool adopted;              /* on a warm channel: cmd is written, not exec'd */
	size_t cmd_pos;            /* bytes of cmd written (adopted) */
	char *workdir;             /* where the wrapper cd's, for the cause */
	unsigned long long seq;
	void *job;
	const struct exec_job_ops *ops;
	bool eof[3];               /* [1] stdout, [2] stderr reached EOF */
	bool cancelled;
	bool eof_sent;             /* our EOF on the job's stdin */
	const struct exec_stdin *in;   /* --pipe: the block to write, or NULL */
	uint64_t in_pos;           /* bytes of it written */
	bool write_pending;        /* libssh2 holds a part-sent packet of ours */
	char *scratch;             /* a --pipepart block's bytes, read from its file */
	bool started;
	struct exec_result result;
	char *cause;               /* result.cause points here */
	char *refusal;
	struct sshstage *stage;    /* its staged files, or NULL */
	/* For the remote agent (sshchan_agent.c): the job as the agent runs
	 * it, its id there, and whether its cancel was sent. */
	bool agent_ok;
	char *agent_cmd;           /* sshwrap_job_cmd's */
	bool agent_inline;         /* agent_cmd is plain (sshwrap_inline_ok) */
	char *host;
	unsigned slot;
	bool workdir_create;
	unsigned agent_id;
	bool agent_kill_sent;
	bool agent_done;
};

/* sshchan.c: the one setter of a task's state, checked. */
void chan_set_state(struct exec_task *t, enum chan_state s);
/* sshchan_agent.c: notes what the agent needs of req's job. */
void sshchan_agent_init(struct exec_task *t, const struct exec_request *req);

#endif
