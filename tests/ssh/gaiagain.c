/* gaiagain.c: an LD_PRELOAD shim for the SSH tests (transient.bats): the
 * name GAI_AGAIN_NAME finds the name server unable to answer (EAI_AGAIN)
 * for its first GAI_AGAIN_FAILS lookups, then resolves to GAI_AGAIN_ADDR.
 * The lookups are counted as bytes of GAI_AGAIN_COUNT (a file), since each
 * runs in a process of its own. Every other lookup is left alone. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

typedef int gai_fn(const char *, const char *, const struct addrinfo *,
    struct addrinfo **);

int
getaddrinfo(const char *node, const char *service,
    const struct addrinfo *hints, struct addrinfo **res)
{
	gai_fn *real = (gai_fn *)dlsym(RTLD_NEXT, "getaddrinfo");
	const char *name = getenv("GAI_AGAIN_NAME");
	const char *count = getenv("GAI_AGAIN_COUNT");
	const char *addr = getenv("GAI_AGAIN_ADDR");
	const char *fails = getenv("GAI_AGAIN_FAILS");
	struct stat st;
	int fd;

	if (node == NULL || name == NULL || count == NULL || addr == NULL ||
	    fails == NULL || strcmp(node, name) != 0 ||
	    (hints != NULL && (hints->ai_flags & AI_NUMERICHOST)))
		return real(node, service, hints, res);
	fd = open(count, O_WRONLY | O_APPEND | O_CREAT, 0600);
	if (fd < 0 || write(fd, "x", 1) != 1 || fstat(fd, &st) != 0) {
		if (fd >= 0)
			close(fd);
		return EAI_SYSTEM;
	}
	close(fd);
	if (st.st_size <= atol(fails))
		return EAI_AGAIN;
	return real(addr, service, hints, res);
}
