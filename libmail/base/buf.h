/* buf.h — the one growable byte buffer used everywhere in postbox.
 *
 * A buf is {ptr, len, cap}. Bytes may contain NUL; buf_cstr() gives a
 * NUL-terminated view for the edge to libc. Every append returns 0 or -1
 * (ENOMEM or past the buffer's limit) and also latches `failed`, so a caller
 * that builds a long text may append freely and check buf_ok() once.
 */
#ifndef POSTBOX_BUF_H
#define POSTBOX_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *ptr;
	size_t len;
	size_t cap;
	size_t limit;   /* 0 = no limit beyond memory */
	int failed;     /* latched by any failed append */
};

#define BUF_INIT {0, 0, 0, 0, 0}

void buf_init(struct buf *b, size_t limit);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);          /* len = 0, failed = 0, keeps memory */
int buf_reserve(struct buf *b, size_t extra);
int buf_add(struct buf *b, const void *p, size_t n);
int buf_adds(struct buf *b, const char *s);
int buf_addc(struct buf *b, char c);
int buf_addf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int buf_vaddf(struct buf *b, const char *fmt, va_list ap);
const char *buf_cstr(struct buf *b);    /* "" when empty or failed to grow */
void buf_consume(struct buf *b, size_t n); /* drop n bytes from the front */
static inline int buf_ok(const struct buf *b) { return !b->failed; }

/* Bounded copy into a fixed array: always terminates, returns -1 on
 * truncation. The project's replacement for strcpy/strncpy. */
int str_copy(char *dst, size_t cap, const char *src, size_t n);

#endif
