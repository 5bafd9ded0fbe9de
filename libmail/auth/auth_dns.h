/* auth_dns.h — how SPF, DKIM and DMARC code asks for TXT records.
 *
 * A callback, so that the checks are pure of any resolver and the tests
 * can answer from a table; auth_dns.c answers from the DNS (net/).
 */
#ifndef POSTBOX_AUTH_DNS_H
#define POSTBOX_AUTH_DNS_H

#include "base/buf.h"
#include "base/err.h"

/* The TXT records at name, each one's strings joined and NUL-terminated,
 * appended to out. Returns how many (>= 1), 0 when there are none (the
 * name does not exist or has no TXT), -1 when the lookup failed for now
 * (timeout, SERVFAIL: a temperror) with e saying why. */
typedef int (*auth_txt_fn)(void *ctx, const char *name, struct buf *out, struct mail_err *e);

/* The auth_txt_fn that asks the DNS: ctx is a struct dns (net/dns.h). */
int auth_dns_txt(void *dns, const char *name, struct buf *out, struct mail_err *e);

#endif
