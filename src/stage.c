/* stage.c: one remote job's files and variables (stage.h).
 *
 * The --transferfile and --return values are templates, expanded per job
 * as text (the values unquoted: they are file names, not shell words).
 * Paths follow GNU parallel's rule (stage_split): relative ones are
 * relative to the job's directory on the host and to pfan's here; "/./"
 * cuts what comes before it on the host's side. --env's variables go into
 * the command as assignments, quoted like every value, so nothing depends
 * on sshd's AcceptEnv.
 */
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "quote.h"
#include "stage.h"
#include "xalloc.h"

extern char **environ;

struct stage {
	struct template **tf, **ret;
	size_t ntf, nret;
	bool cleanup;
	char **env;                /* NAME=value, as passed */
	size_t nenv;
	/* The last plan. */
	struct exec_stage plan;
	struct exec_file *send, *fetch;
	char **strs;
	size_t nstrs;
};

/* The variables that describe the machine, not the job: --env _ leaves
 * them to the host. */
static bool
host_own_var(const char *name, size_t len)
{
	static const char *const own[] = {
		"HOME", "PATH", "USER", "LOGNAME", "SHELL", "PWD", "OLDPWD", "TERM",
		"DISPLAY", "HOSTNAME", "HOST", "SHLVL", "_", "MAIL", "TMPDIR",
		"XDG_RUNTIME_DIR", "XDG_SESSION_ID", "LS_COLORS", "COLUMNS", "LINES",
		"PS1", "PS2", "PS4", "IFS", "UID", "EUID", "PPID", "BASHOPTS",
		"SHELLOPTS", "OPTIND", "MOTD_SHOWN",
	};

	if (len > 4 && strncmp(name, "SSH_", 4) == 0)
		return true;
	if (len > 5 && strncmp(name, "PFAN_", 5) == 0)
		return true;
	if (len > 9 && strncmp(name, "PARALLEL_", 9) == 0)
		return true;
	for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
		if (strlen(own[i]) == len && strncmp(own[i], name, len) == 0)
			return true;
	return false;
}

static bool
valid_name(const char *s, size_t len)
{
	if (len == 0 || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!(s[i] == '_' || (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

static void
add_env(struct stage *st, const char *entry)
{
	st->env = xreallocarray(st->env, st->nenv + 1, sizeof *st->env);
	st->env[st->nenv++] = xstrdup(entry);
}

static int
env_init(struct stage *st, const struct pfan_opts *o, char **cause)
{
	for (size_t i = 0; i < o->nenvs; i++) {
		const char *name = o->envs[i];
		if (strcmp(name, "_") == 0) {
			for (char **e = environ; *e != NULL; e++) {
				const char *eq = strchr(*e, '=');
				if (eq != NULL && valid_name(*e, (size_t)(eq - *e)) &&
				    !host_own_var(*e, (size_t)(eq - *e)))
					add_env(st, *e);
			}
			continue;
		}
		if (!valid_name(name, strlen(name))) {
			*cause = xasprintf("--env: '%s' is not a variable name", name);
			return PFAN_E_INPUT;
		}
		const char *v = getenv(name);
		if (v == NULL)
			continue;   /* as GNU parallel: an unset variable stays unset */
		char *entry = xasprintf("%s=%s", name, v);
		add_env(st, entry);
		free(entry);
	}
	return PFAN_OK;
}

static int
parse_list(struct template ***out, size_t *n, char *const *words, size_t nwords,
    const char *opt, char **cause)
{
	*out = xcalloc(nwords + 1, sizeof **out);
	*n = nwords;
	for (size_t i = 0; i < nwords; i++) {
		char *c = NULL;
		if (template_parse(&(*out)[i], 1, &words[i], TEMPLATE_TEXT, &c) != PFAN_OK) {
			*cause = xasprintf("--%s: %s", opt, c);
			free(c);
			return PFAN_E_INPUT;
		}
	}
	return PFAN_OK;
}

bool
stage_has_files(const struct pfan_opts *o)
{
	return o->ntransferfiles > 0 || o->nreturns > 0 || o->nbasefiles > 0;
}

int
stage_new(struct stage **out, const struct pfan_opts *o, char **cause)
{
	struct stage *st;

	*out = NULL;
	if (o->ntransferfiles == 0 && o->nreturns == 0 && o->nenvs == 0)
		return PFAN_OK;
	st = xcalloc(1, sizeof *st);
	st->cleanup = o->cleanup;
	if (parse_list(&st->tf, &st->ntf, o->transferfiles, o->ntransferfiles,
	    "transferfile", cause) != PFAN_OK ||
	    parse_list(&st->ret, &st->nret, o->returns, o->nreturns, "return", cause) != PFAN_OK ||
	    env_init(st, o, cause) != PFAN_OK) {
		stage_free(st);
		return PFAN_E_INPUT;
	}
	st->send = xcalloc(st->ntf + 1, sizeof *st->send);
	st->fetch = xcalloc(st->nret + 1, sizeof *st->fetch);
	st->strs = xcalloc(2 * (st->ntf + st->nret) + 1, sizeof *st->strs);
	*out = st;
	return PFAN_OK;
}

void
stage_split(const char *path, char **local, char **remote)
{
	const char *cut = strstr(path, "/./");

	if (cut == NULL) {
		*local = xstrdup(path);
		*remote = xstrdup(path);
		return;
	}
	*local = xasprintf("%.*s%s", (int)(cut - path), path, cut + 2);
	*remote = xstrdup(cut + 3);
}

static void
plan_reset(struct stage *st)
{
	for (size_t i = 0; i < st->nstrs; i++)
		free(st->strs[i]);
	st->nstrs = 0;
}

/* Expands t into a file's two paths; false with *cause. */
static bool
expand_file(struct stage *st, const struct template *t, const struct args *a,
    const struct template_ctx *ctx, struct exec_file *f, char **cause)
{
	struct buf b = BUF_INIT;
	char *local, *remote;

	if (template_expand(t, a, ctx, &b, cause) != PFAN_OK) {
		buf_free(&b);
		return false;
	}
	stage_split(buf_cstr(&b), &local, &remote);
	buf_free(&b);
	st->strs[st->nstrs++] = local;
	st->strs[st->nstrs++] = remote;
	f->local = local;
	f->remote = remote;
	if (*local == '\0' || *remote == '\0') {
		*cause = xstrdup("a file to stage has an empty name");
		return false;
	}
	return true;
}

const struct exec_stage *
stage_plan(struct stage *st, const struct args *a, const struct template_ctx *ctx,
    char **cause)
{
	plan_reset(st);
	if (st->ntf == 0 && st->nret == 0)
		return NULL;
	for (size_t i = 0; i < st->ntf; i++)
		if (!expand_file(st, st->tf[i], a, ctx, &st->send[i], cause))
			return NULL;
	for (size_t i = 0; i < st->nret; i++)
		if (!expand_file(st, st->ret[i], a, ctx, &st->fetch[i], cause))
			return NULL;
	st->plan.send = st->send;
	st->plan.nsend = st->ntf;
	st->plan.fetch = st->fetch;
	st->plan.nfetch = st->nret;
	st->plan.cleanup = st->cleanup;
	return &st->plan;
}

void
stage_env_command(const struct stage *st, const char *cmd, struct buf *out)
{
	for (size_t i = 0; st != NULL && i < st->nenv; i++) {
		const char *eq = strchr(st->env[i], '=');
		buf_add(out, st->env[i], (size_t)(eq - st->env[i]) + 1);
		quote_shell(out, eq + 1, strlen(eq + 1));
		buf_addf(out, "; export %.*s; ", (int)(eq - st->env[i]), st->env[i]);
	}
	buf_addf(out, "%s", cmd);
}

void
stage_free(struct stage *st)
{
	if (st == NULL)
		return;
	plan_reset(st);
	for (size_t i = 0; i < st->ntf; i++)
		template_free(st->tf[i]);
	for (size_t i = 0; i < st->nret; i++)
		template_free(st->ret[i]);
	for (size_t i = 0; i < st->nenv; i++)
		free(st->env[i]);
	free(st->tf);
	free(st->ret);
	free(st->env);
	free(st->send);
	free(st->fetch);
	free(st->strs);
	free(st);
}

int
stage_remote(struct stage *st, const char **cmd, struct buf *buf,
    const struct args *a, const struct template_ctx *ctx,
    const struct exec_stage **plan, char **cause)
{
	buf_reset(buf);
	stage_env_command(st, *cmd, buf);
	*cmd = buf_cstr(buf);
	*plan = stage_plan(st, a, ctx, cause);
	return *plan == NULL && *cause != NULL ? PFAN_E_INPUT : PFAN_OK;
}
