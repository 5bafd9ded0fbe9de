/* proxyproto.h — the PROXY protocol, versions 1 and 2 (HAProxy's
 * proxy-protocol.txt), for servers behind a load balancer.
 *
 * A listener marked for it expects the header as the very first bytes;
 * anything else ends the connection (a client must never be able to claim
 * an address by sending a header where none is expected, so the marking is
 * per listener, never automatic). v1 is one text line of at most 107
 * octets; v2 is a 16-octet binary preamble and its address block. LOCAL
 * (v2) and UNKNOWN (v1) keep the socket's own address.
 */
#ifndef POSTBOX_PROXYPROTO_H
#define POSTBOX_PROXYPROTO_H

#include <stddef.h>

#include "base/err.h"
#include "base/io.h"
#include "net/peer.h"

#define PROXY_V1_MAX 107

struct proxy_info {
	struct peer src;         /* the real client (PEER_IP), unless local */
	int local;               /* LOCAL / UNKNOWN: use the socket's address */
};

/* Parse a complete header in p[0..n). Returns its length (> 0), 0 when more
 * bytes are needed, -1 when malformed. */
int proxyproto_parse(const unsigned char *p, size_t n, struct proxy_info *out);

/* Read exactly one header from io (no byte beyond it is consumed).
 * -1 with e (EX_PROTOCOL) when malformed, EOF or timeout. */
int proxyproto_read(struct io *io, struct proxy_info *out, struct mail_err *e);

#endif
