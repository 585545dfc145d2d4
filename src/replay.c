/* replay.c: see replay.h. The replayed command line is the recorded one
 * with the options given now inserted after the recorded options (so that
 * `-j 8` now beats a recorded `-j 2`, and `-H more.yaml` adds hosts); it is
 * also what the new header records. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "errors.h"
#include "log.h"
#include "optreplay.h"
#include "quote.h"
#include "replay.h"
#include "xalloc.h"

struct replay {
	char **argv;     /* NULL-terminated; the strings belong to the header */
};

int
replay_check_file(int fd, const char *path, char **cause)
{
	struct stat st;

	if (fstat(fd, &st) != 0) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return PFAN_E_SYS;
	}
	/* It says what to run: trust it only as far as its writers. */
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		*cause = xasprintf("%s: owned by another user (uid %ld): not running "
		    "the command line it records (give the command with --resume "
		    "FILE, or copy the file)", path, (long)st.st_uid);
		return PFAN_E_INPUT;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		*cause = xasprintf("%s: writable by %s (mode %04o): not running the "
		    "command line it records (chmod go-w it)", path,
		    (st.st_mode & S_IWOTH) != 0 ? "others" : "its group",
		    (unsigned)(st.st_mode & 07777));
		return PFAN_E_INPUT;
	}
	return PFAN_OK;
}

static char *
quote_argv(char *const *argv)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; argv[i] != NULL; i++) {
		if (i > 0)
			buf_addc(&b, ' ');
		quote_shell(&b, argv[i], strlen(argv[i]));
	}
	return buf_steal(&b);
}

int
replay_setup(struct replay **out, struct pfan_opts *o,
    const struct joblog_header *h, const char *path, char **cause)
{
	int cli_argc = o->argc, argc;
	char **cli_argv = o->argv, **argv;
	char *line, *dir;

	*out = NULL;
	if (h == NULL || h->argc < 2) {
		*cause = xasprintf("%s: no command given, and the joblog has no header "
		    "to take one from", path);
		return PFAN_E_INPUT;
	}
	if (h->cwd == NULL || h->cwd[0] == '\0') {
		*cause = xasprintf("%s: the header does not record the run's directory: "
		    "not replaying it elsewhere (give the command with --resume FILE)",
		    path);
		return PFAN_E_INPUT;
	}
	if (optreplay_argv(h->argc, (char **)h->argv, cli_argc, cli_argv, &argc, &argv,
	    cause) != PFAN_OK)
		return PFAN_E_INPUT;
	*out = xcalloc(1, sizeof **out);
	(*out)->argv = argv;
	options_free(o);
	if (options_parse(o, argc, argv, cause) != PFAN_OK) {
		char *why = *cause;
		*cause = xasprintf("%s: the header's command line: %s", path, why);
		free(why);
		return PFAN_E_INPUT;
	}
	/* No command is a run of its own (the values are the commands). */
	o->resume = path;
	o->joblog = path;
	/* Never elsewhere: relative paths in the command would name other
	 * files. */
	if (chdir(h->cwd) != 0) {
		*cause = xasprintf("%s: can't go back to the run's directory %s: %s: "
		    "not running it elsewhere", path, h->cwd, strerror(errno));
		return PFAN_E_INPUT;
	}
	if (replay_reads_stdin(o) && isatty(STDIN_FILENO)) {
		*cause = xasprintf("%s: that run read its input from stdin: pipe the same "
		    "input again (pfan --resume %s < INPUT)", path, path);
		return PFAN_E_INPUT;
	}
	line = quote_argv(argv);
	dir = quote_shell_str(h->cwd);
	log_info("resuming: %s (in %s)", line, dir);
	free(line);
	free(dir);
	return PFAN_OK;
}

void
replay_free(struct replay *rp)
{
	if (rp == NULL)
		return;
	free(rp->argv);
	free(rp);
}

bool
replay_reads_stdin(const struct pfan_opts *o)
{
	if (o->input.nsources == 0)
		return true;
	for (size_t i = 0; i < o->input.nsources; i++)
		if (o->input.sources[i].kind == INPUT_FILE &&
		    strcmp(o->input.sources[i].path, "-") == 0)
			return true;
	return false;
}

/* The number of jobs when every source is a ::: list; false when a file or
 * stdin makes it unknown until read (or it overflows). */
static bool
input_total(const struct input_config *in, unsigned long long *total)
{
	unsigned long long n = in->link ? 0 : 1;

	if (in->nsources == 0)
		return false;
	for (size_t i = 0; i < in->nsources; i++) {
		unsigned long long k = in->sources[i].nitems;
		if (in->sources[i].kind != INPUT_LIST)
			return false;
		if (in->link)
			n = k > n ? k : n;
		else if (k != 0 && n > UINT64_MAX / k)
			return false;
		else
			n *= k;
	}
	if (in->max_args > 1)
		n = n / in->max_args + (n % in->max_args != 0);
	*total = n;
	return true;
}

void
replay_say_plan(const struct pfan_opts *o, const struct resume *r)
{
	unsigned long long done = resume_done_count(r), total;

	if (!input_total(&o->input, &total))
		log_info("resume: %llu job%s already done; running the rest of the input",
		    done, done == 1 ? "" : "s");
	else if (done == total && total > 0)
		log_info("resume: all %llu jobs already done; nothing to run", total);
	else if (done <= total)
		log_info("resume: %llu of %llu jobs already done; running the rest",
		    done, total);
	else
		log_info("resume: the joblog has %llu jobs done, this input %llu; "
		    "running those not done", done, total);
}

int
replay_check_input(const struct pfan_opts *o, const struct resume *r,
    const char *path, char **cause)
{
	char *q;

	if (resume_asked_count(r) > 0)
		return PFAN_OK;
	q = quote_shell_str(path);
	if (resume_record_count(r) == 0) {
		log_warn("resume: the input is empty: no job to run");
		free(q);
		return PFAN_OK;
	}
	if (replay_reads_stdin(o))
		*cause = xasprintf("resume: the input is empty, but %s records %llu "
		    "job%s: nothing was checked or run (that run read stdin: pipe the "
		    "same input again, pfan --resume %s < INPUT)", path,
		    resume_record_count(r), resume_record_count(r) == 1 ? "" : "s", q);
	else
		*cause = xasprintf("resume: the input is empty, but %s records %llu "
		    "job%s: nothing was checked or run", path, resume_record_count(r),
		    resume_record_count(r) == 1 ? "" : "s");
	free(q);
	return PFAN_E_INPUT;
}

void
replay_say_continue(const struct pfan_opts *o, const char *path, bool halted,
    bool replayable)
{
	const char *why = halted ? "halted (--halt)" : "interrupted";
	const char *in = replay_reads_stdin(o) ? " < INPUT (the same input again)" : "";
	char *q = quote_shell_str(path);

	if (replayable)
		log_info("%s; continue with: pfan --resume %s%s", why, q, in);
	else
		log_info("%s; continue with the same command line and --resume %s%s",
		    why, q, in);
	free(q);
}
