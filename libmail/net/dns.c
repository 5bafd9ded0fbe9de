/* dns.c — the RFC 5321 §5.1 lookups (MX with its fallbacks, addresses,
 * TLSA) and the generic query under dns_records.c; see dns.h. The wire
 * transport is dns_query.c, the decoding of answers msg/dns_decode.c. */
#include "net/dns.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "base/buf.h"
#include "msg/idna.h"
#include "net/dns_cache.h"
#include "net/dns_query.h"

#define ANSWER_MAX 65535

static unsigned random_u32(void)
{
	unsigned v;
	if (getrandom(&v, sizeof v, 0) != sizeof v)
		v = (unsigned)rand();
	return v;
}

/* Ask and decode, following a CNAME the answer did not resolve. The
 * answer's rcode is left for the caller to judge. */
static int query(struct dns *d, const char *name, int qtype, int dnssec, int strict, struct dns_reply *out,
		 struct mail_err *e)
{
	unsigned char *ans = malloc(ANSWER_MAX);
	char cur[DNS_NAME_MAX], ascii[DNS_NAME_MAX];
	int r = -1;
	if (!ans)
		return err_set(e, EX_TEMPFAIL, 451, "4.3.0", "DNS: out of memory");
	/* DNS knows only A-labels: "exämple.org" is asked as
	 * "xn--exmple-cua.org" (IDNA2008); ASCII names go as given. */
	if (idna_to_ascii(name, ascii, sizeof ascii) == 0)
		name = ascii;
	if (strict ? !dns_name_valid(name) : !dns_lookup_name_valid(name)) {
		free(ans);
		return err_set(e, EX_NOHOST, 550, "5.1.2", "\"%s\" is not a valid domain name", name);
	}
	str_copy(cur, sizeof cur, name, strlen(name));
	for (int hops = 0; hops <= DNS_CNAME_MAX; hops++) {
		size_t len;
		if (hops > 0)
			dns_reply_free(out);
		int kept = dns_cache_get(d->cache, cur, qtype, dnssec, ans, ANSWER_MAX, &len);
		if ((!kept && dns_exchange(d, cur, qtype, dnssec, ans, ANSWER_MAX, &len, e) < 0) ||
		    dns_parse_reply_names(ans, len, cur, qtype, strict, out, e) < 0)
			break;
		if (kept != 1) /* asked now, or prefetched */
			dns_cache_put(d->cache, cur, qtype, dnssec, ans, len, out->ttl);
		if (out->rcode != DNS_RCODE_NOERROR || !out->cname_pending) {
			r = 0;
			break;
		}
		str_copy(cur, sizeof cur, out->name, strlen(out->name));
		if (hops == DNS_CNAME_MAX) {
			dns_reply_free(out);
			err_set(e, EX_TEMPFAIL, 451, "4.4.3", "DNS: CNAME chain from %s too long", name);
		}
	}
	free(ans);
	return r;
}

int dns_cache_enable(struct dns *d, struct mail_err *e)
{
	if (!d->cache && !(d->cache = dns_cache_new()))
		return err_set(e, EX_TEMPFAIL, 451, "4.3.0", "DNS: out of memory");
	return 0;
}

void dns_cache_disable(struct dns *d)
{
	dns_cache_free(d->cache);
	d->cache = NULL;
}

void dns_prefetch(struct dns *d, const struct dns_question *q, size_t n)
{
	struct dns_question ask[DNS_PREFETCH_MAX];
	char ascii[DNS_PREFETCH_MAX][DNS_NAME_MAX];
	size_t k = 0;
	if (!d->cache)
		return;
	for (size_t i = 0; i < n && k < DNS_PREFETCH_MAX; i++) {
		/* The name as query() will ask it (and the cache know it). */
		if (idna_to_ascii(q[i].name, ascii[k], sizeof ascii[k]) < 0 &&
		    str_copy(ascii[k], sizeof ascii[k], q[i].name, strlen(q[i].name)) < 0)
			continue;
		int dup = 0;
		for (size_t j = 0; j < k; j++)
			dup |= ask[j].qtype == q[i].qtype && !strcasecmp(ask[j].name, ascii[k]);
		if (dup || !dns_lookup_name_valid(ascii[k]) || dns_cache_has(d->cache, ascii[k], q[i].qtype, 0))
			continue;
		ask[k] = (struct dns_question){ ascii[k], q[i].qtype };
		k++;
	}
	if (k < 2) /* one question alone is its lookup's round trip anyway */
		return;
	struct dns_wire_answer *got = malloc(k * sizeof *got);
	if (!got)
		return;
	dns_exchange_parallel(d, ask, k, got);
	for (size_t i = 0; i < k; i++)
		if (got[i].len)
			dns_cache_put_prefetched(d->cache, ask[i].name, ask[i].qtype, got[i].wire, got[i].len);
	free(got);
}

void dns_prefetch_forget(struct dns *d)
{
	dns_cache_forget_prefetched(d->cache);
}

int dns_query(struct dns *d, const char *name, int qtype, int strict, struct dns_reply *out,
	      struct mail_err *e)
{
	return query(d, name, qtype, 0, strict, out, e);
}

/* NXDOMAIN is permanent; any other failure code temporary. */
static int rcode_error(const struct dns_reply *rep, const char *name, const char *what, struct mail_err *e)
{
	if (rep->rcode == DNS_RCODE_NXDOMAIN)
		return err_set(e, EX_NOHOST, 550, "5.1.2", "%s: no such domain (NXDOMAIN, %s lookup)", name, what);
	static const char *const names[] = { "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED" };
	const char *rc = rep->rcode >= 0 && rep->rcode < 6 ? names[rep->rcode] : "an error code";
	return err_set(e, EX_TEMPFAIL, 451, "4.4.3", "%s: DNS lookup of %s failed with %s", what, name, rc);
}

int dns_mx_lookup(struct dns *d, const char *domain, struct dns_mx_list *out, struct mail_err *e)
{
	struct dns_reply *rep = malloc(sizeof *rep);
	memset(out, 0, sizeof *out);
	if (!rep)
		return err_set(e, EX_TEMPFAIL, 451, "4.3.0", "DNS: out of memory");
	int r = query(d, domain, DNS_T_MX, 0, 1, rep, e);
	if (r == 0 && rep->rcode != DNS_RCODE_NOERROR)
		r = rcode_error(rep, domain, "MX", e);
	if (r < 0)
		goto done;
	for (size_t i = 0; i < rep->n; i++) {
		/* RFC 7505: "0 ." alone means the domain accepts no mail; a null
		 * MX among others is a misconfiguration, and is skipped. */
		if (!rep->rr[i].host[0]) {
			if (rep->n == 1) {
				r = err_set(e, EX_NOHOST, 556, "5.1.10",
					    "%s does not accept mail (null MX, RFC 7505)", domain);
				goto done;
			}
			continue;
		}
		out->mx[out->n++] = rep->rr[i];
	}
	if (out->n == 0) {
		/* §5.1: no MX records, the name itself is the implicit MX. */
		out->implicit = 1;
		out->n = 1;
		out->mx[0].type = DNS_T_MX;
		str_copy(out->mx[0].host, sizeof out->mx[0].host, rep->name, strlen(rep->name));
	}
	dns_mx_sort(out->mx, out->n, random_u32);
done:
	free(rep);
	return r;
}

static void add_addrs(struct dns_addr_list *out, const struct dns_reply *rep)
{
	for (size_t i = 0; i < rep->n && out->n < DNS_RR_MAX; i++) {
		struct sockaddr_storage *ss = &out->addr[out->n++];
		memset(ss, 0, sizeof *ss);
		if (rep->rr[i].family == AF_INET) {
			struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
			v4->sin_family = AF_INET;
			memcpy(&v4->sin_addr, rep->rr[i].addr, 4);
		} else {
			struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
			v6->sin6_family = AF_INET6;
			memcpy(&v6->sin6_addr, rep->rr[i].addr, 16);
		}
	}
}

int dns_addr_lookup(struct dns *d, const char *host, struct dns_addr_list *out, struct mail_err *e)
{
	static const int types[] = { DNS_T_AAAA, DNS_T_A };
	struct dns_reply *rep = malloc(sizeof *rep);
	struct mail_err first;
	int failures = 0, nxdomain = 0;
	memset(out, 0, sizeof *out);
	err_clear(&first);
	if (!rep)
		return err_set(e, EX_TEMPFAIL, 451, "4.3.0", "DNS: out of memory");
	for (size_t t = 0; t < 2; t++) {
		struct mail_err e2;
		if (query(d, host, types[t], 0, 1, rep, &e2) < 0 ||
		    (rep->rcode != DNS_RCODE_NOERROR &&
		     rcode_error(rep, host, types[t] == DNS_T_A ? "A" : "AAAA", &e2) < 0)) {
			if (!failures++)
				first = e2;
			nxdomain += e2.smtp == 550;
			continue;
		}
		add_addrs(out, rep);
	}
	free(rep);
	if (out->n > 0)
		return 0;
	if (failures && nxdomain < failures) { /* a temporary failure decides */
		*e = first;
		if (first.smtp == 550)
			err_set(e, EX_TEMPFAIL, 451, "4.4.3", "DNS lookup of the addresses of %s failed", host);
		return -1;
	}
	if (nxdomain)
		return err_set(e, EX_NOHOST, 550, "5.1.2", "host %s does not exist (NXDOMAIN)", host);
	return err_set(e, EX_NOHOST, 550, "5.1.2", "host %s has no IPv4 or IPv6 address", host);
}

int dns_tlsa_lookup(struct dns *d, const char *host, unsigned port, struct dns_reply *out,
		    struct mail_err *e)
{
	char name[DNS_NAME_MAX + 16];
	struct buf b = BUF_INIT;
	buf_addf(&b, "_%u._tcp.%s", port, host);
	if (!buf_ok(&b) || str_copy(name, sizeof name, b.ptr, b.len) < 0) {
		buf_free(&b);
		return err_set(e, EX_NOHOST, 550, "5.1.2", "TLSA name for %s too long", host);
	}
	buf_free(&b);
	if (query(d, name, DNS_T_TLSA, 1, 1, out, e) < 0)
		return -1;
	if (out->rcode == DNS_RCODE_NXDOMAIN) { /* no TLSA records: not an error */
		out->n = 0;
		return 0;
	}
	if (out->rcode != DNS_RCODE_NOERROR)
		return rcode_error(out, name, "TLSA", e);
	return 0;
}
