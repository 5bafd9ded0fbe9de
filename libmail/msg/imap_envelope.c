/* imap_envelope.c — ENVELOPE; see imap_envelope.h. */
#include "msg/imap_envelope.h"

int imap_envelope(struct buf *out, const char *msg, size_t n)
{
	(void)msg, (void)n;
	buf_adds(out, "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
	return buf_ok(out);
}

int imap_envelope_addresses(struct buf *out, const char *value, size_t n)
{
	(void)value, (void)n;
	buf_adds(out, "NIL");
	return buf_ok(out);
}
