/* test_pipein.c: --pipe's and --pipepart's blocks, as a table of cases:
 * the input, the options, and the blocks (joined with '|', each with its
 * header). GNU parallel 20221122 cuts each the same way, bar the record
 * longer than --block (it grows its block size instead). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "errors.h"
#include "pipein.h"

struct tcase {
	const char *in;
	size_t block;
	const char *recstart, *recend;   /* NULL: GNU's defaults */
	unsigned nrec, header;
	bool part;
	const char *want;
};

static const struct tcase cases[] = {
	/* by size: the last boundary within --block */
	{ "a\nbb\nccc\ndddd\n", 6, NULL, NULL, 0, 0, false, "a\nbb\n|ccc\n|dddd\n" },
	{ "a\nbb\nccc\ndddd\n", 100, NULL, NULL, 0, 0, false, "a\nbb\nccc\ndddd\n" },
	/* a record longer than the block ends its block after it */
	{ "a\nbbbbbbbb\nc\n", 4, NULL, NULL, 0, 0, false, "a\n|bbbbbbbb\n|c\n" },
	/* no final newline: the last block is the rest */
	{ "a\nb\nc", 2, NULL, NULL, 0, 0, false, "a\n|b\n|c" },
	/* -N */
	{ "1\n2\n3\n4\n5\n", 1000, NULL, NULL, 2, 0, false, "1\n2\n|3\n4\n|5\n" },
	/* --header 1, repeated */
	{ "h\n1\n2\n3\n", 1000, NULL, NULL, 2, 1, false, "h\n1\n2\n|h\n3\n" },
	/* --recstart alone: records start with '>', end anywhere */
	{ ">a\nx\n>b\ny\n>c\n", 1000, ">", NULL, 1, 0, false, ">a\nx\n|>b\ny\n|>c\n" },
	{ ">a\nx\n>b\ny\n>c\n", 7, ">", NULL, 0, 0, false, ">a\nx\n|>b\ny\n|>c\n" },
	/* both: a '>' inside a line is no boundary */
	{ ">a>\n>b\n", 1000, ">", "\n", 1, 0, false, ">a>\n|>b\n" },
	/* a multi-byte --recend */
	{ "a;;b;c;;d", 1000, NULL, ";;", 1, 0, false, "a;;|b;c;;|d" },
	/* --pipepart: --block bytes past the last cut, then the record end */
	{ "a\nbb\nccc\ndddd\n", 2, NULL, NULL, 0, 0, true, "a\nbb\n|ccc\n|dddd\n" },
	{ "aaaa\nb\nc\nd\n", 1, NULL, NULL, 0, 0, true, "aaaa\n|b\n|c\n|d\n" },
	{ "h\n1\n22\n333\n", 3, NULL, NULL, 0, 1, true, "h\n1\n22\n|h\n333\n" },
	{ ">a\nx\n>b\ny\n>c\n", 1, ">", NULL, 0, 0, true, ">a\nx\n|>b\ny\n|>c\n" },
	{ "", 10, NULL, NULL, 0, 0, true, "" },
	{ "", 10, NULL, NULL, 0, 0, false, "" },
};

/* Every block of c's input, each as head + block, joined by '|'. */
static char *
cut(const struct tcase *c)
{
	struct pipein_config cfg;
	struct pipein *p = NULL;
	struct buf out = BUF_INIT;
	char path[] = "/tmp/test_pipein.XXXXXX", *cause = NULL;
	int fd = mkstemp(path), rc;
	bool first = true;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, c->in, strlen(c->in)), (ssize_t)strlen(c->in));
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	memset(&cfg, 0, sizeof cfg);
	cfg.fd = fd;
	cfg.path = c->part ? path : NULL;
	cfg.part = c->part;
	cfg.block = c->block;
	cfg.recstart = c->recstart != NULL ? c->recstart : "";
	cfg.recstart_len = strlen(cfg.recstart);
	cfg.recend = c->recend != NULL ? c->recend : c->recstart != NULL ? "" : "\n";
	cfg.recend_len = strlen(cfg.recend);
	cfg.nrec = c->nrec;
	cfg.header_lines = c->header;
	assert_int_equal(pipein_open(&p, &cfg, &cause), PFAN_OK);
	for (;;) {
		struct pipein_block *b;
		char scratch[3];
		rc = pipein_next(p, &b, &cause);
		if (rc == PFAN_EOF)
			break;
		assert_int_equal(rc, PFAN_OK);
		const struct exec_stdin *in = pipein_block_stdin(b);
		if (!first)
			buf_addc(&out, '|');
		first = false;
		/* through execin_at, in small pieces, as an executor reads it */
		for (uint64_t pos = 0; pos < execin_total(in);) {
			size_t n;
			const char *q = execin_at(in, pos, scratch, sizeof scratch, &n);
			assert_non_null(q);
			buf_add(&out, q, n);
			pos += n;
		}
		pipein_block_free(b);
	}
	pipein_free(p);
	close(fd);
	unlink(path);
	return buf_steal(&out);
}

static void
test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *got = cut(&cases[i]);
		if (strcmp(got, cases[i].want) != 0) {
			print_error("case %zu: want \"%s\", got \"%s\"\n", i, cases[i].want, got);
			fail();
		}
		free(got);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
