/* imap_bodystruct.h — BODY and BODYSTRUCTURE (RFC 9051 §7.5.2).
 *
 * Written from the MIME tree of imap_mime.h. Basic fields: type, subtype,
 * (parameters) or NIL, id, description, encoding, size (CRLF octets); text
 * parts add their line count; message/rfc822 adds the encapsulated
 * message's ENVELOPE, BODYSTRUCTURE and line count. The extensible form
 * (BODYSTRUCTURE) adds MD5 (single parts), disposition, language and
 * location; multiparts add their parameters, disposition, language and
 * location. Types and subtypes are upper-cased as Dovecot sends them
 * ("TEXT" "PLAIN"), parameter names too; values are kept.
 */
#ifndef POSTBOX_IMAP_BODYSTRUCT_H
#define POSTBOX_IMAP_BODYSTRUCT_H

#include <stddef.h>

#include "base/buf.h"
#include "msg/imap_mime.h"

/* Append BODYSTRUCTURE (extended != 0) or BODY of part `part` (0 = the
 * whole message) of the parsed tree. Returns buf_ok(out). */
int imap_bodystruct(struct buf *out, const struct imap_mime *m, int part, int extended);

/* Convenience: parse msg[0..n) and append its BODYSTRUCTURE / BODY.
 * Returns 0, or -1 when out of memory. */
int imap_bodystruct_of(struct buf *out, const char *msg, size_t n, int extended);

#endif
