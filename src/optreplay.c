/* optreplay.c: see optreplay.h. Options are told apart by their long
 * names (options_walk gives each option's first name in the table, so
 * "jobs" for -j, -P and --max-procs too). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "options.h"
#include "optreplay.h"
#include "xalloc.h"

/* What may be given with `pfan --resume FILE` alone: how the recorded run
 * runs (slots, hosts, output, limits), never which jobs it has (its input
 * and command) or where it logs (FILE itself). */
static bool
replay_may_change(const char *name)
{
	static const char *const ok[] = {
		"jobs", "dry-run", "retries", "halt", "timeout",
		"keep-order", "line-buffer", "tag", "results", "hostfile",
		"sshlogin", "hosts", "accept-new-hostkeys", "no-remote-agent", "keepalive", "connect-timeout",
		"host-wait", "verbose", "quiet", "will-cite", "debug",
		"tagstring", "ungroup", "group", "files", "tmpdir", "workdir",
		"bar", "eta", "progress", "summary",
	};

	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
		if (strcmp(ok[i], name) == 0)
			return true;
	return false;
}

struct extra {
	char **argv;
	char **words;
	int n;
	int skip_until;   /* the words of --resume FILE */
};

static int
take_extra(void *data, const struct options_group *g, char **cause)
{
	struct extra *x = data;
	const char *name = g->name != NULL ? g->name : "";   /* -m -X -E -I */
	int start = g->start, end = g->end;

	if (strcmp(name, "resume") == 0 || strcmp(name, "resume-failed") == 0) {
		x->skip_until = end;
		return PFAN_OK;
	}
	if (!replay_may_change(name)) {
		if (strncmp(x->argv[start], "--", 2) == 0 || g->letter == 0)
			*cause = xasprintf("--%s: cannot be given with --resume FILE alone: "
			    "it would change the run FILE records (to change it, give the "
			    "whole command line with --resume FILE)", name);
		else
			*cause = xasprintf("-%c: cannot be given with --resume FILE alone: "
			    "it would change the run FILE records (to change it, give the "
			    "whole command line with --resume FILE)", g->letter);
		return PFAN_E_INPUT;
	}
	/* A bundle calls once per option: add its words once. */
	for (int i = start > x->skip_until ? start : x->skip_until; i < end; i++)
		x->words[x->n++] = x->argv[i];
	if (end > x->skip_until)
		x->skip_until = end;
	return PFAN_OK;
}

static int
ignore_group(void *data, const struct options_group *g, char **cause)
{
	(void)data, (void)g, (void)cause;
	return PFAN_OK;
}

int
optreplay_argv(int rec_argc, char **rec_argv, int argc, char **argv,
    int *out_argc, char ***out_argv, char **cause)
{
	struct extra x = { argv, xcalloc((size_t)argc + 1, sizeof (char *)), 0, 1 };
	int end, ins, n = 0;
	char **v;

	if (options_walk(argc, argv, take_extra, &x, &end, cause) != PFAN_OK ||
	    options_walk(rec_argc, rec_argv, ignore_group, NULL, &ins, cause) != PFAN_OK) {
		free(x.words);
		return PFAN_E_INPUT;
	}
	/* After the recorded options, so that a value given now wins. */
	v = xcalloc((size_t)rec_argc + (size_t)x.n + 1, sizeof *v);
	for (int i = 0; i < ins; i++)
		v[n++] = rec_argv[i];
	for (int i = 0; i < x.n; i++)
		v[n++] = x.words[i];
	for (int i = ins; i < rec_argc; i++)
		v[n++] = rec_argv[i];
	free(x.words);
	*out_argc = n;
	*out_argv = v;
	return PFAN_OK;
}

