/* workdir.c: where remote jobs run (workdir.h).
 *
 * GNU parallel runs remote jobs in the remote home unless given
 * --workdir; on a lab cluster, where home and project directories are the
 * same filesystem everywhere, that makes `pfan -H hosts.yaml ./think ...`
 * fail on every host. pfan's default is the directory it was started in,
 * by the same absolute path. A host without it is said once and dropped
 * for the run (sshwrap.c, schedhost.c), not a failure of every job.
 *
 * --workdir ... (GNU's meaning): a directory of the run's own on each
 * host, ~/.parallel/tmp/pfan-TAG-HOST, made mode 700 by the wrapper before
 * each job (mkdir -p: the first job makes it) and removed at the end of
 * the run. TAG is pfan's pid and a random number, so two runs never share
 * one; HOST is in the name so hosts sharing a home do not share one either.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "exec.h"
#include "log.h"
#include "loop.h"
#include "quote.h"
#include "sshhost.h"
#include "workdir.h"
#include "xalloc.h"

static char *
current_dir(void)
{
	const char *pwd = getenv("PWD");
	struct stat a, b;
	char *cwd;

	if (pwd != NULL && pwd[0] == '/' && stat(pwd, &a) == 0 && stat(".", &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		return xstrdup(pwd);
	cwd = getcwd(NULL, 0);
	if (cwd == NULL)
		return NULL;
	char *copy = xstrdup(cwd);
	free(cwd);
	return copy;
}

static unsigned long
random_tag(void)
{
	unsigned long r = (unsigned long)time(NULL) ^ ((unsigned long)getpid() << 16);
	FILE *f = fopen("/dev/urandom", "rb");

	if (f != NULL) {
		unsigned long u = 0;
		if (fread(&u, sizeof u, 1, f) == 1)
			r ^= u;
		fclose(f);
	}
	return r;
}

void
workdir_init(struct workdir *wd, const char *opt)
{
	memset(wd, 0, sizeof *wd);
	wd->local = current_dir();
	if (opt != NULL && strcmp(opt, WORKDIR_PRIVATE) == 0) {
		wd->private_tag = xasprintf("%ld-%08lx", (long)getpid(),
		    random_tag() & 0xffffffffUL);
		return;
	}
	if (opt == NULL || strcmp(opt, ".") == 0) {
		if (wd->local == NULL)
			log_warn("cannot learn the current directory; remote jobs start "
			    "in the remote home (--workdir DIR to choose)");
		else
			wd->dir = xstrdup(wd->local);
		return;
	}
	if (strcmp(opt, "~") == 0)
		return;   /* the home: no cd */
	wd->dir = xstrdup(strncmp(opt, "~/", 2) == 0 ? opt + 2 : opt);
}

char *
workdir_for_host(const struct workdir *wd, const char *host, bool *create)
{
	*create = wd->private_tag != NULL;
	if (wd->private_tag == NULL)
		return wd->dir != NULL ? xstrdup(wd->dir) : NULL;
	char *dir = xasprintf(".parallel/tmp/pfan-%s-%s", wd->private_tag, host);
	for (char *p = dir + strlen(".parallel/tmp/"); *p != '\0'; p++)
		if (*p == '/')
			*p = '_';
	return dir;
}

void
workdir_free(struct workdir *wd)
{
	free(wd->dir);
	free(wd->private_tag);
	free(wd->local);
	memset(wd, 0, sizeof *wd);
}

struct removal {
	struct loop *loop;
	size_t left;
	bool timed_out;
};

static void
removed(void *arg, bool ok)
{
	struct removal *rm = arg;

	if (!ok)
		log_warn("--workdir ...: a host's directory could not be removed");
	if (--rm->left == 0)
		loop_stop(rm->loop);
}

static void
removal_timeout(void *arg)
{
	struct removal *rm = arg;

	rm->timed_out = true;
	loop_stop(rm->loop);
}

/* Runs cmds[i] on hosts[i] (NULL: none), waiting for all or secs. */
static void
run_removals(struct loop *loop, struct sshhost *const *hosts, char *const *cmds,
    size_t n, double secs, const char *what)
{
	struct removal rm = { loop, 0, false };

	for (size_t i = 0; i < n; i++) {
		rm.left++;
		if (cmds[i] == NULL || !sshhost_run_once(hosts[i], cmds[i], removed, &rm))
			rm.left--;   /* not connected: nothing ran there to remove */
	}
	if (rm.left == 0)
		return;
	struct loop_timer *t = loop_timer_add(loop, secs, removal_timeout, &rm);
	loop_run(loop);
	if (rm.timed_out)
		log_warn("%s: %zu host%s did not confirm the removal within %g s",
		    what, rm.left, rm.left == 1 ? "" : "s", secs);
	else
		loop_timer_del(loop, t);
}

void
workdir_remove(struct loop *loop, struct sshhost *const *hosts,
    char *const *dirs, size_t n, double secs)
{
	char **cmds = xcalloc(n + 1, sizeof *cmds);
	struct buf cmd = BUF_INIT;

	for (size_t i = 0; i < n; i++) {
		buf_reset(&cmd);
		buf_adds(&cmd, "rm -rf -- ");
		quote_shell(&cmd, dirs[i], strlen(dirs[i]));
		cmds[i] = xstrdup(buf_cstr(&cmd));
	}
	buf_free(&cmd);
	run_removals(loop, hosts, cmds, n, secs, "--workdir ...");
	for (size_t i = 0; i < n; i++)
		free(cmds[i]);
	free(cmds);
}

void
workdir_remove_files(struct loop *loop, struct sshhost *const *hosts, size_t n,
    const struct workdir *wd, const struct exec_file *files, size_t nfiles, double secs)
{
	char **cmds = xcalloc(n + 1, sizeof *cmds);
	struct buf cmd = BUF_INIT;

	for (size_t i = 0; i < n; i++) {
		bool create;
		char *dir = workdir_for_host(wd, sshhost_name(hosts[i]), &create);
		buf_reset(&cmd);
		buf_adds(&cmd, "rm -f --");
		for (size_t f = 0; f < nfiles; f++) {
			const char *p = files[f].remote;
			char *full = p[0] == '/' || dir == NULL ? xstrdup(p) : xasprintf("%s/%s", dir, p);
			buf_addc(&cmd, ' ');
			quote_shell(&cmd, full, strlen(full));
			free(full);
		}
		cmds[i] = xstrdup(buf_cstr(&cmd));
		free(dir);
	}
	buf_free(&cmd);
	run_removals(loop, hosts, cmds, n, secs, "--basefile --cleanup");
	for (size_t i = 0; i < n; i++)
		free(cmds[i]);
	free(cmds);
}
