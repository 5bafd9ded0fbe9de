/* proxy.h — the PROXY protocol header (HAProxy, versions 1 and 2).
 *
 * A load balancer in front of smtpd writes one header before the client's
 * first byte, naming the real client address. Listeners marked `proxy`
 * require it (and only those: anyone could send one). Pure parser plus a
 * reader that consumes exactly the header from a socket, nothing after it.
 */
#ifndef POSTBOX_PROXY_H
#define POSTBOX_PROXY_H

#include <stddef.h>

#include "err.h"

#define PROXY_V1_MAX 107
#define PROXY_MAX (16 + 216)

/* Parse p[0..n). Returns 1 when a whole header is there (*len its size,
 * ip the source address, or "" for v1 UNKNOWN / v2 LOCAL: keep the
 * peer's), 0 when more bytes are needed, -1 when it is not a valid header. */
int proxy_parse(const unsigned char *p, size_t n, size_t *len, char *ip, size_t cap);

/* Read the header from socket fd within timeout_ms, consuming exactly its
 * bytes. ip as above. -1 with e (421 4.7.0) when missing or malformed. */
int proxy_read(int fd, int timeout_ms, char *ip, size_t cap, struct mail_err *e);

#endif
