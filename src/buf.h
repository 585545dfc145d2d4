/* buf.h: growable byte buffers. The data is always NUL-terminated (the NUL
 * is not counted in len), so a buf can be used as a C string when it holds
 * no NUL bytes. Ceilings are the caller's policy (see output.c). */
#ifndef PFAN_BUF_H
#define PFAN_BUF_H
#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data;   /* NULL until the first add */
	size_t len;
	size_t cap;
};

#define BUF_INIT { NULL, 0, 0 }

void buf_init(struct buf *b);
void buf_free(struct buf *b);           /* releases memory; b is empty after */
void buf_reset(struct buf *b);          /* len = 0, keeps memory */
void buf_reserve(struct buf *b, size_t extra);
void buf_add(struct buf *b, const void *p, size_t n);
void buf_addc(struct buf *b, char c);
void buf_adds(struct buf *b, const char *s);
void buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vaddf(struct buf *b, const char *fmt, va_list ap);
void buf_consume(struct buf *b, size_t n);  /* drop the first n bytes */
const char *buf_cstr(struct buf *b);       /* "" for an empty buf */
char *buf_steal(struct buf *b);            /* malloc'd string; b is empty after */

#endif
