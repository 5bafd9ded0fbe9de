/* dane.h — checking a TLS server's certificate against DNSSEC-validated
 * TLSA records (DANE for SMTP, RFC 7672; RFC 6698 for the record format).
 *
 * Usable records are DANE-TA(2) and DANE-EE(3) with selector 0 (the whole
 * certificate) or 1 (its SubjectPublicKeyInfo) and matching type 0 (exact),
 * 1 (SHA2-256) or 2 (SHA2-512). PKIX-TA(0) and PKIX-EE(1) are unusable for
 * SMTP (RFC 7672 §3.1.3). DANE-EE matches the server's certificate alone —
 * names and dates are not checked (§3.1.1). DANE-TA matches any certificate
 * of the chain the server sent, which must then verify up to it with the MX
 * host name as reference identifier (§3.1.2, §3.2.2).
 *
 * When TLSA records are published but none is usable, TLS is still
 * mandatory but not authenticated (§2.2); dane_usable() tells the caller.
 * The check runs after the handshake and before any command is sent over
 * the TLS session, so a server that fails it never receives anything.
 */
#ifndef POSTBOX_DANE_H
#define POSTBOX_DANE_H

#include "net/dns.h"
#include "base/err.h"

/* How many records of the reply are usable for SMTP. */
size_t dane_usable(const struct dns_reply *tlsa);
/* ssl: the SSL* of the established session (tls_ssl()). 0 when a usable
 * record matches; -1 with 451 4.7.5 otherwise. */
int dane_check(void *ssl, const struct dns_reply *tlsa, const char *host, struct mail_err *e);

#endif
