/* fuzz_hostrange.c: libFuzzer target for host ranges and the host lists
 * built from them (hostrange.c; -S in hosts.c; -H slurm's two variables).
 * The input is the list, then optionally a NUL and the CPU counts. Checks
 * the promises of hostrange.h: on success 1..HOSTRANGE_MAX names, none
 * NULL; on error nothing returned and a cause. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fuzz.h"
#include "hostrange.h"
#include "hosts.h"
#include "log.h"

/* More names than this are not passed on to -S and -H slurm. */
#define MAX_HOSTS 5000

/* Returns how many names there were. */
static size_t
check(int rc, char **v, size_t n, char *cause, size_t max)
{
	if (rc != 0) {
		if (v != NULL || n != 0 || cause == NULL)
			abort();
		free(cause);
		return 0;
	}
	if (n == 0 || n > max)
		abort();
	for (size_t i = 0; i < n; i++)
		if (v[i] == NULL)
			abort();
	hostrange_free(v, n);
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf in = BUF_INIT;
	struct host_list hl = HOST_LIST_INIT;
	const char *list, *cpus;
	char **v, *cause;
	unsigned *counts;
	size_t n, names;
	int rc;

	log_set_verbosity(0);
	buf_add(&in, data, size);
	list = in.data;
	cpus = strlen(list) < in.len ? list + strlen(list) + 1 : NULL;

	v = NULL, n = 0, cause = NULL;
	rc = hostrange_expand(list, &v, &n, &cause);
	check(rc, v, n, cause, HOSTRANGE_MAX);
	v = NULL, n = 0, cause = NULL;
	rc = hostrange_split(list, &v, &n, &cause);
	check(rc, v, n, cause, (size_t)-1);
	v = NULL, n = 0, cause = NULL;
	rc = hostrange_expand_list(list, &v, &n, &cause);
	names = check(rc, v, n, cause, HOSTRANGE_MAX);

	counts = NULL, n = 0, cause = NULL;
	rc = hostrange_cpus(cpus != NULL ? cpus : list, &counts, &n, &cause);
	if (rc == 0) {
		for (size_t i = 0; i < n; i++)
			if (counts[i] == 0)
				abort();
		free(counts);
	} else {
		if (counts != NULL || cause == NULL)
			abort();
		free(cause);
	}

	/* Expanding 100000 names is linear but takes seconds under the
	 * sanitizers; three more expansions of them would find nothing new. */
	if (names > MAX_HOSTS)
		goto out;
	cause = NULL;
	if (hosts_add_sshlogin(&hl, list, &cause) != 0) {
		if (hl.n != 0 || cause == NULL)
			abort();
		free(cause);
	}
	host_list_free(&hl);
	cause = NULL;
	if (hosts_add_slurm(&hl, list, cpus, &cause) != 0) {
		if (hl.n != 0 || cause == NULL)
			abort();
		free(cause);
	}
	host_list_free(&hl);
out:
	buf_free(&in);
	return 0;
}
