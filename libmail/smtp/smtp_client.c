/* smtp_client.c — the SMTP session: connecting, replies, commands, EHLO,
 * STARTTLS and AUTH. See smtp_client.h for the contract.
 */
#include "smtp/smtp_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "base/lazy_ssl.h"

#include "msg/mime.h"
#include "net/tls.h"

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void trace(struct smtp_client *c, enum smtp_trace_dir dir, const char *p, size_t n)
{
	if (c->trace)
		c->trace(c->trace_arg, dir, p, n);
}

static void tracef(struct smtp_client *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void tracef(struct smtp_client *c, const char *fmt, ...)
{
	if (!c->trace)
		return;
	char line[600];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n > 0)
		trace(c, SMTP_TRACE_INFO, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

static int broken(struct smtp_client *c)
{
	c->broken = 1;
	return -1;
}

/* --- connecting --- */

static void client_init(struct smtp_client *c, int fd, int timeout_ms)
{
	/* what the caller set before connecting survives */
	smtp_trace_fn t = c->trace;
	void *ta = c->trace_arg;
	int dot = c->dot_timeout_ms;
	memset(c, 0, sizeof *c);
	c->trace = t;
	c->trace_arg = ta;
	c->dot_timeout_ms = dot;
	c->fd = fd;
	c->own_fds = 1;
	c->timeout_ms = timeout_ms;
	smtp_reply_init(&c->reply);
	io_init(&c->io, fd, fd, timeout_ms, c->peer);
}

/* Connect fd to sa within timeout_ms; 0 or -1 with errno. */
static int connect_wait(int fd, const struct sockaddr *sa, socklen_t len, int timeout_ms)
{
	if (connect(fd, sa, len) == 0)
		return 0;
	if (errno != EINPROGRESS && errno != EINTR)
		return -1;
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	int r;
	do
		r = poll(&pfd, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r == 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	if (r < 0)
		return -1;
	int soerr = 0;
	socklen_t sl = sizeof soerr;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
		return -1;
	if (soerr) {
		errno = soerr;
		return -1;
	}
	return 0;
}

static int bind_local(int fd, int family, const char *local)
{
	struct addrinfo hints = { .ai_family = family, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICHOST | AI_PASSIVE };
	struct addrinfo *res;
	if (getaddrinfo(local, NULL, &hints, &res) != 0) {
		errno = EADDRNOTAVAIL;
		return -1;
	}
	int r = bind(fd, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	return r;
}

int smtp_connect(struct smtp_client *c, const char *host, const char *port, int family,
		 const char *local, int timeout_ms, struct mail_err *e)
{
	char name[256];
	size_t hl = strlen(host);
	if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
		host++;
		hl -= 2;
	}
	if (str_copy(name, sizeof name, host, hl) < 0)
		return err_set(e, EX_USAGE, 0, "", "%s: host name too long", host);
	/* An address literal needs no lookup (and AI_ADDRCONFIG would cost a
	 * netlink query per connection: load mode notices). */
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
				  .ai_family = family == SMTP_IPV4 ? AF_INET
					       : family == SMTP_IPV6 ? AF_INET6 : AF_UNSPEC };
	struct addrinfo *res = NULL;
	int gr = getaddrinfo(name, port, &hints, &res);
	if (gr == EAI_NONAME) {
		hints.ai_flags = AI_ADDRCONFIG;
		gr = getaddrinfo(name, port, &hints, &res);
	}
	if (gr == EAI_ADDRFAMILY || gr == EAI_NONAME) {
		hints.ai_flags = 0; /* loopback-only hosts have no "configured" address */
		gr = getaddrinfo(name, port, &hints, &res);
	}
	if (gr != 0)
		return err_set(e, gr == EAI_AGAIN ? EX_TEMPFAIL : EX_NOHOST, 0, "",
			       "%s: cannot resolve: %s", name, gai_strerror(gr));
	int fd = -1, saved = 0;
	char addr[INET6_ADDRSTRLEN] = "?";
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		void *a = ai->ai_family == AF_INET
				  ? (void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr
				  : (void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
		inet_ntop(ai->ai_family, a, addr, sizeof addr);
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
		if (fd < 0) {
			saved = errno;
			continue;
		}
		if ((!local || bind_local(fd, ai->ai_family, local) == 0) &&
		    connect_wait(fd, ai->ai_addr, ai->ai_addrlen, timeout_ms) == 0)
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		errno = saved;
		err_sys(e, "%s[%s]:%s: cannot connect", name, addr, port);
		e->smtp = 0; /* not a server's reply */
		return -1;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	client_init(c, fd, timeout_ms);
	snprintf(c->peer, sizeof c->peer, "%s[%s]:%s", name, addr, port);
	str_copy(c->host, sizeof c->host, name, strlen(name));
	tracef(c, "connected to %s", c->peer);
	return 0;
}

int smtp_connect_unix(struct smtp_client *c, const char *path, int timeout_ms, struct mail_err *e)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	if (str_copy(sun.sun_path, sizeof sun.sun_path, path, strlen(path)) < 0)
		return err_set(e, EX_USAGE, 0, "", "%s: socket path too long", path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return err_sys(e, "%s: socket", path);
	if (connect_wait(fd, (struct sockaddr *)&sun, sizeof sun, timeout_ms) < 0) {
		err_sys(e, "%s: cannot connect", path);
		e->smtp = 0;
		close(fd);
		return -1;
	}
	client_init(c, fd, timeout_ms);
	str_copy(c->peer, sizeof c->peer, path, strlen(path));
	str_copy(c->host, sizeof c->host, "localhost", 9);
	tracef(c, "connected to %s", c->peer);
	return 0;
}

void smtp_client_fds(struct smtp_client *c, int rfd, int wfd, const char *name, int own,
		     int timeout_ms)
{
	client_init(c, -1, timeout_ms);
	c->own_fds = own;
	c->io.rfd = rfd;
	c->io.wfd = wfd;
	str_copy(c->peer, sizeof c->peer, name, strlen(name));
	str_copy(c->host, sizeof c->host, "localhost", 9);
}

void smtp_close(struct smtp_client *c)
{
	tls_end(&c->io);
	if (c->own_fds) {
		if (c->io.rfd >= 0)
			close(c->io.rfd);
		if (c->io.wfd >= 0 && c->io.wfd != c->io.rfd)
			close(c->io.wfd);
	}
	c->io.rfd = c->io.wfd = c->fd = -1;
	io_free(&c->io);
	smtp_reply_free(&c->reply);
	c->broken = 1;
}

/* --- replies and commands --- */

/* One line, byte by byte through io_read so that every wait is bounded by
 * what is left of the reply's total deadline. */
static int read_line(struct smtp_client *c, struct buf *line, long long deadline, struct mail_err *e)
{
	buf_reset(line);
	for (;;) {
		long long left = deadline - now_ms();
		if (left <= 0)
			return err_set(e, EX_TEMPFAIL, 0, "", "%s: timed out waiting for a reply",
				       c->peer);
		c->io.timeout_ms = (int)left;
		char ch;
		ssize_t r = io_read(&c->io, &ch, 1, e);
		if (r < 0) {
			if (deadline - now_ms() <= 0)
				err_set(e, EX_TEMPFAIL, 0, "", "%s: timed out waiting for a reply",
					c->peer);
			return -1;
		}
		if (r == 0)
			return line->len || c->reply.lines
				       ? err_set(e, EX_TEMPFAIL, 0, "", "%s: connection closed mid-reply",
						 c->peer)
				       : err_set(e, EX_TEMPFAIL, 0, "", "%s: connection closed",
						 c->peer);
		if (line->len < SMTP_REPLY_LINE_MAX)
			buf_addc(line, ch);
		else
			return err_set(e, EX_PROTOCOL, 0, "", "%s: reply line longer than %d bytes",
				       c->peer, SMTP_REPLY_LINE_MAX);
		if (ch == '\n')
			return 0;
	}
}

int smtp_read_reply(struct smtp_client *c, struct mail_err *e)
{
	if (c->broken)
		return err_set(e, EX_TEMPFAIL, 0, "", "%s: connection already failed", c->peer);
	struct buf line = BUF_INIT;
	long long deadline = now_ms() + (c->timeout_ms > 0 ? c->timeout_ms : 300000);
	int rc = -1;
	smtp_reply_reset(&c->reply);
	for (;;) {
		if (read_line(c, &line, deadline, e) < 0)
			break;
		trace(c, SMTP_TRACE_RECEIVED, line.ptr, line.len);
		int r = smtp_reply_feed(&c->reply, line.ptr, line.len, e);
		if (r < 0) {
			err_wrap(e, "%s", c->peer);
			break;
		}
		if (r == 1) {
			rc = c->reply.code;
			break;
		}
	}
	c->io.timeout_ms = c->timeout_ms;
	buf_free(&line);
	if (rc < 0 && e)
		e->smtp = 0; /* the connection failed, no server said so */
	return rc < 0 ? broken(c) : rc;
}

static int queue_line(struct smtp_client *c, const char *shown, const char *fmt, va_list ap)
{
	size_t start = c->io.out.len;
	buf_vaddf(&c->io.out, fmt, ap);
	buf_add(&c->io.out, "\r\n", 2);
	if (!buf_ok(&c->io.out))
		return -1;
	if (shown)
		trace(c, SMTP_TRACE_SENT, shown, strlen(shown));
	else
		trace(c, SMTP_TRACE_SENT, c->io.out.ptr + start, c->io.out.len - start);
	return 0;
}

int smtp_queue_cmd(struct smtp_client *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = queue_line(c, NULL, fmt, ap);
	va_end(ap);
	return r;
}

/* Like smtp_queue_cmd, with a redacted text for the trace. */
static int queue_secret(struct smtp_client *c, const char *shown, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int queue_secret(struct smtp_client *c, const char *shown, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = queue_line(c, shown, fmt, ap);
	va_end(ap);
	return r;
}

int smtp_queue_raw(struct smtp_client *c, const void *p, size_t n)
{
	trace(c, SMTP_TRACE_SENT, p, n);
	return io_put(&c->io, p, n);
}

int smtp_flush(struct smtp_client *c, struct mail_err *e)
{
	if (c->broken)
		return err_set(e, EX_TEMPFAIL, 0, "", "%s: connection already failed", c->peer);
	c->io.timeout_ms = c->timeout_ms;
	if (io_flush(&c->io, e) < 0) {
		e->smtp = 0;
		e->status[0] = '\0';
		return broken(c);
	}
	return 0;
}

int smtp_command(struct smtp_client *c, struct mail_err *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = queue_line(c, NULL, fmt, ap);
	va_end(ap);
	if (r < 0)
		return err_set(e, EX_TEMPFAIL, 0, "", "%s: out of memory", c->peer);
	if (smtp_flush(c, e) < 0)
		return -1;
	return smtp_read_reply(c, e);
}

int smtp_reply_error(struct smtp_client *c, const char *what, struct mail_err *e)
{
	char sum[400];
	smtp_reply_summary(&c->reply, sum, sizeof sum);
	int code = c->reply.code;
	return err_set(e, code >= 500 ? EX_UNAVAILABLE : code >= 400 ? EX_TEMPFAIL : EX_PROTOCOL,
		       code, c->reply.status, "%s: %s: %s", c->peer, what, sum);
}

/* --- EHLO, STARTTLS, AUTH, QUIT --- */

int smtp_ehlo(struct smtp_client *c, const char *name, struct mail_err *e)
{
	memset(&c->ext, 0, sizeof c->ext);
	c->esmtp = 0;
	int code = smtp_command(c, e, "EHLO %s", name);
	if (code < 0)
		return -1;
	if (code / 100 == 2) {
		c->esmtp = 1;
		smtp_ext_parse(&c->ext, c->reply.text.ptr ? c->reply.text.ptr : "", c->reply.text.len);
		return 0;
	}
	if (code / 100 != 5 || code == 554)
		return smtp_reply_error(c, "EHLO", e);
	code = smtp_command(c, e, "HELO %s", name);
	if (code < 0)
		return -1;
	return code / 100 == 2 ? 0 : smtp_reply_error(c, "HELO", e);
}

static int tls_done(struct smtp_client *c)
{
	tracef(c, "TLS started: %s %s", tls_version(&c->io), tls_cipher(&c->io));
	memset(&c->ext, 0, sizeof c->ext);
	c->esmtp = 0;
	return 0;
}

static int default_handshake(struct io *io, const char *host, void *arg, struct mail_err *e)
{
	return tls_connect(io, arg, host, e);
}

int smtp_starttls(struct smtp_client *c, struct tls_ctx *ctx, struct mail_err *e)
{
	return smtp_starttls_with(c, default_handshake, ctx, e);
}

int smtp_starttls_with(struct smtp_client *c, smtp_handshake_fn handshake, void *arg,
		       struct mail_err *e)
{
	int code = smtp_command(c, e, "STARTTLS");
	if (code < 0)
		return -1;
	if (code != 220)
		return smtp_reply_error(c, "STARTTLS", e);
	/* Anything after the 220 came in plain text from a man in the middle
	 * or a broken server; reading it after the handshake as if it were
	 * protected is CVE-2021-38371 (and its kin). Refuse. */
	size_t extra = io_pending(&c->io);
	if (extra > 0) {
		err_set(e, EX_PROTOCOL, 0, "",
			"%s: %zu bytes received after the 220 reply to STARTTLS (response injection)",
			c->peer, extra);
		return broken(c);
	}
	if (handshake(&c->io, c->host, arg, e) < 0) {
		err_wrap(e, "STARTTLS");
		e->smtp = 0;
		return broken(c);
	}
	return tls_done(c);
}

int smtp_tls_on_connect(struct smtp_client *c, struct tls_ctx *ctx, struct mail_err *e)
{
	if (tls_connect(&c->io, ctx, c->host, e) < 0) {
		e->smtp = 0;
		return broken(c);
	}
	return tls_done(c);
}

static int auth_step(struct smtp_client *c, const char *what, struct mail_err *e)
{
	if (smtp_flush(c, e) < 0)
		return -1;
	int code = smtp_read_reply(c, e);
	if (code < 0)
		return -1;
	if (code == 235)
		return 0;
	if (code == 334)
		return 1;
	return smtp_reply_error(c, what, e);
}

/* AUTH MECH: 1 on the 334 that asks for more, else as auth_step. */
static int auth_start(struct smtp_client *c, const char *what, struct mail_err *e)
{
	smtp_queue_cmd(c, "%s", what);
	return auth_step(c, what, e);
}

/* The last word of an exchange, the secret in b after prefix (traced as
 * shown): 0 on 235; anything else, a further 334 too, is a refusal. */
static int auth_last(struct smtp_client *c, const char *prefix, struct buf *b, const char *shown,
		     const char *what, struct mail_err *e)
{
	queue_secret(c, shown, "%s%s", prefix, buf_cstr(b));
	int r = auth_step(c, what, e);
	return r == 1 ? smtp_reply_error(c, what, e) : r;
}

static int b64(struct buf *out, const char *s, size_t n)
{
	buf_reset(out);
	return base64_encode(out, s, n) < 0 ? -1 : 0;
}

/* --- AUTH --- */

/* RFC 2195; see smtp_client.h. */

int smtp_cram_md5(struct buf *out, const char *user, const char *pass,
		  const char *challenge_b64, size_t n, struct mail_err *e)
{
	struct buf chal = BUF_INIT, resp = BUF_INIT;
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	int rc = -1;
	if (lazylib_load(LAZYLIB_OPENSSL, e) < 0)
		return -1;
	if (base64_decode(&chal, challenge_b64, n) < 0) {
		err_set(e, EX_PROTOCOL, 0, "", "CRAM-MD5 challenge is not base64");
		goto fail;
	}
	if (!HMAC(EVP_md5(), pass, (int)strlen(pass), (const unsigned char *)chal.ptr, chal.len,
		  mac, &maclen)) {
		err_set(e, EX_SOFTWARE, 0, "", "CRAM-MD5: HMAC-MD5 unavailable");
		goto fail;
	}
	buf_adds(&resp, user);
	buf_addc(&resp, ' ');
	for (unsigned i = 0; i < maclen; i++)
		buf_addf(&resp, "%02x", mac[i]);
	if (!buf_ok(&resp) || base64_encode(out, resp.ptr, resp.len) < 0) {
		err_set(e, EX_TEMPFAIL, 0, "", "CRAM-MD5: out of memory");
		goto fail;
	}
	rc = 0;
fail:
	if (resp.ptr)
		memset(resp.ptr, 0, resp.len);
	buf_free(&chal);
	buf_free(&resp);
	return rc;
}

int smtp_auth(struct smtp_client *c, unsigned mech, const char *user, const char *pass,
	      struct mail_err *e)
{
	if (!mech) {
		unsigned offered = c->ext.auth;
		mech = offered & SMTP_AUTH_CRAM_MD5 ? SMTP_AUTH_CRAM_MD5
		       : offered & SMTP_AUTH_PLAIN  ? SMTP_AUTH_PLAIN
		       : offered & SMTP_AUTH_LOGIN  ? SMTP_AUTH_LOGIN : 0;
		if (!mech)
			return err_set(e, EX_UNAVAILABLE, 0, "",
				       "%s: no usable AUTH mechanism offered (\"%s\")", c->peer,
				       c->ext.auth_offered);
	}
	struct buf a = BUF_INIT, b = BUF_INIT;
	int r = -1;
	if (mech == SMTP_AUTH_PLAIN) {
		buf_addc(&a, '\0');
		buf_adds(&a, user);
		buf_addc(&a, '\0');
		buf_adds(&a, pass);
		if (!buf_ok(&a) || b64(&b, a.ptr, a.len) < 0)
			goto oom;
		r = auth_last(c, "AUTH PLAIN ", &b, "AUTH PLAIN <redacted>\r\n", "AUTH PLAIN", e);
	} else if (mech == SMTP_AUTH_LOGIN) {
		if ((r = auth_start(c, "AUTH LOGIN", e)) != 1)
			goto done;
		if (b64(&b, user, strlen(user)) < 0)
			goto oom;
		queue_secret(c, "<redacted user name>\r\n", "%s", buf_cstr(&b));
		if ((r = auth_step(c, "AUTH LOGIN user name", e)) != 1)
			goto done;
		if (b64(&b, pass, strlen(pass)) < 0)
			goto oom;
		r = auth_last(c, "", &b, "<redacted password>\r\n", "AUTH LOGIN password", e);
	} else if (mech == SMTP_AUTH_CRAM_MD5) {
		if ((r = auth_start(c, "AUTH CRAM-MD5", e)) != 1)
			goto done;
		if (smtp_cram_md5(&b, user, pass, c->reply.text.ptr ? c->reply.text.ptr : "",
				  c->reply.text.len, e) < 0) {
			smtp_command(c, e, "*"); /* cancel the exchange */
			r = -1;
			goto done;
		}
		r = auth_last(c, "", &b, "<redacted CRAM-MD5 response>\r\n", "AUTH CRAM-MD5", e);
	} else {
		r = err_set(e, EX_USAGE, 0, "", "unknown AUTH mechanism");
	}
	goto done;
oom:
	r = err_set(e, EX_TEMPFAIL, 0, "", "%s: AUTH: out of memory", c->peer);
done:
	if (a.ptr)
		memset(a.ptr, 0, a.cap);
	if (b.ptr)
		memset(b.ptr, 0, b.cap);
	buf_free(&a);
	buf_free(&b);
	return r;
}

void smtp_quit(struct smtp_client *c)
{
	struct mail_err e;
	if (!c->broken)
		smtp_command(c, &e, "QUIT");
}
