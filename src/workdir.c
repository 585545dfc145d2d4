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
 * host, ~/.parallel/tmp/pfan_RUN_RAND_HOST, made mode 700 by the wrapper
 * before each job (mkdir -p: the first job makes it) and removed at the
 * end of the run, also one cut short by signals (Ctrl-C twice, SIGTERM):
 * one `rm -rf` channel per connected host, waited for a bounded time.
 * RUN is runid.h's (this machine, pfan's pid and start time) and RAND a
 * random number, so two runs never share one; HOST is in the name so
 * hosts sharing a home do not share one either.
 *
 * A pfan killed by SIGKILL, or a host not connected at the end, leaves
 * its directory. The same `rm -rf` channel lists the pfan_* directories
 * there, and a second one removes those whose run is dead: a run of this
 * machine whose pid is gone or was reused (runid_judge). Only this
 * machine's processes can be looked at, so another machine's leftovers are
 * never touched, and neither is a live run's.
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
#include "runid.h"
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
		char *id = runid_self();
		wd->private_tag = xasprintf("%s_%08lx", id, random_tag() & 0xffffffffUL);
		free(id);
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
	char *dir = xasprintf(WORKDIR_PARENT "/" WORKDIR_PREFIX "%s_%s", wd->private_tag, host);
	for (char *p = dir + strlen(WORKDIR_PARENT "/"); *p != '\0'; p++)
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

/* One command on each of n hosts, waited for together. Shared by the
 * commands' callbacks and the caller, each holding a reference: a command
 * still running when the caller stops waiting ends later, or never (its
 * host freed first), and must find this alive. */
struct removal {
	struct loop *loop;
	size_t refs;
	size_t left;               /* commands not ended */
	struct hostrun *hr;
	size_t n;
};

struct hostrun {
	struct removal *rm;
	enum { HR_IDLE, HR_RUNNING, HR_OK, HR_FAILED } st;
	struct buf out;            /* its stdout, up to LISTING_MAX */
};

/* A listing past this is cut: the rest waits for another run. */
#define LISTING_MAX (256 * 1024)

static void
unref(struct removal *rm)
{
	if (--rm->refs > 0)
		return;
	for (size_t i = 0; i < rm->n; i++)
		buf_free(&rm->hr[i].out);
	free(rm->hr);
	free(rm);
}

static void
hostrun_output(void *arg, const char *data, size_t len)
{
	struct hostrun *h = arg;

	if (h->out.len + len <= LISTING_MAX)
		buf_add(&h->out, data, len);
}

static void
hostrun_done(void *arg, bool ok)
{
	struct hostrun *h = arg;
	struct removal *rm = h->rm;

	h->st = ok ? HR_OK : HR_FAILED;
	if (--rm->left == 0 && rm->loop != NULL)
		loop_stop(rm->loop);
	unref(rm);
}

static void
removal_timeout(void *arg)
{
	struct removal *rm = arg;

	loop_stop(rm->loop);
}

static struct removal *
removal_new(struct loop *loop, size_t n)
{
	struct removal *rm = xcalloc(1, sizeof *rm);

	rm->loop = loop;
	rm->refs = 1;
	rm->hr = xcalloc(n + 1, sizeof *rm->hr);
	rm->n = n;
	for (size_t i = 0; i < n; i++)
		rm->hr[i].rm = rm;
	return rm;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs cmds[i] (NULL: none) on hosts[i] if connected, then the loop until
 * all have ended or the time is up. */
static void
run_all(struct removal *rm, struct sshhost *const *hosts, char *const *cmds,
    double until)
{
	for (size_t i = 0; i < rm->n; i++) {
		struct hostrun *h = &rm->hr[i];
		if (cmds[i] == NULL || h->st != HR_IDLE)
			continue;
		buf_reset(&h->out);
		if (!sshhost_run_capture(hosts[i], cmds[i], hostrun_output, hostrun_done, h))
			continue;   /* not connected */
		h->st = HR_RUNNING;
		rm->left++;
		rm->refs++;
	}
	double secs = until - now();
	if (rm->left == 0 || secs <= 0)
		return;
	struct loop_timer *t = loop_timer_add(rm->loop, secs, removal_timeout, rm);
	loop_run(rm->loop);
	loop_timer_del(rm->loop, t);
}

/* The leftovers host i listed (one name a line) of runs known dead, as a
 * command removing them there; NULL: none. Says what it removes. */
static char *
stale_command(struct sshhost *h, const char *own, struct buf *listing)
{
	struct buf cmd = BUF_INIT;
	size_t found = 0;
	char *p = (char *)buf_cstr(listing), *nl;

	buf_adds(&cmd, "cd " WORKDIR_PARENT " && rm -rf --");
	for (; *p != '\0'; p = nl + 1) {
		size_t len;
		if ((nl = strchr(p, '\n')) == NULL)
			break;   /* cut short: not a whole name */
		*nl = '\0';
		if (strncmp(p, WORKDIR_PREFIX, strlen(WORKDIR_PREFIX)) != 0 ||
		    strcmp(p, own) == 0 ||
		    runid_judge(p + strlen(WORKDIR_PREFIX), &len) != RUNID_DEAD)
			continue;
		log_info("%s: removing ~/%s/%s, left by a pfan that ended before "
		    "removing it (killed, or the host was not connected)", sshhost_name(h),
		    WORKDIR_PARENT, p);
		buf_addc(&cmd, ' ');
		quote_shell(&cmd, p, strlen(p));
		found++;
	}
	if (found == 0) {
		buf_free(&cmd);
		return NULL;
	}
	return buf_steal(&cmd);
}

static void
say_left(struct sshhost *h, const char *dir, const char *why)
{
	log_warn("%s: --workdir ...: ~/%s may be left on the host (%s); the next "
	    "run with --workdir ... from this machine removes it", sshhost_name(h), dir, why);
}

void
workdir_remove(struct loop *loop, struct sshhost *const *hosts,
    char *const *dirs, size_t n, double secs)
{
	struct removal *rm = removal_new(loop, n);
	char **cmds = xcalloc(n + 1, sizeof *cmds);
	struct buf cmd = BUF_INIT;
	double until = now() + secs;

	/* Our own directory, then what is there: leftovers of dead runs? */
	for (size_t i = 0; i < n; i++) {
		buf_reset(&cmd);
		buf_adds(&cmd, "rm -rf -- ");
		quote_shell(&cmd, dirs[i], strlen(dirs[i]));
		buf_adds(&cmd, " || exit 1; cd " WORKDIR_PARENT " 2>/dev/null || exit 0; "
		    "for d in " WORKDIR_PREFIX "*; do [ -d \"$d\" ] && printf '%s\\n' \"$d\"; "
		    "done; exit 0");
		cmds[i] = xstrdup(buf_cstr(&cmd));
	}
	buf_free(&cmd);
	run_all(rm, hosts, cmds, until);
	for (size_t i = 0; i < n; i++) {
		struct hostrun *h = &rm->hr[i];
		free(cmds[i]);
		cmds[i] = NULL;
		if (h->st == HR_IDLE)
			say_left(hosts[i], dirs[i], "not connected at the end");
		else if (h->st == HR_RUNNING) {
			char why[64];
			snprintf(why, sizeof why, "no answer within %g s", secs);
			say_left(hosts[i], dirs[i], why);
		} else if (h->st == HR_FAILED)
			say_left(hosts[i], dirs[i], "its removal failed");
		else
			cmds[i] = stale_command(hosts[i], dirs[i] + strlen(WORKDIR_PARENT "/"),
			    &h->out);
	}
	/* A second round on the same hosts: each done one may run again. */
	size_t second = 0;
	for (size_t i = 0; i < n; i++)
		if (cmds[i] != NULL) {
			rm->hr[i].st = HR_IDLE;
			second++;
		}
	if (second > 0)
		run_all(rm, hosts, cmds, until);
	for (size_t i = 0; i < n; i++) {
		if (cmds[i] != NULL && rm->hr[i].st != HR_OK)
			log_debug("%s: --workdir ...: leftovers of earlier runs not removed",
			    sshhost_name(hosts[i]));
		free(cmds[i]);
	}
	free(cmds);
	rm->loop = NULL;   /* late ends must not stop a loop run for others */
	unref(rm);
}

void
workdir_remove_files(struct loop *loop, struct sshhost *const *hosts, size_t n,
    const struct workdir *wd, const struct exec_file *files, size_t nfiles, double secs)
{
	struct removal *rm = removal_new(loop, n);
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
	run_all(rm, hosts, cmds, now() + secs);
	size_t late = 0;
	for (size_t i = 0; i < n; i++) {
		if (rm->hr[i].st == HR_FAILED)
			log_warn("%s: --basefile --cleanup: the files could not be removed",
			    sshhost_name(hosts[i]));
		late += rm->hr[i].st == HR_RUNNING;
		free(cmds[i]);
	}
	if (late > 0)
		log_warn("--basefile --cleanup: %zu host%s did not confirm the removal within %g s",
		    late, late == 1 ? "" : "s", secs);
	free(cmds);
	rm->loop = NULL;
	unref(rm);
}
