/* exec.h: the executor interface. local.c and sshhost.c (the SSH
 * executor, with its connections and channels) implement it; sched.c
 * drives it without knowing which.
 *
 * A task is one attempt of one job. The executor reports back through
 * struct exec_job_ops: started (the command is running), output (stdout=1,
 * stderr=2 data, in arrival order per stream), done (exactly once, after
 * stdout EOF, stderr EOF and the exit are all known, in any order). After
 * done returns the executor frees the task itself; the scheduler must drop
 * its pointer inside done and never touch the task again.
 *
 * The command runs as `/bin/sh -c CMD` in its own process group (local) or
 * under the remote wrapper (SSH), with PFAN_SEQ, PFAN_SLOT and PFAN_HOST
 * (and GNU parallel's PARALLEL_SEQ and PARALLEL_JOBSLOT) in its
 * environment and stdin at EOF, or (--pipe) fed the bytes of req->in:
 * written without blocking while the job runs, then EOF (execin.h).
 */
#ifndef PFAN_EXEC_H
#define PFAN_EXEC_H
#include <stdbool.h>
#include <stddef.h>

struct exec_task;
struct exec_stdin;

enum exec_end {
	EXEC_EXITED,        /* exit_code is valid */
	EXEC_SIGNALED,      /* signal is valid */
	EXEC_LOST,          /* the host or connection went away first */
	EXEC_START_FAILED,  /* never ran: spawn error, command too long, … */
	EXEC_NO_STATUS,     /* its channel closed without an exit status */
	EXEC_NO_WORKDIR,    /* never ran: the host has no such working directory */
};

struct exec_result {
	enum exec_end end;
	int exit_code;
	int signal;
	const char *cause;  /* LOST, START_FAILED, NO_STATUS, NO_WORKDIR, a failed transfer: for the user */
	/* Files staged (--transferfile, --return): a file that could not be
	 * sent or fetched fails the attempt (stage_failed, with cause);
	 * input_missing: a local input was not there, the job's own fault. */
	bool staged, stage_failed, input_missing;
	unsigned long long sent, received;  /* bytes of the files staged */
	double stage_secs;                  /* time spent staging */
};

struct exec_job_ops {
	void (*started)(void *job);
	void (*output)(void *job, int stream, const char *data, size_t len);
	void (*done)(void *job, const struct exec_result *r);
};

/* A file staged for a remote job (stage.c): local is a path here; remote
 * is absolute, or relative to the job's directory. */
struct exec_file {
	const char *local;
	const char *remote;
};

/* The files of one remote attempt: sent before the command runs, fetched
 * after it exits; cleanup: the host's copies of both removed after. */
struct exec_stage {
	const struct exec_file *send;
	size_t nsend;
	const struct exec_file *fetch;
	size_t nfetch;
	bool cleanup;
};

struct exec_request {
	const char *cmd;
	unsigned long long seq;
	unsigned slot;          /* 1-based on its host */
	const char *host;       /* the host's name */
	void *job;              /* passed back to every exec_job_ops call */
	const struct exec_job_ops *ops;
	int nice;               /* --nice: the job's niceness (0: as pfan's); local.c
	                         * spawns under it, sshwrap.c under nice(1) */
	/* Remote jobs: the directory to run in (NULL: the login's home);
	 * workdir_create: make it first (mode 700). Set by the executor. */
	const char *workdir;
	bool workdir_create;
	const struct exec_stage *stage;   /* remote jobs' files (NULL: none); copied */
	/* --pipe: the job's stdin (NULL: none, EOF at once). Borrowed: it
	 * stays valid until done is called. */
	const struct exec_stdin *in;
};

/* How a host-level executor tells the scheduler it can or cannot take
 * jobs. Local slots are ready at once and never lost. */
struct exec_host_ops {
	/* Connected: jobs may start; slots is the host's slot count (resolved
	 * from `auto` where it was). */
	void (*ready)(void *host, unsigned slots);
	/* No new job can start on the host (its running tasks each get done
	 * with EXEC_LOST). given_up: for the rest of the run. */
	void (*lost)(void *host, const char *why, bool given_up);
};

struct executor_ops {
	/* Starts req. PFAN_OK and *task, or an error with cause (the job is
	 * then recorded as never started). The executor may start it later
	 * (queueing an SSH channel open): `started` says when. */
	int (*start)(void *impl, const struct exec_request *req,
	    struct exec_task **task, char **cause);
	/* Ends the task's process group: TERM now, KILL after a grace period.
	 * done follows, with the signal (or EXEC_LOST). */
	void (*cancel)(void *impl, struct exec_task *task);
	/* Ends everything the executor runs and frees it (NULL-safe impl). */
	void (*free)(void *impl);
};

struct executor {
	const struct executor_ops *ops;
	void *impl;
};

#endif
