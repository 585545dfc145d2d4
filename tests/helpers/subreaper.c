/* subreaper CMD [ARG]...: runs CMD as a child subreaper that never reaps
 * anything but CMD itself. Once CMD has exited, any process CMD left behind
 * (alive, or exited and not waited for) is this process's child: waits up
 * to 10 s for there to be none, prints how many are left ("left: N") and
 * exits with CMD's status. Where init reaps orphans, a helper process that
 * its parent forgot would vanish unseen; here it stays in sight. */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static int
children(void)
{
	char path[64], comm[64], state;
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0, pid, ppid;
	FILE *f;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fscanf(f, "%d (%63[^)]) %c %d", &pid, comm, &state, &ppid) == 4 && ppid == getpid())
			n++;
		fclose(f);
	}
	closedir(d);
	return n;
}

int
main(int argc, char **argv)
{
	int status, n = 0;
	pid_t pid;

	if (argc < 2 || prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
		return 2;
	if ((pid = fork()) == 0) {
		execvp(argv[1], argv + 1);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return 2;
	for (int i = 0; i < 100 && (n = children()) != 0; i++)
		usleep(100000);
	printf("left: %d\n", n);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
