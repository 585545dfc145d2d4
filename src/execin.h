/* execin.h: a job's stdin (--pipe, --pipepart) as the executors see it:
 * a header in memory, then a block in memory or a range of a file (read
 * with pread as it is written, so a --pipepart block never sits in pfan's
 * memory whole). Borrowed by an exec_request; pipein.c makes them. */
#ifndef PFAN_EXECIN_H
#define PFAN_EXECIN_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct exec_stdin {
	const char *head;         /* --header lines repeated to every block */
	size_t head_len;
	const char *data;         /* the block in memory; NULL: in fd */
	int fd;                   /* data == NULL: the file holding the block */
	uint64_t off;             /* where in fd the block starts */
	size_t len;               /* the block's bytes (without the head) */
};

/* All the bytes to feed. */
uint64_t execin_total(const struct exec_stdin *in);
/* The bytes at pos (pos < execin_total): a pointer to *n > 0 of them, at
 * most cap, either into the stdin's own memory or into scratch (cap bytes)
 * read from its file. NULL with *n 0 when the file cannot be read. */
const char *execin_at(const struct exec_stdin *in, uint64_t pos, char *scratch,
    size_t cap, size_t *n);
/* Writes some of the bytes at pos (pos < execin_total) to fd, a local
 * job's non-blocking pipe: a range of a file moves with splice(2), page
 * cache to pipe with no copy through pfan; the rest as execin_at gives it,
 * through scratch (cap bytes). The bytes written, or -1 with errno (EAGAIN:
 * fd is full; *unreadable set: the file could not be read). */
ssize_t execin_write(const struct exec_stdin *in, uint64_t pos, int fd,
    char *scratch, size_t cap, int *unreadable);

#endif
