/* dns.h — finding a domain's mail servers with ldns (RFC 5321 §5.1).
 *
 * A struct dns names the nameservers to ask: the `resolver` key
 * (ADDR[:PORT], "[v6]:PORT") when set, else the nameserver lines of
 * /etc/resolv.conf, else 127.0.0.1. Queries go over UDP (512 octets, no
 * EDNS, except TLSA which asks with EDNS0 and the DO bit for the AD bit);
 * a truncated answer is asked again over TCP (dns_query.c). Every answer's
 * id is checked there, and its contents by msg/dns_decode.h's parser.
 *
 * Results follow RFC 5321 §5.1 and RFC 7505:
 *   - MX records sorted by preference, shuffled among equal preferences;
 *   - no MX but the name exists → the implicit MX (the domain itself);
 *   - the null MX ("0 .") → permanent 556 5.1.10, EX_NOHOST;
 *   - NXDOMAIN → permanent 550 5.1.2, EX_NOHOST;
 *   - SERVFAIL, REFUSED, a timeout, a malformed answer → temporary
 *     451 4.4.3, EX_TEMPFAIL;
 *   - a CNAME at the queried name is followed (at most DNS_CNAME_MAX links),
 *     inside the answer or by asking again.
 * Every failing call returns -1 and fills the mail_err; e->smtp tells
 * permanent (5xx) from temporary (4xx).
 */
#ifndef POSTBOX_DNS_H
#define POSTBOX_DNS_H

#include <stddef.h>
#include <sys/socket.h>

#include "base/err.h"
#include "msg/dns_decode.h"

#define DNS_NS_MAX 3
struct dns_cache;
struct dns {
	struct sockaddr_storage ns[DNS_NS_MAX];
	socklen_t ns_len[DNS_NS_MAX];
	int nns;
	int timeout_ms;          /* per try */
	int tries;               /* per nameserver */
	struct dns_cache *cache; /* NULL: every lookup asks (dns_cache_enable) */
};

/* A list of mail exchangers in the order to try them. */
struct dns_mx_list {
	size_t n;
	int implicit;               /* no MX records: the domain itself */
	struct dns_rr mx[DNS_RR_MAX];
};

struct dns_addr_list {
	size_t n;
	struct sockaddr_storage addr[DNS_RR_MAX];   /* port 0 */
};

/* resolver: "" for resolv.conf; timeout_ms per try. */
int dns_init(struct dns *d, const char *resolver, int timeout_ms, struct mail_err *e);

/* Keep answers for their TTL from now on, in this process (dns_cache.h:
 * 64 answers of up to 4 KiB; a negative answer only with a SOA record, as
 * RFC 2308 §5 says); -1 when out of memory. dns_cache_disable forgets
 * them and stops. */
int dns_cache_enable(struct dns *d, struct mail_err *e);
void dns_cache_disable(struct dns *d);

/* RFC 5321 §5.1 MX list for a domain (see above). */
int dns_mx_lookup(struct dns *d, const char *domain, struct dns_mx_list *out, struct mail_err *e);
/* The IPv6 and IPv4 addresses of a host (IPv6 first). NXDOMAIN or no
 * address at all: -1 with 550 5.1.2; a failed lookup: 451 4.4.3. */
int dns_addr_lookup(struct dns *d, const char *host, struct dns_addr_list *out, struct mail_err *e);
/* TLSA records of _PORT._tcp.HOST (RFC 6698/7672); out->ad tells whether
 * the resolver validated them. No records is not an error (out->n == 0). */
int dns_tlsa_lookup(struct dns *d, const char *host, unsigned port, struct dns_reply *out,
		    struct mail_err *e);

/* Ask (name, qtype) and decode the answer, asking again for a CNAME the
 * answer did not resolve (at most DNS_CNAME_MAX links). 0 with out->rcode
 * left for the caller to judge (NOERROR with out->n == 0 is "no data"), or
 * -1 with 451 4.4.3 when no answer could be had, 550 5.1.2 for a name
 * that cannot be asked. `strict`: the name must pass dns_name_valid;
 * otherwise any name dns_lookup_name_valid accepts (names that SPF
 * macros build), and MX and PTR targets are kept on the same terms. A
 * TXT answer must be released with dns_reply_free. */
int dns_query(struct dns *d, const char *name, int qtype, int strict, struct dns_reply *out,
	      struct mail_err *e);
#define DNS_PREFETCH_MAX 4
struct dns_question {
	const char *name;
	int qtype;
};
/* Ask these questions (at most DNS_PREFETCH_MAX, no DNSSEC) at once, those
 * not answered in the cache already, when that is two or more, and hold
 * every answer for the one lookup of its question that follows (dns_query
 * and the lookups over it take it instead of asking, and keep it for its
 * TTL as if they had asked it), until dns_prefetch_forget (a held answer
 * is never used after it: its TTL is not known until it is decoded).
 * Checks that make their lookups one after the other then wait for one
 * round trip instead of one each. Needs the cache (dns_cache_enable);
 * without it, nothing. Best effort: one UDP try to the first nameserver,
 * waiting at most dns_timeout; a question without an answer is asked by
 * its lookup as before. */
void dns_prefetch(struct dns *d, const struct dns_question *q, size_t n);
void dns_prefetch_forget(struct dns *d);
/* Parse "ADDR[:PORT]" / "[V6]:PORT" / "V6" into a socket address. */
int dns_parse_server(const char *s, unsigned default_port, struct sockaddr_storage *ss,
		     socklen_t *len);

#endif
