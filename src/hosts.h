/* hosts.h: the hosts a run may use, from a YAML hostfile (-H FILE), GNU
 * parallel style sshlogins (-S) or SLURM's allocation (-H slurm), with
 * ~/.ssh/config filling in what those leave unset. Pure parsing: nothing
 * here connects anywhere.
 *
 * Use: hosts_load_file / hosts_add_sshlogin / hosts_add_slurm (any number,
 * in any order; each appends and rejects a name already in the list), then
 * hosts_apply_ssh_config once (hostcfg.c), which fills every remaining
 * default (address, user, port, identities, known_hosts, jump). Before it, unset fields are NULL / 0. On error
 * a function leaves the list as it was and sets *cause. */
#ifndef PFAN_HOSTS_H
#define PFAN_HOSTS_H
#include <stdbool.h>
#include <stddef.h>

#define HOSTS_MAX_SLOTS 100000

struct host_spec {
	char *name;          /* from the hostfile or -S, after range expansion; "local" for local slots */
	char *address;       /* what to connect to: address key, else ssh_config HostName, else name */
	char *user;          /* hostfile/-S, else ssh_config User, else $USER (or getpwuid) */
	unsigned port;       /* hostfile/-S, else ssh_config Port, else 22 */
	char *identity;      /* hostfile identity (~ expanded), else the first ssh_config IdentityFile, else NULL */
	char **identities;   /* the key files to try, in order: the hostfile identity alone, else every ssh_config IdentityFile (expanded); none: ssh-agent then the default keys */
	size_t nidentities;
	bool identities_only;  /* no ssh-agent: a hostfile identity, or IdentitiesOnly yes */
	char *known_hosts;   /* hostfile, else ssh_config UserKnownHostsFile, else ~/.ssh/known_hosts (expanded) */
	struct host_spec *jump;  /* ProxyJump: the host this one is reached through (complete, maybe with its own jump); NULL: directly */
	unsigned slots;      /* 0 = auto (ask the host) */
	bool local;          /* name is "local" or ":" */
	char **tags;
	size_t ntags;
	char *where;         /* "FILE:LINE:COL" or "-S" or "slurm": for messages */
};

struct host_list {
	struct host_spec *v;
	size_t n;
};

#define HOST_LIST_INIT { NULL, 0 }

/* -H FILE: errors read "FILE:LINE:COL: what is wrong". */
int hosts_load_file(struct host_list *hl, const char *path, char **cause);
/* -S "4/alice@node1:2222,node[2-3],:" ([N/][user@]host[:port], ":" is
 * local, "[::1]" an IPv6 literal); N is the slot count, default auto. */
int hosts_add_sshlogin(struct host_list *hl, const char *specs, char **cause);
/* --sshloginfile FILE: one -S spec a line, blank lines and # comments
 * ignored; ".." is ~/.parallel/sshloginfile ($PARALLEL_HOME/sshloginfile),
 * "." /etc/parallel/sshloginfile. Errors say FILE:LINE. */
int hosts_add_sshloginfile(struct host_list *hl, const char *name, char **cause);
/* -H slurm: SLURM_JOB_NODELIST and SLURM_JOB_CPUS_PER_NODE, as values
 * (the caller reads the environment); cpus_per_node NULL means auto. */
int hosts_add_slurm(struct host_list *hl, const char *nodelist,
    const char *cpus_per_node, char **cause);
/* The names of the hosts whose slots are fixed (not auto), the first
 * `max` of them ("a, b, c and 9 more"); NULL when there are none.
 * For the warning that -j does not change them. */
char *hosts_fixed_slots_names(const struct host_list *hl, size_t max);
/* -H slurm from the environment: both variables must be set (non-empty);
 * the cause names the one that is not. */
int hosts_add_slurm_env(struct host_list *hl, char **cause);
/* Fills what the host specs left unset; hostfile and -S values win.
 * config_path NULL = ~/.ssh/config; a missing file is fine. Local hosts
 * get only the defaults. Host blocks match the host's name. A keyword pfan
 * cannot honour that applies to a host (ProxyCommand, ...) is an error
 * naming FILE:LINE. ProxyJump ("[user@]host[:port],...") makes h->jump,
 * each hop completed from the config under its own name. */
int hosts_apply_ssh_config(struct host_list *hl, const char *config_path, char **cause);
void host_list_free(struct host_list *hl);

/* hosttags.c. -H's value: the hostfile's path (malloc'd) and, after its
 * last '@', a tag list (malloc'd; NULL: none). A value that names an
 * existing file is that file, '@' and all. */
void hosts_split_hostfile_arg(const char *arg, char **path, char **tags);
/* Keeps, of the hosts from index first on, those that carry one of the
 * comma-separated tags of list. A tag none of them carries, an empty or a
 * bad one is an error: "WHAT: no host carries the tag "x"". */
int hosts_keep_tagged(struct host_list *hl, size_t first, const char *list,
    const char *what, char **cause);

/* The index of the host called name, or -1. Host names ignore case, here
 * and in the duplicate check, as DNS does. */
long hosts_find(const struct host_list *hl, const char *name);
bool host_has_tag(const struct host_spec *h, const char *tag);

void host_spec_copy(struct host_spec *dst, const struct host_spec *src);  /* deep */
void host_spec_free(struct host_spec *h);                                 /* h is zeroed after */

/* For the loaders (hosts.c, hostfile.c). */
#define HOSTS_NAME_CHARS "only letters, digits, '.', '_' and '-', or an IPv6 address"
bool hosts_valid_name(const char *s);     /* [A-Za-z0-9._-]+, or an IPv6 literal */
bool hosts_valid_user(const char *s);
/* A decimal number with nothing around it, at most max: 0, else -1. */
int hosts_parse_number(const char *s, unsigned long max, unsigned long *out);
/* Appends a copy of h under each name h->name expands to (a range). */
int hosts_add_expanded(struct host_list *hl, const struct host_spec *h,
    const char *where, char **cause);
/* Ends a loader: rc OK checks the hosts from first_new on for duplicate
 * names; on any error they are dropped again. Returns the final rc. */
int hosts_commit(struct host_list *hl, size_t first_new, int rc, char **cause);

#endif
