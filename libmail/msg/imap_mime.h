/* imap_mime.h — a message's MIME structure, for BODYSTRUCTURE and
 * section extraction (RFC 2045, RFC 2046, RFC 9051 §7.5.2).
 *
 * Parses a message (LF or CRLF lines) into a tree of parts: each part's
 * header and body spans, its Content-Type with parameters, disposition,
 * language, location, encoding, and its size and line count in the CRLF
 * form IMAP reports. a multipart is split on its boundary; message/rfc822
 * (and message/global) holds one encapsulated message as its child.
 * Hostile input is bounded: at most IMAP_MIME_DEPTH levels and
 * IMAP_MIME_PARTS parts (deeper or further parts are treated as opaque
 * text, as Dovecot does), parameters per header bounded. No recursion:
 * the parse keeps an explicit stack.
 */
#ifndef POSTBOX_IMAP_MIME_H
#define POSTBOX_IMAP_MIME_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "msg/header.h"


#define IMAP_MIME_DEPTH 20
#define IMAP_MIME_PARTS 1000
#define IMAP_MIME_PARAMS 16

struct imap_mime_param {
	const char *name, *value;   /* into the message; a quoted value's
	                               backslashes are still in (escaped) */
	size_t name_len, value_len;
	int escaped;
};

struct imap_mime_part {
	/* spans in the message as stored */
	size_t hdr_start, hdr_len;     /* the header, its blank line included */
	size_t body_start, body_len;   /* after the blank line */
	/* in CRLF form */
	uint64_t hdr_size;             /* header fields + blank line */
	uint64_t body_size, body_lines;
	/* Content-Type as written (case kept, as Dovecot reports it);
	 * defaults per RFC 2045/2046 point to static text */
	const char *type, *subtype;
	size_t type_len, subtype_len;
	int default_type;              /* no valid Content-Type field */
	struct imap_mime_param params[IMAP_MIME_PARAMS];
	size_t nparams;
	const char *id, *description, *encoding, *md5, *location;  /* raw */
	size_t id_len, description_len, encoding_len, md5_len, location_len;
	const char *disposition, *language;  /* raw header values */
	size_t disposition_len, language_len;
	/* tree: indices into imap_mime.parts, -1 = none */
	int parent, first_child, next;
	int multipart, message;        /* multipart/...; message/rfc822 */
};

struct imap_mime {
	const char *msg;
	size_t n;
	struct imap_mime_part *parts;  /* parts[0] = the whole message */
	size_t nparts, cap;
};

/* Parse msg[0..n); the struct keeps pointers into msg. 0, or -1 when out
 * of memory (malformed MIME is never an error: it degrades to text). */
int imap_mime_parse(const char *msg, size_t n, struct imap_mime *m);
void imap_mime_free(struct imap_mime *m);

/* The header walker every IMAP generator uses (hdr_next() of
 * msg/header.h, plus what mail in the wild needs): a line that is not a
 * field inside the header is skipped, as Dovecot does, rather than taken
 * for the start of the body, and a CRLF blank line ends the header like an
 * LF one. 1: a field in *h; 0: the end, *pos at the body. */
int imap_header_next(const char *msg, size_t end, size_t *pos, struct header *h);

/* Append value s[0..n) unfolded as Dovecot shows it: each line break with
 * the white space after it becomes one space; then trimmed. */
void imap_unfold(struct buf *out, const char *s, size_t n);

/* Parameters "; name=value; ..." of a Content-Type or Content-Disposition
 * value, from v[*pos] on (after the type): at most max are kept, the rest
 * skipped. Returns how many were stored. */
size_t imap_mime_params(const char *v, size_t n, size_t *pos, struct imap_mime_param *p,
			size_t max);
/* A token (RFC 2045) at v[*pos] after CFWS: its start and length (0 when
 * none). */
size_t imap_mime_token(const char *v, size_t n, size_t *pos, const char **tok);
/* Skip white space, folding and (nested) comments from v[*pos]. */
void imap_mime_cfws(const char *v, size_t n, size_t *pos);

/* The part addressed by part numbers p[0..np) (np == 0: the message), or
 * -1 when there is none. A message/rfc822 part's number addresses the
 * encapsulated message's part 1.. per RFC 9051. */
int imap_mime_find(const struct imap_mime *m, const uint32_t *p, size_t np);

#endif
