/* imap_string.c — IMAP string output; see imap_string.h. */
#include "msg/imap_string.h"

int imap_write_literal(struct buf *out, const char *s, size_t n, int binary)
{
	buf_addf(out, "%s{%zu}\r\n", binary ? "~" : "", n);
	buf_add(out, s, n);
	return buf_ok(out);
}

int imap_write_string(struct buf *out, const char *s, size_t n, int utf8)
{
	(void)utf8;
	return imap_write_literal(out, s, n, 0);
}

int imap_write_nstring(struct buf *out, const char *s, size_t n, int utf8)
{
	if (!s)
		return buf_adds(out, "NIL") == 0;
	return imap_write_string(out, s, n, utf8);
}

int imap_write_astring(struct buf *out, const char *s, size_t n, int utf8)
{
	return imap_write_string(out, s, n, utf8);
}

int imap_is_atom(const char *s, size_t n)
{
	(void)s, (void)n;
	return 0;
}
