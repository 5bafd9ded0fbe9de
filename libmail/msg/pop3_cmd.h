/* pop3_cmd.h — the pure pieces of POP3 (RFC 1939, RFC 2449, RFC 5034).
 *
 * Command lines: a keyword (case-insensitive, 3–4 letters) and at most two
 * arguments separated by single spaces — RFC 2449 limits a line to 255
 * octets with its CRLF and an argument to 40 octets (USER's name and AUTH's
 * initial response only to the line); anything else is malformed. Message numbers and line counts are decimal digits only, no
 * sign, at most 10 digits, within [min, UINT32_MAX]: "RETR -1",
 * "TOP 1 4294967296", "LIST 0" are all refused.
 *
 * The transmission of a message (RETR/TOP) is a streaming converter: LF
 * (or CRLF) line ends become CRLF, a line starting with "." gets another
 * ("byte-stuffing", RFC 1939 §3), a missing final line end is added, and
 * TOP stops after the header and N body lines. It works on any chunking of
 * the input, so a 50 MB message never sits in memory.
 */
#ifndef POSTBOX_POP3_H
#define POSTBOX_POP3_H

#include <stddef.h>

#include "base/buf.h"

#define POP3_LINE_MAX 255       /* with CRLF (RFC 2449 §4) */
#define POP3_ARG_MAX 40
#define POP3_SASL_LINE_MAX 2048 /* a base64 SASL response line */

struct pop3_cmd {
	char verb[5];            /* upper-cased */
	int nargs;
	char arg[2][POP3_LINE_MAX + 1];
	const char *rest;        /* everything after "VERB " (for PASS) */
};

/* Parse one line (its CRLF or LF may be included). 0 or -1 when
 * malformed. PASS is special: its one argument is the rest of the line,
 * spaces included (RFC 1939 §7 allows them), up to the line limit. */
int pop3_parse(const char *line, size_t n, struct pop3_cmd *c);

/* A number argument: 0 with *out, or -1. */
int pop3_number(const char *s, unsigned long min, unsigned long *out);

/* SASL PLAIN (RFC 4616): base64 of "authzid NUL authcid NUL password".
 * Decodes into the three caps-sized fields; -1 when malformed, too long,
 * or when authzid is given and differs from authcid (we do not proxy). */
int pop3_sasl_plain(const char *b64, size_t n, char *authcid, size_t acap, char *pass,
		    size_t pcap);

/* Streaming RETR/TOP conversion. */
struct pop3_stuffer {
	int bol;                 /* at the beginning of a line */
	int cr;                  /* the last byte was CR */
	int in_body;             /* past the header's empty line */
	int header_line_empty;   /* the current header line is empty so far */
	long long body_lines;    /* TOP: body lines still to send; -1 = all */
	int done;                /* TOP: enough lines sent */
};

void pop3_stuff_init(struct pop3_stuffer *s, long long top_lines);
/* Convert p[0..n) and append to out. */
int pop3_stuff(struct pop3_stuffer *s, const char *p, size_t n, struct buf *out);
/* The end: a final CRLF if the text did not end with one, then ".\r\n". */
int pop3_stuff_end(struct pop3_stuffer *s, struct buf *out);

/* Size with CRLF line ends of p[0..n): n plus one per LF not preceded by
 * CR. For files without a ,W= field in their name. */
long long pop3_crlf_size(const char *p, size_t n, int *last_cr);

#endif
