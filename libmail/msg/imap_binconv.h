/* imap_binconv.h — a message APPENDed as a literal8 (RFC 3516 BINARY)
 * made storable as Internet mail: every leaf part whose
 * Content-Transfer-Encoding is "binary", or that holds a NUL under 7bit or
 * 8bit, is re-encoded as base64 and its field says so. This
 * is what Dovecot does on such an APPEND: BODY[] never carries a NUL (RFC
 * 3516 §4.2), and BINARY[] gives the client its octets back exactly. */
#ifndef POSTBOX_IMAP_BINCONV_H
#define POSTBOX_IMAP_BINCONV_H

#include <stddef.h>

#include "base/buf.h"

/* 1: msg[0..n) converted into out; 0: nothing to convert (out untouched);
 * -1: out of memory. */
int imap_binary_to_base64(const char *msg, size_t n, struct buf *out);

#endif
