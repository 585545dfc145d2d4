/* check.h: pfan --check: every host of the run is looked up, connected,
 * its host key checked, logged in to and asked for its cores and load,
 * all at once in one loop (check.c); then a table, a row per host, on
 * stdout (checkfmt.h). */
#ifndef PFAN_CHECK_H
#define PFAN_CHECK_H

#include "hosts.h"
#include "options.h"

/* Checks hosts (complete: hosts_apply_ssh_config has run; none: this
 * machine). Returns the exit status: the number of unusable hosts,
 * capped at 101. */
int check_run(const struct pfan_opts *o, const struct host_list *hosts);

#endif
