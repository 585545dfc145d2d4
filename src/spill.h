/* spill.h: byte streams with a memory ceiling (struct spillbuf). The
 * newest bytes stay in memory, up to a limit; older ones go to a temp file.
 * One unlinked file (struct spill) is shared by every spillbuf of a run, so
 * a thousand jobs held back by --keep-order cost one file descriptor, not
 * two thousand; each spillbuf keeps the list of its extents in that file.
 */
#ifndef PFAN_SPILL_H
#define PFAN_SPILL_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"

struct spill;

struct spill_ext {
	off_t off;
	uint64_t len;
};

/* The bytes are ext[head..n) in the file, then mem. Fields other than
 * lines and mem.cap belong to spill.c. */
struct spillbuf {
	struct buf mem;
	struct spill_ext *ext;
	size_t head, n, cap;
	uint64_t disk;          /* bytes in the file */
	uint64_t lines;         /* bytes up to and including the last '\n' */
};

#define SPILLBUF_INIT { BUF_INIT, NULL, 0, 0, 0, 0, 0 }

/* dir: where to make the file (NULL or "": $TMPDIR, else /tmp); copied.
 * The file is created on the first spill. */
struct spill *spill_new(const char *dir);
void spill_free(struct spill *s);
/* Bytes the file holds for all spillbufs together (tests, debugging). */
uint64_t spill_live(const struct spill *s);

uint64_t spillbuf_len(const struct spillbuf *b);
/* Append n bytes, keeping at most limit of them in memory. PFAN_E_SYS with
 * cause if the file can't be made or written: p is then dropped, what was
 * stored before is kept. */
int spillbuf_add(struct spill *s, struct spillbuf *b, size_t limit,
    const void *p, size_t n, char **cause);
/* Move the memory part to the file and free its memory; on error it stays
 * in memory. */
int spillbuf_to_disk(struct spill *s, struct spillbuf *b, char **cause);
/* Pass the first k bytes to fn, oldest first, in pieces of at most 64 KiB,
 * and forget them. PFAN_E_SYS with cause if some could not be read back:
 * those are dropped and the rest still passed. */
typedef void spillbuf_fn(void *arg, const char *p, size_t n);
int spillbuf_drain(struct spill *s, struct spillbuf *b, uint64_t k,
    spillbuf_fn *fn, void *arg, char **cause);
void spillbuf_free(struct spill *s, struct spillbuf *b);

#endif
