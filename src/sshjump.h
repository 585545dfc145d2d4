/* sshjump.h: the connections to jump hosts (ProxyJump), shared by every
 * host reached through them: one connection per jump host (user, address,
 * port and its own chain), made when a host behind it first needs it, its
 * host key checked and its user authenticated like any other host's.
 *
 * Use: sshjumps_new once per run (ssh_options.jumps); sshjumps_dial from
 * a connection's dial event; sshjumps_free after every host is freed. */
#ifndef PFAN_SSHJUMP_H
#define PFAN_SSHJUMP_H
#include <stdbool.h>

#include "hosts.h"
#include "loop.h"
#include "sshconn.h"

struct sshjumps;

/* o is copied (its jumps field is ignored). */
struct sshjumps *sshjumps_new(struct loop *loop, const struct ssh_options *o);
void sshjumps_free(struct sshjumps *j);
/* A non-blocking socket that carries a connection to host:port made by
 * the jump host `jump` (complete, as hosts_apply_ssh_config leaves it),
 * which is connected first if need be. When that fails later, or the jump
 * host is lost, the socket sees EOF. -1 with *cause at once when the jump
 * host was given up (*permanent: its host key or our keys were refused). */
int sshjumps_dial(struct sshjumps *j, const struct host_spec *jump,
    const char *host, unsigned port, char **cause, bool *permanent);

#endif
