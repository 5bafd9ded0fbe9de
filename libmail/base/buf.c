/* buf.c — growable byte buffer; see buf.h. */
#include "base/buf.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(struct buf *b, size_t limit)
{
	memset(b, 0, sizeof *b);
	b->limit = limit;
}

void buf_free(struct buf *b)
{
	free(b->ptr);
	b->ptr = NULL;
	b->len = b->cap = 0;
	b->failed = 0;
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	b->failed = 0;
}

int buf_reserve(struct buf *b, size_t extra)
{
	if (b->failed)
		return -1;
	/* +1 keeps room for the terminator buf_cstr() writes. */
	if (extra > SIZE_MAX / 2 - b->len || (b->limit && b->len + extra > b->limit)) {
		b->failed = 1;
		errno = EFBIG;
		return -1;
	}
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	char *p = realloc(b->ptr, cap);
	if (!p) {
		b->failed = 1;
		errno = ENOMEM;
		return -1;
	}
	b->ptr = p;
	b->cap = cap;
	return 0;
}

int buf_add(struct buf *b, const void *p, size_t n)
{
	if (buf_reserve(b, n) < 0)
		return -1;
	if (n)
		memcpy(b->ptr + b->len, p, n);
	b->len += n;
	return 0;
}

int buf_adds(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int buf_addc(struct buf *b, char c)
{
	/* A byte at a time is how the parsers build their text: the room
	 * there is is used without buf_reserve's checks. */
	if (!b->failed && b->len + 1 < b->cap && (!b->limit || b->len < b->limit)) {
		b->ptr[b->len++] = c;
		return 0;
	}
	return buf_add(b, &c, 1);
}

int buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	/* Formatted once into the room there is; a second time only when
	 * that was too small (the first pass then measured it). */
	size_t room = b->failed ? 0 : b->cap - b->len;
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(room ? b->ptr + b->len : NULL, room, fmt, ap2);
	va_end(ap2);
	if (n < 0 || buf_reserve(b, (size_t)n) < 0) {
		b->failed = 1;
		return -1;
	}
	if ((size_t)n >= room)
		vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = buf_vaddf(b, fmt, ap);
	va_end(ap);
	return r;
}

const char *buf_cstr(struct buf *b)
{
	if (!b->ptr || b->len + 1 > b->cap)
		return "";
	b->ptr[b->len] = '\0';
	return b->ptr;
}

void buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		return;
	}
	memmove(b->ptr, b->ptr + n, b->len - n);
	b->len -= n;
}

int str_copy(char *dst, size_t cap, const char *src, size_t n)
{
	if (cap == 0)
		return -1;
	int trunc = n >= cap;
	if (trunc)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return trunc ? -1 : 0;
}
