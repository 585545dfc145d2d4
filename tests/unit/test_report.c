/* test_report.c: the --report pieces that touch no terminal or browser:
 * host folding (the inverse of hostrange), reading one run of a joblog,
 * the timeline layout from a small joblog, text escaping for SVG, and the
 * summary's lines. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "buf.h"
#include "errors.h"
#include "hostfold.h"
#include "hostrange.h"
#include "report.h"
#include "runlog.h"
#include "svg.h"
#include "timeline.h"
#include "xalloc.h"

static char *
tmp_text(const char *s)
{
	const char *dir = getenv("TMPDIR");
	char *path = xasprintf("%s/test_report.XXXXXX",
	    dir != NULL && *dir != '\0' ? dir : "/tmp");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
	close(fd);
	return path;
}

/* Folds the space-separated names and returns the labels joined by " | ";
 * checks on the way that each label expands back to exactly its members. */
static char *
fold(const char *list)
{
	char *copy = xstrdup(list), *save = NULL, **names = NULL;
	size_t n = 0, ng;
	struct hostfold_group *g;
	struct buf out = BUF_INIT;

	for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		names = xreallocarray(names, n + 1, sizeof *names);
		names[n++] = w;
	}
	ng = hostfold(names, n, &g);
	for (size_t i = 0; i < ng; i++) {
		char **back, *cause = NULL;
		size_t nb;
		if (g[i].n == 1 && strchr(g[i].label, '[') != NULL)
			goto next;   /* a name with brackets is its own label, no range */
		assert_int_equal(hostrange_expand(g[i].label, &back, &nb, &cause), PFAN_OK);
		assert_int_equal(nb, g[i].n);
		for (size_t k = 0; k < nb; k++)
			assert_string_equal(back[k], names[g[i].members[k]]);
		hostrange_free(back, nb);
next:
		buf_addf(&out, "%s%s", i ? " | " : "", g[i].label);
	}
	hostfold_free(g, ng);
	free(names);
	free(copy);
	return buf_steal(&out);
}

static void
test_hostfold(void **state)
{
	static const char *const cases[][2] = {
		{ "node01 node02 node03 node12 node15 node04 node05 node06 node07 "
		  "node08 node09 node10 node11", "node[01-12,15]" },
		{ "n1 n2 n3 n7 n10 n11", "n[1-3,7,10-11]" },
		{ "alpha beta", "alpha | beta" },
		{ "node1", "node1" },
		{ "r1n1 r1n2 r2n1", "r1n[1-2] | r2n1" },
		{ "gpu01.lab gpu02.lab cpu9 gpu04.lab", "gpu[01-02,04].lab | cpu9" },
		/* node1 and node01 cannot share one padding width */
		{ "node1 node01 node2", "node1 | node01 | node2" },
		/* 08 09 10 share width 2; 100 is wider, which padding allows */
		{ "h08 h09 h10 h100", "h[08-10,100]" },
		{ "127.0.0.2 127.0.0.3 127.0.0.4", "127.0.0.[2-4]" },
		{ "a[1] a2 a3", "a[1] | a[2-3]" },
		{ "x0 x00", "x0 | x00" },
		{ "n1234567890 n1234567891", "n1234567890 | n1234567891" },
		{ "", "" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *got = fold(cases[i][0]);
		if (strcmp(got, cases[i][1]) != 0)
			fail_msg("fold(%s): got '%s', want '%s'", cases[i][0], got, cases[i][1]);
		free(got);
	}
}

static void
test_hostfold_hundred(void **state)
{
	struct buf in = BUF_INIT;
	char *got;

	(void)state;
	for (int i = 100; i >= 1; i--)      /* given in reverse: the order is the numbers' */
		if (i != 42)
			buf_addf(&in, "%snode%03d", in.len ? " " : "", i);
	got = fold(buf_cstr(&in));
	assert_string_equal(got, "node[001-041,043-100]");
	free(got);
	buf_free(&in);
}

static void
test_escape(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	svg_escape(&b, "a<b & \"c\" 'd'>\n", 100);
	assert_string_equal(buf_cstr(&b), "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;&#10;");
	buf_reset(&b);
	/* Latin-1 byte, a control character, a surrogate, overlong: U+FFFD each;
	 * valid UTF-8 stays. */
	svg_escape(&b, "caf\xe9\x01\xed\xa0\x80\xc0\xaf caf\xc3\xa9", 100);
	assert_string_equal(buf_cstr(&b), "caf\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd caf\xc3\xa9");
	buf_reset(&b);
	svg_escape(&b, "\xc3\xa9\xc3\xa9\xc3\xa9", 2);
	assert_string_equal(buf_cstr(&b), "\xc3\xa9\xc3\xa9\xe2\x80\xa6");
	buf_free(&b);
}

#define HDR(n) "{\"pfan\":\"0.1.0\",\"argv\":[\"pfan\",\"run" #n "\",\"a b\"],\"cwd\":\"/\",\"start\":1.0}\n"
#define REC(seq, att, host, slot, start, rt, st, fin) \
	"{\"seq\":" #seq ",\"attempt\":" #att ",\"host\":" host ",\"slot\":" #slot \
	",\"cmd\":\"c<" #seq ">\",\"args\":[],\"start\":" #start ",\"runtime\":" #rt \
	",\"exit\":null,\"signal\":null,\"status\":\"" st "\",\"final\":" fin "}\n"

/* Two hosts: beta (one slot) and alpha (two); a job lost on alpha and
 * rerun on beta; one failed; one never started. Times from 100 to 110. */
static const char small_log[] =
    HDR(1)
    REC(1, 1, "\"x\"", 1, 5.0, 1.0, "ok", "true")
    HDR(2)
    REC(1, 1, "\"beta\"", 1, 100.0, 4.0, "ok", "true")
    REC(2, 1, "\"alpha\"", 2, 100.0, 2.0, "host_lost", "false")
    REC(3, 1, "\"alpha\"", 1, 105.0, 5.0, "failed", "true")
    REC(2, 2, "\"beta\"", 1, 104.0, 6.0, "ok", "true")
    REC(4, 1, "null", 0, null, null, "skipped", "true");

static void
test_runlog_runs(void **state)
{
	char *path = tmp_text(small_log), *cause = NULL;
	struct runlog *rl;

	(void)state;
	assert_int_equal(runlog_load(&rl, path, 0, &cause), PFAN_OK);
	assert_int_equal(rl->run, 2);
	assert_int_equal(rl->nruns, 2);
	assert_string_equal(rl->cmdline, "pfan run2 'a b'");
	assert_int_equal(rl->n, 5);
	assert_int_equal(rl->nhosts, 2);
	assert_string_equal(rl->hosts[0].name, "alpha");   /* name order */
	assert_int_equal(rl->hosts[0].slots, 2);
	assert_string_equal(rl->hosts[1].name, "beta");
	assert_int_equal(rl->slots, 3);
	assert_int_equal(rl->a[0].host, 1);
	assert_int_equal(rl->a[4].host, RUNLOG_NO_HOST);
	assert_false(rl->a[1].final);
	assert_true(isnan(rl->a[4].start));
	assert_true(rl->t0 == 100.0 && rl->t1 == 110.0);
	runlog_free(rl);

	assert_int_equal(runlog_load(&rl, path, 1, &cause), PFAN_OK);
	assert_int_equal(rl->n, 1);
	assert_string_equal(rl->hosts[0].name, "x");
	runlog_free(rl);

	assert_int_equal(runlog_load(&rl, path, 3, &cause), PFAN_E_INPUT);
	assert_null(rl);
	assert_non_null(strstr(cause, ": no run 3 (it has 2)"));
	free(cause);
	cause = NULL;
	unlink(path);
	free(path);

	/* a run that never started a job: nothing to draw, but a picture */
	path = tmp_text(HDR(1) REC(1, 1, "null", 0, null, null, "skipped", "true"));
	assert_int_equal(runlog_load(&rl, path, 0, &cause), PFAN_OK);
	assert_int_equal(rl->n, 1);
	assert_int_equal(rl->nhosts, 0);
	{
		struct timeline tl;
		timeline_layout(&tl, rl, 800);
		assert_int_equal(tl.nrows, 0);
		assert_int_equal(tl.nbars, 0);
		assert_true(tl.height > tl.util_y);
		timeline_free(&tl);
	}
	runlog_free(rl);
	unlink(path);
	free(path);

	assert_int_equal(runlog_load(&rl, "/nonexistent/joblog", 0, &cause), PFAN_E_SYS);
	assert_string_equal(cause, "/nonexistent/joblog: No such file or directory");
	free(cause);
}

static void
test_layout(void **state)
{
	char *path = tmp_text(small_log), *cause = NULL;
	struct runlog *rl;
	struct timeline tl;

	(void)state;
	assert_int_equal(runlog_load(&rl, path, 0, &cause), PFAN_OK);
	timeline_layout(&tl, rl, 1190);
	/* rows: alpha 1, alpha 2, beta 1, top to bottom */
	assert_int_equal(tl.nrows, 3);
	assert_int_equal(tl.rows[0].host, 0);
	assert_int_equal(tl.rows[0].slot, 1);
	assert_int_equal(tl.rows[1].slot, 2);
	assert_int_equal(tl.rows[2].host, 1);
	assert_true(tl.rows[1].y - tl.rows[0].y == tl.row_h);
	assert_true(tl.plot_w == 1190 - tl.plot_x - 20);
	assert_true(tl.span == 10.0);
	/* one bar per attempt that ran: not the skipped one */
	assert_int_equal(tl.nbars, 4);
	/* job 3 on alpha slot 1, from 5 s to 10 s of 10: the right half */
	assert_int_equal(tl.bars[2].attempt, 2);
	assert_int_equal(tl.bars[2].row, 0);
	assert_true(fabs(tl.bars[2].x - (tl.plot_x + tl.plot_w / 2)) < 1e-9);
	assert_true(fabs(tl.bars[2].w - tl.plot_w / 2) < 1e-9);
	assert_int_equal(tl.bars[1].row, 1);
	assert_int_equal(tl.bars[3].row, 2);
	assert_true(tl.bars[0].y >= tl.rows[2].y && tl.bars[0].h <= tl.row_h);
	/* ticks every second: 0 s .. 10 s */
	assert_int_equal(tl.nticks, 11);
	assert_string_equal(tl.ticks[0].label, "0 s");
	assert_string_equal(tl.ticks[10].label, "10 s");
	assert_true(fabs(tl.ticks[10].x - (tl.plot_x + tl.plot_w)) < 1e-9);
	/* busy slots of 3: two in the first 2 s, then 1, ... 2 again at the end */
	assert_true(fabs(tl.util[0] - 2.0 / 3) < 1e-9);
	assert_true(fabs(tl.util[tl.nutil * 3 / 10] - 1.0 / 3) < 1e-9);
	assert_true(fabs(tl.util[tl.nutil - 1] - 2.0 / 3) < 1e-9);
	assert_true(tl.util_y > tl.plot_y + tl.plot_h && tl.height > tl.util_y + tl.util_h);
	timeline_free(&tl);
	runlog_free(rl);
	unlink(path);
	free(path);
}

static char *
summary(const char *log, size_t fold_over)
{
	char *path = tmp_text(log), *cause = NULL, *text = NULL;
	size_t len;
	struct runlog *rl;
	FILE *fp = open_memstream(&text, &len);

	assert_int_equal(runlog_load(&rl, path, 0, &cause), PFAN_OK);
	report_summary(fp, rl, "j.jsonl", fold_over);
	fclose(fp);
	runlog_free(rl);
	unlink(path);
	free(path);
	return text;
}

static void
test_summary(void **state)
{
	char *s = summary(small_log, 20);

	(void)state;
	assert_non_null(strstr(s, "pfan report: j.jsonl, run 2 of 2 (pfan 0.1.0)\n"));
	assert_non_null(strstr(s, "\njobs      4: 2 ok, 1 failed, 0 timed out, 1 skipped\n"));
	assert_non_null(strstr(s, "\nattempts  5: 1 lost and rerun, 0 retried\n"));
	assert_non_null(strstr(s, "\nmakespan  10.0 s on 3 slots of 2 hosts\n"));
	/* runtimes 17 s / 3 slots = 5.67 s: 57% of 10 s */
	assert_non_null(strstr(s, "\nideal     5.7 s (runtimes 17.0 s / 3 slots): 57% of the makespan\n"));
	/* alpha: 2 slots busy 7 s of 20; beta: 10 s of 10 */
	assert_non_null(strstr(s, "\nalpha     2        2      0      1      0      1        3.5 s   35%\n"));
	assert_non_null(strstr(s, "\nbeta      1        2      2      0      0      0        5.0 s  100%\n"));
	free(s);
}

/* 31 hosts of 4 jobs, one failed on n05; n17 fails all of its jobs: it
 * keeps its own line, n05 is folded with the rest. */
static void
test_summary_folds(void **state)
{
	struct buf log = BUF_INIT;
	char *s;

	(void)state;
	buf_adds(&log, HDR(1));
	for (int i = 0; i < 4 * 31; i++)
		buf_addf(&log, "{\"seq\":%d,\"host\":\"n%02d\",\"slot\":1,\"cmd\":\"c\","
		    "\"start\":%d.0,\"runtime\":1.0,\"status\":\"%s\"}\n", i + 1,
		    i % 31 + 1, i / 31, i % 31 == 16 || i == 4 ? "failed" : "ok");
	s = summary(buf_cstr(&log), 20);
	assert_non_null(strstr(s, "\nn[01-16,18-31] (30)    30      120    119      1"));
	assert_non_null(strstr(s, "\nn17                     1        4      0      4"));
	assert_null(strstr(s, "\nn01 "));
	free(s);
	buf_free(&log);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostfold),
		cmocka_unit_test(test_hostfold_hundred),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_runlog_runs),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_summary_folds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
