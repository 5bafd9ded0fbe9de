/* preamble.h — what a server reads before its greeting, shared by smtpd
 * and pop3d: the PROXY protocol header, on a listener that expects one,
 * then the implicit TLS handshake (RFC 8314) on a listener that starts in
 * TLS. The order is fixed: a load balancer writes its header in clear
 * before the client's ClientHello.
 */
#ifndef POSTBOX_PREAMBLE_H
#define POSTBOX_PREAMBLE_H

#include "base/err.h"
#include "base/io.h"
#include "net/peer.h"
#include "net/tls.h"

/* What a listener expects before the greeting. */
struct preamble {
	int proxy;               /* a PROXY v1/v2 header comes first */
	int implicit_tls;        /* then TLS from the first byte */
	struct tls_ctx *tls;     /* the certificate for it (NULL: none loaded) */
};

enum { PREAMBLE_OK = 0, PREAMBLE_PROXY_FAILED = -1, PREAMBLE_TLS_FAILED = -2 };

/* Run the preamble on io. A PROXY header naming a client replaces *peer
 * (only a listener marked proxy trusts one; LOCAL and UNKNOWN headers keep
 * the socket's peer). Returns PREAMBLE_OK, or which step failed with e set
 * (the session must end without a greeting). */
int preamble_run(struct io *io, const struct preamble *pre, struct peer *peer, struct mail_err *e);

#endif
