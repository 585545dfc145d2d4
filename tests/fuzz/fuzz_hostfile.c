/* fuzz_hostfile.c: libFuzzer target for the YAML hostfile (-H FILE,
 * hostfile.c with hosts.c and hostrange.c), loaded from a file in the
 * fuzz directory. Besides crashes it checks what a loaded list promises:
 * every host has a valid name, a where, slots within bounds, and no two
 * names equal ignoring case. Then ssh_config defaults are applied (there
 * is no ~/.ssh/config in the fuzz home, so only the built-in ones). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "hosts.h"
#include "log.h"

/* Inputs past this are not more interesting, only slower. */
#define MAX_INPUT 16384
/* 100000 hosts (n[0-99999]) take seconds under the sanitizers, near the
 * fuzzer's timeout; ranges are fuzzed in fuzz_hostrange. */
#define MAX_HOSTS 20000

static unsigned long
number(const uint8_t **p, const uint8_t *end)
{
	unsigned long v = 0;

	for (int digits = 0; *p < end && **p >= '0' && **p <= '9'; (*p)++)
		if (++digits <= 9)
			v = v * 10 + (unsigned long)(**p - '0');
	return v;
}

/* An upper bound on the names the ranges in the input could give: the
 * product, over every [...] anywhere, of the numbers its items span. */
static bool
too_many_hosts(const uint8_t *p, const uint8_t *end)
{
	unsigned long total = 1;

	while ((p = memchr(p, '[', (size_t)(end - p))) != NULL) {
		unsigned long group = 0;

		for (p++; p < end && *p != ']'; p++) {
			const uint8_t *start = p;
			unsigned long lo = number(&p, end), hi = lo;
			if (p < end && *p == '-') {
				p++;
				hi = number(&p, end);
			}
			if (p != start)    /* a number or a range, not a word */
				group += hi > lo ? hi - lo + 1 : 1;
			if (group > MAX_HOSTS)
				return true;
			if (p >= end || *p == ']')
				break;
		}
		if (group > 1 && (total *= group) > MAX_HOSTS)
			return true;
		if (p >= end)
			break;
	}
	return false;
}

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

	if (size > MAX_INPUT || too_many_hosts(data, data + size))
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
