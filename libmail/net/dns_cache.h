/* dns_cache.h — answers kept for their TTL (internal to libmail: dns.c
 * asks it before the network, see dns_cache_enable in dns.h).
 *
 * A small table of raw answers, keyed by the question (name without
 * regard to case, type, and whether DNSSEC was asked for), each kept for
 * the time its decoder allowed (struct dns_reply's ttl: RFC 2181 §5.2,
 * RFC 2308 §5), never longer than DNS_CACHE_TTL_MAX. When the table is
 * full the answer that expires first makes room. Answers over
 * DNS_CACHE_ANSWER_MAX octets are not kept, so the table costs at most
 * DNS_CACHE_ENTRIES × DNS_CACHE_ANSWER_MAX.
 */
#ifndef POSTBOX_DNS_CACHE_H
#define POSTBOX_DNS_CACHE_H

#include <stddef.h>

#define DNS_CACHE_ENTRIES 64
#define DNS_CACHE_ANSWER_MAX 4096
#define DNS_CACHE_TTL_MAX 86400

struct dns_cache;

struct dns_cache *dns_cache_new(void);
void dns_cache_free(struct dns_cache *c);
/* A live answer to the question, copied into ans[0..cap): 1 (with *len),
 * 2 when it is a prefetched answer (taken: dns_cache_put it for its TTL
 * once decoded), or 0 when there is none (or it does not fit). */
int dns_cache_get(struct dns_cache *c, const char *name, int qtype, int dnssec, unsigned char *ans, size_t cap,
		  size_t *len);
/* Keep ans[0..len) for ttl seconds; ttl <= 0 keeps nothing. */
void dns_cache_put(struct dns_cache *c, const char *name, int qtype, int dnssec, const unsigned char *ans,
		   size_t len, long ttl);

/* Is there a live answer to the question (kept or prefetched)? */
int dns_cache_has(struct dns_cache *c, const char *name, int qtype, int dnssec);
/* Hold ans[0..len), just asked by dns_prefetch, for the one lookup of the
 * question that follows; until then, or dns_cache_forget_prefetched. At
 * most DNS_CACHE_PREFETCHED of them (their TTL is not known before they
 * are decoded, so they are not kept beyond that lookup: RFC 1035 §3.2.1's
 * "the transaction in progress"). */
#define DNS_CACHE_PREFETCHED 4
void dns_cache_put_prefetched(struct dns_cache *c, const char *name, int qtype, const unsigned char *ans,
			      size_t len);
void dns_cache_forget_prefetched(struct dns_cache *c);

#endif
