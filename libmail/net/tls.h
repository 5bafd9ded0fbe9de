/* tls.h — TLS (OpenSSL) underneath an io stream, for servers and clients.
 *
 * A server makes one tls_ctx from the configured certificate and key; each
 * session then calls tls_accept() on its io. A client makes a context with
 * verification on (the default) or off, and calls tls_connect() with the
 * name it expects. After a successful handshake the io's recv/send go
 * through TLS; anything the peer sent in plain text before the handshake
 * has been thrown away (the STARTTLS rule, RFC 3207 §4.2, CVE-2011-0411),
 * so callers need not remember to.
 */
#ifndef POSTBOX_TLS_H
#define POSTBOX_TLS_H

#include <stddef.h>

#include "base/err.h"
#include "base/io.h"

struct tls_ctx;

/* Server context from PEM files: TLS 1.2 and newer, the server's cipher
 * order, no renegotiation. Which ciphers: tls_policy.h. */
struct tls_ctx *tls_server_ctx(const char *cert_file, const char *key_file, struct mail_err *e);

enum { TLS_VERIFY = 1, TLS_NO_VERIFY = 0 };
/* Client context. ca_file NULL means the system's trust store; a client
 * certificate is optional, its key file defaulting to the certificate's
 * (client certificates). */
struct tls_ctx *tls_client_ctx(int verify, const char *ca_file, const char *cert_file,
			       const char *key_file, struct mail_err *e);
/* Restrict versions ("TLSv1.2", "TLSv1.3") or ciphers; -1 with e on a bad
 * name. */
int tls_ctx_set_min_version(struct tls_ctx *c, const char *version, struct mail_err *e);
int tls_ctx_set_ciphers(struct tls_ctx *c, const char *ciphers, struct mail_err *e);
/* The versions allowed: from the lowest to the highest named in a comma or
 * space separated list ("TLSv1.2, TLSv1.3"). The cipher list for TLS 1.2
 * and older in OpenSSL's syntax (TLS 1.3 keeps OpenSSL's suites, all of
 * them AEAD with forward secrecy). -1 with e (EX_CONFIG) on a bad value. */
int tls_ctx_set_versions(struct tls_ctx *c, const char *list, struct mail_err *e);
int tls_ctx_set_tls12_ciphers(struct tls_ctx *c, const char *ciphers, struct mail_err *e);
void tls_ctx_free(struct tls_ctx *c);

/* Handshakes, bounded by io->timeout_ms. The io must have no unread plain
 * bytes that matter: they are discarded. The descriptors are made
 * non-blocking (and stay so), so that no OpenSSL call can wait past the
 * deadline for a stalled peer. */
int tls_accept(struct io *io, struct tls_ctx *c, struct mail_err *e);
/* host: SNI and the name checked against the certificate (when verifying). */
int tls_connect(struct io *io, struct tls_ctx *c, const char *host, struct mail_err *e);
/* Close the TLS layer (close_notify) and free it; the fds stay open. */
void tls_end(struct io *io);

int tls_active(const struct io *io);
/* "TLSv1.3", "TLS_AES_256_GCM_SHA384", for Received headers and logs. */
const char *tls_version(const struct io *io);
const char *tls_cipher(const struct io *io);
/* The peer's certificate chain as text (subject, issuer, validity, SHA-256
 * fingerprint per certificate), appended to out. */
int tls_describe_peer(const struct io *io, struct buf *out);
/* The SSL* for code that needs OpenSSL directly (DANE); NULL if none. */
void *tls_ssl(const struct io *io);

#endif
