/* tls_policy.h — what our servers accept in a TLS handshake, from the
 * configuration.
 *
 * Every listener (smtpd STARTTLS and implicit TLS, pop3d STLS and pop3s)
 * takes the versions in tls_protocols (default TLS 1.2 and 1.3) and, for
 * TLS 1.2, the cipher list in tls_ciphers. Left empty, that list is a
 * built-in profile:
 *   modern        ECDHE key exchange with AES-GCM or ChaCha20-Poly1305
 *                 only: forward secrecy, no CBC, no SHA-1 MACs. Submission,
 *                 implicit TLS and POP3, whose clients are mail programs
 *                 that have all had these since about 2013.
 *   intermediate  Mozilla's "intermediate" list: modern plus DHE-RSA with
 *                 the same AEAD ciphers, for port 25 (smtpd_tls_profile),
 *                 where the client is any MTA on the Internet and a
 *                 handshake that fails means the mail comes in plain text.
 * The server's order decides in both (tls.h). TLS 1.3 uses OpenSSL's
 * suites. Outgoing connections (runq, smarthost) are not governed here.
 */
#ifndef POSTBOX_TLS_POLICY_H
#define POSTBOX_TLS_POLICY_H

#include "base/config.h"
#include "base/err.h"
#include "net/tls.h"

/* Which listeners a context is for: MTA (port 25) ones follow
 * smtpd_tls_profile, all others the modern profile. */
enum tls_clients { TLS_CLIENTS_USERS, TLS_CLIENTS_MTAS };

/* A server context from PEM files with the configured policy; NULL with e
 * (EX_CONFIG naming the key and where it was set) on a bad value. */
struct tls_ctx *tls_server_ctx_for(const struct config *cfg, enum tls_clients who, const char *cert_file,
				   const char *key_file, struct mail_err *e);

#endif
