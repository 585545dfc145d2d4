/* sshchan.h: one task on one exec channel of an SSH connection. Only
 * the connection module (sshconn.c, sshmux.c) steps it: it owns the session, decides when a task may open
 * its channel (one open in flight per session) and steps every task after
 * each wake-up. struct exec_task (exec.h) is defined in sshchan.c. */
#ifndef PFAN_SSHCHAN_H
#define PFAN_SSHCHAN_H
#include <stdbool.h>
#include <libssh2.h>

#include "agentproto.h"
#include "exec.h"

enum sshchan_step {
	SSHCHAN_WAIT,      /* blocked on the network: nothing more to do now */
	SSHCHAN_PROGRESS,  /* did something: step it again after the others */
	SSHCHAN_REFUSED,   /* the server refused the channel (MaxSessions): requeue */
	SSHCHAN_FINISHED,  /* the result is known: call sshchan_finish */
	SSHCHAN_BROKEN,    /* the session failed: the connection is lost */
};

/* A job from the scheduler: its command runs under the remote wrapper
 * (sshwrap.h), so its exit status is unambiguous. */
struct exec_task *sshchan_new(const struct exec_request *req);
/* An internal command (the slot probe): run as it is, exit status as sent. */
struct exec_task *sshchan_new_raw(const char *cmd, const struct exec_job_ops *ops, void *job);

/* Only files to send (--basefile): st's send list, each skipped when the
 * host's copy has the same size and mtime, the mtime kept; done reports
 * an exit 0, or START_FAILED with the cause. */
struct exec_task *sshchan_new_files(const struct exec_stage *st, const char *workdir,
    bool workdir_create, const struct exec_job_ops *ops, void *job);

/* Advances t as far as it can on session s. may_open: t may send its
 * channel open now (no other open is in flight on s). */
enum sshchan_step sshchan_step(struct exec_task *t, LIBSSH2_SESSION *s, bool may_open);

bool sshchan_queued(const struct exec_task *t);   /* has not sent its open */
bool sshchan_opening(const struct exec_task *t);  /* its open is in flight */
bool sshchan_started(const struct exec_task *t);  /* its command was exec'd */
/* How it ended, once sshchan_step returned SSHCHAN_FINISHED. */
enum exec_end sshchan_end(const struct exec_task *t);
/* Why the server refused the channel (after SSHCHAN_REFUSED). */
const char *sshchan_refusal(const struct exec_task *t);
/* Back to QUEUED, for another session: only for a task still QUEUED or
 * just refused (nothing of it reached the server). */
void sshchan_requeue(struct exec_task *t);

/* True when t is a job that may run on a warm channel (sshwarm.h): not
 * the slot probe, no staged files. */
bool sshchan_warm_kind(const struct exec_task *t);
/* True when t (a job, not yet opened, with no staged files) may take a
 * warm channel (sshwarm.h) instead of opening its own. */
bool sshchan_adoptable(const struct exec_task *t);
/* t takes ch, a warm channel's: its next steps write its wrapper text
 * down ch's stdin, then it runs as on its own channel. */
void sshchan_adopt(struct exec_task *t, LIBSSH2_CHANNEL *ch);

/* The connection's remote agent (sshagent.h), through the connection
 * (sshmux.c). A job that may run there is a plain job (not the probe, no
 * staged files, no --pipe block). */
/* t is queued and may go to the agent. */
bool sshchan_agent_waiting(const struct exec_task *t);
/* What the agent is to run for t (valid while t lives). */
void sshchan_agent_job(const struct exec_task *t, struct agentproto_job *j);
/* t was given to the agent as id: it runs (started is reported). */
void sshchan_agent_begin(struct exec_task *t, unsigned id);
/* t's id on the agent, or 0 when it is not there. */
unsigned sshchan_agent_id(const struct exec_task *t);
/* True once for a job on the agent that was cancelled: send its K now. */
bool sshchan_agent_cancel_due(struct exec_task *t);
/* The agent's frames for t: output, and its end (the next step then
 * finishes t). */
void sshchan_agent_output(struct exec_task *t, int stream, const char *data, size_t len);
void sshchan_agent_end(struct exec_task *t, enum agentproto_end end, int num);
/* The agent died under t: it ends EXEC_LOST (requeued), with cause. */
void sshchan_agent_lost(struct exec_task *t, const char *cause);
/* t holds a session on the server (a channel of its own). */
bool sshchan_holds_session(const struct exec_task *t);

/* Asks the task to end: a running job's channel gets EOF on its stdin, so
 * the remote wrapper kills its process group; a task that has not started
 * finishes as EXEC_START_FAILED. The next step acts on it. */
void sshchan_cancel(struct exec_task *t);
bool sshchan_cancelled(const struct exec_task *t);

/* Reports done (the result sshchan_step found) and frees t. */
void sshchan_finish(struct exec_task *t);
/* Reports done with end (EXEC_LOST or EXEC_START_FAILED) and cause, and
 * frees t. Its libssh2 channel is dropped unfreed: call this only when the
 * session is about to be freed, or for a task that has none. */
void sshchan_fail(struct exec_task *t, enum exec_end end, const char *cause);
/* Frees t without reporting (executor teardown). */
void sshchan_free(struct exec_task *t);

#endif
