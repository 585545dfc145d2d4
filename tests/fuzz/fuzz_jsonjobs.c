/* fuzz_jsonjobs.c: libFuzzer target for --json-jobs's reader (jsonjobs.c)
 * and --json-results' lines (jsonres.c). Besides crashes it checks what a
 * parse promises: an error names its line ("f:N: ...") and gives no
 * jobs; every job has its cmd inside its command, hosts and tags of the
 * run only, and a result line that is JSON again. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "errors.h"
#include "fuzz.h"
#include "jsonjobs.h"
#include "jsonres.h"
#include "log.h"

/* Inputs past this are not more interesting, only slower. */
#define MAX_INPUT 65536

static char *gpu[] = { "gpu" };
static struct host_spec two[] = {
	{ .name = "n1", .tags = gpu, .ntags = 1 },
	{ .name = "n2" },
};

static void
check_job(const struct jsonjob *j)
{
	struct joblog_record r = { .seq = 1, .attempt = 1, .host = "n1", .slot = 1,
	    .cmd = j->command, .exit_code = 0, .status = JOB_OK, .job = j->obj,
	    .stdout_head = "x", .stdout_head_len = 1, .stdout_bytes = 1 };
	json_t *back;
	char *line;

	if (j->cmd == NULL || j->command == NULL || strstr(j->command, j->cmd) == NULL)
		abort();
	for (size_t i = 0; i < j->nhosts; i++)
		if (strcasecmp(j->hosts[i], "n1") != 0 && strcasecmp(j->hosts[i], "n2") != 0)
			abort();
	for (size_t i = 0; i < j->ntags; i++)
		if (strcmp(j->tags[i], "gpu") != 0)
			abort();
	if ((line = jsonres_encode(&r)) == NULL)
		abort();
	if ((back = json_loads(line, 0, NULL)) == NULL ||
	    !json_is_object(json_object_get(back, "result")))
		abort();
	json_decref(back);
	free(line);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct host_list hosts = { two, 2 };
	struct jsonjobs *jj = NULL;
	char *cause = NULL;

	if (size > MAX_INPUT)
		return 0;
	log_set_verbosity(0);
	if (jsonjobs_parse(&jj, (const char *)data, size, "f", &hosts, "h", &cause) != PFAN_OK) {
		if (cause == NULL || strncmp(cause, "f:", 2) != 0 || jj != NULL)
			abort();	/* an error must say where, and give nothing */
		free(cause);
		return 0;
	}
	for (size_t i = 0; i < jsonjobs_count(jj); i++)
		check_job(jsonjobs_get(jj, i));
	jsonjobs_free(jj);
	return 0;
}
