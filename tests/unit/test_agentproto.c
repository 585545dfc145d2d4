/* test_agentproto.c: the remote agent's frames (agentproto.c): reading,
 * against tests/data/agentproto_cases.txt, whole and a byte at a time;
 * writing, byte for byte. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agentproto.h"
#include "buf.h"
#include "cescape.h"

/* The events of stream fed step bytes at a time, rendered as the table
 * writes them. */
static void
render(const struct buf *stream, size_t step, struct buf *out)
{
	struct agentproto_reader r = AGENTPROTO_READER_INIT;
	struct agentproto_event ev;
	const char *why = NULL;
	int rc = 0;

	for (size_t off = 0; off < stream->len && rc >= 0; off += step) {
		size_t n = stream->len - off < step ? stream->len - off : step;
		agentproto_feed(&r, stream->data + off, n);
		while ((rc = agentproto_next(&r, &ev, &why)) > 0) {
			if (ev.type == AGENTPROTO_END) {
				buf_addf(out, "X%u%c%d|", ev.id, "eskdfn"[ev.end], ev.num);
				continue;
			}
			buf_addf(out, "%c%u:", ev.type == AGENTPROTO_OUT ? 'O' : 'E', ev.id);
			buf_add(out, ev.data, ev.len);
			buf_addc(out, '|');
		}
	}
	if (rc < 0)
		buf_adds(out, "ERR");
	else if (r.pos < r.in.len)
		buf_adds(out, "MORE");
	agentproto_reader_free(&r);
}

static void
test_read_table(void **state)
{
	(void)state;
	char path[4096];
	snprintf(path, sizeof path, "%s/tests/data/agentproto_cases.txt",
	    getenv("PFAN_SRCDIR") != NULL ? getenv("PFAN_SRCDIR") : ".");
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char line[4096];
	int lineno = 0, ncases = 0;

	while (fgets(line, sizeof line, f) != NULL) {
		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		char *tab = strchr(line, '\t');
		if (tab == NULL)
			fail_msg("agentproto_cases.txt:%d: no tab", lineno);
		struct buf stream = BUF_INIT, want = BUF_INIT;
		cescape_decode(line, (size_t)(tab - line), &stream);
		cescape_decode(tab + 1, strlen(tab + 1), &want);
		for (size_t step = 1; step <= 2; step++) {
			struct buf got = BUF_INIT;
			render(&stream, step == 1 ? 1 : (stream.len > 0 ? stream.len : 1), &got);
			if (got.len != want.len || (got.len > 0 && memcmp(got.data, want.data, got.len) != 0))
				fail_msg("agentproto_cases.txt:%d: fed %s: got '%s', want '%s'",
				    lineno, step == 1 ? "a byte at a time" : "whole",
				    buf_cstr(&got), buf_cstr(&want));
			buf_free(&got);
		}
		buf_free(&stream);
		buf_free(&want);
		ncases++;
	}
	fclose(f);
	assert_true(ncases >= 20);
}

static void
test_write_job(void **state)
{
	(void)state;
	struct buf out = BUF_INIT;
	struct agentproto_job j = {
		.seq = 12, .slot = 3, .host = "node1", .workdir = "w d",
		.workdir_create = true, .inline_ok = true, .cmd = "echo 'a b'",
	};
	static const char want[] = "J 5 29\n12\0" "3\0node1\0w d\0" "1\0" "1\0echo 'a b'";

	agentproto_job(&out, 5, &j);
	assert_int_equal(out.len, sizeof want - 1);
	assert_memory_equal(out.data, want, sizeof want - 1);
	buf_reset(&out);
	/* no workdir: an empty field, and never "make it" */
	j.workdir = NULL;
	j.inline_ok = false;
	agentproto_job(&out, 6, &j);
	static const char want2[] = "J 6 26\n12\0" "3\0node1\0\0" "0\0" "0\0echo 'a b'";
	assert_int_equal(out.len, sizeof want2 - 1);
	assert_memory_equal(out.data, want2, sizeof want2 - 1);
	buf_reset(&out);
	agentproto_kill(&out, 4294967295u);
	assert_string_equal(buf_cstr(&out), "K 4294967295\n");
	buf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_table),
		cmocka_unit_test(test_write_job),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
