/* test_pin.c: which hosts a pinned job may run on (pin.c), as a table:
 * the job's pin ("host" names and "tags"), a host's name and tags, and
 * whether the job may run there. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "pin.h"
#include "xalloc.h"

#define MAXW 4

struct tcase {
	const char *pin_hosts[MAXW];   /* NULL-ended */
	const char *pin_tags[MAXW];
	const char *name;              /* the host */
	const char *tags[MAXW];
	bool allows;
};

static const struct tcase cases[] = {
	/* an empty pin: any host */
	{ { NULL }, { NULL }, "h1", { NULL }, true },
	{ { NULL }, { NULL }, "h1", { "gpu", NULL }, true },
	/* by name: that host only; names ignore case, as the hostfile's */
	{ { "h1", NULL }, { NULL }, "h1", { NULL }, true },
	{ { "h1", NULL }, { NULL }, "H1", { NULL }, true },
	{ { "h1", NULL }, { NULL }, "h2", { NULL }, false },
	{ { "h1", NULL }, { NULL }, "h10", { NULL }, false },
	{ { "h1", NULL }, { NULL }, "h", { NULL }, false },
	{ { "h1", "h3", NULL }, { NULL }, "h3", { NULL }, true },
	/* a name is not a tag, nor a tag a name */
	{ { "gpu", NULL }, { NULL }, "h1", { "gpu", NULL }, false },
	{ { NULL }, { "h1", NULL }, "h1", { NULL }, false },
	/* by tag: any host carrying one of them; tags match exactly */
	{ { NULL }, { "gpu", NULL }, "h1", { "gpu", NULL }, true },
	{ { NULL }, { "gpu", NULL }, "h1", { "bigmem", "gpu", NULL }, true },
	{ { NULL }, { "gpu", NULL }, "h1", { "GPU", NULL }, false },
	{ { NULL }, { "gpu", NULL }, "h1", { "gpus", NULL }, false },
	{ { NULL }, { "gpu", NULL }, "h1", { NULL }, false },
	{ { NULL }, { "gpu", "bigmem", NULL }, "h1", { "bigmem", NULL }, true },
	{ { NULL }, { "gpu", "bigmem", NULL }, "h1", { "ssd", NULL }, false },
	/* names and tags together: either lets the host in */
	{ { "h2", NULL }, { "gpu", NULL }, "h2", { NULL }, true },
	{ { "h2", NULL }, { "gpu", NULL }, "h1", { "gpu", NULL }, true },
	{ { "h2", NULL }, { "gpu", NULL }, "h1", { "ssd", NULL }, false },
};

static size_t
count(const char *const *v)
{
	size_t n = 0;

	while (n < MAXW && v[n] != NULL)
		n++;
	return n;
}

static char **
dup_words(const char *const *v, size_t n)
{
	char **out = n > 0 ? xcalloc(n, sizeof *out) : NULL;

	for (size_t i = 0; i < n; i++)
		out[i] = xstrdup(v[i]);
	return out;
}

static void
test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct tcase *c = &cases[i];
		struct pin p = { 0 };
		size_t ntags = count(c->tags);

		p.nhosts = count(c->pin_hosts);
		p.hosts = dup_words(c->pin_hosts, p.nhosts);
		p.ntags = count(c->pin_tags);
		p.tags = dup_words(c->pin_tags, p.ntags);
		if (pin_allows(&p, c->name, (char *const *)c->tags, ntags) != c->allows)
			fail_msg("case %zu: host %s: want %s", i, c->name,
			    c->allows ? "allowed" : "refused");
		assert_int_equal(pin_empty(&p), p.nhosts == 0 && p.ntags == 0);
		pin_free(&p);
		assert_null(p.hosts);
		assert_null(p.tags);
		assert_true(pin_empty(&p));
	}
}

static void
test_free_null(void **state)
{
	(void)state;
	pin_free(NULL);
	assert_true(pin_empty(NULL));
	assert_true(pin_allows(NULL, "h1", NULL, 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_free_null),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
