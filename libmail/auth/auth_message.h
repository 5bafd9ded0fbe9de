/* auth_message.h — reading a message for signing or verifying: the
 * header section into memory (up to a limit), the body as a stream, so
 * that a message of any size costs constant memory.
 */
#ifndef POSTBOX_AUTH_MESSAGE_H
#define POSTBOX_AUTH_MESSAGE_H

#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"

#define AUTH_HEADER_MAX (1024 * 1024)

/* What a reader hands the message to. header is called once, when the
 * header section is complete (or the input ended inside it), before any
 * body; body for every chunk after it. Each returns 0, or -1 to stop
 * with e set. Either may be NULL. */
struct auth_message_sink {
	int (*header)(void *ctx, const char *hdr, size_t n, struct mail_err *e);
	int (*body)(void *ctx, const char *p, size_t n, struct mail_err *e);
	void *ctx;
};

/* The same reading, fed piece by piece (smtpd feeds the message as it
 * arrives): init, feed every byte in order, end. header_bytes is how many
 * input bytes the header section took (its empty line included), which
 * differs from hdr->len when CRLFs were made LF. */
struct auth_reader {
	struct buf *hdr, *raw;
	const struct auth_message_sink *sink;
	int in_header;
	size_t header_bytes;
};
void auth_reader_init(struct auth_reader *r, struct buf *hdr, struct buf *raw, const struct auth_message_sink *sink);
/* 0, or -1 as auth_read_message says (a sink's -1 passes through). */
int auth_reader_feed(struct auth_reader *r, const char *p, size_t n, struct mail_err *e);
/* Read fd to its end into r (EX_IOERR when it cannot be read). */
int auth_reader_read_fd(struct auth_reader *r, int fd, struct mail_err *e);
/* The input ended: the sink's header when the header section had not. */
int auth_reader_end(struct auth_reader *r, struct mail_err *e);

/* Read fd to its end. hdr gets the header section with its line breaks
 * made LF (the spool's form), up to and including the empty line that
 * ends it; raw (when not NULL) gets the same bytes as they came. Then the
 * sink's header, then every byte after it to the sink's body.
 * -1 with EX_DATAERR when the header section is over AUTH_HEADER_MAX,
 * EX_IOERR when fd cannot be read. */
int auth_read_message(int fd, struct buf *hdr, struct buf *raw, const struct auth_message_sink *sink,
		      struct mail_err *e);

#endif
