/* test_resolve.c: lookups in a child process (resolve.c). getaddrinfo is
 * wrapped (-Wl,--wrap=getaddrinfo) so that names under .test answer as we
 * say, without a name server: slow.test takes a second, fail.test does not
 * exist, again.test finds the name server unable to answer (EAI_AGAIN), fds.test answers 127.0.0.N for N descriptors open in the
 * resolver, anything else goes to the real getaddrinfo. The wrapper runs in
 * the resolver process, which is what is under test. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loop.h"
#include "resolve.h"
#include "xalloc.h"

int __real_getaddrinfo(const char *node, const char *service,
    const struct addrinfo *hints, struct addrinfo **res);
int __wrap_getaddrinfo(const char *node, const char *service,
    const struct addrinfo *hints, struct addrinfo **res);

static char marker[64];   /* written by a slow lookup that lived to answer */

int
__wrap_getaddrinfo(const char *node, const char *service,
    const struct addrinfo *hints, struct addrinfo **res)
{
	/* resolve.c tries numbers first, in the parent: that never waits */
	if (hints != NULL && (hints->ai_flags & AI_NUMERICHOST))
		return __real_getaddrinfo(node, service, hints, res);
	if (strcmp(node, "fail.test") == 0)
		return EAI_NONAME;
	if (strcmp(node, "again.test") == 0)
		return EAI_AGAIN;
	if (strcmp(node, "slow.test") == 0) {
		sleep(1);
		int fd = open(marker, O_WRONLY | O_CREAT, 0600);
		if (fd >= 0)
			close(fd);
		return __real_getaddrinfo("127.0.0.2", service, hints, res);
	}
	if (strcmp(node, "fds.test") == 0) {
		DIR *d = opendir("/proc/self/fd");
		int n = -1;   /* the directory's own descriptor */
		char addr[32];
		if (d == NULL)
			return EAI_SYSTEM;
		while (readdir(d) != NULL)
			n++;
		closedir(d);
		snprintf(addr, sizeof addr, "127.0.0.%d", n - 2);   /* . and .. */
		return __real_getaddrinfo(addr, service, hints, res);
	}
	if (strcmp(node, "fast.test") == 0)
		return __real_getaddrinfo("127.0.0.3", service, hints, res);
	return __real_getaddrinfo(node, service, hints, res);
}

struct answer {
	struct loop *loop;
	int order;             /* 1 for the first answer, 2 for the second */
	int *answered;         /* shared counter */
	int stop_after;
	char addr[64];
	unsigned port;
	char error[256];
	bool temporary;
};

static void
on_answer(void *arg, struct addrinfo *ai, const char *error, bool temporary)
{
	struct answer *a = arg;

	a->order = ++*a->answered;
	a->temporary = temporary;
	if (ai != NULL) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ai->ai_addr;
		assert_int_equal(ai->ai_family, AF_INET);
		assert_int_equal(ai->ai_socktype, SOCK_STREAM);
		inet_ntop(AF_INET, &sin->sin_addr, a->addr, sizeof a->addr);
		a->port = ntohs(sin->sin_port);
		assert_null(error);
		resolve_free_addrs(ai);
	} else {
		assert_non_null(error);
		snprintf(a->error, sizeof a->error, "%s", error);
	}
	if (*a->answered == a->stop_after)
		loop_stop(a->loop);
}

static void
on_guard(void *arg)
{
	loop_stop(arg);
}

static void
setup_marker(void)
{
	snprintf(marker, sizeof marker, "/tmp/pfan-resolve-%ld", (long)getpid());
	unlink(marker);
}

static void
test_numeric_address(void **state)
{
	struct loop *loop = loop_new();
	int answered = 0;
	struct answer a = { .loop = loop, .answered = &answered, .stop_after = 1 };

	(void)state;
	resolve_start(loop, "127.0.0.1", 2222, on_answer, &a);
	assert_int_equal(answered, 0);   /* never from inside resolve_start */
	loop_timer_add(loop, 20, on_guard, loop);   /* loop_free frees it */
	loop_run(loop);
	assert_int_equal(a.order, 1);
	assert_string_equal(a.addr, "127.0.0.1");
	assert_int_equal(a.port, 2222);
	loop_free(loop);
}

static void
test_unknown_name(void **state)
{
	struct loop *loop = loop_new();
	int answered = 0;
	struct answer a = { .loop = loop, .answered = &answered, .stop_after = 1 };

	(void)state;
	resolve_start(loop, "fail.test", 22, on_answer, &a);
	loop_timer_add(loop, 20, on_guard, loop);   /* loop_free frees it */
	loop_run(loop);
	assert_int_equal(a.order, 1);
	assert_string_equal(a.error, gai_strerror(EAI_NONAME));
	assert_false(a.temporary);
	loop_free(loop);
}

/* A name server that cannot answer now is told apart from a name that
 * does not exist: the host is looked up again, not given up. */
static void
test_temporary_failure(void **state)
{
	struct loop *loop = loop_new();
	int answered = 0;
	struct answer a = { .loop = loop, .answered = &answered, .stop_after = 1 };

	(void)state;
	resolve_start(loop, "again.test", 22, on_answer, &a);
	loop_timer_add(loop, 20, on_guard, loop);   /* loop_free frees it */
	loop_run(loop);
	assert_int_equal(a.order, 1);
	assert_string_equal(a.error, gai_strerror(EAI_AGAIN));
	assert_true(a.temporary);
	loop_free(loop);
}

/* A slow lookup started first does not hold up a fast one started after
 * it: the loop hears the fast answer first. */
static void
test_lookups_run_side_by_side(void **state)
{
	struct loop *loop = loop_new();
	int answered = 0;
	struct answer slow = { .loop = loop, .answered = &answered, .stop_after = 2 };
	struct answer fast = slow;

	(void)state;
	setup_marker();
	resolve_start(loop, "slow.test", 22, on_answer, &slow);
	resolve_start(loop, "fast.test", 22, on_answer, &fast);
	loop_timer_add(loop, 20, on_guard, loop);   /* loop_free frees it */
	loop_run(loop);
	assert_int_equal(fast.order, 1);
	assert_int_equal(slow.order, 2);
	assert_string_equal(fast.addr, "127.0.0.3");
	assert_string_equal(slow.addr, "127.0.0.2");
	unlink(marker);
	loop_free(loop);
}

/* A cancelled lookup never calls back, and its resolver is killed before
 * it can finish. */
static void
test_cancel_kills_the_resolver(void **state)
{
	struct loop *loop = loop_new();
	int answered = 0;
	struct answer a = { .loop = loop, .answered = &answered, .stop_after = 1 };

	(void)state;
	setup_marker();
	struct resolve *r = resolve_start(loop, "slow.test", 22, on_answer, &a);
	resolve_cancel(r);
	loop_timer_add(loop, 2.5, on_guard, loop);   /* fires, and is gone */
	loop_run(loop);
	assert_int_equal(answered, 0);
	assert_int_equal(access(marker, F_OK), -1);
	loop_free(loop);
}

/* The resolver holds none of our descriptors: only stdin, stdout and
 * stderr (/dev/null) and its answer pipe, whatever we had open. */
static void
test_resolver_holds_no_descriptors(void **state)
{
	struct loop *loop = loop_new();
	int answered = 0;
	struct answer a = { .loop = loop, .answered = &answered, .stop_after = 1 };
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	resolve_start(loop, "fds.test", 22, on_answer, &a);
	loop_timer_add(loop, 20, on_guard, loop);
	loop_run(loop);
	assert_int_equal(a.order, 1);
	assert_string_equal(a.addr, "127.0.0.4");
	close(p[0]);
	close(p[1]);
	loop_free(loop);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numeric_address),
		cmocka_unit_test(test_unknown_name),
		cmocka_unit_test(test_temporary_failure),
		cmocka_unit_test(test_lookups_run_side_by_side),
		cmocka_unit_test(test_cancel_kills_the_resolver),
		cmocka_unit_test(test_resolver_holds_no_descriptors),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
