/* io.c — see io.h. */
#include "base/io.h"

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static ssize_t plain_recv(struct io *io, void *p, size_t n)
{
	return read(io->rfd, p, n);
}

static ssize_t plain_send(struct io *io, const void *p, size_t n)
{
	return write(io->wfd, p, n);
}

void io_init(struct io *io, int rfd, int wfd, int timeout_ms, const char *peer)
{
	memset(io, 0, offsetof(struct io, in));
	io->rfd = rfd;
	io->wfd = wfd;
	io->timeout_ms = timeout_ms;
	io_init_transport_plain(io);
	io->peer = peer ? peer : "peer";
	buf_init(&io->out, 0);
}

void io_init_transport_plain(struct io *io)
{
	io->recv = plain_recv;
	io->send = plain_send;
	io->buffered = NULL;
	io->ctx = NULL;
}

void io_free(struct io *io)
{
	buf_free(&io->out);
}

long long io_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void io_deadline(struct io *io, int ms, long long min_rate)
{
	io->deadline = ms > 0 ? io_now_ms() + ms : 0;
	io->deadline_span = ms > 0 ? ms : 0;
	io->min_rate = ms > 0 && min_rate > 0 ? min_rate : 0;
}

int io_wait(struct io *io, int fd, short events, long long deadline, struct mail_err *e)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	for (;;) {
		int wait = io->timeout_ms;
		if (deadline > 0) {
			long long left = deadline - io_now_ms();
			if (left <= 0)
				left = 0;
			if (wait < 0 || left < wait)
				wait = (int)left;
		}
		int r = wait == 0 ? 0 : poll(&pfd, 1, wait);
		if (r > 0)
			return 0;
		if (r == 0) {
			errno = ETIMEDOUT;
			if (deadline > 0)
				return err_set(e, EX_TEMPFAIL, 421, "4.4.2", "%s: deadline exceeded", io->peer);
			return err_set(e, EX_TEMPFAIL, 421, "4.4.2", "%s: timed out after %d s",
				       io->peer, io->timeout_ms / 1000);
		}
		if (errno != EINTR)
			return err_sys(e, "%s: poll", io->peer);
	}
}

/* n bytes arrived: a client that keeps up min_rate earns time. */
static void io_earn_time(struct io *io, size_t n)
{
	if (!io->deadline || !io->min_rate)
		return;
	long long now = io_now_ms();
	io->deadline += (long long)n * 1000 / io->min_rate;
	if (io->deadline > now + io->deadline_span)
		io->deadline = now + io->deadline_span;
}

/* Refill the input buffer; returns bytes added, 0 at EOF, -1 on error. */
static ssize_t io_fill(struct io *io, struct mail_err *e)
{
	if (io->in_pos > 0 && io->in_pos == io->in_len)
		io->in_pos = io->in_len = 0;
	if (io->in_pos > 0) {
		memmove(io->in, io->in + io->in_pos, io->in_len - io->in_pos);
		io->in_len -= io->in_pos;
		io->in_pos = 0;
	}
	for (;;) {
		/* A transport with its own buffer (TLS) may hold data while the fd
		 * is not readable: wait on the fd only when it holds none. */
		int ready = io->buffered && io->buffered(io) > 0;
		if (!ready && io_wait(io, io->rfd, POLLIN, io->deadline, e) < 0)
			return -1;
		ssize_t r = io->recv(io, io->in + io->in_len, sizeof io->in - io->in_len);
		if (r > 0) {
			io->in_len += (size_t)r;
			io_earn_time(io, (size_t)r);
			return r;
		}
		if (r == 0) {
			io->eof = 1;
			return 0;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if (io_wait(io, io->rfd, POLLIN, io->deadline, e) < 0)
				return -1;
			continue;
		}
		return err_sys(e, "%s: read", io->peer);
	}
}

int io_getline(struct io *io, struct buf *line, size_t max, struct mail_err *e)
{
	int toolong = 0;
	buf_reset(line);
	for (;;) {
		char *start = io->in + io->in_pos;
		size_t avail = io->in_len - io->in_pos;
		char *nl = memchr(start, '\n', avail);
		size_t take = nl ? (size_t)(nl - start) + 1 : avail;
		if (!toolong) {
			if (line->len + take > max) {
				toolong = 1;
			} else if (buf_add(line, start, take) < 0) {
				return err_sys(e, "%s: line buffer", io->peer), IO_ERR;
			}
		}
		io->in_pos += take;
		if (nl)
			return toolong ? IO_TOOLONG : IO_LINE;
		ssize_t r = io_fill(io, e);
		if (r < 0)
			return IO_ERR;
		if (r == 0) {
			if (toolong)
				return IO_TOOLONG;
			return line->len ? IO_LINE : IO_EOF;
		}
	}
}

ssize_t io_read(struct io *io, void *p, size_t n, struct mail_err *e)
{
	if (io->in_pos == io->in_len) {
		ssize_t r = io_fill(io, e);
		if (r <= 0)
			return r;
	}
	size_t avail = io->in_len - io->in_pos;
	if (n > avail)
		n = avail;
	memcpy(p, io->in + io->in_pos, n);
	io->in_pos += n;
	return (ssize_t)n;
}

ssize_t io_peek(struct io *io, const char **p, struct mail_err *e)
{
	if (io->in_pos == io->in_len) {
		ssize_t r = io_fill(io, e);
		if (r <= 0)
			return r;
	}
	*p = io->in + io->in_pos;
	return (ssize_t)(io->in_len - io->in_pos);
}

void io_skip(struct io *io, size_t n)
{
	size_t avail = io->in_len - io->in_pos;
	io->in_pos += n < avail ? n : avail;
}

size_t io_pending(const struct io *io)
{
	return io->in_len - io->in_pos;
}

void io_discard_input(struct io *io)
{
	io->in_pos = io->in_len = 0;
}

int io_put(struct io *io, const void *p, size_t n)
{
	return buf_add(&io->out, p, n);
}

int io_printf(struct io *io, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = buf_vaddf(&io->out, fmt, ap);
	va_end(ap);
	return r;
}

int io_flush(struct io *io, struct mail_err *e)
{
	if (!buf_ok(&io->out)) {
		buf_reset(&io->out);
		errno = ENOMEM;
		return err_sys(e, "%s: output buffer", io->peer);
	}
	/* The whole reply within timeout_ms: a peer that reads one byte at
	 * a time does not hold the session longer than a silent one. */
	long long deadline = io->timeout_ms > 0 ? io_now_ms() + io->timeout_ms : 0;
	size_t off = 0;
	while (off < io->out.len) {
		ssize_t w = io->send(io, io->out.ptr + off, io->out.len - off);
		if (w > 0) {
			off += (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (io_wait(io, io->wfd, POLLOUT, deadline, e) < 0)
				return -1;
			continue;
		}
		buf_reset(&io->out);
		return err_sys(e, "%s: write", io->peer);
	}
	buf_reset(&io->out);
	return 0;
}

int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n > 0) {
		ssize_t w = write(fd, c, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

int writev_all(int fd, struct iovec *v, int n)
{
	for (;;) {
		while (n > 0 && v->iov_len == 0) {
			v++;
			n--;
		}
		if (n == 0)
			return 0;
		ssize_t w = writev(fd, v, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (size_t left = (size_t)w; left > 0; v++, n--) {
			size_t took = left < v->iov_len ? left : v->iov_len;
			v->iov_base = (char *)v->iov_base + took;
			v->iov_len -= took;
			left -= took;
			if (v->iov_len > 0)
				break;
		}
	}
}

int write_all2(int fd, const void *a, size_t na, const void *b, size_t nb)
{
	struct iovec iov[2] = { { (void *)a, na }, { (void *)b, nb } };
	return writev_all(fd, iov, 2);
}

void io_fds_nonblocking(struct io_fd_modes *saved, int rfd, int wfd)
{
	*saved = (struct io_fd_modes){ rfd, wfd, fcntl(rfd, F_GETFL), fcntl(wfd, F_GETFL) };
	if (saved->rflags >= 0)
		fcntl(rfd, F_SETFL, saved->rflags | O_NONBLOCK);
	if (wfd != rfd && saved->wflags >= 0)
		fcntl(wfd, F_SETFL, saved->wflags | O_NONBLOCK);
}

void io_fds_restore(const struct io_fd_modes *saved)
{
	if (saved->rflags >= 0)
		fcntl(saved->rfd, F_SETFL, saved->rflags);
	if (saved->wfd != saved->rfd && saved->wflags >= 0)
		fcntl(saved->wfd, F_SETFL, saved->wflags);
}
