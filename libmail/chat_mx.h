/* chat_mx.h — where smtp-chat sends when no --server is given: the MX hosts
 * of a domain (RFC 5321 §5.1), each with its addresses, looked up with ldns.
 *
 * MX records in preference order (ties keep the DNS order, as swaks does);
 * no MX → the domain itself (implicit MX); a null MX (RFC 7505, "0 .") →
 * EX_UNAVAILABLE 5.1.10; NXDOMAIN → EX_NOHOST; SERVFAIL or no answer →
 * EX_TEMPFAIL. Addresses (A, then AAAA) come from the same resolver, so a
 * test's DNS server on loopback (the `resolver` key, ADDR[:PORT]) decides
 * everything. smtp-chat's own lookup; the queue runner has its own DNS
 * module with DANE, which may replace this one.
 */
#ifndef POSTBOX_CHAT_MX_H
#define POSTBOX_CHAT_MX_H

#include <stddef.h>

#include "err.h"

#define CHAT_MX_MAX 16

struct chat_mx_host {
	char name[256];          /* without the trailing dot */
	int pref;
	char addr[4][64];        /* address literals to try in order */
	size_t naddr;
};

/* resolver: "ADDR[:PORT]" ("[v6]:PORT" too), or NULL/"" for resolv.conf. */
int chat_mx_lookup(const char *domain, const char *resolver, struct chat_mx_host *hosts,
		   size_t max, size_t *n, struct mail_err *e);

#endif
