/* test_quote.c: quote_shell against the exact text the contract promises,
 * and every quoted value round-tripped through real shells: what the shell
 * hands to printf must be the original bytes, as one word. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "quote.h"
#include "shrun.h"

/* dash is /bin/sh here; busybox is a multi-call binary wanting "sh". */
static const struct {
	const char *path, *applet;
} shells[] = {
	{ "/bin/sh", NULL }, { "/bin/bash", NULL }, { "/bin/busybox", "sh" },
};

/* printf '<%s>' VALUE must print exactly <VALUE>: one word, bytes intact. */
static void
assert_round_trip(const char *v, size_t len)
{
	struct buf cmd = BUF_INIT, want = BUF_INIT;
	int ran = 0;

	buf_adds(&cmd, "printf '<%s>' ");
	quote_shell(&cmd, v, len);
	buf_addc(&want, '<');
	buf_add(&want, v, len);
	buf_addc(&want, '>');
	for (size_t i = 0; i < sizeof shells / sizeof shells[0]; i++) {
		const char *sh = shells[i].path;
		size_t outlen;
		char *out = shrun(sh, shells[i].applet, cmd.data, &outlen);

		if (out == NULL)
			continue;
		ran++;
		if (outlen != want.len || memcmp(out, want.data, want.len) != 0)
			fail_msg("%s: command %s printed %zu bytes, wanted %zu", sh,
			    cmd.data, outlen, want.len);
		free(out);
	}
	assert_true(ran > 0);
	buf_free(&cmd);
	buf_free(&want);
}

static void
assert_quoted(const char *v, const char *want)
{
	char *got = quote_shell_str(v);

	assert_string_equal(got, want);
	free(got);
}

static void
test_exact_text(void **state)
{
	(void)state;
	/* The safe set stays bare; the rest is single-quoted. */
	assert_quoted("abc", "abc");
	assert_quoted("A-Z_a.z/0,9:xy+z@h%1", "A-Z_a.z/0,9:xy+z@h%1");
	/* = would make a bare word in command position an assignment. */
	assert_quoted("x=y", "'x=y'");
	assert_quoted("", "''");
	assert_quoted("a b", "'a b'");
	assert_quoted("'", "''\\'''");
	assert_quoted("it's", "'it'\\''s'");
	assert_quoted("''", "''\\'''\\'''");
	assert_quoted("~", "'~'");
	assert_quoted("a*", "'a*'");
	assert_quoted("$(x)", "'$(x)'");
	assert_quoted("a\nb", "'a\nb'");
	assert_quoted("\xc3\xa9", "'\xc3\xa9'");
	assert_quoted("-", "-");
}

static void
test_appends(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	buf_adds(&b, "echo ");
	quote_shell(&b, "x y", 3);
	buf_addc(&b, ' ');
	quote_shell(&b, "ab", 1);        /* len, not strlen, decides */
	assert_string_equal(buf_cstr(&b), "echo 'x y' a");
	assert_int_equal(b.len, strlen(b.data));
	buf_free(&b);
}

static void
test_hostile_round_trip(void **state)
{
	static const char *const hostile[] = {
		"a b; rm -rf ~", "'", "''", "'a'", "a'b'c", "$(x)", "`id`",
		"$HOME", "${HOME}", "a\nb", "\n", "a\n\n", "", " ", "\t",
		"\\", "\\'", "\"", "\"'\"", "*", "?", "[a]", "~", "~root",
		"!", "!!", "#x", "a#b", "&", "|", ";", "<", ">", "(", ")",
		"{a,b}", "-n", "-e", "--", "%s", "\xff\xfe", "\xc3\x28",
		"\xe2\x82", "\x01\x7f", "a=b", "=", "IFS=x", "\r\n",
	};

	(void)state;
	for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++)
		assert_round_trip(hostile[i], strlen(hostile[i]));
}

/* Every byte but NUL, alone, doubled around a quote, and all together. */
static void
test_every_byte_round_trip(void **state)
{
	char all[255], one[4];

	(void)state;
	for (int c = 1; c < 256; c++) {
		all[c - 1] = (char)c;
		one[0] = (char)c;
		one[1] = '\'';
		one[2] = (char)c;
		assert_round_trip(one, 1);
		assert_round_trip(one, 3);
	}
	assert_round_trip(all, sizeof all);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_text),
		cmocka_unit_test(test_appends),
		cmocka_unit_test(test_hostile_round_trip),
		cmocka_unit_test(test_every_byte_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
