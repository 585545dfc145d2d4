/* test_hosts.c: hostfiles, host ranges, -S, SLURM lists and ~/.ssh/config.
 * The cases live in tests/data/hosts/: every other *.yaml there is a bad
 * hostfile whose expected message is on its first line ("# expect:
 * @:LINE:COL: ...", "@:" standing for its path and a colon) or in
 * NAME.expect; ranges.txt and sshlogin.txt are tables. HOME is a fresh
 * temporary directory, so ~ and ~/.ssh/config are ours. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "buf.h"
#include "errors.h"
#include "hostrange.h"
#include "hosts.h"
#include "sshconfig.h"
#include "xalloc.h"

static char home[64];

static char *
data_path(const char *name)
{
	const char *src = getenv("PFAN_SRCDIR");

	return xasprintf("%s/tests/data/hosts/%s", src != NULL ? src : ".", name);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Replaces every "@:" in pattern by path and ":". */
static char *
subst_path(const char *pattern, const char *path)
{
	struct buf b = BUF_INIT;

	for (const char *p = pattern; *p != '\0'; p++) {
		if (p[0] == '@' && p[1] == ':')
			buf_adds(&b, path);
		else
			buf_addc(&b, *p);
	}
	return buf_steal(&b);
}

static char *
chomp(char *s)
{
	s[strcspn(s, "\n")] = '\0';
	return s;
}

static const struct host_spec *
find(const struct host_list *hl, const char *name)
{
	long i = hosts_find(hl, name);

	if (i < 0)
		fail_msg("no host %s", name);
	return &hl->v[i];
}

static void
test_example_file(void **state)
{
	struct host_list hl = HOST_LIST_INIT;
	char *path = data_path("example.yaml"), *cause = NULL, *s;
	char *id = xasprintf("%s/.ssh/id_ed25519", home);
	char *kh = xasprintf("%s/.ssh/known_hosts", home);
	const struct host_spec *h;

	(void)state;
	assert_int_equal(hosts_load_file(&hl, path, &cause), PFAN_OK);
	assert_null(cause);
	assert_int_equal(hl.n, 15);
	for (int i = 1; i <= 12; i++) {
		char name[16];

		snprintf(name, sizeof name, "node%02d", i);
		h = &hl.v[i - 1];
		assert_string_equal(h->name, name);
		assert_null(h->address);
		assert_string_equal(h->user, "alice");
		assert_int_equal(h->port, 22);
		assert_string_equal(h->identity, id);
		assert_string_equal(h->known_hosts, kh);
		assert_int_equal(h->slots, 12);
		assert_false(h->local);
		assert_int_equal(h->ntags, 0);
		s = xasprintf("%s:9:11", path);
		assert_string_equal(h->where, s);
		free(s);
	}
	h = &hl.v[12];
	assert_string_equal(h->name, "bignode");
	assert_string_equal(h->address, "10.0.0.7");
	assert_string_equal(h->user, "alice");
	assert_int_equal(h->port, 2222);
	assert_string_equal(h->identity, id);
	assert_int_equal(h->slots, 0);
	assert_int_equal(h->ntags, 2);
	assert_string_equal(h->tags[0], "gpu");
	assert_string_equal(h->tags[1], "bigmem");
	assert_true(host_has_tag(h, "bigmem"));
	assert_false(host_has_tag(h, "big"));
	assert_false(h->local);
	h = &hl.v[13];
	assert_string_equal(h->name, "local");
	assert_true(h->local);
	assert_int_equal(h->slots, 2);
	h = &hl.v[14];
	assert_string_equal(h->name, "node13");
	assert_int_equal(h->slots, 4);
	assert_string_equal(h->user, "alice");
	s = xasprintf("%s:18:5", path);
	assert_string_equal(h->where, s);
	free(s);

	/* No ~/.ssh/config: only the last defaults are filled in. */
	assert_int_equal(hosts_apply_ssh_config(&hl, NULL, &cause), PFAN_OK);
	assert_string_equal(hl.v[0].address, "node01");
	assert_string_equal(hl.v[12].address, "10.0.0.7");
	assert_string_equal(hl.v[13].address, "local");
	assert_string_equal(hl.v[13].user, "alice");    /* from defaults */
	assert_string_equal(hl.v[13].known_hosts, kh);
	assert_int_equal(hl.v[13].port, 22);

	/* A second file appends, and a name in both is caught. */
	assert_int_equal(hosts_load_file(&hl, path, &cause), PFAN_E_INPUT);
	s = xasprintf("%s:9:11: duplicate host \"node01\"", path);
	assert_string_equal(cause, s);
	assert_int_equal(hl.n, 15);
	free(s);
	free(cause);
	host_list_free(&hl);
	host_list_free(&hl);
	free(path);
	free(id);
	free(kh);
}

/* Anchors and aliases still work with the depth-limited loader, and many
 * of them are found by hashing (libyaml's loader compared each new anchor
 * with every earlier one). */
static void
test_anchors(void **state)
{
	struct host_list hl = HOST_LIST_INIT;
	char *path = xasprintf("%s/anchors.yaml", home), *cause = NULL;
	struct buf b = BUF_INIT;

	(void)state;
	buf_adds(&b, "defaults: &d {port: 2222}\nhosts:\n"
	    "  - {name: a, tags: &t [gpu, bigmem]}\n"
	    "  - {name: b, tags: *t}\n");
	for (int i = 0; i < 20000; i++)
		buf_addf(&b, "  - {name: &n%d h%d}\n", i, i);
	write_file(path, buf_cstr(&b));
	assert_int_equal(hosts_load_file(&hl, path, &cause), PFAN_OK);
	assert_null(cause);
	assert_int_equal(hl.n, 20002);
	assert_int_equal(hl.v[1].port, 2222);
	assert_int_equal(hl.v[1].ntags, 2);
	assert_string_equal(hl.v[1].tags[1], "bigmem");
	assert_string_equal(hl.v[20001].name, "h19999");
	host_list_free(&hl);
	buf_free(&b);
	unlink(path);
	free(path);
}

static char *
expected_message(const char *dir, const char *name, const char *path)
{
	char *side = xasprintf("%s/%s.expect", dir, name), *line = NULL, *want;
	size_t cap = 0;
	FILE *f = fopen(side, "r");

	if (f == NULL)
		f = fopen(path, "r");
	assert_non_null(f);
	assert_true(getline(&line, &cap, f) > 0);
	fclose(f);
	chomp(line);
	if (strncmp(line, "# expect: ", 10) == 0)
		want = subst_path(line + 10, path);
	else
		want = subst_path(line, path);
	free(line);
	free(side);
	return want;
}

static void
test_bad_files(void **state)
{
	char *dir = data_path(""), *cause;
	struct dirent *de;
	DIR *d = opendir(dir);
	int cases = 0, failures = 0;

	(void)state;
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		struct host_list hl = HOST_LIST_INIT;
		const char *n = de->d_name;
		size_t len = strlen(n);
		char *path, *want;

		if (len < 5 || strcmp(n + len - 5, ".yaml") != 0 || strcmp(n, "example.yaml") == 0)
			continue;
		path = xasprintf("%s%s", dir, n);
		want = expected_message(dir, n, path);
		assert_int_equal(hosts_add_sshlogin(&hl, "before", &cause), PFAN_OK);
		cause = NULL;
		/* Report every mismatch, not just the first. */
		if (hosts_load_file(&hl, path, &cause) != PFAN_E_INPUT ||
		    cause == NULL || strcmp(cause, want) != 0) {
			print_error("%s:\n  got:  %s\n  want: %s\n", n, cause ? cause : "(loaded)", want);
			failures++;
		}
		/* A failed load leaves the list as it was. */
		assert_int_equal(hl.n, 1);
		assert_string_equal(hl.v[0].name, "before");
		cases++;
		free(cause);
		free(want);
		free(path);
		host_list_free(&hl);
	}
	closedir(d);
	free(dir);
	assert_int_equal(failures, 0);
	assert_true(cases >= 45);
}

static void
test_unreadable_files(void **state)
{
	struct host_list hl = HOST_LIST_INIT;
	char *path = xasprintf("%s/missing.yaml", home), *cause = NULL, *want;

	(void)state;
	assert_int_equal(hosts_load_file(&hl, path, &cause), PFAN_E_SYS);
	want = xasprintf("%s: No such file or directory", path);
	assert_string_equal(cause, want);
	free(cause);
	free(want);
	assert_int_equal(hosts_load_file(&hl, home, &cause), PFAN_E_SYS);
	want = xasprintf("%s: Is a directory", home);
	assert_string_equal(cause, want);
	free(cause);
	free(want);
	free(path);
	assert_int_equal(hl.n, 0);
	host_list_free(&hl);
}

/* Reads "LEFT => RIGHT" lines of a table file; calls check per line. */
static int
each_case(const char *file, void (*check)(const char *left, const char *right, int lineno))
{
	char *path = data_path(file), *line = NULL;
	size_t cap = 0;
	int lineno = 0, cases = 0;
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	while (getline(&line, &cap, f) != -1) {
		char *sep;

		lineno++;
		chomp(line);
		if (line[0] == '#' || line[0] == '\0')
			continue;
		sep = strstr(line, " => ");
		if (sep == NULL)
			fail_msg("%s:%d: no \" => \"", file, lineno);
		*sep = '\0';
		check(line, sep + 4, lineno);
		cases++;
	}
	free(line);
	fclose(f);
	free(path);
	return cases;
}

static void
check_range(const char *pattern, const char *want, int lineno)
{
	char **names = NULL, *cause = NULL;
	size_t n = 0;
	int rc = hostrange_expand(pattern, &names, &n, &cause);

	if (want[0] == '!') {
		if (rc != PFAN_E_INPUT || cause == NULL || strcmp(cause, want + 1) != 0)
			fail_msg("ranges.txt:%d: %s: got %s, want %s", lineno, pattern,
			    cause ? cause : "success", want + 1);
		assert_null(names);
		assert_int_equal(n, 0);
		free(cause);
		return;
	}
	struct buf got = BUF_INIT;
	if (rc != PFAN_OK)
		fail_msg("ranges.txt:%d: %s: %s", lineno, pattern, cause);
	for (size_t i = 0; i < n; i++)
		buf_addf(&got, "%s%s", i ? " " : "", names[i]);
	if (strcmp(buf_cstr(&got), want) != 0)
		fail_msg("ranges.txt:%d: %s: got %s, want %s", lineno, pattern, buf_cstr(&got), want);
	buf_free(&got);
	hostrange_free(names, n);
}

static void
test_ranges(void **state)
{
	(void)state;
	assert_true(each_case("ranges.txt", check_range) >= 25);
}

static void
test_range_lists(void **state)
{
	char **v, *cause = NULL;
	size_t n;

	(void)state;
	assert_int_equal(hostrange_expand_list("gpu[01-03,07],cpu5", &v, &n, &cause), PFAN_OK);
	assert_int_equal(n, 5);
	assert_string_equal(v[0], "gpu01");
	assert_string_equal(v[2], "gpu03");
	assert_string_equal(v[3], "gpu07");
	assert_string_equal(v[4], "cpu5");
	hostrange_free(v, n);
	assert_int_equal(hostrange_split("a[1,2],b,c[3]", &v, &n, &cause), PFAN_OK);
	assert_int_equal(n, 3);
	assert_string_equal(v[0], "a[1,2]");
	assert_string_equal(v[2], "c[3]");
	hostrange_free(v, n);
	/* The cap is inclusive: exactly HOSTRANGE_MAX names pass. */
	assert_int_equal(hostrange_expand("n[1-50000]x[8-9]", &v, &n, &cause), PFAN_OK);
	assert_int_equal(n, HOSTRANGE_MAX);
	assert_string_equal(v[n - 1], "n50000x9");
	hostrange_free(v, n);
	assert_int_equal(hostrange_expand_list("a,,b", &v, &n, &cause), PFAN_E_INPUT);
	assert_string_equal(cause, "empty item in \"a,,b\"");
	free(cause);
	assert_int_equal(hostrange_expand_list("a,b[2-1]", &v, &n, &cause), PFAN_E_INPUT);
	assert_string_equal(cause, "bad host range \"b[2-1]\": 2 is greater than 1");
	assert_null(v);
	free(cause);
	assert_int_equal(hostrange_expand_list("a[1-60000],b[1-60000]", &v, &n, &cause), PFAN_E_INPUT);
	assert_string_equal(cause, "\"a[1-60000],b[1-60000]\" gives more than 100000 names");
	free(cause);
}

static void
test_cpus(void **state)
{
	static const struct {
		const char *spec;
		const char *want;    /* counts, or "!message" */
	} cases[] = {
		{ "12(x2),8", "12 12 8" },
		{ "4", "4" },
		{ "2(x3),1,16(x1)", "2 2 2 1 16" },
		{ "", "!bad CPU count list \"\": unexpected the end" },
		{ "0", "!bad CPU count list \"0\": a count must be from 1 to 100000" },
		{ "12(x0)", "!bad CPU count list \"12(x0)\": a repeat must be from 1 to 100000 in all" },
		{ "12(2)", "!bad CPU count list \"12(2)\": unexpected \"2\"" },
		{ "12(x2", "!bad CPU count list \"12(x2\": unexpected the end" },
		{ "12,", "!bad CPU count list \"12,\": unexpected the end" },
		{ "a", "!bad CPU count list \"a\": unexpected \"a\"" },
		{ "4 ", "!bad CPU count list \"4 \": unexpected \" \"" },
		{ "1(x100001)", "!bad CPU count list \"1(x100001)\": a repeat must be from 1 to 100000 in all" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		unsigned *v = NULL;
		size_t n = 0;
		char *cause = NULL;
		int rc = hostrange_cpus(cases[i].spec, &v, &n, &cause);

		if (cases[i].want[0] == '!') {
			assert_int_equal(rc, PFAN_E_INPUT);
			assert_string_equal(cause, cases[i].want + 1);
			assert_null(v);
			free(cause);
			continue;
		}
		struct buf got = BUF_INIT;
		assert_int_equal(rc, PFAN_OK);
		for (size_t j = 0; j < n; j++)
			buf_addf(&got, "%s%u", j ? " " : "", v[j]);
		assert_string_equal(buf_cstr(&got), cases[i].want);
		buf_free(&got);
		free(v);
	}
}

static void
check_sshlogin(const char *specs, const char *want, int lineno)
{
	struct host_list hl = HOST_LIST_INIT;
	char *cause = NULL;
	int rc = hosts_add_sshlogin(&hl, specs, &cause);

	if (want[0] == '!') {
		if (rc != PFAN_E_INPUT || cause == NULL || strcmp(cause, want + 1) != 0)
			fail_msg("sshlogin.txt:%d: %s: got %s, want %s", lineno, specs,
			    cause ? cause : "success", want + 1);
		assert_int_equal(hl.n, 0);
		free(cause);
		host_list_free(&hl);
		return;
	}
	struct buf got = BUF_INIT;
	if (rc != PFAN_OK)
		fail_msg("sshlogin.txt:%d: %s: %s", lineno, specs, cause);
	for (size_t i = 0; i < hl.n; i++) {
		const struct host_spec *h = &hl.v[i];
		buf_addf(&got, "%s%s %s %u %u%s", i ? " ; " : "", h->name,
		    h->user ? h->user : "-", h->port, h->slots, h->local ? " local" : "");
		assert_string_equal(h->where, "-S");
		assert_null(h->address);
	}
	if (strcmp(buf_cstr(&got), want) != 0)
		fail_msg("sshlogin.txt:%d: %s: got %s, want %s", lineno, specs, buf_cstr(&got), want);
	buf_free(&got);
	host_list_free(&hl);
}

static void
test_sshlogin(void **state)
{
	struct host_list hl = HOST_LIST_INIT;
	char *cause = NULL;

	(void)state;
	assert_true(each_case("sshlogin.txt", check_sshlogin) >= 25);

	/* Each -S appends; a name from an earlier one is a duplicate. */
	assert_int_equal(hosts_add_sshlogin(&hl, "n1,n2", &cause), PFAN_OK);
	assert_int_equal(hosts_add_slurm(&hl, "n[3-4]", NULL, &cause), PFAN_OK);
	assert_int_equal(hosts_add_sshlogin(&hl, "n5,n4", &cause), PFAN_E_INPUT);
	assert_string_equal(cause, "-S: duplicate host \"n4\" (first at slurm)");
	assert_int_equal(hl.n, 4);
	assert_int_equal(hosts_find(&hl, "n5"), -1);
	assert_int_equal(hosts_find(&hl, "n3"), 2);
	free(cause);
	host_list_free(&hl);
}

static void
test_slurm(void **state)
{
	struct host_list hl = HOST_LIST_INIT;
	char *cause = NULL;

	(void)state;
	assert_int_equal(hosts_add_slurm(&hl, "gpu[01-03,07],cpu5", "12(x2),8,4(x2)", &cause), PFAN_OK);
	assert_int_equal(hl.n, 5);
	assert_string_equal(hl.v[0].name, "gpu01");
	assert_int_equal(hl.v[0].slots, 12);
	assert_int_equal(hl.v[1].slots, 12);
	assert_string_equal(hl.v[2].name, "gpu03");
	assert_int_equal(hl.v[2].slots, 8);
	assert_string_equal(hl.v[3].name, "gpu07");
	assert_int_equal(hl.v[3].slots, 4);
	assert_string_equal(hl.v[4].name, "cpu5");
	assert_int_equal(hl.v[4].slots, 4);
	assert_string_equal(hl.v[4].where, "slurm");
	host_list_free(&hl);

	assert_int_equal(hosts_add_slurm(&hl, "n[1-2]", NULL, &cause), PFAN_OK);
	assert_int_equal(hl.v[1].slots, 0);
	host_list_free(&hl);

	assert_int_equal(hosts_add_slurm(&hl, "gpu[01-03]", "12(x2)", &cause), PFAN_E_INPUT);
	assert_string_equal(cause, "-H slurm: SLURM_JOB_CPUS_PER_NODE \"12(x2)\" gives 2 counts "
	    "for the 3 nodes of SLURM_JOB_NODELIST \"gpu[01-03]\"");
	free(cause);
	assert_int_equal(hosts_add_slurm(&hl, NULL, "4", &cause), PFAN_E_INPUT);
	assert_string_equal(cause, "-H slurm: SLURM_JOB_NODELIST is not set (not inside a SLURM job?)");
	free(cause);
	assert_int_equal(hosts_add_slurm(&hl, "n[2-1]", "4", &cause), PFAN_E_INPUT);
	assert_string_equal(cause, "-H slurm: SLURM_JOB_NODELIST: bad host range \"n[2-1]\": 2 is greater than 1");
	free(cause);
	assert_int_equal(hosts_add_slurm(&hl, "n1", "4x", &cause), PFAN_E_INPUT);
	assert_string_equal(cause, "-H slurm: SLURM_JOB_CPUS_PER_NODE: bad CPU count list \"4x\": unexpected \"x\"");
	free(cause);
	assert_int_equal(hosts_add_slurm(&hl, "n1,n1", NULL, &cause), PFAN_E_INPUT);
	assert_string_equal(cause, "slurm: duplicate host \"n1\"");
	free(cause);
	assert_int_equal(hl.n, 0);
}

/* Copies tests/data/hosts/name to path. */
static void
copy_data(const char *name, const char *path)
{
	char *src = data_path(name), text[8192];
	FILE *f = fopen(src, "r");
	size_t n;

	assert_non_null(f);
	n = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	text[n] = '\0';
	write_file(path, text);
	free(src);
}

static void
test_ssh_config(void **state)
{
	struct host_list hl = HOST_LIST_INIT;
	char *dir = xasprintf("%s/.ssh", home), *cfg = xasprintf("%s/config", dir);
	char *extra = xasprintf("%s/extra.conf", dir), *cause = NULL, *s;
	const struct host_spec *h;

	(void)state;
	mkdir(dir, 0700);
	copy_data("ssh_config", cfg);
	copy_data("extra.conf", extra);
	assert_int_equal(hosts_add_sshlogin(&hl,
	    "node1,node13,bignode,other:2222,bob@x,node5,node7,a.lab,:", &cause), PFAN_OK);
	assert_int_equal(hosts_add_sshlogin(&hl, "erin@node9:9", &cause), PFAN_OK);
	assert_int_equal(hosts_apply_ssh_config(&hl, NULL, &cause), PFAN_OK);

	h = find(&hl, "node1");    /* Match skipped; first User wins; %h is HostName */
	assert_string_equal(h->address, "node1.cluster");
	assert_string_equal(h->user, "dave");
	assert_int_equal(h->port, 2200);
	s = xasprintf("%s/.ssh/id_node1.cluster_dave", home);
	assert_string_equal(h->identity, s);
	free(s);
	h = find(&hl, "node13");   /* !node13 excludes it from node* */
	assert_string_equal(h->address, "node13.cluster");
	assert_string_equal(h->user, "everyone");
	assert_int_equal(h->port, 2022);
	s = xasprintf("%s/.ssh/id_tester", home);
	assert_string_equal(h->identity, s);
	free(s);
	h = find(&hl, "bignode");  /* keys and Host patterns ignore case */
	assert_string_equal(h->address, "big.example.org");
	assert_string_equal(h->user, "carol");
	assert_int_equal(h->port, 2022);
	h = find(&hl, "other");    /* -S port wins */
	assert_string_equal(h->user, "everyone");
	assert_int_equal(h->port, 2222);
	h = find(&hl, "x");
	assert_string_equal(h->user, "bob");
	h = find(&hl, "node5");
	assert_string_equal(h->address, "five.example.org");
	assert_string_equal(h->user, "dave");
	h = find(&hl, "node7");
	s = xasprintf("%s/.ssh/id_node7.cluster_dave", home);   /* node* came first */
	assert_string_equal(h->identity, s);
	free(s);
	h = find(&hl, "a.lab");
	assert_int_equal(h->port, 2300);
	h = find(&hl, "local");    /* local slots never read the config */
	assert_string_equal(h->address, "local");
	assert_string_equal(h->user, "tester");
	assert_int_equal(h->port, 22);
	assert_null(h->identity);
	h = find(&hl, "node9");
	assert_string_equal(h->user, "erin");
	assert_int_equal(h->port, 9);
	s = xasprintf("%s/.ssh/id_node9.cluster_erin", home);   /* %r is the final user */
	assert_string_equal(h->identity, s);
	free(s);
	host_list_free(&hl);

	/* Hostfile values, defaults included, win over the config. */
	assert_int_equal(hosts_load_file(&hl, (s = data_path("example.yaml")), &cause), PFAN_OK);
	free(s);
	assert_int_equal(hosts_apply_ssh_config(&hl, cfg, &cause), PFAN_OK);
	h = find(&hl, "node02");
	assert_string_equal(h->address, "node02.cluster");
	assert_string_equal(h->user, "alice");
	assert_int_equal(h->port, 22);
	s = xasprintf("%s/.ssh/id_ed25519", home);
	assert_string_equal(h->identity, s);
	free(s);
	h = find(&hl, "bignode");
	assert_string_equal(h->address, "10.0.0.7");
	assert_int_equal(h->port, 2222);
	host_list_free(&hl);

	/* The quoted IdentityFile with a space, looked up directly. */
	struct sshconfig *sc;
	struct sshconfig_values v;
	assert_int_equal(sshconfig_load(&sc, cfg, &cause), PFAN_OK);
	sshconfig_lookup(sc, "nude7", &v);
	assert_string_equal(v.identity, "%d/.ssh/my key");
	assert_string_equal(v.user, "everyone");
	sshconfig_lookup(sc, "NODE1", &v);
	assert_string_equal(v.user, "dave");
	sshconfig_free(sc);

	unlink(extra);
	unlink(cfg);
	rmdir(dir);
	free(extra);
	free(cfg);
	free(dir);
}

static void
test_ssh_config_errors(void **state)
{
	static const struct {
		const char *text;
		const char *want;    /* after "PATH:" */
	} cases[] = {
		{ "Host a\n  Port abc\n", "2: Port must be an integer from 1 to 65535, not \"abc\"" },
		{ "Port 0\n", "1: Port must be an integer from 1 to 65535, not \"0\"" },
		{ "Host a\n\n  IdentityFile ~/.ssh/%C\n", "3: IdentityFile: unknown or unsupported token \"%C\"" },
		{ "IdentityFile id%\n", "1: IdentityFile: unknown or unsupported token \"%\"" },
		{ "HostName %r.lab\n", "1: HostName: unknown or unsupported token \"%r\"" },
		{ "User \"bob\n", "1: unterminated quote" },
		{ "HostName\n", "1: HostName needs a value" },
		{ "Host\n", "1: Host needs a pattern" },
		{ "Include recursive.conf\n", "1: Include nested too deep" },
	};
	struct host_list hl = HOST_LIST_INIT;
	char *cfg = xasprintf("%s/cfg", home), *cause = NULL, *want;
	char *dir = xasprintf("%s/.ssh", home), *rec = xasprintf("%s/recursive.conf", dir);

	(void)state;
	mkdir(dir, 0700);
	assert_int_equal(hosts_add_sshlogin(&hl, "a", &cause), PFAN_OK);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		write_file(cfg, cases[i].text);
		write_file(rec, cases[i].text);
		assert_int_equal(hosts_apply_ssh_config(&hl, cfg, &cause), PFAN_E_INPUT);
		/* An Include loop is reported in the innermost file. */
		want = xasprintf("%s:%s", strstr(cases[i].text, "Include") ? rec : cfg, cases[i].want);
		assert_string_equal(cause, want);
		free(want);
		free(cause);
	}
	assert_null(hl.v[0].user);    /* untouched after errors */

	/* A missing file is fine, a directory is not. */
	assert_int_equal(hosts_apply_ssh_config(&hl, "/nonexistent/pfan/config", &cause), PFAN_OK);
	assert_int_equal(hosts_apply_ssh_config(&hl, dir, &cause), PFAN_E_INPUT);
	want = xasprintf("%s: not a regular file", dir);
	assert_string_equal(cause, want);
	free(want);
	free(cause);
	/* An Include of an endless device or of a FIFO with no writer is an
	 * error at once: before, /dev/zero was read until memory ran out and
	 * a FIFO hung the run. */
	write_file(cfg, "Include /dev/zero\n");
	assert_int_equal(hosts_apply_ssh_config(&hl, cfg, &cause), PFAN_E_INPUT);
	assert_string_equal(cause, "/dev/zero: not a regular file");
	free(cause);
	{
		char *fifo = xasprintf("%s/fifo", home), *text = xasprintf("Include %s\n", fifo);
		assert_int_equal(mkfifo(fifo, 0600), 0);
		write_file(cfg, text);
		assert_int_equal(hosts_apply_ssh_config(&hl, cfg, &cause), PFAN_E_INPUT);
		want = xasprintf("%s: not a regular file", fifo);
		assert_string_equal(cause, want);
		free(want);
		unlink(fifo);
		free(fifo);
		free(text);
	}
	free(cause);

	unlink(cfg);
	unlink(rec);
	rmdir(dir);
	free(rec);
	free(dir);
	free(cfg);
	host_list_free(&hl);
}

static void
test_expand_tokens(void **state)
{
	struct sshconfig_tokens t = { .host = "h.lab", .alias = "h", .ruser = "r",
		.luser = "l", .home = "/home/l", .port = 2222 };
	char *s;

	(void)state;
	s = sshconfig_expand("~/.ssh/%h-%n-%r-%u-%p-%%-%d", &t);
	assert_string_equal(s, "/home/l/.ssh/h.lab-h-r-l-2222-%-/home/l");
	free(s);
	s = sshconfig_expand("~", &t);
	assert_string_equal(s, "/home/l");
	free(s);
	s = sshconfig_expand("~other/x", &t);   /* only our own ~ */
	assert_string_equal(s, "~other/x");
	free(s);
	s = sshconfig_expand("", &t);
	assert_string_equal(s, "");
	free(s);
}

/* The hosts layer decides every default the SSH side needs (sshhost_new
 * asserts a complete spec): address, user, port and known_hosts. */
static void
test_defaults_complete(void **state)
{
	struct host_list hl = HOST_LIST_INIT;
	char *path = xasprintf("%s/defaults.yaml", home), *cause = NULL;
	char *kh = xasprintf("%s/.ssh/known_hosts", home);

	(void)state;
	write_file(path, "hosts:\n  - name: n1\n  - name: n2\n    slots: 2\n");
	assert_int_equal(hosts_load_file(&hl, path, &cause), PFAN_OK);
	assert_int_equal(hosts_apply_ssh_config(&hl, "/nonexistent/pfan/config", &cause), PFAN_OK);
	for (size_t i = 0; i < hl.n; i++) {
		assert_string_equal(hl.v[i].address, hl.v[i].name);
		assert_string_equal(hl.v[i].user, "tester");
		assert_int_equal(hl.v[i].port, 22);
		assert_string_equal(hl.v[i].known_hosts, kh);
	}
	host_list_free(&hl);
	unlink(path);
	free(path);
	free(kh);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_file),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_anchors),
		cmocka_unit_test(test_unreadable_files),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_range_lists),
		cmocka_unit_test(test_cpus),
		cmocka_unit_test(test_sshlogin),
		cmocka_unit_test(test_slurm),
		cmocka_unit_test(test_ssh_config),
		cmocka_unit_test(test_ssh_config_errors),
		cmocka_unit_test(test_expand_tokens),
		cmocka_unit_test(test_defaults_complete),
	};
	int rc;

	snprintf(home, sizeof home, "/tmp/pfan-test-hosts.XXXXXX");
	if (mkdtemp(home) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	setenv("HOME", home, 1);
	setenv("USER", "tester", 1);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rmdir(home);
	return rc;
}
