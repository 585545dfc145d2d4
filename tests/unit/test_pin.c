/* test_pin.c: which hosts a pinned job may run on (pin.c), as a table:
 * the job's pin ("host" names and "tags"), a host's name and tags, and
 * whether the job may run there; then the pin made the set of the
 * scheduler's hosts a job waits for (schedhost_pin). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pin.h"
#include "schedhost.h"
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

/* Three scheduler hosts: h1 [gpu], h2 [], h3 [gpu, bigmem]. */
static void
three_hosts(struct sched_host **h)
{
	static char *gpu[] = { "gpu" }, *gpu_bigmem[] = { "gpu", "bigmem" };

	for (size_t i = 0; i < 3; i++) {
		char name[8];
		snprintf(name, sizeof name, "h%zu", i + 1);
		h[i] = schedhost_new(NULL, name, 1, true, i);
	}
	schedhost_set_tags(h[0], gpu, 1);
	schedhost_set_tags(h[2], gpu_bigmem, 2);
}

static struct pin
make_pin(char *host, char *tag)
{
	struct pin p = { 0 };

	if (host != NULL) {
		p.hosts = xcalloc(1, sizeof *p.hosts);
		p.hosts[p.nhosts++] = xstrdup(host);
	}
	if (tag != NULL) {
		p.tags = xcalloc(1, sizeof *p.tags);
		p.tags[p.ntags++] = xstrdup(tag);
	}
	return p;
}

static void
test_host_set(void **state)
{
	struct sched_host *h[3];
	struct host_set only = { NULL, 0 };
	struct pin p;

	(void)state;
	three_hosts(h);

	/* by tag: h1 and h3, in the hosts' order */
	p = make_pin(NULL, "gpu");
	schedhost_pin(h, 3, &p, &only);
	assert_int_equal(only.n, 2);
	assert_int_equal(only.v[0], 0);
	assert_int_equal(only.v[1], 2);
	assert_false(host_set_allows(&only, 1));
	/* the job goes to an allowed host with a free slot, never to h2 */
	h[0]->running = 1;
	assert_ptr_equal(schedhost_pick(h, 3, &(struct host_set){ NULL, 0 }, &only), h[2]);
	h[2]->running = 1;
	assert_null(schedhost_pick(h, 3, &(struct host_set){ NULL, 0 }, &only));
	h[0]->running = h[2]->running = 0;
	host_set_free(&only);
	pin_free(&p);

	/* by name and tag at once; a name ignores case */
	p = make_pin("H2", "bigmem");
	schedhost_pin(h, 3, &p, &only);
	assert_int_equal(only.n, 2);
	assert_true(host_set_allows(&only, 1));
	assert_true(host_set_allows(&only, 2));
	assert_false(host_set_allows(&only, 0));
	host_set_free(&only);
	pin_free(&p);

	/* an empty pin adds nothing: any host */
	schedhost_pin(h, 3, &p, &only);
	assert_int_equal(only.n, 0);

	/* matching no host of the run: a set that allows none, so the job
	 * waits for no host and is given up at once, never run anywhere */
	p = make_pin("h9", "tpu");
	schedhost_pin(h, 3, &p, &only);
	assert_int_equal(only.n, 1);
	assert_int_equal(only.v[0], HOST_SET_NONE);
	for (size_t i = 0; i < 3; i++)
		assert_false(host_set_allows(&only, i));
	assert_null(schedhost_pick(h, 3, &(struct host_set){ NULL, 0 }, &only));
	assert_false(schedhost_any_usable_in(h, 3, &only));
	host_set_free(&only);
	pin_free(&p);

	for (size_t i = 0; i < 3; i++)
		schedhost_free(h[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_free_null),
		cmocka_unit_test(test_host_set),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
