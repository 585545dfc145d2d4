/* jsonjobs.h: --json-jobs FILE: jobs as JSON objects, one a line (cmd, cd,
 * out, err, host, tags, env, timeout, retries, id; other keys kept). The
 * whole input is read and checked before any job starts: a bad line is
 * "FILE:LINE: key "K": what is wrong". Each job's command is built here,
 * once: its env exported, cd, its output redirected, all quoted, so the
 * same shell code runs locally and on a host. Pure apart from reading
 * the file (jsonjobs_load). */
#ifndef PFAN_JSONJOBS_H
#define PFAN_JSONJOBS_H
#include <stddef.h>
#include "hosts.h"
#include "options.h"

struct json_t;
struct jsonjobs;

struct jsonjob {
	struct json_t *obj;     /* the line's object, every key as read */
	const char *cmd;        /* its "cmd" */
	char *command;          /* what runs: cmd inside env, cd, out, err */
	const char *id;         /* its "id"; NULL: none (the command is its identity) */
	double timeout;         /* seconds; < 0: --timeout's; 0: none */
	int retries;            /* < 0: --retries' */
	const char *const *hosts;   /* "host": borrowed from obj */
	size_t nhosts;
	const char *const *tags;    /* "tags" */
	size_t ntags;
};

/* Parses len bytes of name's JSON lines (blank lines skipped). hosts:
 * the run's hosts, "host" and "tags" must name (none: the one host is
 * "local", without tags); hosts_name says where they come from in
 * messages ("hosts.yaml"). PFAN_OK and *out, or PFAN_E_INPUT and cause. */
int jsonjobs_parse(struct jsonjobs **out, const char *data, size_t len,
    const char *name, const struct host_list *hosts, const char *hosts_name,
    char **cause);
/* o->json_jobs ("-": o->input.stdin_fd) read whole and parsed. */
int jsonjobs_load(struct jsonjobs **out, const struct pfan_opts *o,
    const struct host_list *hosts, char **cause);
size_t jsonjobs_count(const struct jsonjobs *jj);
/* The i-th job (0-based, in file order); NULL past the end. */
const struct jsonjob *jsonjobs_get(const struct jsonjobs *jj, size_t i);
void jsonjobs_free(struct jsonjobs *jj);

#endif
