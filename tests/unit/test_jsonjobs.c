/* test_jsonjobs.c: --json-jobs's reader (jsonjobs.c) against the cases of
 * tests/data/jsonjobs_cases.txt: the command each line builds, or the
 * message that names its line and key; then what only a whole file
 * shows (line numbers, blank lines, no hosts), and --json-results'
 * lines (jsonres.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "buf.h"
#include "errors.h"
#include "jsonjobs.h"
#include "jsonres.h"
#include "xalloc.h"

static char *gpu[] = { "gpu" }, *gpu_big[] = { "gpu", "big" };
static struct host_spec two[] = {
	{ .name = "n1", .tags = gpu, .ntags = 1 },
	{ .name = "n2", .tags = gpu_big, .ntags = 2 },
};
static const struct host_list hosts = { two, 2 };

/* \n \t \\ in a case's expected text. */
static char *
unescape(const char *s)
{
	struct buf b = BUF_INIT;

	for (; *s != '\0'; s++) {
		if (*s == '\\' && s[1] != '\0') {
			s++;
			buf_addc(&b, *s == 'n' ? '\n' : *s == 't' ? '\t' : *s);
		} else
			buf_addc(&b, *s);
	}
	return buf_steal(&b);
}

static void
test_cases(void **state)
{
	const char *srcdir = getenv("PFAN_SRCDIR");
	char *path = xasprintf("%s/tests/data/jsonjobs_cases.txt", srcdir ? srcdir : ".");
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned ncases = 0;

	(void)state;
	assert_non_null(f);
	while ((n = getline(&line, &cap, f)) > 0) {
		char *kind = line, *want, *json, *w, *cause = NULL;
		struct jsonjobs *jj = NULL;
		int rc;

		if (line[n - 1] == '\n')
			line[--n] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		want = strchr(kind, '\t');
		assert_non_null(want);
		*want++ = '\0';
		json = strchr(want, '\t');
		assert_non_null(json);
		*json++ = '\0';
		w = unescape(want);
		rc = jsonjobs_parse(&jj, json, strlen(json), "j.jsonl", &hosts,
		    "hosts.yaml", &cause);
		if (strcmp(kind, "ok") == 0) {
			if (rc != PFAN_OK)
				fail_msg("%s: %s", json, cause);
			assert_int_equal(jsonjobs_count(jj), 1);
			assert_string_equal(jsonjobs_get(jj, 0)->command, w);
		} else {
			assert_int_equal(rc, PFAN_E_INPUT);
			assert_null(jj);
			assert_string_equal(cause, w);
		}
		free(cause);
		free(w);
		jsonjobs_free(jj);
		ncases++;
	}
	assert_true(ncases > 40);
	free(line);
	fclose(f);
	free(path);
}

/* Blank lines count, are skipped; the error names the file's line. */
static void
test_lines(void **state)
{
	const char *text = "{\"cmd\":\"a\"}\n\n   \n{\"cmd\":\"b\",\"id\":\"B\","
	    "\"host\":[\"n2\"],\"tags\":[\"gpu\",\"big\"],\"timeout\":3,\"retries\":2}\r\n"
	    "{\"cmd\":\"c\"}";
	struct jsonjobs *jj = NULL;
	const struct jsonjob *j;
	char *cause = NULL;

	(void)state;
	assert_int_equal(jsonjobs_parse(&jj, text, strlen(text), "f", &hosts, "h", &cause),
	    PFAN_OK);
	assert_int_equal(jsonjobs_count(jj), 3);
	assert_null(jsonjobs_get(jj, 0)->id);
	assert_true(jsonjobs_get(jj, 0)->timeout < 0 && jsonjobs_get(jj, 0)->retries < 0);
	j = jsonjobs_get(jj, 1);
	assert_string_equal(j->id, "B");
	assert_int_equal(j->nhosts, 1);
	assert_string_equal(j->hosts[0], "n2");
	assert_int_equal(j->ntags, 2);
	assert_string_equal(j->tags[1], "big");
	assert_true(j->timeout == 3 && j->retries == 2);
	assert_string_equal(jsonjobs_get(jj, 2)->cmd, "c");
	assert_null(jsonjobs_get(jj, 3));
	jsonjobs_free(jj);

	text = "{\"cmd\":\"a\"}\n\n{\"cmd\":\"b\"}\n{\"cmd\":\"c\",\"cd\":false}\n{";
	assert_int_equal(jsonjobs_parse(&jj, text, strlen(text), "f", &hosts, "h", &cause),
	    PFAN_E_INPUT);
	assert_string_equal(cause, "f:4: key \"cd\": not a string");
	free(cause);
	/* A NUL in a string is no shell text. */
	text = "{\"cmd\":\"a\\u0000b\"}";
	assert_int_equal(jsonjobs_parse(&jj, text, strlen(text), "f", &hosts, "h", &cause),
	    PFAN_E_INPUT);
	assert_non_null(strstr(cause, "f:1: not JSON: "));
	free(cause);
	/* Empty input: no job. */
	assert_int_equal(jsonjobs_parse(&jj, "\n\n", 2, "f", &hosts, "h", &cause), PFAN_OK);
	assert_int_equal(jsonjobs_count(jj), 0);
	jsonjobs_free(jj);
}

/* No hosts: the one host is "local", which has no tags. */
static void
test_local(void **state)
{
	const struct host_list none = { NULL, 0 };
	const char *ok = "{\"cmd\":\"a\",\"host\":[\"local\"]}";
	const char *bad = "{\"cmd\":\"a\",\"host\":[\"n1\"]}";
	const char *tag = "{\"cmd\":\"a\",\"tags\":[\"gpu\"]}";
	struct jsonjobs *jj = NULL;
	char *cause = NULL;

	(void)state;
	assert_int_equal(jsonjobs_parse(&jj, ok, strlen(ok), "f", &none, "here", &cause), PFAN_OK);
	jsonjobs_free(jj);
	assert_int_equal(jsonjobs_parse(&jj, bad, strlen(bad), "f", &none, "here", &cause),
	    PFAN_E_INPUT);
	assert_string_equal(cause, "f:1: key \"host\": no host named \"n1\" in here");
	free(cause);
	assert_int_equal(jsonjobs_parse(&jj, tag, strlen(tag), "f", &none, "here", &cause),
	    PFAN_E_INPUT);
	assert_string_equal(cause, "f:1: key \"tags\": no host tagged \"gpu\" in here");
	free(cause);
}

/* A final record of a job: its object, then "result". */
static void
test_results(void **state)
{
	json_t *job = json_pack("{s:s, s:s}", "cmd", "exit 3", "mine", "kept");
	struct buf big = BUF_INIT;
	struct joblog_record r = { .seq = 1, .attempt = 1, .host = "local", .slot = 2,
	    .cmd = "exit 3", .start = 100.25, .runtime = 1.5, .exit_code = 3,
	    .status = JOB_FAILED, .stdout_bytes = 3, .job = job,
	    .stdout_head = "hi\n", .stdout_head_len = 3 };
	char *line;

	(void)state;
	line = jsonres_encode(&r);
	assert_string_equal(line, "{\"cmd\":\"exit 3\",\"mine\":\"kept\",\"result\":{"
	    "\"exit\":3,\"signal\":null,\"status\":\"failed\",\"host\":\"local\","
	    "\"slot\":2,\"start\":100.25,\"end\":101.75,\"runtime\":1.5,"
	    "\"stdout\":\"hi\\n\",\"stdout_bytes\":3}}");
	free(line);
	/* Killed: no exit, the signal; more than 4 KiB of stdout: counted only */
	for (int i = 0; i < JOBLOG_STDOUT_HEAD + 1; i++)
		buf_addc(&big, 'x');
	r.exit_code = -1;
	r.signal = 15;
	r.status = JOB_TIMEOUT;
	r.stdout_head = big.data;
	r.stdout_head_len = big.len;
	r.stdout_bytes = 100000;
	line = jsonres_encode(&r);
	assert_non_null(strstr(line, "\"exit\":null,\"signal\":15,\"status\":\"timeout\""));
	assert_null(strstr(line, "\"stdout\":"));
	assert_non_null(strstr(line, "\"stdout_bytes\":100000}}"));
	free(line);
	/* Not UTF-8: counted only */
	r.stdout_head = "\xff\xfe";
	r.stdout_head_len = 2;
	line = jsonres_encode(&r);
	assert_null(strstr(line, "\"stdout\":"));
	free(line);
	/* Not final, or no object: no line */
	r.will_retry = true;
	assert_null(jsonres_encode(&r));
	r.will_retry = false;
	r.job = NULL;
	assert_null(jsonres_encode(&r));
	buf_free(&big);
	json_decref(job);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_local),
		cmocka_unit_test(test_results),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
