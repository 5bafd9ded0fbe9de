/* chat_msg.h — the test message smtp-chat sends (RFC 5322, MIME RFC 2045/2046).
 *
 * Built from flags the way swaks does: default headers (Date, From, To,
 * Subject, Message-ID, MIME-Version when needed), --header fields that
 * replace a default of the same name or are added, a body, attachments
 * (multipart/mixed, base64, content type guessed from the file name) and
 * padding up to an exact size. Tokens in headers and body are replaced:
 * %DATE%, %MESSAGEID%, %SEQ%, %FROM_ADDRESS%, %TO_ADDRESS%.
 *
 * Pure: the clock, host name and sequence number come in; the output is LF
 * text (the client turns it into CRLF on the wire).
 */
#ifndef POSTBOX_CHAT_MSG_H
#define POSTBOX_CHAT_MSG_H

#include <stddef.h>
#include <time.h>

#include "base/buf.h"
#include "base/err.h"

struct chat_attach {
	const char *name;        /* file name shown in the message */
	const char *data;
	size_t len;
	const char *type;        /* NULL: guessed from name */
};

struct chat_msg_opts {
	const char *from;                 /* envelope sender ("" for <>) */
	const char *const *to;            /* recipients */
	size_t nto;
	const char *subject;              /* NULL: "test %DATE%" */
	const char *body;                 /* NULL: "This is a test mailing" */
	size_t body_len;
	const char *const *headers;       /* "Name: value", replace or add */
	size_t nheaders;
	const struct chat_attach *attach;
	size_t nattach;
	int add_date, add_msgid;          /* default headers on */
	unsigned long long size;          /* pad to this wire size (CRLF counted), 0: off */
	const char *hostname;
	time_t now;
	unsigned long seq;
};

/* Build the message into out (appended). -1 with e (EX_USAGE) for a header
 * that is not "Name: value" or holds a line break. */
int chat_msg_build(struct buf *out, const struct chat_msg_opts *o, struct mail_err *e);

/* Replace the tokens in s[0..n) (see above), appending to out. */
int chat_msg_expand(struct buf *out, const char *s, size_t n, const struct chat_msg_opts *o);

/* The content type for a file name ("report.pdf" → "application/pdf"). */
const char *chat_msg_type(const char *name);

/* Size of text on the wire once every line end is CRLF (RFC 1870 SIZE:
 * no dot-stuffing, no final dot). A last line without its end is not
 * counted as getting one. */
unsigned long long chat_msg_wire_size(const char *p, size_t n);

#endif
