/* main.c: wires the pieces together and nothing else. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "errors.h"
#include "hosts.h"
#include "input.h"
#include "joblog.h"
#include "local.h"
#include "log.h"
#include "loop.h"
#include "options.h"
#include "output.h"
#include "resume.h"
#include "sched.h"
#include "sshconn.h"
#include "template.h"
#include "xalloc.h"

struct run {
	struct pfan_opts opts;
	char **replay_argv;          /* --resume FILE alone: the header's argv */
	char *resume_path;           /* and FILE's absolute path */
	struct resume *resume;
	struct template *tmpl;
	struct input *input;
	struct output *output;
	struct joblog *joblog;
	struct loop *loop;
	struct sched *sched;
	struct host_list hosts;
	struct local *local;         /* one for all local hosts: one SIGCHLD */
};

static int
fail(char *cause)
{
	log_error("%s", cause);
	free(cause);
	return PFAN_EXIT_ERROR;
}

static bool
reads_stdin(const struct pfan_opts *o)
{
	if (o->input.nsources == 0)
		return true;
	for (size_t i = 0; i < o->input.nsources; i++)
		if (o->input.sources[i].kind == INPUT_FILE &&
		    strcmp(o->input.sources[i].path, "-") == 0)
			return true;
	return false;
}

/* `pfan --resume FILE` with no command: run the header's command line
 * again, resuming from FILE. */
static int
replay_header(struct run *r, char **cause)
{
	const struct joblog_header *h = resume_header(r->resume);
	/* The run goes back to its own directory: keep FILE where it is. */
	char *path = realpath(r->opts.resume, NULL);
	int verbose = r->opts.verbose;

	if (path == NULL)
		path = xstrdup(r->opts.resume);
	r->resume_path = path;
	if (h == NULL || h->argc < 2) {
		*cause = xasprintf("%s: no command given, and the joblog has no header "
		    "to take one from", path);
		return PFAN_E_INPUT;
	}
	r->replay_argv = xcalloc((size_t)h->argc + 1, sizeof *r->replay_argv);
	for (int i = 0; i < h->argc; i++)
		r->replay_argv[i] = h->argv[i];
	options_free(&r->opts);
	if (options_parse(&r->opts, h->argc, r->replay_argv, cause) != PFAN_OK)
		return PFAN_E_INPUT;
	if (r->opts.ntemplate == 0) {
		*cause = xasprintf("%s: the header's command line has no command", path);
		return PFAN_E_INPUT;
	}
	r->opts.resume = path;
	r->opts.joblog = path;
	r->opts.verbose = verbose;
	if (h->cwd != NULL && chdir(h->cwd) != 0)
		log_warn("%s: can't go back to the run's directory %s: %s", path, h->cwd,
		    strerror(errno));
	if (reads_stdin(&r->opts) && isatty(STDIN_FILENO)) {
		*cause = xasprintf("%s: that run read its input from stdin: pipe the same "
		    "input again (pfan --resume %s < INPUT)", path, path);
		return PFAN_E_INPUT;
	}
	return PFAN_OK;
}

static int
open_joblog(struct run *r, int argc, char **argv, char **cause)
{
	const char *path = r->opts.joblog != NULL ? r->opts.joblog : r->opts.resume;
	char cwd[PATH_MAX];
	struct joblog_header h;

	if (path == NULL || r->opts.dry_run)
		return PFAN_OK;
	if (joblog_open(&r->joblog, path, cause) != PFAN_OK)
		return PFAN_E_SYS;
	h.version = PACKAGE_VERSION;
	h.argc = argc;
	h.argv = argv;
	h.cwd = getcwd(cwd, sizeof cwd) != NULL ? cwd : "";
	h.start = wall_now();
	return joblog_write_header(r->joblog, &h, cause);
}

static int
load_hosts(struct run *r, char **cause)
{
	const struct pfan_opts *o = &r->opts;

	for (size_t i = 0; i < o->nhostfiles; i++) {
		if (strcmp(o->hostfiles[i], "slurm") == 0) {
			const char *nodes = getenv("SLURM_JOB_NODELIST");
			const char *cpus = getenv("SLURM_JOB_CPUS_PER_NODE");
			if (nodes == NULL || cpus == NULL) {
				*cause = xstrdup("-H slurm: SLURM_JOB_NODELIST and "
				    "SLURM_JOB_CPUS_PER_NODE are not set (not inside "
				    "a SLURM allocation?)");
				return PFAN_E_INPUT;
			}
			if (hosts_add_slurm(&r->hosts, nodes, cpus, cause) != PFAN_OK)
				return PFAN_E_INPUT;
		} else if (hosts_load_file(&r->hosts, o->hostfiles[i], cause) != PFAN_OK)
			return PFAN_E_INPUT;
	}
	for (size_t i = 0; i < o->nsshlogins; i++)
		if (hosts_add_sshlogin(&r->hosts, o->sshlogins[i], cause) != PFAN_OK)
			return PFAN_E_INPUT;
	for (size_t i = 0; i < o->nsshloginfiles; i++)
		if (hosts_add_sshloginfile(&r->hosts, o->sshloginfiles[i], cause) != PFAN_OK)
			return PFAN_E_INPUT;
	if (r->hosts.n > 0 && hosts_apply_ssh_config(&r->hosts, NULL, cause) != PFAN_OK)
		return PFAN_E_INPUT;
	return PFAN_OK;
}

static int
setup(struct run *r, int argc, char **argv)
{
	struct pfan_opts *o = &r->opts;
	struct output_config oc;
	char *cause = NULL;

	if (o->resume != NULL &&
	    resume_load(&r->resume, o->resume, &cause) != PFAN_OK)
		return fail(cause);
	if (o->ntemplate == 0 && o->resume != NULL) {
		if (replay_header(r, &cause) != PFAN_OK)
			return fail(cause);
		argc = o->argc;
		argv = o->argv;
	}
	if (o->ntemplate == 0)
		return fail(xstrdup("no command given (see pfan --help)"));
	if (template_parse(&r->tmpl, o->ntemplate, o->template,
	    o->plus ? TEMPLATE_PLUS : 0, &cause) != PFAN_OK)
		return fail(cause);
	if (load_hosts(r, &cause) != PFAN_OK)
		return fail(cause);
	if (input_open(&r->input, &o->input, &cause) != PFAN_OK)
		return fail(cause);
	memset(&oc, 0, sizeof oc);
	oc.keep_order = o->keep_order;
	oc.line_buffer = o->line_buffer;
	oc.tag = o->tag;
	oc.results_dir = o->results;
	oc.out_fd = STDOUT_FILENO;
	oc.err_fd = STDERR_FILENO;
	if (output_new(&r->output, &oc, &cause) != PFAN_OK)
		return fail(cause);
	if (open_joblog(r, argc, argv, &cause) != PFAN_OK)
		return fail(cause);
	return PFAN_OK;
}

static unsigned
ncores(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

static void
add_local_host(struct run *r, const char *name, unsigned slots)
{
	struct sched_host *h;

	if (slots == 0)
		slots = r->opts.jobs_given ? options_jobs_slots(&r->opts, ncores()) : ncores();
	if (r->local == NULL)
		r->local = local_new(r->loop, r->opts.kill_grace);
	h = sched_add_host(r->sched, name, slots, true);
	sched_host_set_executor(h, local_executor(r->local));
}

static int
add_remote_host(struct run *r, struct host_spec *spec, char **cause)
{
	struct ssh_options so;
	struct sshhost *sh;
	struct sched_host *h;

	/* -j N sets the slots of hosts that did not say (GNU parallel's -j
	 * is per host); otherwise the host is asked for its core count. */
	/* The other forms are relative to the host's cores: it is asked. */
	if (spec->slots == 0 && r->opts.jobs_given && r->opts.jobs_kind == JOBS_ABS &&
	    r->opts.jobs > 0)
		spec->slots = r->opts.jobs;
	memset(&so, 0, sizeof so);
	so.accept_new_hostkeys = r->opts.accept_new_hostkeys;
	so.keepalive = r->opts.keepalive;
	so.connect_timeout = r->opts.connect_timeout;
	h = sched_add_host(r->sched, spec->name, spec->slots, false);
	if (sshhost_new(&sh, r->loop, spec, &so, &sched_host_ops, h, cause) != PFAN_OK)
		return PFAN_E_INPUT;
	sched_host_set_executor(h, sshhost_executor(sh));
	sshhost_start(sh);
	return PFAN_OK;
}

static int
add_hosts(struct run *r)
{
	char *cause = NULL;

	if (r->hosts.n == 0) {
		add_local_host(r, "local", 0);
		return PFAN_OK;
	}
	for (size_t i = 0; i < r->hosts.n; i++) {
		struct host_spec *spec = &r->hosts.v[i];
		/* A dry run connects nowhere: it only names the hosts. */
		if (spec->local || r->opts.dry_run)
			add_local_host(r, spec->name, spec->slots);
		else if (add_remote_host(r, spec, &cause) != PFAN_OK)
			return fail(cause);
	}
	return PFAN_OK;
}

static void
teardown(struct run *r)
{
	sched_free(r->sched);
	loop_free(r->loop);
	host_list_free(&r->hosts);
	joblog_close(r->joblog);
	output_free(r->output);
	input_free(r->input);
	template_free(r->tmpl);
	resume_free(r->resume);
	options_free(&r->opts);
	free(r->replay_argv);
	free(r->resume_path);
}

int
main(int argc, char **argv)
{
	struct run r;
	struct sched_deps deps;
	char *cause = NULL;
	int status;

	memset(&r, 0, sizeof r);
	/* A closed stdout must be an error we see, not a silent death. */
	signal(SIGPIPE, SIG_IGN);
	if (options_parse(&r.opts, argc, argv, &cause) != PFAN_OK) {
		status = fail(cause);
		goto out;
	}
	if (r.opts.help) {
		options_usage(stdout);
		status = 0;
		goto out;
	}
	if (r.opts.version) {
		printf("pfan %s\n", PACKAGE_VERSION);
		status = 0;
		goto out;
	}
	log_set_verbosity(r.opts.verbose);
	if ((status = setup(&r, argc, argv)) != PFAN_OK)
		goto out;

	r.loop = loop_new();
	memset(&deps, 0, sizeof deps);
	deps.opts = &r.opts;
	deps.loop = r.loop;
	deps.tmpl = r.tmpl;
	deps.input = r.input;
	deps.output = r.output;
	deps.joblog = r.joblog;
	deps.resume = r.resume;
	r.sched = sched_new(&deps);
	if ((status = add_hosts(&r)) == PFAN_OK)
		status = sched_run(r.sched);
	if (input_was_empty_stdin_file(r.input))
		log_warn("no input: stdin is an empty file (an unquoted <> in the command "
		    "is a shell redirection; quote it: '<>')");
out:
	teardown(&r);
	return status;
}
