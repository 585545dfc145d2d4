/* fuzz_input.c: libFuzzer target for the input splitter (input.c):
 * records, -0, --colsep, -n and how sources combine. The first byte picks
 * the options; the rest is the input, written to a file in the fuzz
 * directory and read as stdin or as a :::: file. A regular file never
 * blocks, so PFAN_AGAIN is a bug here. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "args.h"
#include "errors.h"
#include "fuzz.h"
#include "input.h"
#include "log.h"

/* Several sources make a product: cap the jobs read, not the input. */
#define MAX_JOBS 20000

/* bits 1-3 of the first byte; "" and x* match the empty string. */
static const char *const colseps[8] = {
	NULL, ",", "\t", "\\s+", "(:)", "x*", "", "\\b",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input_config cfg = { 0 };
	struct input_source srcs[2];
	char *items[2] = { "a", "b" };
	struct input *in = NULL;
	char *cause = NULL;
	const char *path;
	unsigned flags;
	int fd = -1, rc;

	if (size == 0)
		return 0;
	log_set_verbosity(0);
	flags = data[0];
	path = fuzz_file("input", data + 1, size - 1);
	cfg.null_sep = flags & 1;
	cfg.colsep = colseps[(flags >> 1) & 7];
	cfg.max_args = 1 + ((flags >> 6) & 3);
	cfg.stdin_fd = -1;
	switch ((flags >> 4) & 3) {
	case 0:    /* stdin */
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			abort();
		cfg.stdin_fd = fd;
		break;
	case 1:    /* :::: FILE ::: a b, then the same with --link */
	case 2:
		srcs[0] = (struct input_source){ .kind = INPUT_FILE, .path = path };
		/* :::+ (linked to the file) when bit 6 is set */
		srcs[1] = (struct input_source){ .kind = INPUT_LIST, .items = items,
		    .nitems = 2, .linked = (flags >> 6) & 1 };
		cfg.sources = srcs;
		cfg.nsources = 2;
		cfg.link = ((flags >> 4) & 3) == 2;
		break;
	case 3:    /* ::: a b :::: FILE: the file is read whole at open */
		srcs[0] = (struct input_source){ .kind = INPUT_LIST, .items = items, .nitems = 2 };
		srcs[1] = (struct input_source){ .kind = INPUT_FILE, .path = path };
		cfg.sources = srcs;
		cfg.nsources = 2;
		break;
	}
	if (input_open(&in, &cfg, &cause) != PFAN_OK) {
		if (in != NULL || cause == NULL)
			abort();
		free(cause);
		goto out;
	}
	for (unsigned jobs = 0; jobs < MAX_JOBS; jobs++) {
		struct args a;

		cause = NULL;
		rc = input_next(in, &a, &cause);
		if (rc == PFAN_OK) {
			if (a.n == 0)
				abort();	/* a job without a value */
			for (size_t i = 0; i < a.n; i++)
				if (a.v[i] == NULL)
					abort();
			args_free(&a);
			continue;
		}
		args_free(&a);
		if (rc == PFAN_AGAIN)
			abort();
		if (rc == PFAN_EOF)
			break;
		if (cause == NULL)
			abort();
		free(cause);
		if (rc != PFAN_E_INPUT)
			break;
	}
	input_free(in);
out:
	if (fd >= 0)
		close(fd);
	return 0;
}
