/* fuzz_hostfile.c: libFuzzer target for the YAML hostfile (-H FILE,
 * hostfile.c with hosts.c and hostrange.c), loaded from a file in the
 * fuzz directory. Besides crashes it checks what a loaded list promises:
 * every host has a valid name, a where, slots within bounds, and no two
 * names equal ignoring case. Then ssh_config defaults are applied (there
 * is no ~/.ssh/config in the fuzz home, so only the built-in ones). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "hosts.h"
#include "log.h"

/* Inputs past this are not more interesting, only slower. */
#define MAX_INPUT 16384

static int
cmp_name(const void *a, const void *b)
{
	return strcasecmp(*(const char *const *)a, *(const char *const *)b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct host_list hl = HOST_LIST_INIT;
	char *cause = NULL;
	const char *path;
	const char **names;

	if (size > MAX_INPUT)
		return 0;
	log_set_verbosity(0);
	path = fuzz_file("hosts.yaml", data, size);
	if (hosts_load_file(&hl, path, &cause) != 0) {
		if (cause == NULL || hl.n != 0)
			abort();	/* an error must say why and load nothing */
		free(cause);
		return 0;
	}
	names = calloc(hl.n + 1, sizeof *names);
	if (names == NULL)
		abort();
	for (size_t i = 0; i < hl.n; i++) {
		const struct host_spec *h = &hl.v[i];
		if (h->name == NULL || h->where == NULL || h->slots > HOSTS_MAX_SLOTS)
			abort();
		if (!h->local && !hosts_valid_name(h->name))
			abort();
		names[i] = h->name;
	}
	/* Sorted, equal names would be neighbours. */
	qsort(names, hl.n, sizeof *names, cmp_name);
	for (size_t i = 1; i < hl.n; i++)
		if (strcasecmp(names[i - 1], names[i]) == 0)
			abort();	/* a duplicate got through */
	free(names);
	cause = NULL;
	if (hosts_apply_ssh_config(&hl, NULL, &cause) != 0)
		free(cause);
	host_list_free(&hl);
	return 0;
}
