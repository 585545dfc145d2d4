/* sshconfig.h: the part of OpenSSH's client configuration pfan honours:
 * Host blocks (with *, ? and ! patterns), Match all / host / originalhost,
 * Include, and the keys HostName, User, Port, IdentityFile (every one, in
 * order), IdentitiesOnly, UserKnownHostsFile (its first file) and
 * ProxyJump. The first value obtained wins, as in ssh. Other Match
 * criteria (exec, user, ...) skip their block with a warning naming
 * FILE:LINE; keywords that would change how a host is reached and that
 * pfan cannot honour (ProxyCommand, HostKeyAlias, ...) are reported for
 * the hosts they apply to (sshconfig_values.unsupported). */
#ifndef PFAN_SSHCONFIG_H
#define PFAN_SSHCONFIG_H

struct sshconfig;

#define SSHCONFIG_MAX_IDENTITIES 100   /* as OpenSSH */

/* What the config says for one host; strings are borrowed from the
 * config and still hold their %-tokens (see sshconfig_expand). */
struct sshconfig_values {
	const char *hostname;   /* NULL: not set */
	const char *user;       /* NULL: not set */
	unsigned port;          /* 0: not set */
	const char *identities[SSHCONFIG_MAX_IDENTITIES];  /* IdentityFile, in order */
	size_t nidentities;     /* "IdentityFile none" adds nothing */
	int identities_only;    /* -1: not set, else 0 or 1 */
	const char *known_hosts;   /* UserKnownHostsFile's value; NULL: not set */
	const char *proxy_jump;    /* NULL: not set, or "none" */
	const char *unsupported;   /* "FILE:LINE: Keyword" of one that applies */
};

/* Values for the %-tokens: %h host (HostName, or the alias), %n alias,
 * %r remote user, %u local user, %d local home, %p port, %i local uid,
 * %l/%L local host name (long/short), %% a percent sign. */
struct sshconfig_tokens {
	const char *host;
	const char *alias;
	const char *ruser;
	const char *luser;
	const char *home;
	unsigned port;
};

/* Reads path (NULL: ~/.ssh/config). A missing file gives an empty config;
 * a file that exists but cannot be read, or a bad line in it, is an error
 * ("PATH:LINE: what"). Tokens are checked here, so expansion never fails. */
int sshconfig_load(struct sshconfig **cfg, const char *path, char **cause);
void sshconfig_free(struct sshconfig *cfg);

/* host is the name as the user wrote it (matched case-insensitively). */
void sshconfig_lookup(const struct sshconfig *cfg, const char *host,
    struct sshconfig_values *v);

/* A leading ~ or ~/ becomes the home directory, then the %-tokens are
 * replaced; returns a malloc'd string. */
char *sshconfig_expand(const char *raw, const struct sshconfig_tokens *t);

/* $HOME, else the password database, else "/" (malloc'd). */
char *sshconfig_home(void);
/* $USER, else the password database, else the numeric uid (malloc'd). */
char *sshconfig_local_user(void);
/* A leading ~ or ~/ replaced by home (malloc'd). */
char *sshconfig_tilde(const char *path, const char *home);

#endif
