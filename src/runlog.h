/* runlog.h: one run of a joblog in memory, for --report: its attempts and
 * hosts. Runs are separated by headers (docs/JOBLOG.md §1); records before
 * the first header are a run of their own. */
#ifndef PFAN_RUNLOG_H
#define PFAN_RUNLOG_H
#include <stdbool.h>
#include <stddef.h>
#include "joblog.h"

#define RUNLOG_NO_HOST ((size_t)-1)

struct rl_attempt {
	unsigned long long seq;
	unsigned attempt;
	size_t host;               /* index into hosts, or RUNLOG_NO_HOST */
	unsigned slot;             /* 0: never got one */
	char *cmd;
	double start, runtime;     /* NAN: unknown */
	int exit_code;             /* -1: none */
	int signal;                /* 0: none */
	enum job_status status;
	bool final;
};

struct rl_host {
	char *name;
	unsigned slots;            /* the highest slot number it ran a job in */
};

struct runlog {
	unsigned run, nruns;       /* 1-based: which run, of how many */
	char *version;             /* from the run's header; NULL: none */
	char *cmdline;             /* its argv as a shell line; NULL: none */
	struct rl_attempt *a;      /* in file order */
	size_t n;
	struct rl_host *hosts;     /* in natural name order (strverscmp) */
	size_t nhosts;
	unsigned slots;            /* the sum of the hosts' slots */
	double t0, t1;             /* first start, last end; both 0: no times */
};

/* Loads run number `run` (1-based; 0: the last) of the joblog at path.
 * Errors: those of jlread_file, and "PATH: no run N (it has M)". */
int runlog_load(struct runlog **out, const char *path, unsigned run, char **cause);
/* Whether attempt a has a host, a slot and finite times: a bar to draw. */
bool runlog_ran(const struct rl_attempt *a);
void runlog_free(struct runlog *rl);

#endif
