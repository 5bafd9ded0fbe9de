/* spf.h — Sender Policy Framework (RFC 7208): may this IP address send
 * mail for this identity?
 *
 * spf_check evaluates check_host() (§4) for the MAIL FROM identity, or,
 * for the null sender, the HELO identity (§2.4), with the record syntax of
 * msg/spf_record.h, the macros of msg/spf_macro.h and the lookups of
 * net/dns_records.h. Every mechanism and modifier is implemented: all,
 * include, a, mx, ptr, ip4, ip6, exists, redirect=, exp= (the explanation
 * of a fail, §6.2), unknown modifiers ignored. Limits (§4.6.4), all
 * counted over the whole evaluation, includes and redirects too:
 *   - 10 mechanisms and modifiers that ask the DNS (include, a, mx, ptr,
 *     exists, redirect): the 11th is a permerror;
 *   - 2 void lookups (no such name, or no records) in a, mx, ptr and
 *     exists: the 3rd is a permerror;
 *   - an mx mechanism meeting more than 10 MX records is a permerror; ptr
 *     looks at the first 10 names only;
 *   - SPF_TIME_LIMIT seconds in all (§4.6.4 asks for at least 20):
 *     past it, temperror.
 * A DNS failure (timeout, SERVFAIL) is a temperror, except in ptr and in
 * the explanation, where it only means no match / no explanation.
 * IPv4-mapped IPv6 addresses are IPv4 (§5).
 */
#ifndef POSTBOX_SPF_H
#define POSTBOX_SPF_H

#include "base/buf.h"
#include "msg/spf_record.h"
#include "net/dns.h"

#define SPF_LOOKUP_LIMIT 10
#define SPF_VOID_LIMIT 2
#define SPF_MX_LIMIT 10
#define SPF_PTR_LIMIT 10
#define SPF_TIME_LIMIT 20          /* seconds */
#define SPF_EXPLANATION_MAX 1024

struct spf_query {
	int family;                 /* AF_INET or AF_INET6 */
	unsigned char ip[16];       /* 4 or 16 octets */
	const char *helo;           /* HELO/EHLO argument; "" when unknown */
	const char *sender;         /* MAIL FROM address without <>; "" for the null sender */
	const char *receiver;       /* our host name, for %{r}; NULL: "unknown" */
};

struct spf_verdict {
	enum spf_result result;
	const char *identity;           /* "mailfrom" or "helo" */
	char domain[DNS_NAME_MAX];      /* the domain checked first */
	struct buf explanation;         /* a fail's exp= text; empty when there is none */
	char reason[256];               /* what decided, for logs and header comments */
};

/* Is a HELO/EHLO argument an identity SPF can check (§2.3: "only ...
 * when the HELO identity is a valid fully qualified domain name")? Not an
 * address literal, a bare address, or a name of one label. */
int spf_helo_checkable(const char *helo);

/* Evaluate; the result is also in v->result. v->explanation is allocated:
 * release it with spf_verdict_free. */
enum spf_result spf_check(struct dns *d, const struct spf_query *q, struct spf_verdict *v);
void spf_verdict_free(struct spf_verdict *v);

#endif
