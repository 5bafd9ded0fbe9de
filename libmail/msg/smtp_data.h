/* smtp_data.h — the DATA decoder: SMTP's dot-stuffed CRLF text → spool text.
 *
 * A small state machine fed with whatever bytes arrived (any split: one
 * byte at a time, across TCP or TLS record boundaries). It finds the end of
 * the message, undoes the dot-stuffing of RFC 5321 §4.5.2 and writes the
 * text with LF line endings, the spool's form (spool.h).
 *
 * The end of data is <CR><LF>.<CR><LF> and nothing else (the opening CRLF
 * may be the one that ended the DATA command itself). SMTP smuggling
 * (CVE-2023-51764/51765/51766) lives in the gap between servers that
 * disagree on this, so postbox's one documented rule is:
 *
 *   a bare LF, a bare CR or a NUL anywhere in the content marks the message
 *   as malformed; the decoder keeps reading up to the real end of data, and
 *   the server rejects the whole message (550 5.6.0) and keeps the session.
 *
 * So "<LF>.<LF>", "<LF>.<CR><LF>" or "<CR><LF>.<LF>" never end a message and
 * are never stored: a message containing them is refused as a whole.
 * A text line longer than max_line (CRLF included) and a message larger
 * than max_size, or a header section (up to the first empty line) larger
 * than max_header, mark it too (552 5.3.4 for both). Output stops at the first
 * mark, so memory and disk stay bounded whatever the client sends.
 */
#ifndef POSTBOX_SMTP_DATA_H
#define POSTBOX_SMTP_DATA_H

#include <stddef.h>

#include "base/buf.h"

enum {
	DATA_BARE_LF = 1 << 0,
	DATA_BARE_CR = 1 << 1,
	DATA_NUL = 1 << 2,
	DATA_LONG_LINE = 1 << 3,
	DATA_TOO_BIG = 1 << 4,
	DATA_8BIT = 1 << 5,      /* information only, not an error */
	DATA_BIG_HEADER = 1 << 6,
};
#define DATA_ERRORS (DATA_BARE_LF | DATA_BARE_CR | DATA_NUL | DATA_LONG_LINE | DATA_TOO_BIG | DATA_BIG_HEADER)

struct smtp_data {
	int state;
	int done;
	unsigned flags;
	size_t line_len;         /* octets of the current line on the wire */
	size_t max_line;         /* 0: no limit */
	long long size;          /* message octets in CRLF form, after unstuffing */
	long long max_size;      /* 0: no limit */
	int in_body;             /* the empty line after the header was seen */
	long long header_size;   /* octets of the header section, CRLF form */
	long long max_header;    /* 0: no limit (set after smtp_data_init) */
};

/* Start a message. The DATA command's own CRLF counts as the one that
 * precedes a lone "." (an empty message is ".<CR><LF>"). */
void smtp_data_init(struct smtp_data *d, size_t max_line, long long max_size);

/* Decode p[0..n), appending the text to out (which may be NULL to
 * discard). Returns the number of bytes consumed: all of n, or fewer when
 * the end of data was found (d->done is then set and the rest belongs to
 * the next command). Returns -1 only when out cannot grow (ENOMEM). */
long smtp_data_feed(struct smtp_data *d, const char *p, size_t n, struct buf *out);

/* The reply for a finished message with errors, or NULL if it is fine. */
const char *smtp_data_error(const struct smtp_data *d);

/* BDAT (RFC 3030) content has no dot-stuffing and no end marker; the
 * same CRLF rule applies. Feed chunks through this instead; call
 * smtp_data_raw_end() after the LAST chunk (a trailing CR is bare). */
int smtp_data_raw_feed(struct smtp_data *d, const char *p, size_t n, struct buf *out);
void smtp_data_raw_end(struct smtp_data *d);

#endif
