/* authres_field.h — whose verdict an Authentication-Results field is
 * (RFC 8601 §2.2, §5).
 *
 * The field's value starts with the authserv-id, a token or a quoted
 * string, after optional CFWS (nested comments, folding). A receiver
 * removes the fields that claim its own authserv-id before adding its
 * own (§5): a sender must not be able to forge our verdict. The name is
 * compared without regard to case (it is a host name). Pure functions
 * over LF text.
 */
#ifndef POSTBOX_AUTHRES_FIELD_H
#define POSTBOX_AUTHRES_FIELD_H

#include <stddef.h>

#include "base/buf.h"

/* Does this field value (after the colon) carry authserv-id `id`? */
int authres_claims(const char *value, size_t n, const char *id);
/* Append the header section hdr to out without its Authentication-Results
 * fields that claim `id`; the number removed. */
size_t authres_strip(const char *hdr, size_t n, const char *id, struct buf *out);

#endif
