/* replay.c: runs a fuzz target without libFuzzer, on each file named on
 * the command line (a directory stands for its files, in name order), or
 * with no arguments on $PFAN_SRCDIR/tests/fuzz/corpus/FUZZ_NAME. One TAP
 * line per input: a crash, a sanitizer report or a leak (under ASan) ends
 * the stream early, which the TAP driver reports as an error. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "fuzz.h"

static unsigned ntests;

static int
replay_file(const char *path)
{
	struct buf b = BUF_INIT;
	char chunk[65536];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (f == NULL) {
		printf("not ok %u - %s: cannot open\n", ++ntests, path);
		return 1;
	}
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	/* A copy of exactly the input's size, so ASan sees reads past it. */
	uint8_t *copy = malloc(b.len > 0 ? b.len : 1);
	if (copy == NULL)
		abort();
	if (b.len > 0)
		memcpy(copy, b.data, b.len);
	LLVMFuzzerTestOneInput(copy, b.len);
	free(copy);
	buf_free(&b);
	printf("ok %u - %s\n", ++ntests, path);
	fflush(stdout);
	return 0;
}

static int
replay_path(const char *path)
{
	struct dirent **names;
	struct stat st;
	int n, bad = 0;

	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return replay_file(path);
	n = scandir(path, &names, NULL, alphasort);
	if (n < 0) {
		printf("not ok %u - %s: cannot read the directory\n", ++ntests, path);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.') {
			char *p = malloc(strlen(path) + strlen(names[i]->d_name) + 2);
			if (p == NULL)
				abort();
			sprintf(p, "%s/%s", path, names[i]->d_name);
			bad += replay_path(p);
			free(p);
		}
		free(names[i]);
	}
	free(names);
	return bad;
}

int
main(int argc, char **argv)
{
	int bad = 0;

	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			bad += replay_path(argv[i]);
	} else {
		const char *src = getenv("PFAN_SRCDIR");
		char *dir = malloc(strlen(src ? src : ".") + sizeof "/tests/fuzz/corpus/" FUZZ_NAME);
		if (dir == NULL)
			abort();
		sprintf(dir, "%s/tests/fuzz/corpus/%s", src ? src : ".", FUZZ_NAME);
		bad += replay_path(dir);
		free(dir);
	}
	if (ntests == 0) {
		printf("not ok 1 - no inputs\n");
		ntests = 1;
		bad = 1;
	}
	printf("1..%u\n", ntests);
	return bad > 0;
}
