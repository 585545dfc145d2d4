/* joblog_sync.c: what durability costs. Appends 10000 joblog records with
 * joblog.c in four policies (no fdatasync, one per record, one per 100, one
 * per second as the scheduler does) and prints the time of each.
 *
 *   cc -std=c11 -D_GNU_SOURCE -O2 -Isrc bench/joblog_sync.c src/joblog.c \
 *      src/buf.c src/log.c src/xalloc.c $(pkg-config --cflags --libs jansson) \
 *      -o /tmp/joblog_sync && /tmp/joblog_sync [DIR]
 *
 * DIR (default $TMPDIR, else /tmp) must be on the disk you care about: on
 * tmpfs fdatasync costs nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "joblog.h"
#include "xalloc.h"

#define NRECORDS 10000

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* every: fdatasync after this many records (0: never; -1: once a second). */
static double
run(const char *path, long every)
{
	char *args[] = { "17" };
	struct joblog_record r = {
		.attempt = 1, .host = "node03", .slot = 5, .cmd = "./think 17 20",
		.nargs = 1, .args = args, .start = 1795389297.258, .runtime = 2.004,
		.exit_code = 0, .status = JOB_OK, .stdout_bytes = 71,
	};
	struct joblog *jl;
	char *cause = NULL;
	double t0, last;

	unlink(path);
	if (joblog_open(&jl, path, &cause) != 0) {
		fprintf(stderr, "joblog_sync: %s\n", cause);
		exit(1);
	}
	t0 = last = now();
	for (long i = 1; i <= NRECORDS; i++) {
		r.seq = (unsigned long long)i;
		if (joblog_append(jl, &r, &cause) != 0)
			goto fail;
		if ((every > 0 && i % every == 0) || (every < 0 && now() - last >= 1.0)) {
			if (joblog_sync(jl, &cause) != 0)
				goto fail;
			last = now();
		}
	}
	if (every != 0 && joblog_sync(jl, &cause) != 0)
		goto fail;
	t0 = now() - t0;
	joblog_close(jl);
	unlink(path);
	return t0;
fail:
	fprintf(stderr, "joblog_sync: %s\n", cause);
	exit(1);
}

int
main(int argc, char **argv)
{
	static const struct {
		const char *name;
		long every;
	} policies[] = {
		{ "write() only, no fdatasync", 0 },
		{ "fdatasync every record", 1 },
		{ "fdatasync every 100 records", 100 },
		{ "fdatasync once a second + at end", -1 },
	};
	const char *dir = argc > 1 ? argv[1] : getenv("TMPDIR");
	char *path = xasprintf("%s/joblog_sync.%ld.jsonl",
	    dir != NULL && *dir != '\0' ? dir : "/tmp", (long)getpid());

	printf("%d records in %s\n", NRECORDS, path);
	for (size_t i = 0; i < sizeof policies / sizeof policies[0]; i++) {
		double t = run(path, policies[i].every);
		printf("%-34s %9.1f ms  %8.1f us/record\n", policies[i].name,
		    t * 1e3, t * 1e6 / NRECORDS);
	}
	free(path);
	return 0;
}
