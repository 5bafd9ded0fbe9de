/* mime.h — small MIME helpers for header text (RFC 2047, RFC 5322 §3.2). */
#ifndef POSTBOX_MIME_H
#define POSTBOX_MIME_H

#include <stddef.h>
#include <time.h>

#include "base/buf.h"

/* Append s[0..n) as an RFC 5322 phrase (a display name): as it is when it
 * is plain atoms, as a quoted-string when it has specials, as an RFC 2047
 * encoded word (UTF-8, base64) when it has non-ASCII bytes. */
int mime_phrase(struct buf *out, const char *s, size_t n);

/* t as an RFC 5322 date-time in local time ("Sun, 29 Nov 2026 06:31:07
 * +0000"), independent of the locale. */
void mime_date(char *out, size_t cap, time_t t);

/* Append the base64 encoding of p[0..n) (no line breaks). */
int base64_encode(struct buf *out, const void *p, size_t n);
/* Decode base64 text; -1 on malformed input. */
int base64_decode(struct buf *out, const char *s, size_t n);

#endif
