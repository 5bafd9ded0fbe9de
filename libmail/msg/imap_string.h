/* imap_string.h — strings as IMAP sends them (RFC 9051 §4.3).
 *
 * A quoted string when the text allows it (no CR, LF, NUL, '"', '\\', not
 * too long;
 * 8-bit only as valid UTF-8 and only when the client enabled UTF8=ACCEPT /
 * IMAP4rev2 allows it), a literal {N}CRLF... otherwise. Every function
 * appends to out and returns buf_ok(out).
 */
#ifndef POSTBOX_IMAP_STRING_H
#define POSTBOX_IMAP_STRING_H

#include <stddef.h>

#include "base/buf.h"

#define IMAP_QUOTED_MAX 1024   /* longer text goes as a literal */

/* string: quoted or literal. utf8: 8-bit UTF-8 may go quoted. */
int imap_write_string(struct buf *out, const char *s, size_t n, int utf8);
/* nstring: NIL for s == NULL, else as imap_write_string(). */
int imap_write_nstring(struct buf *out, const char *s, size_t n, int utf8);
/* astring: a bare atom when s is one (mailbox names, "INBOX"), else a
 * string. An empty s is "". */
int imap_write_astring(struct buf *out, const char *s, size_t n, int utf8);
/* A literal always (message bodies): "{N}\r\n" + bytes; "~{N}" when
 * binary (literal8: the bytes may hold NUL). */
int imap_write_literal(struct buf *out, const char *s, size_t n, int binary);

/* 1 when s[0..n) is a valid IMAP atom (ATOM-CHARs only, n > 0). */
int imap_is_atom(const char *s, size_t n);

#endif
