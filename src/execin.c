/* execin.c: a job's stdin bytes by position (execin.h). */
#include <errno.h>
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
