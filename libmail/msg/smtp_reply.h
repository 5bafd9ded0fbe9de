/* smtp_reply.h — what an SMTP client reads and writes, as pure functions
 * (RFC 5321): server replies one line at a time with limits, the EHLO
 * keywords, and message text turned into DATA/BDAT bytes (CRLF line ends,
 * dot-stuffing). No I/O; unit-tested (tests/unit/test_smtp_client.c) and
 * fuzzed (tests/fuzz/fuzz_smtp_reply.c). The session that uses them is
 * smtp/smtp_client.h.
 *
 * Smuggling (RFC 5321 §4.1.1.4, §4.5.2): the encoder turns every line end
 * — LF, CRLF and also a bare CR — into CRLF and doubles the dot at the
 * start of every line, so no byte sequence in a message can end DATA early
 * at any server, whatever it counts as a line end.
 */
#ifndef POSTBOX_SMTP_REPLY_H
#define POSTBOX_SMTP_REPLY_H

#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"

/* --- replies ------------------------------------------------------------ */

#define SMTP_REPLY_LINE_MAX 2048     /* per line, CRLF included (RFC: 512) */
#define SMTP_REPLY_LINES_MAX 200     /* more lines: an endless reply */
#define SMTP_REPLY_TEXT_MAX 65536    /* all lines' text together */

struct smtp_reply {
	int code;              /* 200..599; 0 until the first line */
	char status[12];       /* RFC 3463 enhanced code of the first line, or "" */
	struct buf text;       /* the lines' text (after "NNN-"), joined by '\n' */
	size_t lines;
	int done;              /* the last line ("NNN " or "NNN") was seen */
};

void smtp_reply_init(struct smtp_reply *r);
void smtp_reply_reset(struct smtp_reply *r);
void smtp_reply_free(struct smtp_reply *r);
/* Feed one reply line (terminator included or not). Returns 1 when the
 * reply is complete, 0 when more lines follow, -1 (e, EX_PROTOCOL) for a
 * line without a three-digit code, a code that changes between lines, a bad
 * separator, or past the limits above. */
int smtp_reply_feed(struct smtp_reply *r, const char *line, size_t n, struct mail_err *e);
/* A one-line, printable summary "550 5.1.1 text / more text" (controls
 * escaped as \xHH, cut at cap) for logs, envelopes and bounces. */
void smtp_reply_summary(const struct smtp_reply *r, char *out, size_t cap);

/* --- EHLO extensions ---------------------------------------------------- */

enum {
	SMTP_EXT_PIPELINING = 1 << 0,
	SMTP_EXT_SIZE = 1 << 1,
	SMTP_EXT_STARTTLS = 1 << 2,
	SMTP_EXT_AUTH = 1 << 3,
	SMTP_EXT_8BITMIME = 1 << 4,
	SMTP_EXT_SMTPUTF8 = 1 << 5,
	SMTP_EXT_DSN = 1 << 6,
	SMTP_EXT_CHUNKING = 1 << 7,
	SMTP_EXT_ENHANCEDSTATUSCODES = 1 << 8,
	SMTP_EXT_REQUIRETLS = 1 << 9,
	SMTP_EXT_XCLIENT = 1 << 10,
	SMTP_EXT_BINARYMIME = 1 << 11,
};
enum { SMTP_AUTH_PLAIN = 1, SMTP_AUTH_LOGIN = 2, SMTP_AUTH_CRAM_MD5 = 4 };

struct smtp_ext {
	unsigned flags;                /* SMTP_EXT_* */
	unsigned long long size;       /* SIZE value; 0 = no limit announced */
	unsigned auth;                 /* SMTP_AUTH_* we can use */
	char auth_offered[256];        /* the mechanisms as offered, space separated */
};

/* Parse the text of a 250 reply to EHLO (smtp_reply.text: the first line is
 * the greeting, each further line one keyword with parameters). Keywords are
 * case-insensitive; the old "AUTH=..." form counts too. Never fails. */
void smtp_ext_parse(struct smtp_ext *x, const char *text, size_t n);

/* --- message text → DATA/BDAT bytes ------------------------------------- */

struct smtp_dot {
	int bol;      /* at the beginning of a line */
	int cr;       /* a CR was seen and its line end not yet written */
	int stuff;    /* dot-stuff (DATA) or not (BDAT) */
	unsigned long long lines_stuffed;
};
void smtp_dot_init(struct smtp_dot *d, int stuff);
/* Append p[0..n) to out with every LF, CRLF or bare CR written as CRLF and,
 * when stuffing, a "." doubled at the start of each line. Streaming: the
 * state carries across calls, so a CR and its LF may come in two calls. */
int smtp_dot_encode(struct smtp_dot *d, const char *p, size_t n, struct buf *out);
/* End the text: a last line without its line end gets CRLF; when stuffing,
 * the end-of-data ".\r\n" follows. */
int smtp_dot_finish(struct smtp_dot *d, struct buf *out);

/* "PLAIN"/"LOGIN"/"CRAM-MD5" (case-insensitive) → SMTP_AUTH_*, 0 if unknown. */
unsigned smtp_auth_mech(const char *name);

#endif
