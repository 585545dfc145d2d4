/* child.c: see child.h. Works whatever pfan's caller left closed: with
 * stdin closed, the pipe or /dev/null may itself be descriptor 0 or `at`,
 * so both are first copied above `at` before anything is overwritten. */
#include <fcntl.h>
#include <unistd.h>

#include "child.h"

bool
child_keep_only(int fd, int at)
{
	int keep = fcntl(fd, F_DUPFD, at + 1);
	int null = open("/dev/null", O_RDWR);
	int null_high = null >= 0 ? fcntl(null, F_DUPFD, at + 1) : -1;

	if (keep < 0 || null_high < 0)
		return false;
	for (int i = 0; i <= 2; i++)
		if (dup2(null_high, i) < 0)
			return false;
	if (dup2(keep, at) < 0)
		return false;
	if (close_range((unsigned)at + 1, ~0U, 0) != 0)
		for (int i = at + 1; i < 1024; i++)
			close(i);
	return true;
}
