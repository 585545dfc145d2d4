/* runid.c: a run's identity, and whether that run still lives (runid.h).
 *
 * A pid alone is not enough: pids are reused, and a directory of a run
 * killed last week must not be taken for one of the pfan that got its
 * pid today, nor the other way round. Linux gives each process's start
 * time in /proc/PID/stat (clock ticks since boot) and the boot time in
 * /proc/stat; their sum names a process for good. Without /proc the start
 * is 0 and only a pid that is gone (kill(pid, 0): ESRCH) counts as dead:
 * a reused pid then keeps a dead run's leftovers, never the reverse.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "runid.h"
#include "xalloc.h"

/* This machine's name, cut to characters that cannot be taken for the
 * separator. */
static char *
machine(void)
{
	struct utsname u;
	const char *n = uname(&u) == 0 && u.nodename[0] != '\0' ? u.nodename : "localhost";
	char *m = xstrdup(n);

	for (char *p = m; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '-'))
			*p = '.';
	return m;
}

static unsigned long long
boot_time(void)
{
	FILE *f = fopen("/proc/stat", "r");
	char line[256];
	unsigned long long bt = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "btime %llu", &bt) == 1)
			break;
	fclose(f);
	return bt;
}

/* pid's start in ticks since the epoch; 0: unknown; -1: no such process. */
static long long
start_of(long pid)
{
	char path[64], buf[1024];
	unsigned long long bt = boot_time(), ticks;
	long hz = sysconf(_SC_CLK_TCK);
	FILE *f;
	size_t n;

	if (bt == 0 || hz <= 0)
		return 0;
	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return errno == ENOENT ? -1 : 0;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* the command's name may hold spaces and parentheses: after the last ')' */
	const char *p = strrchr(buf, ')');
	/* state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
	 * utime stime cutime cstime priority nice threads itrealvalue starttime */
	if (p == NULL || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
	    "%*u %*u %*d %*d %*d %*d %*d %*d %llu", &ticks) != 1)
		return 0;
	return (long long)(bt * (unsigned long long)hz + ticks);
}

char *
runid_self(void)
{
	char *m = machine();
	long long st = start_of((long)getpid());
	char *id = xasprintf("%s_%ld_%lld", m, (long)getpid(), st > 0 ? st : 0);

	free(m);
	return id;
}

enum runid_state
runid_judge(const char *name, size_t *len)
{
	char *m = machine();
	size_t ml = strlen(m);
	bool mine = strncmp(name, m, ml) == 0 && name[ml] == '_';
	long pid;
	long long st;
	int used = 0;

	free(m);
	*len = 0;
	if (!mine || sscanf(name + ml + 1, "%ld_%lld%n", &pid, &st, &used) != 2 ||
	    pid <= 0 || st < 0 || (name[ml + 1 + used] != '_' && name[ml + 1 + used] != '\0') ||
	    name[ml + 1] < '0' || name[ml + 1] > '9')
		return RUNID_FOREIGN;
	*len = ml + 1 + (size_t)used;
	long long now = start_of(pid);
	if (now < 0)
		return RUNID_DEAD;
	if (now > 0 && st > 0)
		return now == st ? RUNID_ALIVE : RUNID_DEAD;
	/* no start time to compare: the pid alone */
	if (kill((pid_t)pid, 0) != 0 && errno == ESRCH)
		return RUNID_DEAD;
	return RUNID_ALIVE;
}
