/* execin.c: a job's stdin bytes by position (execin.h). */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "execin.h"

uint64_t
execin_total(const struct exec_stdin *in)
{
	return (uint64_t)in->head_len + in->len;
}

const char *
execin_at(const struct exec_stdin *in, uint64_t pos, char *scratch, size_t cap,
    size_t *n)
{
	uint64_t left;
	ssize_t k;

	*n = 0;
	if (pos < in->head_len) {
		left = in->head_len - pos;
		*n = left < cap ? (size_t)left : cap;
		return in->head + pos;
	}
	pos -= in->head_len;
	if (pos >= in->len)
		return NULL;
	left = in->len - pos;
	if (in->data != NULL) {
		*n = left < cap ? (size_t)left : cap;
		return in->data + pos;
	}
	do
		k = pread(in->fd, scratch, left < cap ? (size_t)left : cap,
		    (off_t)(in->off + pos));
	while (k < 0 && errno == EINTR);
	if (k <= 0)
		return NULL;
	*n = (size_t)k;
	return scratch;
}

/* What one splice call moves at most: a large pipe's worth. */
#define SPLICE_MAX (1024 * 1024)

ssize_t
execin_write(const struct exec_stdin *in, uint64_t pos, int fd, char *scratch,
    size_t cap, int *unreadable)
{
	size_t n;

	*unreadable = 0;
	if (in->data == NULL && pos >= in->head_len) {
		uint64_t at = pos - in->head_len, left = in->len - at;
		loff_t off = (loff_t)(in->off + at);
		ssize_t k = splice(in->fd, &off, fd, NULL,
		    left < SPLICE_MAX ? (size_t)left : SPLICE_MAX, SPLICE_F_NONBLOCK);
		if (k > 0 || (k < 0 && errno != EINVAL && errno != ENOSYS))
			return k;   /* EINVAL: not a pipe, or no splice here: copy */
		if (k == 0) {
			errno = EIO;   /* the file is shorter than its block */
			*unreadable = 1;
			return -1;
		}
	}
	const char *p = execin_at(in, pos, scratch, cap, &n);
	if (p == NULL) {
		if (errno == 0)
			errno = EIO;
		*unreadable = 1;
		return -1;
	}
	return write(fd, p, n);
}
