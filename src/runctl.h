/* runctl.h: run control: what stops a run and the exit status it ends
 * with. Signals (Ctrl-C once: start nothing new; again, SIGTERM, SIGHUP:
 * kill the running jobs), --halt (halt.c's rules), a reader that closed
 * our stdout, pfan's own errors (the joblog unwritable, output lost, no
 * host left). The scheduler reports to it (runctl_report_ops); it writes
 * the joblog's records (recsink.c) and tells the scheduler to stop. */
#ifndef PFAN_RUNCTL_H
#define PFAN_RUNCTL_H
#include <stdbool.h>
#include "joblog.h"
#include "loop.h"
#include "options.h"
#include "output.h"
#include "onall.h"
#include "jsonres.h"
#include "sched.h"

struct runctl;

/* jl NULL: no joblog. o, loop, out and jl must outlive it. */
struct runctl *runctl_new(const struct pfan_opts *o, struct loop *loop,
    struct output *out, struct joblog *jl);
/* --onall, --nonall: each record goes to a too, and the exit status of
 * a run that ends normally is a's (the hosts where it failed). */
void runctl_set_onall(struct runctl *rc, struct onall *a);
/* --json-results: each final record goes to jr too (jr stays the caller's). */
void runctl_set_json_results(struct runctl *rc, struct jsonres *jr);
/* The sched_deps.report for a scheduler reporting to rc (report_arg rc). */
extern const struct sched_report_ops runctl_report_ops;
/* Runs s (made with runctl_report_ops and rc) to its end, with the
 * signals handled; returns pfan's exit status. */
int runctl_run(struct runctl *rc, struct sched *s);
/* Whether --halt stopped the run before its end. */
bool runctl_halted(const struct runctl *rc);
/* Whether a signal or our stdout's reader leaving cut the run short (no
 * end-of-run failure line then). */
bool runctl_cut_short(const struct runctl *rc);
/* After the scheduler is freed (it may still report held-back records). */
void runctl_free(struct runctl *rc);

#endif
