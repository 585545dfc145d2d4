/* main.c: wires the pieces together and nothing else. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "buf.h"
#include "config.h"
#include "errors.h"
#include "header.h"
#include "hosts.h"
#include "input.h"
#include "joblog.h"
#include "jsonjobs.h"
#include "jsonres.h"
#include "local.h"
#include "log.h"
#include "loop.h"
#include "onall.h"
#include "options.h"
#include "pipein.h"
#include "output.h"
#include "progress.h"
#include "replay.h"
#include "report.h"
#include "resume.h"
#include "runctl.h"
#include "sched.h"
#include "sshhost.h"
#include "sshjump.h"
#include "template.h"
#include "stage.h"
#include "workdir.h"
#include "xalloc.h"

struct run {
	struct pfan_opts opts;
	const char *given_resume;    /* --resume FILE as the user typed it */
	struct replay *replay;       /* --resume FILE alone */
	char *resume_path;           /* and FILE's absolute path */
	struct resume *resume;
	struct template *tmpl;
	struct template *tagstring;  /* --tagstring */
	struct stage *stage;         /* --transferfile, --return, --env */
	struct input *input;
	struct pipein *pipe;         /* --pipe: in place of input */
	struct jsonjobs *json;       /* --json-jobs: in place of both */
	struct jsonres *jres;        /* --json-results */
	struct output *output;
	struct joblog *joblog;
	struct loop *loop;
	struct sched *sched;
	struct progress *progress;   /* NULL: none asked for */
	struct runctl *runctl;
	struct onall *onall;         /* --onall, --nonall; NULL without */
	struct host_list hosts;
	struct local *local;         /* one for all local hosts: one SIGCHLD */
	struct sshjumps *jumps;      /* the jump hosts' connections (ProxyJump) */
	struct executor *remote;     /* each remote host's executor */
	size_t nremote;
	unsigned ncores;             /* 0 until asked: sysconf reads /sys each time */
	struct workdir wd;           /* where jobs run */
	struct sshhost **made;       /* --workdir ...: hosts given a directory */
	char **made_dirs;            /* and its name there */
	size_t nmade;
	struct sshhost **ssh;        /* every remote host, for --basefile's cleanup */
	size_t nssh;
	struct exec_file *base;      /* --basefile: each file's two paths */
	size_t nbase;
};

static int
fail(char *cause)
{
	log_error("%s", cause);
	free(cause);
	return PFAN_EXIT_ERROR;
}

/* `pfan --resume FILE` with no command: run the header's command line
 * again, resuming from FILE. FILE is locked before it is read, so no other
 * pfan appends between our reading and our writing. */
static int
replay_header(struct run *r, char **cause)
{
	/* The run goes back to its own directory: keep FILE where it is. */
	char *path = realpath(r->opts.resume, NULL);
	int fd, rc;

	if (path == NULL) {
		*cause = xasprintf("%s: %s", r->opts.resume, strerror(errno));
		return PFAN_E_INPUT;
	}
	r->resume_path = path;
	if (!r->opts.dry_run) {
		if (joblog_open_existing(&r->joblog, path, cause) != PFAN_OK)
			return PFAN_E_INPUT;
		if ((fd = joblog_fd(r->joblog)) < 0) {
			*cause = xasprintf("%s: %s", path, strerror(EACCES));
			return PFAN_E_INPUT;
		}
	} else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return PFAN_E_INPUT;
	}
	rc = replay_check_file(fd, path, cause);
	if (rc == PFAN_OK)
		rc = resume_load_fd(&r->resume, fd, path, cause);
	if (r->joblog == NULL)
		close(fd);
	if (rc == PFAN_OK)
		rc = replay_setup(&r->replay, &r->opts, resume_header(r->resume), path,
		    cause);
	return rc;
}

/* Opens and locks the joblog before --resume reads it. */
static int
open_joblog(struct run *r, char **cause)
{
	const char *path = r->opts.joblog != NULL ? r->opts.joblog : r->opts.resume;

	if (path == NULL || r->opts.dry_run || r->joblog != NULL)
		return PFAN_OK;
	return joblog_open(&r->joblog, path, cause);
}

static int
load_resume(struct run *r, char **cause)
{
	const char *path = r->opts.resume;

	if (path == NULL || r->resume != NULL)
		return PFAN_OK;
	/* Through the locked fd: opening and closing the file again would
	 * release the lock. */
	if (r->joblog != NULL && joblog_fd(r->joblog) >= 0 &&
	    joblog_is_file(r->joblog, path))
		return resume_load_fd(&r->resume, joblog_fd(r->joblog), path, cause);
	return resume_load(&r->resume, path, cause);
}

static int
write_header(struct run *r, int argc, char **argv, char **cause)
{
	char cwd[PATH_MAX];
	struct joblog_header h;

	if (r->joblog == NULL)
		return PFAN_OK;
	h.version = PACKAGE_VERSION;
	h.argc = argc;
	h.argv = argv;
	h.cwd = getcwd(cwd, sizeof cwd) != NULL ? cwd : "";
	h.start = wall_now();
	return joblog_write_header(r->joblog, &h, cause);
}

/* -H FILE, or FILE@TAG,...: only its hosts with one of those tags. */
static int
load_hostfile(struct run *r, const char *arg, char **cause)
{
	char *path, *tags, *what;
	size_t first = r->hosts.n;
	int rc;

	hosts_split_hostfile_arg(arg, &path, &tags);
	rc = hosts_load_file(&r->hosts, path, cause);
	if (rc == PFAN_OK && tags != NULL) {
		what = xasprintf("-H %s", arg);
		rc = hosts_keep_tagged(&r->hosts, first, tags, what, cause);
		free(what);
	}
	free(path);
	free(tags);
	return rc;
}

/* --hosts: every host of the run, however given, limited to the tagged. */
static int
keep_tagged_hosts(struct run *r, char **cause)
{
	const struct pfan_opts *o = &r->opts;
	struct buf list = BUF_INIT;
	int rc;

	if (o->nhost_tags == 0)
		return PFAN_OK;
	for (size_t i = 0; i < o->nhost_tags; i++)
		buf_addf(&list, "%s%s", i > 0 ? "," : "", o->host_tags[i]);
	rc = hosts_keep_tagged(&r->hosts, 0, buf_cstr(&list), "--hosts", cause);
	buf_free(&list);
	return rc;
}

static int
load_hosts(struct run *r, char **cause)
{
	const struct pfan_opts *o = &r->opts;

	for (size_t i = 0; i < o->nhostfiles; i++) {
		if (strcmp(o->hostfiles[i], "slurm") == 0) {
			if (hosts_add_slurm_env(&r->hosts, cause) != PFAN_OK)
				return PFAN_E_INPUT;
		} else if (load_hostfile(r, o->hostfiles[i], cause) != PFAN_OK)
			return PFAN_E_INPUT;
	}
	for (size_t i = 0; i < o->nsshlogins; i++)
		if (hosts_add_sshlogin(&r->hosts, o->sshlogins[i], cause) != PFAN_OK)
			return PFAN_E_INPUT;
	for (size_t i = 0; i < o->nsshloginfiles; i++)
		if (hosts_add_sshloginfile(&r->hosts, o->sshloginfiles[i], cause) != PFAN_OK)
			return PFAN_E_INPUT;
	if (keep_tagged_hosts(r, cause) != PFAN_OK)
		return PFAN_E_INPUT;
	if (r->hosts.n > 0 && hosts_apply_ssh_config(&r->hosts, NULL, cause) != PFAN_OK)
		return PFAN_E_INPUT;
	/* -j is per host, as GNU parallel's, and a host's own slot count
	 * wins: say so, or a -j meant to change the run changes nothing. */
	char *fixed = o->jobs_given && !o->onall && !o->nonall ?
	    hosts_fixed_slots_names(&r->hosts, 3) : NULL;
	if (fixed != NULL)
		log_warn("-j %u does not change hosts with fixed slots (%s); it sets "
		    "the slots of hosts with slots: auto", o->jobs, fixed);
	free(fixed);
	return PFAN_OK;
}

/* --check: the hosts alone, no command, no input. */
static int
check_hosts(struct run *r)
{
	char *cause = NULL;

	if (r->opts.ntemplate > 0 || r->opts.input.nsources > 0) {
		log_error("--check connects to the hosts and runs no job: no command, please");
		return PFAN_EXIT_ERROR;
	}
	if (load_hosts(r, &cause) != PFAN_OK)
		return fail(cause);
	return check_run(&r->opts, &r->hosts);
}

/* -m/-X: GNU parallel's "maximal usable size of command" on Linux; a
 * job's values fill what the command leaves of it (see pfan(1)). */
#define XARGS_MAX_CHARS 63664

static unsigned
ncores(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

/* -m/-X: how much of a command line the values may take, and how many
 * jobs share a short input. */
static void
xargs_limits(struct pfan_opts *o)
{
	const char *rpl = o->replace_str != NULL ? o->replace_str : "{}";
	size_t fixed = 0, extra = 0;

	for (int i = 0; i < o->ntemplate; i++) {
		size_t len = strlen(o->template[i]) + 1;
		fixed += len;
		/* -X repeats the word around {} for every value. */
		if (o->xargs == XARGS_X && strstr(o->template[i], rpl) != NULL)
			extra += len - strlen(rpl);
	}
	o->input.max_chars = fixed < XARGS_MAX_CHARS / 2 ?
	    XARGS_MAX_CHARS - fixed : XARGS_MAX_CHARS / 2;
	o->input.value_extra = extra;
	/* GNU's --xargs fills one job; -m and -X share a short input. */
	o->input.spread = o->xargs == XARGS_XARGS ? 1 :
	    o->jobs_given ? options_jobs_slots(o, ncores()) : ncores();
}

/* --header names become positions ({name} is {N}), then the template is
 * parsed with -I's string and -X's (or -N's) context replace. */
static int
open_template(struct run *r, char **cause)
{
	struct pfan_opts *o = &r->opts;
	struct template_opts to = { .rpl = o->replace_str,
	    .context = o->xargs == XARGS_X ||
	    (o->max_args_given && o->xargs == XARGS_NONE),
	    .flags = (o->plus ? TEMPLATE_PLUS : 0) | (o->quote ? TEMPLATE_QUOTE : 0) };
	char *const *names;
	size_t nnames;
	char **words = NULL;
	int rc;

	names = NULL;
	nnames = 0;
	if (r->input != NULL)
		input_names(r->input, &names, &nnames);
	if (nnames > 0) {
		words = header_rewrite(o->ntemplate, o->template, names, nnames);
		rc = template_parse_opts(&r->tmpl, o->ntemplate, words, &to, cause);
		for (int i = 0; i < o->ntemplate; i++)
			free(words[i]);
		free(words);
		return rc;
	}
	return template_parse_opts(&r->tmpl, o->ntemplate, o->template, &to, cause);
}

/* --pipe's input: stdin or the one -a FILE, cut as the options say. */
static int
open_pipe(struct run *r, char **cause)
{
	struct pfan_opts *o = &r->opts;
	const struct input_config *ic = &o->input;
	struct pipein_config pc;
	const char *h = ic->header;
	char *end = NULL;

	memset(&pc, 0, sizeof pc);
	pc.fd = ic->stdin_fd;
	if (o->ntemplate == 0) {
		*cause = xstrdup("--pipe: give the command each block is fed to");
		return PFAN_E_INPUT;
	}
	if (ic->nsources > 1 || (ic->nsources == 1 && ic->sources[0].kind != INPUT_FILE)) {
		*cause = xstrdup("--pipe: the input is stdin or one -a FILE (no ::: or :::: "
		    "sources, no second -a)");
		return PFAN_E_INPUT;
	}
	if (ic->nsources == 1)
		pc.path = ic->sources[0].path;
	if (o->pipepart && pc.path == NULL) {
		*cause = xstrdup("--pipepart: give the file with -a FILE");
		return PFAN_E_INPUT;
	}
	if (o->shuf || o->halt_pct > 0) {
		*cause = xasprintf("--pipe: %s would read all the input first",
		    o->shuf ? "--shuf" : "--halt N%");
		return PFAN_E_INPUT;
	}
	if (o->max_args_given && (ic->no_args || o->pipepart)) {
		*cause = xstrdup(o->pipepart ? "--pipepart cuts by size: -N goes with --pipe" :
		    "--pipe: -N0 gives no records to a block");
		return PFAN_E_INPUT;
	}
	pc.part = o->pipepart;
	pc.block = o->block > 0 ? (size_t)o->block : 1024 * 1024;
	pc.tmpdir = o->tmpdir;
	pc.nrec = o->max_args_given ? ic->max_args : 0;
	if (h != NULL) {
		unsigned long n = strcmp(h, ":") == 0 ? 1 : strtoul(h, &end, 10);
		if ((end != NULL && (*end != '\0' || end == h)) || n > 1000000) {
			*cause = xasprintf("--header %s: with --pipe, a number of lines", h);
			return PFAN_E_INPUT;
		}
		pc.header_lines = (unsigned)n;
	}
	pc.recstart = o->recstart != NULL ? o->recstart : "";
	pc.recstart_len = o->recstart_len;
	/* GNU parallel's defaults: a newline ends a record, unless only
	 * --recstart is given. */
	pc.recend = o->recend != NULL ? o->recend : o->recstart != NULL ? "" : "\n";
	pc.recend_len = o->recend != NULL ? o->recend_len : o->recstart != NULL ? 0 : 1;
	return pipein_open(&r->pipe, &pc, cause);
}

static int
setup(struct run *r, int argc, char **argv)
{
	struct pfan_opts *o = &r->opts;
	struct output_config oc;
	char *cause = NULL;

	r->given_resume = o->resume;
	/* No command and no ::: / :::: / -a: replay FILE's run (which may
	 * itself have had no command: then its values are the commands). */
	if (o->ntemplate == 0 && o->resume != NULL && o->input.nsources == 0 &&
	    o->json_jobs == NULL) {
		if (replay_header(r, &cause) != PFAN_OK)
			return fail(cause);
		argc = o->argc;
		argv = o->argv;
		log_set_verbosity(o->verbose);
	}
	if (onall_check(o, &cause) != PFAN_OK)
		return fail(cause);
	if (o->xargs != XARGS_NONE)
		xargs_limits(o);
	if (o->load > 0 && o->load_kind != JOBS_ABS) {
		o->load = options_load_max(o, ncores());
		o->load_kind = JOBS_ABS;
	}
	/* No command: each value (or line) is a command, as GNU parallel. */
	if (o->pipe ? open_pipe(r, &cause) != PFAN_OK : o->json_jobs == NULL &&
	    input_open(&r->input, &o->input, &cause) != PFAN_OK)
		return fail(cause);
	if (open_template(r, &cause) != PFAN_OK)
		return fail(cause);
	if (onall_new(&r->onall, o, r->tmpl, &cause) != PFAN_OK)
		return fail(cause);
	/* --onall's output is tagged with the host's name, as GNU's */
	const char *host_tag = "{host}", *tagstring = o->tagstring;
	if (r->onall != NULL && tagstring == NULL && !o->fold)
		tagstring = host_tag;
	if (tagstring != NULL && template_parse(&r->tagstring, 1,
	    (char *const *)&tagstring, TEMPLATE_TEXT | (o->plus ? TEMPLATE_PLUS : 0),
	    &cause) != PFAN_OK)
		return fail(cause);
	if (stage_new(&r->stage, o, &cause) != PFAN_OK)
		return fail(cause);
	if (load_hosts(r, &cause) != PFAN_OK || (o->json_jobs != NULL &&
	    jsonjobs_load(&r->json, o, &r->hosts, &cause) != PFAN_OK) ||
	    jsonres_open(&r->jres, o, &cause) != PFAN_OK)
		return fail(cause);
	memset(&oc, 0, sizeof oc);
	oc.keep_order = o->keep_order;
	oc.line_buffer = o->line_buffer;
	oc.tag = o->tag;
	oc.tagstring = r->tagstring;
	oc.ungroup = o->ungroup;
	oc.print_cmd = o->print_cmd;
	oc.files = o->files;
	oc.tmpdir = o->tmpdir;
	oc.results = o->results;
	oc.out_fd = STDOUT_FILENO;
	oc.err_fd = STDERR_FILENO;
	if (r->onall != NULL) {
		/* each host's jobs together (their seqs are host-major) */
		oc.keep_order = true;
		oc.tag = false;
		onall_output_fds(r->onall, &oc.out_fd, &oc.err_fd);
	}
	if (output_new(&r->output, &oc, &cause) != PFAN_OK)
		return fail(cause);
	if (open_joblog(r, &cause) != PFAN_OK || load_resume(r, &cause) != PFAN_OK ||
	    write_header(r, argc, argv, &cause) != PFAN_OK)
		return fail(cause);
	if (r->resume != NULL)
		replay_say_plan(o, r->resume);
	return PFAN_OK;
}

static struct sched_host *
add_local_host(struct run *r, const char *name, unsigned slots)
{
	struct sched_host *h;

	/* --onall: a host's jobs one at a time, in order, unless -j says */
	if (r->onall != NULL)
		slots = r->opts.jobs_given ? 0 : 1;
	/* -j N alone needs no core count; +N, -N, N% and none do. */
	if (slots == 0 && r->ncores == 0 &&
	    !(r->opts.jobs_given && r->opts.jobs_kind == JOBS_ABS && r->opts.jobs > 0))
		r->ncores = ncores();
	if (slots == 0)
		slots = r->opts.jobs_given ? options_jobs_slots(&r->opts, r->ncores) : r->ncores;
	if (r->local == NULL)
		r->local = local_new(r->loop, r->opts.kill_grace);
	h = sched_add_host(r->sched, name, slots, true);
	sched_host_set_executor(h, local_executor(r->local));
	sched_host_set_dir(h, r->wd.local);
	return h;
}

static struct sched_host *
add_remote_host(struct run *r, struct host_spec *spec)
{
	struct ssh_options so;
	struct sshhost *sh;
	struct sched_host *h;

	/* -j N sets the slots of hosts that did not say (GNU parallel's -j
	 * is per host); otherwise the host is asked for its core count.
	 * --onall: one at a time, in order, unless -j says. */
	if (r->onall != NULL)
		spec->slots = r->opts.jobs_given ? 0 : 1;
	/* The other forms are relative to the host's cores: it is asked. */
	if (spec->slots == 0 && r->opts.jobs_given && r->opts.jobs_kind == JOBS_ABS &&
	    r->opts.jobs > 0)
		spec->slots = r->opts.jobs;
	memset(&so, 0, sizeof so);
	so.accept_new_hostkeys = r->opts.accept_new_hostkeys;
	so.no_agent = r->opts.no_remote_agent;
	so.keepalive = r->opts.keepalive;
	so.connect_timeout = r->opts.connect_timeout;
	so.verbose = r->opts.print_cmd;
	if (spec->jump != NULL && r->jumps == NULL)
		r->jumps = sshjumps_new(r->loop, &so);
	so.jumps = r->jumps;
	h = sched_add_host(r->sched, spec->name, spec->slots, false);
	sh = sshhost_new(r->loop, spec, &so, &sched_host_ops, h);
	bool create;
	char *dir = workdir_for_host(&r->wd, spec->name, &create);
	sshhost_set_workdir(sh, dir, create);
	if (r->nbase > 0)
		sshhost_set_basefiles(sh, r->base, r->nbase);
	r->ssh = xreallocarray(r->ssh, r->nssh + 1, sizeof *r->ssh);
	r->ssh[r->nssh++] = sh;
	if (create) {
		r->made = xreallocarray(r->made, r->nmade + 1, sizeof *r->made);
		r->made_dirs = xreallocarray(r->made_dirs, r->nmade + 1, sizeof *r->made_dirs);
		r->made[r->nmade] = sh;
		r->made_dirs[r->nmade++] = xstrdup(dir);
	}
	if (dir == NULL || dir[0] == '/')
		sched_host_set_dir(h, dir != NULL ? dir : "~");
	else {
		char *shown = xasprintf("~/%s", dir);
		sched_host_set_dir(h, shown);
		free(shown);
	}
	free(dir);
	r->remote = xreallocarray(r->remote, r->nremote + 1, sizeof *r->remote);
	r->remote[r->nremote++] = sshhost_executor(sh);
	sched_host_set_executor(h, sshhost_executor(sh));
	sshhost_start(sh);
	return h;
}

static void
add_hosts(struct run *r)
{
	r->nbase = r->opts.nbasefiles;
	r->base = xcalloc(r->nbase + 1, sizeof *r->base);
	for (size_t i = 0; i < r->nbase; i++)
		stage_split(r->opts.basefiles[i], (char **)&r->base[i].local,
		    (char **)&r->base[i].remote);
	/* Files staged: no shared filesystem, so GNU's default, the home. */
	workdir_init(&r->wd, r->opts.workdir == NULL && stage_has_files(&r->opts) ?
	    "~" : r->opts.workdir);
	if (r->hosts.n == 0) {
		add_local_host(r, "local", 0);
		return;
	}
	for (size_t i = 0; i < r->hosts.n; i++) {
		struct host_spec *spec = &r->hosts.v[i];
		/* A dry run connects nowhere: it only names the hosts. */
		struct sched_host *h = spec->local || r->opts.dry_run ?
		    add_local_host(r, spec->name, spec->slots) : add_remote_host(r, spec);
		sched_host_set_tags(h, spec->tags, spec->ntags);
	}
}

/* What main made, main frees: the executors first (freeing one ends its
 * jobs without a callback), then the scheduler whose jobs they ran. */
static void
free_executors(struct run *r)
{
	for (size_t i = 0; i < r->nremote; i++)
		r->remote[i].ops->free(r->remote[i].impl);
	free(r->remote);
	if (r->local != NULL) {
		struct executor ex = local_executor(r->local);
		ex.ops->free(ex.impl);
	}
}

static void
teardown(struct run *r)
{
	free_executors(r);
	sched_free(r->sched);
	onall_free(r->onall);
	progress_free(r->progress);
	sshjumps_free(r->jumps);   /* after the hosts whose sessions ride on it */
	runctl_free(r->runctl);
	loop_free(r->loop);
	host_list_free(&r->hosts);
	joblog_close(r->joblog);
	output_free(r->output);
	input_free(r->input);
	pipein_free(r->pipe);    /* after the jobs: they borrow its header */
	jsonjobs_free(r->json);  /* and their objects */
	jsonres_close(r->jres);
	template_free(r->tmpl);
	template_free(r->tagstring);
	stage_free(r->stage);
	resume_free(r->resume);
	options_free(&r->opts);
	replay_free(r->replay);
	free(r->resume_path);
	workdir_free(&r->wd);
	for (size_t i = 0; i < r->nmade; i++)
		free(r->made_dirs[i]);
	free(r->made_dirs);
	free(r->made);
	free(r->ssh);
	for (size_t i = 0; i < r->nbase; i++) {
		free((char *)r->base[i].local);
		free((char *)r->base[i].remote);
	}
	free(r->base);
}

int
main(int argc, char **argv)
{
	struct run r;
	struct sched_deps deps;
	char *cause = NULL, *failed;
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
	if (report_wanted(&r.opts)) {
		status = report_main(&r.opts);
		goto out;
	}
	if (r.opts.check) {
		status = check_hosts(&r);
		goto out;
	}
	if ((status = setup(&r, argc, argv)) != PFAN_OK)
		goto out;

	r.loop = loop_new();
	memset(&deps, 0, sizeof deps);
	deps.opts = &r.opts;
	deps.loop = r.loop;
	deps.tmpl = r.tmpl;
	deps.stage = r.stage;
	deps.input = r.input;
	deps.pipe = r.pipe;
	deps.json = r.json;
	deps.output = r.output;
	deps.resume = r.resume;
	deps.onall = r.onall;
	r.runctl = runctl_new(&r.opts, r.loop, r.output, r.joblog);
	runctl_set_onall(r.runctl, r.onall);
	runctl_set_json_results(r.runctl, r.jres);
	deps.report = &runctl_report_ops;
	deps.report_arg = r.runctl;
	r.sched = sched_new(&deps);
	if (progress_wanted(&r.opts) && !r.opts.dry_run) {
		r.progress = progress_new(&r.opts, r.loop, stderr);
		sched_observe(r.sched, &progress_observer, r.progress);
	}
	add_hosts(&r);
	status = runctl_run(r.runctl, r.sched);
	if (r.progress != NULL)
		progress_end(r.progress);
	/* --fold's output comes before the failure line */
	if (r.onall != NULL && onall_print_fold(r.onall, STDOUT_FILENO, STDERR_FILENO,
	    &cause) != PFAN_OK)
		status = fail(cause);
	/* after the progress display's last line, never stuck to it */
	if (!runctl_cut_short(r.runctl) && (failed = sched_failure_line(r.sched)) != NULL) {
		log_error("%s", failed);
		free(failed);
	}
	if (r.onall != NULL)
		onall_say_unreachable(r.onall);
	/* --basefile --cleanup, then --workdir ...: the hosts are still
	 * connected; a bounded wait each. */
	if (r.opts.cleanup && r.nbase > 0)
		workdir_remove_files(r.loop, r.ssh, r.nssh, &r.wd, r.base, r.nbase,
		    r.opts.connect_timeout > 0 ? r.opts.connect_timeout : 10);
	workdir_remove(r.loop, r.made, r.made_dirs, r.nmade,
	    r.opts.connect_timeout > 0 ? r.opts.connect_timeout : 10);
	if (r.resume != NULL && status == 0 &&
	    replay_check_input(&r.opts, r.resume, r.given_resume, &cause) != PFAN_OK)
		status = fail(cause);
	else if (r.input != NULL && !r.opts.nonall && input_was_empty_stdin_file(r.input))   /* not read */
		log_warn("no input: stdin is an empty file (an unquoted <> in the command "
		    "is a shell redirection; quote it: '<>')");
	/* 141: the reader of our output left on purpose (`| head -1`); it
	 * wants no advice on stderr. */
	if (r.joblog != NULL && ((status > 128 && status < PFAN_EXIT_ERROR &&
	    status != 128 + SIGPIPE) || runctl_halted(r.runctl)))
		replay_say_continue(&r.opts, r.replay != NULL ? r.given_resume :
		    r.opts.joblog != NULL ? r.opts.joblog : r.opts.resume,
		    runctl_halted(r.runctl),
		    r.replay != NULL || joblog_was_empty(r.joblog));
out:
	teardown(&r);
	return status;
}
