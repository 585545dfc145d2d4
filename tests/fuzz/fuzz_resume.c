/* fuzz_resume.c: libFuzzer target for the joblog reader (resume.c, for
 * --resume), loaded from a file in the fuzz directory. After a load it
 * asks for a few commands (each at most once more than the log can hold)
 * and checks that no more jobs are taken than the log says are done. */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz.h"
#include "log.h"
#include "resume.h"

static const char *const cmds[] = { "echo a", "echo b", "", "true", "sleep 1" };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct resume *r = NULL;
	char *cause = NULL;
	const struct joblog_header *h;
	unsigned long long done, taken = 0;

	log_set_verbosity(0);
	if (resume_load(&r, fuzz_file("joblog", data, size), &cause) != 0) {
		if (cause == NULL || r != NULL)
			abort();
		free(cause);
		return 0;
	}
	h = resume_header(r);
	if (h != NULL) {
		for (int i = 0; i < h->argc; i++)
			if (h->argv[i] == NULL)
				abort();
	}
	done = resume_done_count(r);
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		for (int k = 0; k < 4; k++)
			taken += resume_take_done(r, cmds[i]);
	if (taken > done)
		abort();
	resume_free(r);
	return 0;
}
