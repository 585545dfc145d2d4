/* halt.h: --halt, GNU parallel's rules: when a run stops early, and the
 * exit status it then has. Pure arithmetic on counts, for runctl.c. */
#ifndef PFAN_HALT_H
#define PFAN_HALT_H
#include <stdbool.h>
#include "options.h"

struct halt_state {
	bool reached;        /* the condition held once: stop */
	bool has_status;
	int status;          /* the run's exit status, once reached */
};

/* A job's final attempt ended (failed or not; job_status: its exit code,
 * 128+signal, or 1 when it never ran). nok, nfailed count it already;
 * total is every job of the run (known when o->halt_pct is set). True
 * when the run must stop now: the first time the condition holds. */
bool halt_after_job(const struct pfan_opts *o, struct halt_state *h,
    unsigned long long nok, unsigned long long nfailed, unsigned long long total,
    bool failed, int job_status);

/* The exit status --halt gives a run that ended with nfailed of nended
 * jobs failed, or -1 when --halt does not decide it (never). */
int halt_exit_status(const struct pfan_opts *o, const struct halt_state *h,
    unsigned long long nfailed, unsigned long long nended);

#endif
