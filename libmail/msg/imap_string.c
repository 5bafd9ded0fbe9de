/* imap_string.c — IMAP string output; see imap_string.h. */
#include "msg/imap_string.h"

#include <string.h>
#include <strings.h>

#include "base/utf8.h"

int imap_is_atom(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= 0x20 || c >= 0x7f || strchr("(){%*\"\\]", c))
			return 0;
	}
	return 1;
}

/* Can s[0..n) go as a quoted string? */
static int quotable(const char *s, size_t n, int utf8)
{
	if (n > IMAP_QUOTED_MAX)
		return 0;
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		/* '"' and '\\' could be escaped, but Dovecot sends a literal and
		 * some clients mishandle escapes: do the same */
		if (c == '\0' || c == '\r' || c == '\n' || c == '"' || c == '\\')
			return 0;
		if (c >= 0x80) {
			size_t k = utf8 ? utf8_seq_len((const unsigned char *)s + i, n - i) : 0;
			if (!k)
				return 0;
			i += k;
			continue;
		}
		i++;
	}
	return 1;
}

int imap_write_literal(struct buf *out, const char *s, size_t n, int binary)
{
	buf_addf(out, "%s{%zu}\r\n", binary ? "~" : "", n);
	buf_add(out, s, n);
	return buf_ok(out);
}

int imap_write_string(struct buf *out, const char *s, size_t n, int utf8)
{
	if (!quotable(s, n, utf8))
		return imap_write_literal(out, s, n, 0);
	buf_addc(out, '"');
	buf_add(out, s, n);
	buf_addc(out, '"');
	return buf_ok(out);
}

int imap_write_nstring(struct buf *out, const char *s, size_t n, int utf8)
{
	if (!s) {
		buf_adds(out, "NIL");
		return buf_ok(out);
	}
	return imap_write_string(out, s, n, utf8);
}

int imap_write_astring(struct buf *out, const char *s, size_t n, int utf8)
{
	/* "NIL" as an atom would read as NIL: quote it */
	if (imap_is_atom(s, n) && !(n == 3 && !strncasecmp(s, "NIL", 3))) {
		buf_add(out, s, n);
		return buf_ok(out);
	}
	return imap_write_string(out, s, n, utf8);
}
