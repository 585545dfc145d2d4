/* sshagent.h: a connection's remote agent: one exec channel running a
 * small perl program (sent down the channel, nothing installed;
 * agentscript.c) that runs the connection's jobs in slot shells it keeps
 * (one per running job, each in a process group of its own, reused) and
 * sends their output and ends back in frames (agentproto.h). A job then
 * costs the host a fork of a shell instead of a session, an exec request
 * and a login shell. When its stdin ends (pfan is gone, the connection or the
 * channel closed) the agent kills every job it still runs, TERM then
 * KILL, as a job's wrapper does (sshwrap.h). Only the connection module
 * (sshmux.c) steps one and hands it jobs. */
#ifndef PFAN_SSHAGENT_H
#define PFAN_SSHAGENT_H
#include <stdbool.h>
#include <stddef.h>
#include <libssh2.h>

#include "agentproto.h"

enum sshagent_step {
	SSHAGENT_WAIT,      /* blocked on the network */
	SSHAGENT_PROGRESS,  /* did something: step again */
	SSHAGENT_CLOSED,    /* closed, channel freed: see sshagent_failure */
	SSHAGENT_BROKEN,    /* the session failed */
};

/* Where a running agent's frames go; arg is sshagent_step's. */
struct sshagent_sink {
	void (*output)(void *arg, unsigned id, int stream, const char *data, size_t len);
	void (*end)(void *arg, unsigned id, enum agentproto_end end, int num);
};

/* The most jobs one agent runs at once: each holds two pipes in the
 * agent, whose descriptors are limited (1024 by default, and perl has no
 * setrlimit without a module). A host with more slots gets more
 * connections, each with its agent. */
#define SSHAGENT_MAX_JOBS 128

struct sshagent;

struct sshagent *sshagent_new(void);
/* Drops a; its channel (if any) goes with the session being freed. */
void sshagent_free(struct sshagent *a);
/* Advances a on session s; may_open as sshchan_step's. Frames that came
 * go to sink. */
enum sshagent_step sshagent_step(struct sshagent *a, LIBSSH2_SESSION *s, bool may_open,
    const struct sshagent_sink *sink, void *arg);
bool sshagent_opening(const struct sshagent *a);   /* its open is in flight */
bool sshagent_holds_session(const struct sshagent *a);
bool sshagent_ready(const struct sshagent *a);     /* greeted: takes jobs */
/* After SSHAGENT_CLOSED: why the agent could not run or ended (its
 * jobs are lost), or NULL when it was retired. */
const char *sshagent_failure(const struct sshagent *a);
/* Starts job j on a ready agent; returns its id (never 0). */
unsigned sshagent_submit(struct sshagent *a, const struct agentproto_job *j);
/* Asks the agent to kill job id's process group. */
void sshagent_cancel(struct sshagent *a, unsigned id);
/* Closes a's channel: the agent kills what it still runs and exits
 * (the connection retires an agent that runs nothing once it is off). */
void sshagent_retire(struct sshagent *a);

#endif
