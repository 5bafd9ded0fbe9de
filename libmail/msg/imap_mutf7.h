/* imap_mutf7.h — mailbox names in modified UTF-7 (RFC 3501 §5.1.3) and
 * UTF-8 (RFC 9051 with UTF8=ACCEPT).
 *
 * Strict both ways: "&" is written "&-"; printable ASCII (0x20..0x7e) is
 * never base64-encoded; a shift sequence uses "," instead of "/", ends in
 * "-", encodes UTF-16 with surrogates paired, has zero padding bits, is
 * not empty (except "&-") and does not follow another one directly (they
 * must be merged). Anything else is refused, so one name has exactly one
 * spelling and two spellings cannot name the same folder. UTF-8 input must
 * be well-formed (base/utf8.h); control characters (< 0x20, 0x7f) are
 * refused in both directions.
 */
#ifndef POSTBOX_IMAP_MUTF7_H
#define POSTBOX_IMAP_MUTF7_H

#include <stddef.h>

#include "base/buf.h"

/* Append the UTF-8 form of modified-UTF-7 s[0..n). 0, or -1 (invalid, or
 * out failed). */
int imap_mutf7_to_utf8(const char *s, size_t n, struct buf *out);
/* Append the modified-UTF-7 form of UTF-8 s[0..n). 0, or -1. */
int imap_utf8_to_mutf7(const char *s, size_t n, struct buf *out);

#endif
