/* hostcfg.c: the last step of building the host list (hosts.h's
 * hosts_apply_ssh_config): what the hostfile and -S left unset comes from
 * ~/.ssh/config, then from the defaults. A ProxyJump becomes a chain of
 * complete host specs (host_spec.jump), each hop looked up in the config
 * under its own name as ssh does: "-J a,b" reaches b through a, and a
 * through a's own ProxyJump if it has one. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "errors.h"
#include "hosts.h"
#include "log.h"
#include "sshconfig.h"
#include "xalloc.h"

#define MAX_JUMPS 8   /* hops in a chain: a config loop ends here */

struct ctx {
	const struct sshconfig *cfg;
	const char *home;
	const char *luser;
};

static int apply(const struct ctx *x, struct host_spec *h, int depth, char **cause);

/* Anyone who may write a known_hosts file may vouch for any host key:
 * warn once for each such file the hosts use. */
static void
warn_writable_known_hosts(const struct host_list *hl)
{
	for (size_t i = 0; i < hl->n; i++) {
		const char *path = hl->v[i].known_hosts;
		bool seen = false;
		struct stat st;

		if (hl->v[i].local || path == NULL)
			continue;
		for (size_t j = 0; j < i && !seen; j++)
			seen = !hl->v[j].local && hl->v[j].known_hosts != NULL &&
			    strcmp(hl->v[j].known_hosts, path) == 0;
		if (seen || stat(path, &st) != 0 || !(st.st_mode & S_IWOTH))
			continue;
		log_warn("%s: known_hosts writable by anyone on this machine "
		    "(mode %04o): anyone could make pfan trust any host key; "
		    "fix with: chmod o-w %s", path, (unsigned)(st.st_mode & 07777),
		    path);
	}
}

/* One hop of a ProxyJump list, "[user@]host[:port]", as a spec that
 * names it; apply() completes it. */
static int
parse_hop(const char *hop, size_t len, struct host_spec *j, const char *owner,
    char **cause)
{
	char *s = xstrndup(hop, len), *host = s, *at = strrchr(s, '@'), *colon;
	unsigned long port = 0;

	memset(j, 0, sizeof *j);
	if (at != NULL) {
		*at = '\0';
		host = at + 1;
	}
	colon = strrchr(host, ':');
	if (colon != NULL && strchr(host, ':') == colon) {
		*colon = '\0';
		if (hosts_parse_number(colon + 1, 65535, &port) != 0 || port == 0)
			goto bad;
	}
	if (*host == '\0' || !hosts_valid_name(host) ||
	    (at != NULL && (*s == '\0' || !hosts_valid_user(s))))
		goto bad;
	j->name = xstrdup(host);
	j->user = at != NULL ? xstrdup(s) : NULL;
	j->port = (unsigned)port;
	j->where = xasprintf("ProxyJump of %s", owner);
	free(s);
	return PFAN_OK;
bad:
	*cause = xasprintf("%s: ProxyJump: bad hop \"%.*s\" (want [user@]host[:port])",
	    owner, (int)len, hop);
	free(s);
	return PFAN_E_INPUT;
}

/* h->jump from a ProxyJump list: the last hop is the one h is reached
 * through, each hop through the one before it; the first hop through its
 * own config. */
static int
apply_jump(const struct ctx *x, struct host_spec *h, const char *list, int depth,
    char **cause)
{
	struct host_spec *prev = NULL;
	const char *p = list;
	int rc = PFAN_OK;

	while (rc == PFAN_OK) {
		size_t len = strcspn(p, ",");
		struct host_spec *j = xcalloc(1, sizeof *j);

		if (depth + 1 >= MAX_JUMPS) {
			*cause = xasprintf("%s: ProxyJump: more than %d hops (a loop in "
			    "the config?)", h->name, MAX_JUMPS);
			rc = PFAN_E_INPUT;
		} else {
			rc = parse_hop(p, len, j, h->name, cause);
		}
		if (rc == PFAN_OK) {
			/* The first hop follows its own ProxyJump; the others
			 * follow the list (prev), as ssh -J does. */
			j->jump = prev;
			prev = NULL;
			rc = apply(x, j, depth + 1, cause);
		}
		if (rc != PFAN_OK) {
			host_spec_free(j);
			free(j);
			break;
		}
		prev = j;
		depth++;
		if (p[len] == '\0')
			break;
		p += len + 1;
	}
	if (rc != PFAN_OK) {
		if (prev != NULL) {
			host_spec_free(prev);
			free(prev);
		}
		return rc;
	}
	h->jump = prev;
	return PFAN_OK;
}

/* Fills one host from the config and the defaults. depth: hops between
 * it and a host of the list. */
static int
apply(const struct ctx *x, struct host_spec *h, int depth, char **cause)
{
	struct sshconfig_values v;
	struct sshconfig_tokens t = { .alias = h->name, .luser = x->luser, .home = x->home };

	if (h->local)
		memset(&v, 0, sizeof v);
	else
		sshconfig_lookup(x->cfg, h->name, &v);
	if (v.unsupported != NULL) {
		*cause = xasprintf("%s: pfan does not support this keyword, which "
		    "applies to host %s and changes how it is reached; use ProxyJump, "
		    "or put the host in a hostfile (-H) without it", v.unsupported,
		    h->name);
		return PFAN_E_INPUT;
	}
	if (h->address == NULL) {
		t.host = h->name;
		h->address = v.hostname != NULL ? sshconfig_expand(v.hostname, &t) :
		    xstrdup(h->name);
	}
	if (h->user == NULL)
		h->user = xstrdup(v.user != NULL ? v.user : x->luser);
	if (h->port == 0)
		h->port = v.port != 0 ? v.port : 22;
	t.host = h->address;
	t.ruser = h->user;
	t.port = h->port;
	if (h->identities == NULL) {
		/* A hostfile identity is the only key, as before; the config's
		 * IdentityFile lines are tried in order. */
		h->identities = xcalloc(v.nidentities + 2, sizeof *h->identities);
		if (h->identity != NULL) {
			h->identities[h->nidentities++] = xstrdup(h->identity);
			h->identities_only = true;
		} else {
			for (size_t i = 0; i < v.nidentities; i++)
				h->identities[h->nidentities++] =
				    sshconfig_expand(v.identities[i], &t);
			h->identities_only = v.identities_only == 1;
		}
	}
	if (h->identity == NULL && h->nidentities > 0)
		h->identity = xstrdup(h->identities[0]);
	if (h->known_hosts == NULL)
		h->known_hosts = v.known_hosts != NULL ?
		    sshconfig_expand(v.known_hosts, &t) :
		    xasprintf("%s/.ssh/known_hosts", x->home);
	if (h->jump == NULL && v.proxy_jump != NULL && !h->local)
		return apply_jump(x, h, v.proxy_jump, depth, cause);
	return PFAN_OK;
}

int
hosts_apply_ssh_config(struct host_list *hl, const char *config_path, char **cause)
{
	struct sshconfig *cfg;
	struct ctx x;
	char *home, *luser;
	int rc;

	*cause = NULL;
	rc = sshconfig_load(&cfg, config_path, cause);
	if (rc != PFAN_OK)
		return rc;
	home = sshconfig_home();
	luser = sshconfig_local_user();
	x.cfg = cfg;
	x.home = home;
	x.luser = luser;
	/* On copies: an error leaves the list as it was. */
	struct host_spec *v = xcalloc(hl->n + 1, sizeof *v);
	for (size_t i = 0; i < hl->n; i++)
		host_spec_copy(&v[i], &hl->v[i]);
	for (size_t i = 0; i < hl->n && rc == PFAN_OK; i++)
		rc = apply(&x, &v[i], 0, cause);
	for (size_t i = 0; i < hl->n; i++) {
		if (rc == PFAN_OK) {
			host_spec_free(&hl->v[i]);
			hl->v[i] = v[i];
		} else {
			host_spec_free(&v[i]);
		}
	}
	free(v);
	if (rc == PFAN_OK)
		warn_writable_known_hosts(hl);
	free(home);
	free(luser);
	sshconfig_free(cfg);
	return rc;
}
