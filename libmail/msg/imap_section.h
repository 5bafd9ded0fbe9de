/* imap_section.h — BODY[section]<partial> and BINARY[section] of one
 * message (RFC 9051 §6.4.5, RFC 3516).
 *
 *     section = [part numbers "1.2.3"] ["." kind]
 *     kind    = HEADER | HEADER.FIELDS (names) | HEADER.FIELDS.NOT (names)
 *               | TEXT | MIME      (MIME only after part numbers)
 *
 * Extraction works on the message as stored (LF or CRLF lines) and writes
 * the CRLF form IMAP sends; <origin.count> applies to that form. A part
 * that does not exist gives the empty string (what Dovecot and RFC 9051's
 * "nonexistent section" practice send), never an error. Part numbers
 * follow RFC 9051: in a non-multipart message "1" is the body; inside a
 * message/rfc822 part the numbers walk into the encapsulated message.
 */
#ifndef POSTBOX_IMAP_SECTION_H
#define POSTBOX_IMAP_SECTION_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "msg/imap_cmd.h"

#define IMAP_SECTION_DEPTH 32     /* part numbers in one section */
#define IMAP_SECTION_FIELDS_MAX 200

enum imap_section_kind {
	IMAP_SEC_ALL,            /* BODY[] or BODY[1.2] */
	IMAP_SEC_HEADER,
	IMAP_SEC_HEADER_FIELDS,
	IMAP_SEC_HEADER_FIELDS_NOT,
	IMAP_SEC_TEXT,
	IMAP_SEC_MIME,
};

struct imap_section {
	uint32_t part[IMAP_SECTION_DEPTH];
	size_t nparts;
	enum imap_section_kind kind;
	const struct imap_arg *fields;   /* HEADER.FIELDS[.NOT]: the list's
	                                    first element (astrings) */
	size_t nfields;
};

/* Parse the text between "[" and "]" (e.g. "1.2.HEADER.FIELDS"); the field
 * list, when the kind needs one, is given separately by the FETCH parser.
 * 0 or -1 with e. */
int imap_section_parse(const char *s, size_t n, struct imap_section *sec, struct imap_err *e);

/* Append section sec of msg[0..n) in CRLF form to out; with partial, only
 * octets [origin, origin+count). Returns 0, or -1 when out failed to grow. */
int imap_section_extract(const char *msg, size_t n, const struct imap_section *sec, int partial,
			 uint64_t origin, uint64_t count, struct buf *out);

/* BINARY[section]: the part's body with its Content-Transfer-Encoding
 * (base64, quoted-printable) undone. 0; 1 when the encoding is unknown or
 * broken (the caller answers NO [UNKNOWN-CTE]); -1 when out failed. */
int imap_section_binary(const char *msg, size_t n, const struct imap_section *sec, int partial,
			uint64_t origin, uint64_t count, struct buf *out);

/* Undo a Content-Transfer-Encoding (the token, any case): base64 (white
 * space ignored), quoted-printable (soft line breaks; a malformed "="
 * sequence is kept as it is, as Dovecot does), 7bit/8bit/binary or none
 * (copied). 0; 1 for an unknown encoding or broken base64; -1 when out
 * failed. */
int imap_decode_cte(const char *enc, size_t enc_len, const char *p, size_t n, struct buf *out);

#endif
