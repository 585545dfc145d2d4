/* sshauth.h: what makes a new SSH session trusted, both ways: the server's
 * host key checked against known_hosts, then our user authentication
 * (identity file, else ssh-agent, else the default keys). Used by
 * sshconn.c between the handshake and READY. */
#ifndef PFAN_SSHAUTH_H
#define PFAN_SSHAUTH_H
#include <stdbool.h>
#include <libssh2.h>

#include "hosts.h"

/* What the host key check found (pfan --check shows it). */
enum sshauth_key {
	SSHAUTH_KEY_UNCHECKED,
	SSHAUTH_KEY_KNOWN,     /* known_hosts has it */
	SSHAUTH_KEY_NEW,       /* not there: refused */
	SSHAUTH_KEY_ADDED,     /* not there: recorded (accept_new) */
	SSHAUTH_KEY_CHANGED,   /* another key of its type is there */
	SSHAUTH_KEY_REVOKED,
	SSHAUTH_KEY_CA,        /* vouched for only by @cert-authority */
	SSHAUTH_KEY_NONE,      /* the server sent none */
};

/* One word for k: "known", "new", "added", "changed", "revoked", "ca",
 * "none"; NULL for UNCHECKED. */
const char *sshauth_key_name(enum sshauth_key k);

/* Checks the session's host key. PFAN_OK, or PFAN_E_SSH with a cause for
 * the user: unknown key (how to add it), changed or revoked key (loudly),
 * a host known only through @cert-authority. With accept_new an unknown
 * key is appended to the known_hosts file. *found says which it was. */
int sshauth_hostkey(LIBSSH2_SESSION *s, const struct host_spec *spec,
    bool accept_new, enum sshauth_key *found, char **cause);

struct sshauth;

struct sshauth *sshauth_new(const struct host_spec *spec);
/* Runs the authentication as far as it can: PFAN_OK (authenticated),
 * PFAN_AGAIN (poll the socket as libssh2_session_block_directions says,
 * then call again), PFAN_E_SSH with a cause naming each method tried and
 * why it failed. Talks to ssh-agent over its local socket, blocking. */
int sshauth_step(struct sshauth *a, LIBSSH2_SESSION *s, char **cause);
/* After sshauth_step said PFAN_OK: how we logged in, "agent" or
 * "key:PATH" (valid until sshauth_free). */
const char *sshauth_method(const struct sshauth *a);
/* Before the session is freed. NULL-safe. */
void sshauth_free(struct sshauth *a);

#endif
