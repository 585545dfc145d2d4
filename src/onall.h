/* onall.h: --onall and --nonall (GNU parallel's): the same jobs on every
 * host. The input is read whole first (GNU passes all of it to each
 * host); each record then becomes one job per host, pinned there, and
 * numbered host-major (host h's jobs are seq h*M+1 .. h*M+M of M
 * records), so that -k's ordering prints each host's output as one block,
 * the hosts in their order. At the end: each host's verdict (ok, failed,
 * unreachable), the exit status (the hosts where it failed), --fold's
 * output, and one line naming the unreachable hosts. */
#ifndef PFAN_ONALL_H
#define PFAN_ONALL_H
#include <stdbool.h>
#include <stddef.h>

#include "jobfeed.h"
#include "joblog.h"
#include "options.h"
#include "schedhost.h"
#include "template.h"

struct onall;

/* The options that cannot go with --onall, --nonall or --fold; PFAN_OK
 * when there is none (also without them). */
int onall_check(const struct pfan_opts *o, char **cause);
/* NULL without --onall or --nonall. tmpl: the command (--nonall's one
 * job); --fold's temp files are made here. */
int onall_new(struct onall **a, const struct pfan_opts *o, const struct template *tmpl,
    char **cause);
/* --fold: where the jobs' output is to go instead of out_fd and err_fd. */
void onall_output_fds(const struct onall *a, int *out_fd, int *err_fd);
/* The next job of nhosts hosts' jobs as jobfeed_next, with *only the one
 * host it must run on (index in the order the hosts were added). */
int onall_next(struct onall *a, struct jobfeed *f, size_t nhosts,
    struct jobfeed_item *it, struct host_set *only);
/* {#} of job seq: its record's number (seq itself when a is NULL). */
unsigned long long onall_record_seq(const struct onall *a, unsigned long long seq);
/* Every joblog record, as it is written (after its job's output). */
void onall_record(struct onall *a, const struct joblog_record *rec);
/* The run's exit status from the hosts: how many failed or were not
 * reached (at most 101); bad: some records never became jobs (every host
 * then missed them). */
int onall_status(const struct onall *a, bool bad);
/* After the run: --fold's output to out_fd and err_fd (PFAN_E_SYS with
 * cause when it could not be printed); nothing without --fold. */
int onall_print_fold(struct onall *a, int out_fd, int err_fd, char **cause);
/* The run's last line: the hosts not reached ("unreachable: node[2-3]
 * (2)"), if any. */
void onall_say_unreachable(const struct onall *a);
void onall_free(struct onall *a);

#endif
