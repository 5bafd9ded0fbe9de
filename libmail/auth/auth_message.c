/* auth_message.c — header section in memory, body streamed; see
 * auth_message.h. */
#include "auth/auth_message.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

/* Add one byte of the header section; 1 when it ended it. */
static int header_byte(struct buf *hdr, char c)
{
	if (c == '\n' && hdr->len && hdr->ptr[hdr->len - 1] == '\r')
		hdr->len--; /* CRLF → LF */
	buf_addc(hdr, c);
	return c == '\n' && (hdr->len == 1 || hdr->ptr[hdr->len - 2] == '\n');
}

static int header_done(struct buf *hdr, const struct auth_message_sink *sink, struct mail_err *e)
{
	if (!sink->header)
		return 0;
	return sink->header(sink->ctx, hdr->ptr ? hdr->ptr : "", hdr->len, e);
}

int auth_read_message(int fd, struct buf *hdr, struct buf *raw, const struct auth_message_sink *sink,
		      struct mail_err *e)
{
	char chunk[65536];
	int in_header = 1;
	for (;;) {
		ssize_t r = read(fd, chunk, sizeof chunk);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return err_set(e, EX_IOERR, 451, "4.3.0", "cannot read the message: %s", strerror(errno));
		if (r == 0)
			return in_header ? header_done(hdr, sink, e) : 0;
		size_t i = 0;
		if (in_header) {
			while (in_header && i < (size_t)r) {
				if (raw)
					buf_addc(raw, chunk[i]);
				in_header = !header_byte(hdr, chunk[i++]);
				if (hdr->len > AUTH_HEADER_MAX || !buf_ok(hdr) || (raw && !buf_ok(raw)))
					return err_set(e, EX_DATAERR, 552, "5.3.4",
						       "the header section is over %d bytes", AUTH_HEADER_MAX);
			}
			if (!in_header && header_done(hdr, sink, e) < 0)
				return -1;
		}
		if (i < (size_t)r && sink->body && sink->body(sink->ctx, chunk + i, (size_t)r - i, e) < 0)
			return -1;
	}
}
