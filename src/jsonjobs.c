/* jsonjobs.c: --json-jobs's reader (jsonjobs.h). Every line is checked
 * before the run starts, as the hostfile is: a typo in line 9000 must not
 * cost a night of jobs 1..8999 first. The objects stay in memory for the
 * run (the joblog and --json-results write them back). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>

#include "buf.h"
#include "errors.h"
#include "jsonjobs.h"
#include "quote.h"
#include "xalloc.h"

/* --retries' own ceiling. */
#define JSONJOBS_RETRIES_MAX 1000000

struct jsonjobs {
	struct jsonjob *v;
	size_t n, cap;
};

/* One line being checked: where it is and what it must name. */
struct line_ctx {
	const char *where;          /* "FILE:LINE" */
	const struct host_list *hosts;
	const char *hosts_name;
	char **cause;
};

static int
bad(struct line_ctx *c, const char *key, const char *what)
{
	*c->cause = xasprintf("%s: key \"%s\": %s", c->where, key, what);
	return PFAN_E_INPUT;
}

static const char *
opt_string(const json_t *o, const char *key, struct line_ctx *c, int *rc)
{
	const json_t *v = json_object_get(o, key);

	if (v == NULL)
		return NULL;
	if (!json_is_string(v))
		*rc = bad(c, key, "not a string");
	return json_string_value(v);
}

/* As hosts_find and host_has_tag match (names ignore case, tags do not),
 * without linking the hostfile's loaders into every user of this file. */
static bool
known_tag(const struct host_list *hl, const char *tag)
{
	for (size_t i = 0; i < hl->n; i++)
		for (size_t k = 0; k < hl->v[i].ntags; k++)
			if (strcmp(hl->v[i].tags[k], tag) == 0)
				return true;
	return false;
}

static bool
known_host(const struct host_list *hl, const char *name)
{
	if (hl->n == 0)
		return strcmp(name, "local") == 0;
	for (size_t i = 0; i < hl->n; i++)
		if (strcasecmp(hl->v[i].name, name) == 0)
			return true;
	return false;
}

/* "host" or "tags": a list of strings, each a host (tag) of the run. */
static int
names(const json_t *o, const char *key, struct line_ctx *c,
    const char *const **out, size_t *n)
{
	const json_t *v = json_object_get(o, key), *x;
	const char **w;
	size_t i;
	bool tag = strcmp(key, "tags") == 0;

	if (v == NULL)
		return PFAN_OK;
	if (!json_is_array(v))
		return bad(c, key, "not a list of strings");
	w = xcalloc(json_array_size(v) + 1, sizeof *w);
	json_array_foreach(v, i, x) {
		const char *s = json_string_value(x);
		char *what = NULL;
		if (s == NULL)
			what = xstrdup("not a list of strings");
		else if (tag && !known_tag(c->hosts, s))
			what = xasprintf("no host tagged \"%s\" in %s", s, c->hosts_name);
		else if (!tag && !known_host(c->hosts, s))
			what = xasprintf("no host named \"%s\" in %s", s, c->hosts_name);
		if (what != NULL) {
			bad(c, key, what);
			free(what);
			free(w);
			return PFAN_E_INPUT;
		}
		w[i] = s;
	}
	*out = w;
	*n = json_array_size(v);
	return PFAN_OK;
}

static bool
var_name(const char *s)
{
	if (!isalpha((unsigned char)*s) && *s != '_')
		return false;
	for (s++; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

/* "env": NAME: "value" pairs, each value exported as quoted text. */
static int
env_check(const json_t *env, struct line_ctx *c)
{
	const char *k;
	json_t *x;

	if (!json_is_object(env))
		return bad(c, "env", "not an object of strings");
	json_object_foreach((json_t *)env, k, x) {
		char *what = NULL;
		if (!var_name(k))
			what = xasprintf("\"%s\" is not a variable name", k);
		else if (!json_is_string(x))
			what = xasprintf("\"%s\" is not a string", k);
		if (what != NULL) {
			bad(c, "env", what);
			free(what);
			return PFAN_E_INPUT;
		}
	}
	return PFAN_OK;
}

static void
add_quoted(struct buf *b, const char *s)
{
	quote_shell(b, s, strlen(s));
}

/* NAME='v'; export NAME; ... cd 'DIR' || exit; { CMD
 * } >'OUT' 2>'ERR' -- the newline before the brace ends a comment CMD may
 * end with; the braces keep CMD's exit status. Plain CMD when none. */
static char *
build_command(const json_t *o, const char *cmd)
{
	const json_t *env = json_object_get(o, "env"), *x;
	const char *cd = json_string_value(json_object_get(o, "cd"));
	const char *out = json_string_value(json_object_get(o, "out"));
	const char *err = json_string_value(json_object_get(o, "err"));
	struct buf b = BUF_INIT;
	const char *k;

	if (env != NULL)
		json_object_foreach((json_t *)env, k, x) {
			buf_addf(&b, "%s=", k);
			add_quoted(&b, json_string_value(x));
			buf_addf(&b, "; export %s; ", k);
		}
	if (cd != NULL) {
		buf_adds(&b, "cd ");
		add_quoted(&b, cd);
		buf_adds(&b, " || exit; ");
	}
	if (out == NULL && err == NULL) {
		buf_adds(&b, cmd);
		return buf_steal(&b);
	}
	buf_adds(&b, "{ ");
	buf_adds(&b, cmd);
	buf_adds(&b, "\n}");
	if (out != NULL) {
		buf_adds(&b, " >");
		add_quoted(&b, out);
	}
	if (err != NULL) {
		buf_adds(&b, " 2>");
		add_quoted(&b, err);
	}
	return buf_steal(&b);
}

static int
numbers(const json_t *o, struct jsonjob *j, struct line_ctx *c)
{
	const json_t *v;

	j->timeout = -1;
	j->retries = -1;
	if ((v = json_object_get(o, "timeout")) != NULL) {
		if (!json_is_number(v) || !isfinite(json_number_value(v)) ||
		    json_number_value(v) < 0)
			return bad(c, "timeout", "not a number of seconds (>= 0; 0: none)");
		j->timeout = json_number_value(v);
	}
	if ((v = json_object_get(o, "retries")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > JSONJOBS_RETRIES_MAX)
			return bad(c, "retries", "not an integer from 0 to 1000000");
		j->retries = (int)json_integer_value(v);
	}
	return PFAN_OK;
}

/* One object's keys checked, in the order of the man page's table. */
static int
take(struct jsonjob *j, json_t *o, struct line_ctx *c)
{
	static const char *const strs[] = { "cd", "out", "err", "id" };
	const json_t *env;
	int rc = PFAN_OK;

	memset(j, 0, sizeof *j);
	j->obj = o;
	if (json_object_get(o, "cmd") == NULL) {
		*c->cause = xasprintf("%s: no key \"cmd\" (the job's command)", c->where);
		return PFAN_E_INPUT;
	}
	j->cmd = opt_string(o, "cmd", c, &rc);
	for (size_t i = 0; rc == PFAN_OK && i < sizeof strs / sizeof strs[0]; i++)
		(void)opt_string(o, strs[i], c, &rc);
	if (rc != PFAN_OK)
		return rc;
	j->id = json_string_value(json_object_get(o, "id"));
	if ((rc = names(o, "host", c, &j->hosts, &j->nhosts)) != PFAN_OK ||
	    (rc = names(o, "tags", c, &j->tags, &j->ntags)) != PFAN_OK)
		return rc;
	if ((env = json_object_get(o, "env")) != NULL && (rc = env_check(env, c)) != PFAN_OK)
		return rc;
	if ((rc = numbers(o, j, c)) != PFAN_OK)
		return rc;
	j->command = build_command(o, j->cmd);
	return PFAN_OK;
}

static void
job_free(struct jsonjob *j)
{
	free(j->command);
	free((void *)j->hosts);
	free((void *)j->tags);
	json_decref(j->obj);
}

static bool
blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isspace((unsigned char)s[i]))
			return false;
	return true;
}

static int
parse_line(struct jsonjobs *jj, const char *s, size_t n, struct line_ctx *c)
{
	json_error_t e;
	json_t *o = json_loadb(s, n, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &e);
	int rc;

	if (o == NULL) {
		*c->cause = xasprintf("%s: not JSON: %s", c->where, e.text);
		return PFAN_E_INPUT;
	}
	if (!json_is_object(o)) {
		json_decref(o);
		*c->cause = xasprintf("%s: not a JSON object", c->where);
		return PFAN_E_INPUT;
	}
	if (jj->n == jj->cap) {
		jj->cap = jj->cap ? 2 * jj->cap : 64;
		jj->v = xreallocarray(jj->v, jj->cap, sizeof *jj->v);
	}
	rc = take(&jj->v[jj->n], o, c);
	if (rc != PFAN_OK)
		job_free(&jj->v[jj->n]);
	else
		jj->n++;
	return rc;
}

int
jsonjobs_parse(struct jsonjobs **out, const char *data, size_t len,
    const char *name, const struct host_list *hosts, const char *hosts_name,
    char **cause)
{
	struct jsonjobs *jj = xcalloc(1, sizeof *jj);
	struct line_ctx c = { NULL, hosts, hosts_name, cause };
	unsigned long lineno = 0;
	int rc = PFAN_OK;

	*out = NULL;
	for (size_t off = 0; off < len && rc == PFAN_OK;) {
		const char *nl = memchr(data + off, '\n', len - off);
		size_t n = nl != NULL ? (size_t)(nl - (data + off)) : len - off;
		lineno++;
		if (!blank(data + off, n)) {
			char *where = xasprintf("%s:%lu", name, lineno);
			c.where = where;
			rc = parse_line(jj, data + off, n, &c);
			free(where);
		}
		off += n + (nl != NULL);
	}
	if (rc != PFAN_OK) {
		jsonjobs_free(jj);
		return rc;
	}
	*out = jj;
	return PFAN_OK;
}

static int
read_all(int fd, struct buf *b)
{
	for (;;) {
		buf_reserve(b, 65536);
		ssize_t k = read(fd, b->data + b->len, 65536);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		if (k == 0)
			return 0;
		b->len += (size_t)k;
	}
}

/* Where the hosts the jobs may name come from, for messages. */
static char *
hosts_source(const struct pfan_opts *o, const struct host_list *hosts)
{
	if (hosts->n == 0)
		return xstrdup("this run (no hosts given: only \"local\")");
	if (o->nhostfiles == 1 && o->nsshlogins == 0 && o->nsshloginfiles == 0)
		return xstrdup(o->hostfiles[0]);
	return xstrdup("the run's hosts");
}

/* What --json-jobs replaces, or cannot go with. */
static const char *
conflict(const struct pfan_opts *o)
{
	if (o->ntemplate > 0)
		return "each job's command is its \"cmd\": no command, please";
	if (o->input.nsources > 0)
		return "the jobs are the file's: no :::, :::: or -a input";
	if (o->pipe)
		return "--pipe feeds blocks to one command: not with --json-jobs";
	if (o->onall || o->nonall)
		return "--onall and --nonall run one command everywhere: "
		    "pin jobs with \"host\" instead";
	if (o->shuf)
		return "--shuf is not supported with --json-jobs";
	return NULL;
}

int
jsonjobs_load(struct jsonjobs **out, const struct pfan_opts *o,
    const struct host_list *hosts, char **cause)
{
	bool in = strcmp(o->json_jobs, "-") == 0;
	const char *name = in ? "stdin" : o->json_jobs, *no = conflict(o);
	int fd;
	struct buf b = BUF_INIT;
	char *where;
	int rc;

	*out = NULL;
	if (no != NULL) {
		*cause = xasprintf("--json-jobs: %s", no);
		return PFAN_E_INPUT;
	}
	fd = in ? o->input.stdin_fd : open(o->json_jobs, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read_all(fd, &b) < 0) {
		*cause = xasprintf("--json-jobs %s: %s", name, strerror(errno));
		if (fd >= 0 && !in)
			close(fd);
		buf_free(&b);
		return PFAN_E_SYS;
	}
	if (!in)
		close(fd);
	where = hosts_source(o, hosts);
	rc = jsonjobs_parse(out, b.data, b.len, name, hosts, where, cause);
	free(where);
	buf_free(&b);
	return rc;
}

size_t
jsonjobs_count(const struct jsonjobs *jj)
{
	return jj != NULL ? jj->n : 0;
}

const struct jsonjob *
jsonjobs_get(const struct jsonjobs *jj, size_t i)
{
	return jj != NULL && i < jj->n ? &jj->v[i] : NULL;
}

void
jsonjobs_free(struct jsonjobs *jj)
{
	if (jj == NULL)
		return;
	for (size_t i = 0; i < jj->n; i++)
		job_free(&jj->v[i]);
	free(jj->v);
	free(jj);
}
