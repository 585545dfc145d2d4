/* fuzz_sshconfig.c: libFuzzer target for ~/.ssh/config (sshconfig.c):
 * load, look up a few names and expand what they give. The fuzz directory
 * is $HOME, so a relative Include finds only ~/.ssh/inc, a small fixed
 * file; an input that would Include by an absolute path is skipped, since
 * it could reach any file on the machine (/dev/zero, /dev/stdin). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "log.h"
#include "sshconfig.h"

static const char *const names[] = { "node1", "BigNode", "x.lab", "", "a*b" };

static int
reaches_out(const uint8_t *data, size_t size)
{
	bool inc = false, slash = false;

	for (size_t i = 0; i < size; i++) {
		if (data[i] == '/')
			slash = true;
		if (size - i >= 7 && strncasecmp((const char *)data + i, "include", 7) == 0)
			inc = true;
	}
	return inc && slash;
}

static void
make_include(void)
{
	static bool done;
	static const char inc[] = "Host node*\n  User inc\n  Port 2222\n";
	char dir[4200];

	if (done)
		return;
	done = true;
	snprintf(dir, sizeof dir, "%s/.ssh", fuzz_dir());
	mkdir(dir, 0700);
	fuzz_file(".ssh/inc", (const uint8_t *)inc, sizeof inc - 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sshconfig *cfg = NULL;
	char *cause = NULL;

	if (reaches_out(data, size))
		return 0;
	log_set_verbosity(0);
	make_include();
	if (sshconfig_load(&cfg, fuzz_file("config", data, size), &cause) != 0) {
		if (cause == NULL)
			abort();
		free(cause);
		sshconfig_free(cfg);
		return 0;
	}
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		struct sshconfig_values v;
		struct sshconfig_tokens t = { names[i], names[i], "ruser", "luser", "/home/l", 22 };

		memset(&v, 0, sizeof v);
		sshconfig_lookup(cfg, names[i], &v);
		if (v.hostname != NULL)
			t.host = v.hostname;
		if (v.user != NULL)
			t.ruser = v.user;
		if (v.port != 0)
			t.port = v.port;
		if (v.hostname != NULL)
			free(sshconfig_expand(v.hostname, &t));
		for (size_t k = 0; k < v.nidentities; k++)
			free(sshconfig_expand(v.identities[k], &t));
		if (v.known_hosts != NULL)
			free(sshconfig_expand(v.known_hosts, &t));
	}
	sshconfig_free(cfg);
	return 0;
}
