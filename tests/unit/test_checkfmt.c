/* test_checkfmt.c: pfan --check's pure half: the remote command's answer
 * as Linux and the BSDs give it, and the table's shape (one word per
 * column but the last, which may hold spaces). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "checkfmt.h"

static void
test_parse_linux(void **state)
{
	unsigned cores;
	double load[3];
	bool has_load;

	(void)state;
	assert_true(checkfmt_parse("12\n0.52 0.40 0.33 1/123 4567\n", &cores, load, &has_load));
	assert_int_equal(cores, 12);
	assert_true(has_load);
	assert_true(load[0] == 0.52 && load[1] == 0.40 && load[2] == 0.33);
}

static void
test_parse_uptime(void **state)
{
	unsigned cores;
	double load[3];
	bool has_load;

	(void)state;
	/* Linux's uptime: commas; macOS: "load averages:", blanks only */
	assert_true(checkfmt_parse("4\n 10:01:02 up 3 days,  2 users,  load average: 1.50, 2.25, 3.00\n",
	    &cores, load, &has_load));
	assert_int_equal(cores, 4);
	assert_true(has_load && load[0] == 1.5 && load[1] == 2.25 && load[2] == 3.0);
	assert_true(checkfmt_parse("8\n10:01  up 1 day, 3:02, 2 users, load averages: 0.10 0.20 0.30\n",
	    &cores, load, &has_load));
	assert_int_equal(cores, 8);
	assert_true(has_load && load[0] == 0.1 && load[2] == 0.3);
}

static void
test_parse_junk(void **state)
{
	unsigned cores;
	double load[3];
	bool has_load;

	(void)state;
	assert_false(checkfmt_parse("", &cores, load, &has_load));
	assert_false(checkfmt_parse("sh: getconf: not found\nnope\n", &cores, load, &has_load));
	assert_int_equal(cores, 0);
	assert_false(has_load);
	/* cores said, load not */
	assert_true(checkfmt_parse("2\n", &cores, load, &has_load));
	assert_int_equal(cores, 2);
	assert_false(has_load);
	assert_true(checkfmt_parse("0\n1.0 2.0\n", &cores, load, &has_load) == false);
	assert_true(checkfmt_parse("-3\n", &cores, load, &has_load) == false);
}

static void
test_table(void **state)
{
	char *cells[2 * CHECK_NCOLS] = { NULL };
	char buf[2048];
	FILE *fp = fmemopen(buf, sizeof buf, "w");
	const char *want =
	    "HOST   ADDRESS      RESOLVED  CONNECTED  HOSTKEY  LOGIN         CORES  LOAD  RTT  SLOTS  NOTE\n"
	    "node1  10.0.0.1:22  10.0.0.1  yes        known    key:~/my?key  4      -     -    auto   ok\n"
	    "n2     -            no        -          -        -             -      -     -    2      cannot resolve n2: Name or service not known\n";

	(void)state;
	cells[CHECK_HOST] = "node1";
	cells[CHECK_ADDRESS] = "10.0.0.1:22";
	cells[CHECK_RESOLVED] = "10.0.0.1";
	cells[CHECK_CONNECTED] = "yes";
	cells[CHECK_HOSTKEY] = "known";
	cells[CHECK_LOGIN] = "key:~/my key";   /* a blank would split the column */
	cells[CHECK_CORES] = "4";
	cells[CHECK_LOAD] = "";
	cells[CHECK_SLOTS] = "auto";
	cells[CHECK_NOTE] = "ok";
	cells[CHECK_NCOLS + CHECK_HOST] = "n2";
	cells[CHECK_NCOLS + CHECK_RESOLVED] = "no";
	cells[CHECK_NCOLS + CHECK_SLOTS] = "2";
	cells[CHECK_NCOLS + CHECK_NOTE] = "cannot resolve n2: Name or service not known";
	assert_non_null(fp);
	checkfmt_table(fp, cells, 2);
	fclose(fp);
	assert_string_equal(buf, want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_linux),
		cmocka_unit_test(test_parse_uptime),
		cmocka_unit_test(test_parse_junk),
		cmocka_unit_test(test_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
