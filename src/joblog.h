/* joblog.h: the JSONL joblog writer (jansson). The format is in
 * docs/JOBLOG.md. One JSON object per line, each line written with one
 * write() on an O_APPEND fd, so a crash leaves at most one torn last line. */
#ifndef PFAN_JOBLOG_H
#define PFAN_JOBLOG_H
#include <stdbool.h>
#include <stddef.h>

struct json_t;

enum job_status {
	JOB_OK,          /* exited 0 */
	JOB_FAILED,      /* exited non-zero, or killed by a signal it got elsewhere */
	JOB_TIMEOUT,     /* killed by pfan after --timeout */
	JOB_KILLED,      /* killed by pfan: Ctrl-C twice, SIGTERM, --halt now */
	JOB_HOST_LOST,   /* its host or connection went away, or no exit status; requeued */
	JOB_SKIPPED,     /* never started: --onall/--nonall, its one host given up */
	JOB_OUTPUT_LOST, /* exited 0, but its output could not be kept whole */
	JOB_NO_STATUS,   /* ended without an exit status too often: given up */
	JOB_NO_HOST,     /* never started: every host it is pinned to was given up */
};
#define JOB_NSTATUS (JOB_NO_HOST + 1)

const char *job_status_name(enum job_status s);
/* PFAN_OK and *s, or PFAN_E_INPUT for an unknown name. */
int job_status_parse(const char *name, enum job_status *s);

struct joblog_record {
	unsigned long long seq;
	unsigned attempt;          /* 1-based */
	const char *host;
	unsigned slot;             /* 1-based slot on that host */
	const char *cmd;           /* the canonical command (template.h) */
	size_t nargs;
	char *const *args;
	double start;              /* seconds since the epoch */
	double runtime;            /* seconds */
	int exit_code;             /* -1: none (written as null) */
	int signal;                /* 0: none (written as null) */
	enum job_status status;
	/* pfan will run this job again (a retry, or a rerun elsewhere after a
	 * host fault): written as "final":false, so that a resume after a
	 * crash before that rerun runs it, whatever the status says. */
	bool will_retry;
	unsigned long long stdout_bytes, stderr_bytes;
	const char *cause;         /* why it failed, when pfan knows (NULL: not written) */
	/* --transferfile, --return: written only when staged. */
	bool staged;
	unsigned long long sent_bytes, received_bytes;
	double stage_secs;
	/* --json-jobs: the job's object, written as "job" (NULL: none). */
	const struct json_t *job;
	/* Its stdout's first bytes, up to JOBLOG_STDOUT_HEAD + 1, for
	 * --json-results (never written to the joblog). */
	const char *stdout_head;
	size_t stdout_head_len;
};

/* --json-results keeps a job's stdout up to this many bytes. */
#define JOBLOG_STDOUT_HEAD 4096

struct joblog_header {
	const char *version;
	int argc;
	char *const *argv;         /* pfan's whole command line, argv[0] first */
	const char *cwd;
	double start;
};

struct joblog;

/* Opens (creating, appending) path and locks it for this process: while
 * pfan runs, no other pfan opens it (PFAN_E_INPUT, "PATH: in use by pfan
 * (pid N)"). PFAN_E_SYS with cause on other errors. */
int joblog_open(struct joblog **out, const char *path, char **cause);
/* The same, for a file that must exist already. */
int joblog_open_existing(struct joblog **out, const char *path, char **cause);
/* The locked fd, to read the joblog through (resume_load_fd), as closing
 * another fd of the file would drop the lock; -1 when the file could only
 * be opened write-only. */
int joblog_fd(const struct joblog *jl);
/* Whether the file was empty at open (so the header written is its first,
 * the one `pfan --resume FILE` alone replays). */
bool joblog_was_empty(const struct joblog *jl);
/* Whether path names the file jl writes. */
bool joblog_is_file(const struct joblog *jl, const char *path);
int joblog_write_header(struct joblog *jl, const struct joblog_header *h, char **cause);
int joblog_append(struct joblog *jl, const struct joblog_record *r, char **cause);
/* fdatasync if anything was written since the last sync. */
int joblog_sync(struct joblog *jl, char **cause);
void joblog_close(struct joblog *jl);   /* syncs; NULL is a no-op */

/* The encoders behind the writer, for tests: a malloc'd line ending in \n. */
char *joblog_encode_record(const struct joblog_record *r);
char *joblog_encode_header(const struct joblog_header *h);

#endif
