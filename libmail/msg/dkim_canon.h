/* dkim_canon.h — DKIM canonicalization (RFC 6376 §3.4), simple and
 * relaxed, of header fields and of the body.
 *
 * Lines may end in LF (the spool's form) or CRLF; either way canonical
 * output ends lines in CRLF, as the RFC defines it on the wire. The body
 * is canonicalized as a stream, in chunks of any size split anywhere, so a
 * message of any length is hashed in constant memory: empty lines are
 * only counted until a line with content shows they were not at the end.
 */
#ifndef POSTBOX_DKIM_CANON_H
#define POSTBOX_DKIM_CANON_H

#include <stddef.h>

#include "base/buf.h"
#include "msg/dkim_sig.h"

/* Append the canonical form of one field (name, and its value as after
 * the colon, folding kept) to out, with the final CRLF when crlf. */
int dkim_canon_header(struct buf *out, const char *name, size_t name_len, const char *value, size_t value_len,
		      int relaxed, int crlf);

/* The header data a signature covers (§3.7, §5.4.2): for each name of h
 * in order, the last field of that name in hdrs[0..n) not yet taken, from
 * the bottom up; a name with no field left adds nothing (that is how a
 * signature "oversigns" a field against one being added later). hdrs is
 * the header section in LF or CRLF form. -1 on out of memory. */
int dkim_canon_headers(struct buf *out, const char *hdrs, size_t n, const struct dkim_hname *h, size_t nh,
		       int relaxed);

typedef void (*dkim_canon_out)(void *ctx, const char *p, size_t n);

struct dkim_body_canon {
	int relaxed;
	dkim_canon_out out;
	void *ctx;
	unsigned long long blank_lines;  /* empty lines not yet known not to end the body */
	int line_has_content;            /* the current line has emitted bytes */
	int pending_wsp;                 /* relaxed: white space seen, not yet emitted */
	int pending_cr;                  /* a CR that a LF may follow */
	int any_output;
};

void dkim_body_canon_init(struct dkim_body_canon *c, int relaxed, dkim_canon_out out, void *ctx);
void dkim_body_canon_update(struct dkim_body_canon *c, const char *p, size_t n);
void dkim_body_canon_final(struct dkim_body_canon *c);

#endif
