/* dns_query.h — the transport under dns.c (internal to libmail): send one
 * question to the configured nameservers and return the raw answer. */
#ifndef POSTBOX_DNS_QUERY_H
#define POSTBOX_DNS_QUERY_H

#include <stddef.h>

#include "net/dns.h"

/* Ask (name, qtype) over UDP, again over TCP when truncated, each
 * nameserver d->tries times. The answer's id and QR bit are checked here;
 * its contents are not (msg/dns_decode.h does that). 0 with ans[0..*len),
 * or -1 with 451 4.4.3 (timeout, unreachable) or 550 5.1.2 (a name that
 * cannot be put in a query). */
int dns_exchange(struct dns *d, const char *name, int qtype, int dnssec, unsigned char *ans, size_t cap,
		 size_t *len, struct mail_err *e);

#endif
