/* tls.c — OpenSSL glue; see tls.h. */
#include "net/tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/lazy_ssl.h"

struct tls_ctx {
	SSL_CTX *ctx;
	int verify;
};

static int ssl_fail(struct mail_err *e, const char *what)
{
	char detail[256] = "unknown error";
	unsigned long code = ERR_get_error();
	if (code)
		ERR_error_string_n(code, detail, sizeof detail);
	ERR_clear_error();
	return err_set(e, EX_PROTOCOL, 454, "4.7.0", "%s: %s", what, detail);
}

static struct tls_ctx *ctx_new(const SSL_METHOD *method, struct mail_err *e)
{
	struct tls_ctx *c = calloc(1, sizeof *c);
	if (!c) {
		err_sys(e, "tls");
		return NULL;
	}
	c->ctx = SSL_CTX_new(method);
	if (!c->ctx) {
		free(c);
		ssl_fail(e, "tls: cannot create context");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION);
	/* io_flush retries a write after EAGAIN from an offset into a buffer
	 * that may have moved; a peer that closes without close_notify (most
	 * SMTP clients after QUIT) is an EOF, not an error. */
	SSL_CTX_set_mode(c->ctx, SSL_MODE_AUTO_RETRY | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
	SSL_CTX_set_options(c->ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
	return c;
}

/* Our certificate chain and its private key (one PEM file may hold both),
 * checked against each other now rather than at the first handshake. */
static int load_identity(struct tls_ctx *c, const char *cert_file, const char *key_file,
			 struct mail_err *e)
{
	if (SSL_CTX_use_certificate_chain_file(c->ctx, cert_file) != 1)
		return ssl_fail(e, cert_file);
	if (SSL_CTX_use_PrivateKey_file(c->ctx, key_file, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(c->ctx) != 1)
		return ssl_fail(e, key_file);
	return 0;
}

struct tls_ctx *tls_server_ctx(const char *cert_file, const char *key_file, struct mail_err *e)
{
	if (lazylib_load(LAZYLIB_OPENSSL, e) < 0)
		return NULL;
	struct tls_ctx *c = ctx_new(TLS_server_method(), e);
	if (!c)
		return NULL;
	/* The server's order decides, so that a client's odd preference never
	 * picks a weaker suite both sides have; ChaCha20 still wins for a
	 * client that lists it first (no AES instructions). No renegotiation:
	 * mail protocols never need it and a client-started one costs us a
	 * handshake each time. DHE suites, where a cipher list names them, get
	 * an RFC 7919 group as strong as the key. */
	SSL_CTX_set_options(c->ctx, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_PRIORITIZE_CHACHA |
					    SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_set_dh_auto(c->ctx, 1);
	if (load_identity(c, cert_file, key_file, e) < 0) {
		tls_ctx_free(c);
		return NULL;
	}
	return c;
}

struct tls_ctx *tls_client_ctx(int verify, const char *ca_file, const char *cert_file,
			       const char *key_file, struct mail_err *e)
{
	if (lazylib_load(LAZYLIB_OPENSSL, e) < 0)
		return NULL;
	struct tls_ctx *c = ctx_new(TLS_client_method(), e);
	if (!c)
		return NULL;
	c->verify = verify;
	if (verify) {
		int ok = ca_file ? SSL_CTX_load_verify_locations(c->ctx, ca_file, NULL)
				 : SSL_CTX_set_default_verify_paths(c->ctx);
		if (ok != 1) {
			ssl_fail(e, ca_file ? ca_file : "tls: system trust store");
			goto fail;
		}
		SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
	} else {
		SSL_CTX_set_verify(c->ctx, SSL_VERIFY_NONE, NULL);
	}
	if (cert_file && load_identity(c, cert_file, key_file ? key_file : cert_file, e) < 0)
		goto fail;
	return c;
fail:
	tls_ctx_free(c);
	return NULL;
}

/* OpenSSL's number for a version name as OpenSSL writes it; 0 if none. */
static int version_number(const char *name, size_t len)
{
	static const struct {
		const char *name;
		int number;
	} versions[] = {
		{ "TLSv1", TLS1_VERSION },
		{ "TLSv1.1", TLS1_1_VERSION },
		{ "TLSv1.2", TLS1_2_VERSION },
		{ "TLSv1.3", TLS1_3_VERSION },
	};
	for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++)
		if (strlen(versions[i].name) == len && !strncmp(versions[i].name, name, len))
			return versions[i].number;
	return 0;
}

int tls_ctx_set_min_version(struct tls_ctx *c, const char *version, struct mail_err *e)
{
	int v = version_number(version, strlen(version));
	if (v < TLS1_2_VERSION || SSL_CTX_set_min_proto_version(c->ctx, v) != 1)
		return err_set(e, EX_USAGE, 454, "4.7.0", "tls: unknown protocol version \"%s\"", version);
	return 0;
}

int tls_ctx_set_versions(struct tls_ctx *c, const char *list, struct mail_err *e)
{
	int lo = 0, hi = 0;
	for (const char *p = list; *p;) {
		p += strspn(p, ", \t");
		size_t len = strcspn(p, ", \t");
		if (!len)
			break;
		int v = version_number(p, len);
		if (!v)
			return err_set(e, EX_CONFIG, 454, "4.7.0",
				       "tls: unknown protocol version \"%.*s\" (TLSv1, TLSv1.1, TLSv1.2, TLSv1.3)",
				       (int)len, p);
		lo = !lo || v < lo ? v : lo;
		hi = v > hi ? v : hi;
		p += len;
	}
	if (!lo)
		return err_set(e, EX_CONFIG, 454, "4.7.0", "tls: no protocol version in \"%s\"", list);
	if (SSL_CTX_set_min_proto_version(c->ctx, lo) != 1 || SSL_CTX_set_max_proto_version(c->ctx, hi) != 1)
		return ssl_fail(e, "tls: cannot set protocol versions");
	return 0;
}

int tls_ctx_set_tls12_ciphers(struct tls_ctx *c, const char *ciphers, struct mail_err *e)
{
	if (SSL_CTX_set_cipher_list(c->ctx, ciphers) != 1) {
		ERR_clear_error();
		return err_set(e, EX_CONFIG, 454, "4.7.0", "tls: no usable cipher in \"%s\"", ciphers);
	}
	return 0;
}

int tls_ctx_set_ciphers(struct tls_ctx *c, const char *ciphers, struct mail_err *e)
{
	/* The list may name TLS 1.2 ciphers, 1.3 suites, or both. */
	int a = SSL_CTX_set_cipher_list(c->ctx, ciphers);
	int b = SSL_CTX_set_ciphersuites(c->ctx, ciphers);
	ERR_clear_error();
	if (!a && !b)
		return err_set(e, EX_USAGE, 454, "4.7.0", "tls: no usable cipher in \"%s\"", ciphers);
	return 0;
}

void tls_ctx_free(struct tls_ctx *c)
{
	if (!c)
		return;
	SSL_CTX_free(c->ctx);
	free(c);
}

/* --- the io transport --- */

static ssize_t tls_recv(struct io *io, void *p, size_t n)
{
	SSL *ssl = io->ctx;
	size_t got = 0;
	errno = 0; /* SSL_ERROR_SYSCALL with errno 0 means EOF: no stale value */
	int r = SSL_read_ex(ssl, p, n, &got);
	if (r == 1)
		return (ssize_t)got;
	switch (SSL_get_error(ssl, r)) {
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_SYSCALL:
		if (!errno)
			return 0; /* EOF without close_notify: treat as EOF */
		return -1;
	default:
		ERR_clear_error();
		errno = EPROTO;
		return -1;
	}
}

static ssize_t tls_send(struct io *io, const void *p, size_t n)
{
	SSL *ssl = io->ctx;
	size_t put = 0;
	errno = 0;
	int r = SSL_write_ex(ssl, p, n, &put);
	if (r == 1)
		return (ssize_t)put;
	int err = SSL_get_error(ssl, r);
	if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
		errno = EAGAIN;
		return -1;
	}
	ERR_clear_error();
	if (err != SSL_ERROR_SYSCALL || !errno)
		errno = EPIPE;
	return -1;
}

static size_t tls_buffered(struct io *io)
{
	return (size_t)SSL_pending((SSL *)io->ctx);
}

/* Drive a handshake step function until it completes or the deadline:
 * the whole handshake within timeout_ms, however the peer trickles it. */
static int handshake(struct io *io, SSL *ssl, int server, struct mail_err *e)
{
	long long deadline = io->timeout_ms > 0 ? io_now_ms() + io->timeout_ms : 0;
	for (;;) {
		int r = server ? SSL_accept(ssl) : SSL_connect(ssl);
		if (r == 1)
			return 0;
		int err = SSL_get_error(ssl, r);
		short ev = err == SSL_ERROR_WANT_READ ? POLLIN : err == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
		if (!ev) {
			long vr = SSL_get_verify_result(ssl);
			if (vr != X509_V_OK) {
				ERR_clear_error();
				return err_set(e, EX_PROTOCOL, 454, "4.7.5",
					       "%s: certificate verification failed: %s", io->peer,
					       X509_verify_cert_error_string(vr));
			}
			char what[128];
			snprintf(what, sizeof what, "%s: TLS handshake failed", io->peer);
			return ssl_fail(e, what);
		}
		if (io_wait(io, ev == POLLIN ? io->rfd : io->wfd, ev, deadline, e) < 0) {
			if (e->sys == ETIMEDOUT || e->smtp == 421)
				err_set(e, EX_TEMPFAIL, 421, "4.4.2", "%s: TLS handshake timed out", io->peer);
			return -1;
		}
	}
}

static void set_nonblocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0 && !(fl & O_NONBLOCK))
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static int tls_start(struct io *io, struct tls_ctx *c, const char *host, int server, struct mail_err *e)
{
	SSL *ssl = SSL_new(c->ctx);
	if (!ssl)
		return ssl_fail(e, "tls");
	/* Bytes that arrived in plain text before the handshake are the
	 * attacker's (command injection): never let them be read as if they
	 * came through TLS. */
	io_discard_input(io);
	/* OpenSSL on a blocking descriptor waits inside SSL_accept/SSL_read for
	 * as long as the peer likes (a stalled handshake, half a record),
	 * past every deadline. Non-blocking, it returns WANT_READ/WANT_WRITE
	 * and the waits happen in io_wait() within io->timeout_ms. The io layer
	 * handles EAGAIN, so the descriptors stay non-blocking from here on. */
	set_nonblocking(io->rfd);
	if (io->wfd != io->rfd)
		set_nonblocking(io->wfd);
	if (SSL_set_rfd(ssl, io->rfd) != 1 || SSL_set_wfd(ssl, io->wfd) != 1) {
		SSL_free(ssl);
		return ssl_fail(e, "tls");
	}
	if (!server && host && host[0]) {
		/* RFC 6066 §3: no SNI for an address literal (SSL_set1_host below
		 * checks such a name against the certificate's IP entries). */
		unsigned char ip[16];
		if (inet_pton(AF_INET, host, ip) != 1 && inet_pton(AF_INET6, host, ip) != 1)
			SSL_set_tlsext_host_name(ssl, host);
		if (c->verify) {
			SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
			if (SSL_set1_host(ssl, host) != 1) {
				SSL_free(ssl);
				return ssl_fail(e, "tls: bad host name");
			}
		}
	}
	if (handshake(io, ssl, server, e) < 0) {
		SSL_free(ssl);
		return -1;
	}
	io->ctx = ssl;
	io->recv = tls_recv;
	io->send = tls_send;
	io->buffered = tls_buffered;
	return 0;
}

int tls_accept(struct io *io, struct tls_ctx *c, struct mail_err *e)
{
	return tls_start(io, c, NULL, 1, e);
}

int tls_connect(struct io *io, struct tls_ctx *c, const char *host, struct mail_err *e)
{
	return tls_start(io, c, host, 0, e);
}

void tls_end(struct io *io)
{
	SSL *ssl = io->ctx;
	if (!ssl || io->recv != tls_recv)
		return;
	SSL_shutdown(ssl);
	SSL_free(ssl);
	io->ctx = NULL;
	io_init_transport_plain(io);
}

int tls_active(const struct io *io)
{
	return io->ctx && io->recv == tls_recv;
}

const char *tls_version(const struct io *io)
{
	return tls_active(io) ? SSL_get_version(io->ctx) : "";
}

const char *tls_cipher(const struct io *io)
{
	return tls_active(io) ? SSL_get_cipher_name((SSL *)io->ctx) : "";
}

void *tls_ssl(const struct io *io)
{
	return tls_active(io) ? io->ctx : NULL;
}

static void describe_cert(X509 *x, int depth, struct buf *out)
{
	char name[512];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	BIO *bio = BIO_new(BIO_s_mem());
	buf_addf(out, "certificate %d\n", depth);
	X509_NAME_oneline(X509_get_subject_name(x), name, sizeof name);
	buf_addf(out, "  subject: %s\n", name);
	X509_NAME_oneline(X509_get_issuer_name(x), name, sizeof name);
	buf_addf(out, "  issuer: %s\n", name);
	if (bio) {
		char *p;
		ASN1_TIME_print(bio, X509_get0_notBefore(x));
		BIO_puts(bio, " to ");
		ASN1_TIME_print(bio, X509_get0_notAfter(x));
		long n = BIO_get_mem_data(bio, &p);
		buf_addf(out, "  valid: %.*s\n", (int)n, p);
		BIO_free(bio);
	}
	if (X509_digest(x, EVP_sha256(), md, &mdlen) == 1) {
		buf_adds(out, "  sha256:");
		for (unsigned i = 0; i < mdlen; i++)
			buf_addf(out, "%s%02X", i ? ":" : " ", md[i]);
		buf_addc(out, '\n');
	}
}

int tls_describe_peer(const struct io *io, struct buf *out)
{
	if (!tls_active(io))
		return -1;
	STACK_OF(X509) *chain = SSL_get_peer_cert_chain(io->ctx);
	if (!chain) {
		buf_adds(out, "no peer certificate\n");
		return buf_ok(out) ? 0 : -1;
	}
	for (int i = 0; i < sk_X509_num(chain); i++)
		describe_cert(sk_X509_value(chain, i), i, out);
	return buf_ok(out) ? 0 : -1;
}
