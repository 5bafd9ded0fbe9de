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

/* The answer to a question asked beside others. */
#define DNS_PREFETCH_ANSWER_MAX 4096 /* as the cache keeps: DNS_CACHE_ANSWER_MAX */
struct dns_wire_answer {
	unsigned char wire[DNS_PREFETCH_ANSWER_MAX];
	size_t len; /* 0: none */
};

/* Ask the first DNS_PREFETCH_MAX of q[0..n) at once, over UDP to the
 * first nameserver, once each, and wait until every one is answered or
 * d->timeout_ms has passed: out[i].len > 0 for each answer with the
 * question's id and the QR bit, not truncated. Best effort: what is not
 * answered is for dns_exchange to ask. */
void dns_exchange_parallel(const struct dns *d, const struct dns_question *q, size_t n,
			   struct dns_wire_answer *out);

#endif
