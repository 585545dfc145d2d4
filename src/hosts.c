/* hosts.c: the host list: building it from -S sshlogins and SLURM's
 * allocation, checking names, rejecting duplicates, and filling what is
 * left unset from ~/.ssh/config. The YAML hostfile is read in hostfile.c,
 * which hands its hosts to the same helpers. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errors.h"
#include "hostrange.h"
#include "hosts.h"
#include "log.h"
#include "sshconfig.h"
#include "xalloc.h"

void
host_spec_free(struct host_spec *h)
{
	free(h->name);
	free(h->address);
	free(h->user);
	free(h->identity);
	free(h->known_hosts);
	for (size_t i = 0; i < h->ntags; i++)
		free(h->tags[i]);
	free(h->tags);
	free(h->where);
	memset(h, 0, sizeof *h);
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

void
host_spec_copy(struct host_spec *dst, const struct host_spec *src)
{
	*dst = *src;
	dst->name = dup_or_null(src->name);
	dst->address = dup_or_null(src->address);
	dst->user = dup_or_null(src->user);
	dst->identity = dup_or_null(src->identity);
	dst->known_hosts = dup_or_null(src->known_hosts);
	dst->where = dup_or_null(src->where);
	dst->tags = xcalloc(src->ntags + 1, sizeof *dst->tags);
	for (size_t i = 0; i < src->ntags; i++)
		dst->tags[i] = xstrdup(src->tags[i]);
}

/* Takes over h; the array grows in powers of two so appends stay cheap. */
static void
list_push(struct host_list *hl, struct host_spec *h)
{
	if (hl->n == 0 || (hl->n >= 8 && (hl->n & (hl->n - 1)) == 0))
		hl->v = xreallocarray(hl->v, hl->n ? hl->n * 2 : 8, sizeof *hl->v);
	hl->v[hl->n++] = *h;
	memset(h, 0, sizeof *h);
}

static void
list_truncate(struct host_list *hl, size_t n)
{
	while (hl->n > n)
		host_spec_free(&hl->v[--hl->n]);
}

void
host_list_free(struct host_list *hl)
{
	if (hl == NULL)
		return;
	list_truncate(hl, 0);
	free(hl->v);
	hl->v = NULL;
}

long
hosts_find(const struct host_list *hl, const char *name)
{
	for (size_t i = 0; i < hl->n; i++)
		if (strcasecmp(hl->v[i].name, name) == 0)
			return (long)i;
	return -1;
}

bool
host_has_tag(const struct host_spec *h, const char *tag)
{
	for (size_t i = 0; i < h->ntags; i++)
		if (strcmp(h->tags[i], tag) == 0)
			return true;
	return false;
}

/* Plain names only: a host name reaches the remote side in messages, the
 * joblog and %h, and a typo like "node1 node2" must not pass as one host.
 * With a ':' it must look like an IPv6 literal. */
bool
hosts_valid_name(const char *s)
{
	bool colon = strchr(s, ':') != NULL;

	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (colon ? !(isxdigit(c) || c == ':' || c == '.') :
		    !(isalnum(c) || c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

bool
hosts_valid_user(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!isgraph((unsigned char)*s) || strchr("@:/", *s) != NULL)
			return false;
	return true;
}

int
hosts_parse_number(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return (*end != '\0' || errno != 0 || *out > max) ? -1 : 0;
}

static int
add_named(struct host_list *hl, const struct host_spec *h, const char *name,
    const char *where_, char **cause)
{
	struct host_spec n;
	bool local = strcmp(name, "local") == 0 || strcmp(name, ":") == 0;

	if (!local && !hosts_valid_name(name)) {
		*cause = xasprintf("%s: bad host name \"%s\" (%s)", where_, name, HOSTS_NAME_CHARS);
		return PFAN_E_INPUT;
	}
	host_spec_copy(&n, h);
	free(n.name);
	free(n.where);
	n.name = xstrdup(local ? "local" : name);
	n.where = xstrdup(where_);
	n.local = local;
	list_push(hl, &n);
	return PFAN_OK;
}

/* Expands h->name (a range or a plain name) into hosts. */
int
hosts_add_expanded(struct host_list *hl, const struct host_spec *h, const char *where_,
    char **cause)
{
	char **names, *why;
	size_t n;
	int rc;

	rc = hostrange_expand(h->name, &names, &n, &why);
	if (rc != PFAN_OK) {
		*cause = xasprintf("%s: %s", where_, why);
		free(why);
		return rc;
	}
	for (size_t i = 0; i < n && rc == PFAN_OK; i++)
		rc = add_named(hl, h, names[i], where_, cause);
	hostrange_free(names, n);
	return rc;
}

struct name_at {
	const char *name;
	size_t i;
};

static int
cmp_name_at(const void *a, const void *b)
{
	const struct name_at *x = a, *y = b;
	int r = strcasecmp(x->name, y->name);

	return r != 0 ? r : (x->i > y->i) - (x->i < y->i);
}

/* Rejects a name seen twice, reporting the earliest second sighting among
 * the hosts from first_new on (those before were checked already). */
static int
check_duplicates(const struct host_list *hl, size_t first_new, char **cause)
{
	struct name_at *v = xcalloc(hl->n + 1, sizeof *v);
	size_t dup = SIZE_MAX, orig = 0;

	for (size_t i = 0; i < hl->n; i++)
		v[i] = (struct name_at){ hl->v[i].name, i };
	qsort(v, hl->n, sizeof *v, cmp_name_at);
	for (size_t i = 1; i < hl->n; i++) {
		if (strcasecmp(v[i - 1].name, v[i].name) == 0 && v[i].i >= first_new &&
		    v[i].i < dup) {
			dup = v[i].i;
			orig = v[i - 1].i;
		}
	}
	free(v);
	if (dup == SIZE_MAX)
		return PFAN_OK;
	if (strcmp(hl->v[dup].where, hl->v[orig].where) == 0)
		*cause = xasprintf("%s: duplicate host \"%s\"", hl->v[dup].where, hl->v[dup].name);
	else
		*cause = xasprintf("%s: duplicate host \"%s\" (first at %s)", hl->v[dup].where,
		    hl->v[dup].name, hl->v[orig].where);
	return PFAN_E_INPUT;
}

/* Every public loader ends here: check the new hosts, or drop them all. */
int
hosts_commit(struct host_list *hl, size_t first_new, int rc, char **cause)
{
	if (rc == PFAN_OK && hl->n == first_new)
		return rc;
	if (rc == PFAN_OK)
		rc = check_duplicates(hl, first_new, cause);
	if (rc != PFAN_OK)
		list_truncate(hl, first_new);
	if (hl->n == 0) {
		free(hl->v);
		hl->v = NULL;
	}
	return rc;
}

/* ---- -S and SLURM ---- */

static int
sshlogin_error(const char *item, const char *what, char **cause)
{
	*cause = xasprintf("-S: \"%s\": %s", item, what);
	return PFAN_E_INPUT;
}

/* One "[N/][user@]host[:port]". */
static int
parse_sshlogin(struct host_list *hl, const char *item, char **cause)
{
	struct host_spec h;
	const char *s = item, *slash = strchr(item, '/'), *at, *end, *rest;
	bool ipv6 = false;
	unsigned long n;
	int rc = PFAN_E_INPUT;

	memset(&h, 0, sizeof h);
	if (slash != NULL) {
		char *num = xstrndup(s, (size_t)(slash - s));
		int bad = hosts_parse_number(num, ULONG_MAX, &n) != 0 || n == 0;
		free(num);
		if (bad)
			return sshlogin_error(item, "slots must be a positive integer", cause);
		if (n > HOSTS_MAX_SLOTS)
			return sshlogin_error(item, "too many slots", cause);
		h.slots = (unsigned)n;
		s = slash + 1;
	}
	if ((at = strchr(s, '@')) != NULL) {
		h.user = xstrndup(s, (size_t)(at - s));
		if (at == s) {
			sshlogin_error(item, "missing user name before \"@\"", cause);
			goto out;
		}
		if (!hosts_valid_user(h.user)) {
			sshlogin_error(item, "bad user name", cause);
			goto out;
		}
		s = at + 1;
	}
	if (s[0] == '[' && strchr(s, ']') == NULL) {
		sshlogin_error(item, "\"[\" without \"]\" (an IPv6 address is written [::1])", cause);
		goto out;
	}
	if (strcmp(s, ":") == 0) {
		end = rest = s + 1;
	} else if (s[0] == '[' && (end = strchr(s, ']')) != NULL &&
	    memchr(s, ':', (size_t)(end - s)) != NULL) {
		ipv6 = true;
		rest = end + 1;
		s++;
	} else {
		end = rest = s + strcspn(s, ":");
	}
	if (end == s) {
		sshlogin_error(item, "missing host name", cause);
		goto out;
	}
	h.name = xstrndup(s, (size_t)(end - s));
	if (*rest == ':') {
		if (rest[1] == '\0') {
			sshlogin_error(item, "missing port after \":\"", cause);
			goto out;
		}
		if (hosts_parse_number(rest + 1, 65535, &n) != 0 || n == 0) {
			sshlogin_error(item, "port must be an integer from 1 to 65535", cause);
			goto out;
		}
		h.port = (unsigned)n;
	} else if (*rest != '\0') {
		sshlogin_error(item, "unexpected text after the host name", cause);
		goto out;
	}
	rc = ipv6 ? add_named(hl, &h, h.name, "-S", cause) : hosts_add_expanded(hl, &h, "-S", cause);
out:
	host_spec_free(&h);
	return rc;
}

int
hosts_add_sshlogin(struct host_list *hl, const char *specs, char **cause)
{
	char **items, *why;
	size_t n, first = hl->n;
	int rc;

	*cause = NULL;
	rc = hostrange_split(specs, &items, &n, &why);
	if (rc != PFAN_OK) {
		*cause = xasprintf("-S: %s", why);
		free(why);
		return rc;
	}
	for (size_t i = 0; i < n && rc == PFAN_OK; i++)
		rc = parse_sshlogin(hl, items[i], cause);
	hostrange_free(items, n);
	return hosts_commit(hl, first, rc, cause);
}

/* GNU parallel's names: ".." is ~/.parallel/sshloginfile, "." the
 * system's; a name not found here is looked for in ~/.parallel. */
static char *
sshloginfile_path(const char *name)
{
	const char *home = getenv("HOME");
	const char *ph = getenv("PARALLEL_HOME");
	char *dir = ph != NULL && *ph != '\0' ? xstrdup(ph) :
	    xasprintf("%s/.parallel", home != NULL ? home : "");
	char *path;

	if (strcmp(name, "..") == 0)
		path = xasprintf("%s/sshloginfile", dir);
	else if (strcmp(name, ".") == 0)
		path = xstrdup("/etc/parallel/sshloginfile");
	else {
		path = xasprintf("%s/%s", dir, name);
		if (access(name, R_OK) == 0 || strchr(name, '/') != NULL ||
		    access(path, R_OK) != 0) {
			free(path);
			path = xstrdup(name);
		}
	}
	free(dir);
	return path;
}

int
hosts_add_sshloginfile(struct host_list *hl, const char *name, char **cause)
{
	char *path = sshloginfile_path(name), *line = NULL;
	size_t cap = 0, lineno = 0;
	FILE *fp = fopen(path, "re");
	int rc = PFAN_OK;
	ssize_t len;

	*cause = NULL;
	if (fp == NULL) {
		*cause = xasprintf("--sshloginfile: %s: %s", path, strerror(errno));
		free(path);
		return PFAN_E_INPUT;
	}
	while (rc == PFAN_OK && (len = getline(&line, &cap, fp)) >= 0) {
		lineno++;
		while (len > 0 && strchr(" \t\r\n", line[len - 1]) != NULL)
			line[--len] = '\0';
		char *p = line + strspn(line, " \t");
		if (*p == '\0' || *p == '#')
			continue;
		char *why = NULL;
		if ((rc = hosts_add_sshlogin(hl, p, &why)) != PFAN_OK) {
			/* "-S: what" from the parser: say where instead. */
			const char *what = strncmp(why, "-S: ", 4) == 0 ? why + 4 : why;
			*cause = xasprintf("%s:%zu: %s", path, lineno, what);
			free(why);
		}
	}
	if (rc == PFAN_OK && ferror(fp)) {
		*cause = xasprintf("--sshloginfile: %s: %s", path, strerror(errno));
		rc = PFAN_E_INPUT;
	}
	free(line);
	fclose(fp);
	free(path);
	return rc;
}

int
hosts_add_slurm(struct host_list *hl, const char *nodelist, const char *cpus_per_node,
    char **cause)
{
	struct host_spec h;
	char **names = NULL, *why = NULL;
	unsigned *counts = NULL;
	size_t n = 0, ncounts = 0, first = hl->n;
	int rc;

	*cause = NULL;
	memset(&h, 0, sizeof h);
	if (nodelist == NULL || *nodelist == '\0') {
		*cause = xstrdup("-H slurm: SLURM_JOB_NODELIST is not set (not inside a SLURM job?)");
		return PFAN_E_INPUT;
	}
	rc = hostrange_expand_list(nodelist, &names, &n, &why);
	if (rc != PFAN_OK) {
		*cause = xasprintf("-H slurm: SLURM_JOB_NODELIST: %s", why);
		goto out;
	}
	if (cpus_per_node != NULL && *cpus_per_node != '\0') {
		rc = hostrange_cpus(cpus_per_node, &counts, &ncounts, &why);
		if (rc != PFAN_OK) {
			*cause = xasprintf("-H slurm: SLURM_JOB_CPUS_PER_NODE: %s", why);
			goto out;
		}
		if (ncounts != n) {
			*cause = xasprintf("-H slurm: SLURM_JOB_CPUS_PER_NODE \"%s\" gives %zu counts for the %zu nodes of SLURM_JOB_NODELIST \"%s\"",
			    cpus_per_node, ncounts, n, nodelist);
			rc = PFAN_E_INPUT;
			goto out;
		}
	}
	for (size_t i = 0; i < n && rc == PFAN_OK; i++) {
		h.slots = counts != NULL ? counts[i] : 0;
		rc = add_named(hl, &h, names[i], "slurm", cause);
	}
out:
	free(why);
	free(counts);
	hostrange_free(names, n);
	return hosts_commit(hl, first, rc, cause);
}

char *
hosts_fixed_slots_names(const struct host_list *hl, size_t max)
{
	char *list = NULL;
	size_t shown = 0, more = 0;

	for (size_t i = 0; i < hl->n; i++) {
		char *next;
		if (hl->v[i].slots == 0)
			continue;
		if (shown == max) {
			more++;
			continue;
		}
		next = xasprintf("%s%s%s", list != NULL ? list : "",
		    list != NULL ? ", " : "", hl->v[i].name);
		free(list);
		list = next;
		shown++;
	}
	if (more > 0) {
		char *next = xasprintf("%s and %zu more", list, more);
		free(list);
		list = next;
	}
	return list;
}

/* An empty variable is as good as none. */
static const char *
env_value(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

int
hosts_add_slurm_env(struct host_list *hl, char **cause)
{
	const char *nodes = env_value("SLURM_JOB_NODELIST");
	const char *cpus = env_value("SLURM_JOB_CPUS_PER_NODE");

	*cause = NULL;
	/* Name the one that is missing: a partial SLURM environment (a
	 * script that copied one variable) is not "outside an allocation". */
	if (nodes == NULL && cpus == NULL)
		*cause = xstrdup("-H slurm: SLURM_JOB_NODELIST and "
		    "SLURM_JOB_CPUS_PER_NODE are not set (not inside a SLURM "
		    "allocation?)");
	else if (nodes == NULL)
		*cause = xstrdup("-H slurm: SLURM_JOB_NODELIST is not set "
		    "(SLURM_JOB_CPUS_PER_NODE is): it names the nodes");
	else if (cpus == NULL)
		*cause = xstrdup("-H slurm: SLURM_JOB_CPUS_PER_NODE is not set "
		    "(SLURM_JOB_NODELIST is): it gives each node's slots");
	if (*cause != NULL)
		return PFAN_E_INPUT;
	return hosts_add_slurm(hl, nodes, cpus, cause);
}

/* ---- ~/.ssh/config and the last defaults ---- */

/* Anyone who may write a known_hosts file may vouch for any host key:
 * warn once for each such file the hosts use. */
static void
warn_writable_known_hosts(const struct host_list *hl)
{
	for (size_t i = 0; i < hl->n; i++) {
		const char *path = hl->v[i].known_hosts;
		struct stat st;
		bool seen = false;

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

int
hosts_apply_ssh_config(struct host_list *hl, const char *config_path, char **cause)
{
	struct sshconfig *cfg;
	char *home, *luser;
	int rc;

	*cause = NULL;
	rc = sshconfig_load(&cfg, config_path, cause);
	if (rc != PFAN_OK)
		return rc;
	home = sshconfig_home();
	luser = sshconfig_local_user();
	for (size_t i = 0; i < hl->n; i++) {
		struct host_spec *h = &hl->v[i];
		struct sshconfig_values v;
		struct sshconfig_tokens t = { .alias = h->name, .luser = luser, .home = home };

		if (h->local)
			memset(&v, 0, sizeof v);
		else
			sshconfig_lookup(cfg, h->name, &v);
		if (h->address == NULL) {
			t.host = h->name;
			h->address = v.hostname != NULL ? sshconfig_expand(v.hostname, &t) :
			    xstrdup(h->name);
		}
		if (h->user == NULL)
			h->user = xstrdup(v.user != NULL ? v.user : luser);
		if (h->port == 0)
			h->port = v.port != 0 ? v.port : 22;
		if (h->identity == NULL && v.identity != NULL) {
			t.host = h->address;
			t.ruser = h->user;
			t.port = h->port;
			h->identity = sshconfig_expand(v.identity, &t);
		}
		if (h->known_hosts == NULL)
			h->known_hosts = xasprintf("%s/.ssh/known_hosts", home);
	}
	warn_writable_known_hosts(hl);
	free(home);
	free(luser);
	sshconfig_free(cfg);
	return PFAN_OK;
}
