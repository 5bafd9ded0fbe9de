/* from_domain.h — the RFC5322.From domain of a message, the identity
 * that DKIM signing keys are chosen by and DMARC evaluates (RFC 7489
 * §3.1.1, §6.6.1).
 */
#ifndef POSTBOX_FROM_DOMAIN_H
#define POSTBOX_FROM_DOMAIN_H

#include <stddef.h>

enum from_domain_result {
	FROM_ONE,        /* one From: field with one address: out holds its domain */
	FROM_NONE,       /* no From: field */
	FROM_SEVERAL,    /* several From: fields, or several addresses in one */
	FROM_BAD,        /* unparsable, or an address without a domain */
};

/* hdrs[0..n): the header section (LF or CRLF). The domain is lowercased. */
enum from_domain_result from_domain(const char *hdrs, size_t n, char *out, size_t cap);

#endif
