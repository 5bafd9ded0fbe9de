/* imap_envelope.h — the ENVELOPE of a message (RFC 9051 §7.5.2).
 *
 *     ("date" "subject" (from) (sender) (reply-to) (to) (cc) (bcc)
 *      "in-reply-to" "message-id")
 *
 * Built from the header section (LF or CRLF lines). Values are unfolded
 * and kept as sent: RFC 2047 encoded words stay encoded, as IMAP wants.
 * Addresses are (name adl mailbox host); a group is opened by
 * (NIL NIL "group" NIL) and closed by (NIL NIL NIL NIL); an empty list is
 * NIL. Sender and Reply-To default to From (RFC 9051). Strings are quoted
 * or literals (imap_string.h), so any byte of a hostile header comes out
 * as valid IMAP.
 */
#ifndef POSTBOX_IMAP_ENVELOPE_H
#define POSTBOX_IMAP_ENVELOPE_H

#include <stddef.h>

#include "base/buf.h"

/* Append the parenthesised ENVELOPE of the header at msg[0..n) (the whole
 * message may be given: parsing stops at the body). Returns buf_ok(out). */
int imap_envelope(struct buf *out, const char *msg, size_t n);

/* Append an address list value (From:, To:...) as IMAP's list of
 * addresses, or NIL when it holds none. Returns buf_ok(out). */
int imap_envelope_addresses(struct buf *out, const char *value, size_t n);

#endif
