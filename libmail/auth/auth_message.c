/* auth_message.c — header section in memory, body streamed; see
 * auth_message.h. */
#include "auth/auth_message.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

/* Add the header section's next bytes from p[0..n): up to and including
 * the first LF, and no more than takes hdr past AUTH_HEADER_MAX. *ended:
 * that LF ended the section (its line was empty). Returns how many were
 * taken. A CR before an LF goes (CRLF → LF), also when the CR came at the
 * end of the previous piece. */
static size_t header_bytes(struct buf *hdr, const char *p, size_t n, int *ended)
{
	const char *lf = memchr(p, '\n', n);
	size_t take = lf ? (size_t)(lf - p) + 1 : n;
	size_t room = hdr->len <= AUTH_HEADER_MAX ? AUTH_HEADER_MAX + 1 - hdr->len : 0;
	if (take > room) {
		take = room;
		lf = NULL;
	}
	*ended = 0;
	if (buf_add(hdr, p, take) < 0 || !lf)
		return take;
	if (hdr->len >= 2 && hdr->ptr[hdr->len - 2] == '\r') {
		hdr->len--;
		hdr->ptr[hdr->len - 1] = '\n';
	}
	*ended = hdr->len == 1 || hdr->ptr[hdr->len - 2] == '\n';
	return take;
}

static int header_done(struct auth_reader *r, struct mail_err *e)
{
	if (!r->sink->header)
		return 0;
	return r->sink->header(r->sink->ctx, r->hdr->ptr ? r->hdr->ptr : "", r->hdr->len, e);
}

void auth_reader_init(struct auth_reader *r, struct buf *hdr, struct buf *raw, const struct auth_message_sink *sink)
{
	r->hdr = hdr;
	r->raw = raw;
	r->sink = sink;
	r->in_header = 1;
	r->header_bytes = 0;
}

int auth_reader_feed(struct auth_reader *r, const char *p, size_t n, struct mail_err *e)
{
	size_t i = 0;
	if (r->in_header) {
		while (r->in_header && i < n) {
			int ended;
			size_t took = header_bytes(r->hdr, p + i, n - i, &ended);
			if (r->raw)
				buf_add(r->raw, p + i, took);
			i += took;
			r->in_header = !ended;
			if (r->hdr->len > AUTH_HEADER_MAX || !buf_ok(r->hdr) || (r->raw && !buf_ok(r->raw)))
				return err_set(e, EX_DATAERR, 552, "5.3.4", "the header section is over %d bytes",
					       AUTH_HEADER_MAX);
		}
		r->header_bytes += i;
		if (!r->in_header && header_done(r, e) < 0)
			return -1;
	}
	if (i < n && r->sink->body && r->sink->body(r->sink->ctx, p + i, n - i, e) < 0)
		return -1;
	return 0;
}

int auth_reader_read_fd(struct auth_reader *r, int fd, struct mail_err *e)
{
	char chunk[65536];
	for (;;) {
		ssize_t got = read(fd, chunk, sizeof chunk);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return err_set(e, EX_IOERR, 451, "4.3.0", "cannot read the message: %s", strerror(errno));
		if (got == 0)
			return 0;
		if (auth_reader_feed(r, chunk, (size_t)got, e) < 0)
			return -1;
	}
}

int auth_reader_end(struct auth_reader *r, struct mail_err *e)
{
	if (!r->in_header)
		return 0;
	r->in_header = 0;
	return header_done(r, e);
}

int auth_read_message(int fd, struct buf *hdr, struct buf *raw, const struct auth_message_sink *sink,
		      struct mail_err *e)
{
	struct auth_reader r;
	auth_reader_init(&r, hdr, raw, sink);
	if (auth_reader_read_fd(&r, fd, e) < 0)
		return -1;
	return auth_reader_end(&r, e);
}
