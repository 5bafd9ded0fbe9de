/* imap_binconv.c — binary parts of an APPENDed message to base64; see
 * imap_binconv.h. */
#include "msg/imap_binconv.h"

#include <string.h>
#include <strings.h>

#include "msg/imap_mime.h"
#include "msg/mime.h"

#define B64_LINE 57   /* octets per 76-character base64 line (RFC 2045 §6.8) */

/* A part to re-encode: a leaf under an explicit identity encoding that is
 * "binary" or holds a NUL. (A part without the field, or whose field does
 * not count because its message has no MIME-Version, is left alone: one
 * added there would not count either.) */
static int needs_base64(const struct imap_mime *m, const struct imap_mime_part *p)
{
	if (p->multipart || p->message || !p->encoding)
		return 0;
	if (p->encoding_len == 6 && !strncasecmp(p->encoding, "binary", 6))
		return 1;
	static const char *const identity[] = { "7bit", "8bit" };
	for (size_t k = 0; k < sizeof identity / sizeof identity[0]; k++)
		if (p->encoding_len == 4 && !strncasecmp(p->encoding, identity[k], 4))
			return memchr(m->msg + p->body_start, '\0', p->body_len) != NULL;
	return 0;
}

static void add_base64_lines(struct buf *out, const char *p, size_t n, int final_break)
{
	for (size_t i = 0; i < n; i += B64_LINE) {
		if (i)
			buf_adds(out, "\r\n");
		base64_encode(out, p + i, n - i < B64_LINE ? n - i : B64_LINE);
	}
	if (final_break)
		buf_adds(out, "\r\n");
}

int imap_binary_to_base64(const char *msg, size_t n, struct buf *out)
{
	struct imap_mime m;
	if (imap_mime_parse(msg, n, &m) < 0)
		return -1;
	size_t at = 0;   /* msg[0..at) is in out */
	int converted = 0;
	/* Leaf parts come in the order of the message and never overlap. */
	for (size_t i = 0; i < m.nparts; i++) {
		const struct imap_mime_part *p = &m.parts[i];
		if (!needs_base64(&m, p))
			continue;
		if (!converted)
			buf_reset(out);
		converted = 1;
		size_t v = (size_t)(p->encoding - msg);
		buf_add(out, msg + at, v - at);
		buf_adds(out, "base64");
		at = v + p->encoding_len;
		buf_add(out, msg + at, p->body_start - at);
		/* The line break before a boundary belongs to the boundary. */
		size_t body_end = p->body_start + p->body_len;
		add_base64_lines(out, msg + p->body_start, p->body_len, body_end == n);
		at = body_end;
	}
	if (converted)
		buf_add(out, msg + at, n - at);
	imap_mime_free(&m);
	if (!converted)
		return 0;
	return buf_ok(out) ? 1 : -1;
}
