/* proxy_out.h — the PROXY protocol header a client sends first, so that a
 * server behind a load balancer (or a test of one) sees the original
 * client: version 1 (text) or 2 (binary), TCP over IPv4 or IPv6
 * (haproxy's proxy-protocol.txt). Pure: addresses in, bytes out.
 */
#ifndef POSTBOX_PROXY_OUT_H
#define POSTBOX_PROXY_OUT_H

#include "base/buf.h"
#include "base/err.h"

/* Append the header for src → dst ("ADDR:PORT" or "[V6]:PORT"; both of one
 * family). -1 with e (EX_USAGE) for a bad version or address. */
int proxy_out_header(struct buf *out, int version, const char *src, const char *dst,
		     struct mail_err *e);

#endif
