/* io.h — a buffered, deadline-bound byte stream over file descriptors.
 *
 * An io reads from rfd and writes to wfd (the same socket, or stdin and
 * stdout under inetd). Every read waits at most `timeout_ms`; a server
 * also sets a deadline for a whole request (io_deadline), so that a peer
 * that sends one byte at a time cannot stretch a command or a block of
 * message data without end (Postfix's smtpd_per_record_deadline and
 * smtpd_min_data_rate). A whole io_flush() is bounded by `timeout_ms`
 * too, however the peer trickles its reads. The transport is a pair of
 * function pointers so that TLS slides underneath without any caller
 * changing: net/tls.c's tls_accept() and tls_connect() replace
 * `recv`/`send`/`buffered` and set `ctx`, io_init_transport_plain() puts
 * the plain ones back. Input is buffered; io_pending() tells how many bytes the peer sent
 * ahead (pipelining), io_discard_input() throws them away (the STARTTLS rule
 * of RFC 3207 §4.2 / CVE-2011-0411).
 */
#ifndef POSTBOX_IO_H
#define POSTBOX_IO_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "base/buf.h"
#include "base/err.h"

#define IO_BUFSIZE 16384

struct io;
typedef ssize_t (*io_recv_fn)(struct io *io, void *p, size_t n);
typedef ssize_t (*io_send_fn)(struct io *io, const void *p, size_t n);
/* Bytes the transport holds already decrypted (SSL_pending); 0 for plain. */
typedef size_t (*io_buffered_fn)(struct io *io);

struct io {
	int rfd, wfd;
	int timeout_ms;         /* per read wait, per flush; < 0 waits forever */
	long long deadline;     /* monotonic ms by which the current request
	                         * must have arrived; 0: none (io_deadline) */
	long long min_rate;     /* bytes/s that push the deadline back */
	int deadline_span;      /* ms: how far ahead the deadline may move */
	io_recv_fn recv;
	io_send_fn send;
	io_buffered_fn buffered;  /* NULL for plain descriptors */
	void *ctx;              /* transport state (TLS) */
	const char *peer;       /* name used in error messages */
	size_t in_pos, in_len;
	struct buf out;         /* queued output until io_flush() */
	int eof;
	/* Last, and never zeroed (io_init): a page of it is touched only when
	 * bytes arrive, so an idle session's process does not pay for all of
	 * it (imapd: a thousand idle sessions). */
	char in[IO_BUFSIZE];
};

/* Results of io_getline(). */
enum { IO_LINE = 1, IO_EOF = 0, IO_ERR = -1, IO_TOOLONG = 2 };

void io_init(struct io *io, int rfd, int wfd, int timeout_ms, const char *peer);
void io_free(struct io *io);
/* Back to plain read/write on the fds (after TLS ends). */
void io_init_transport_plain(struct io *io);

/* The current request (a command line, a block of message data) must
 * arrive within ms milliseconds from now. With min_rate > 0 each byte read
 * moves the deadline back by 1/min_rate s, never more than ms ahead of the
 * moment of the read: a client that keeps up min_rate bytes/s is never cut
 * off, one that trickles is, whatever its pace between reads. ms <= 0
 * clears the deadline (back to timeout_ms per read). */
void io_deadline(struct io *io, int ms, long long min_rate);
/* Milliseconds on the monotonic clock. */
long long io_now_ms(void);
/* Wait until fd is ready for events, at most timeout_ms and never past
 * deadline (monotonic ms, 0: none). 0, or -1 with e (421 4.4.2 and errno
 * ETIMEDOUT on a timeout). For transports that do their own waits (TLS
 * handshakes). */
int io_wait(struct io *io, int fd, short events, long long deadline, struct mail_err *e);

/* Read one line, terminator included, into line (reset first). At most max
 * bytes are kept: a longer line is consumed up to and including its LF and
 * IO_TOOLONG is returned, so the caller can reply and go on. IO_EOF when the
 * peer closed with nothing buffered (a partial last line is returned as
 * IO_LINE without LF). IO_ERR on timeout or error (err says which). */
int io_getline(struct io *io, struct buf *line, size_t max, struct mail_err *e);
/* Read up to n bytes that are available (waiting for at least one).
 * Returns the count, 0 at EOF, -1 on error. */
ssize_t io_read(struct io *io, void *p, size_t n, struct mail_err *e);

/* Zero-copy reading for decoders: the buffered input, refilled (waiting)
 * when empty. *p points into the io's buffer; returns the byte count, 0 at
 * EOF, -1 on error. io_skip() consumes n of them. */
ssize_t io_peek(struct io *io, const char **p, struct mail_err *e);
void io_skip(struct io *io, size_t n);

size_t io_pending(const struct io *io);
void io_discard_input(struct io *io);

/* Queue output; io_flush() writes it all (with the write deadline). */
int io_put(struct io *io, const void *p, size_t n);
int io_printf(struct io *io, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int io_flush(struct io *io, struct mail_err *e);

/* A server session's descriptors made non-blocking, so that every wait
 * (TLS handshakes too) is bounded by a deadline, and put back as they
 * were at its end: they may be shared with whoever started us (a
 * terminal, a pipe under inetd). */
struct io_fd_modes {
	int rfd, wfd, rflags, wflags;
};
void io_fds_nonblocking(struct io_fd_modes *saved, int rfd, int wfd);
void io_fds_restore(const struct io_fd_modes *saved);

/* Write all of p to fd, retrying short writes and EINTR. */
int write_all(int fd, const void *p, size_t n);
/* The same for iov[0..n), with writev; iov is used up (changed) as it goes. */
int writev_all(int fd, struct iovec *iov, int n);
/* The same for a[0..na) then b[0..nb), in one writev when it takes all. */
int write_all2(int fd, const void *a, size_t na, const void *b, size_t nb);

#endif
