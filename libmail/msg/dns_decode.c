/* dns_decode.c — decoding and checking DNS answers; see dns_decode.h. */
#include "msg/dns_decode.h"

#include <netinet/in.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "base/lazy_ldns.h"

#include "base/buf.h"

int dns_name_valid(const char *s)
{
	size_t n = strlen(s), label = 0;
	if (n == 0 || n > DNS_NAME_MAX - 1)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '.') {
			if (label == 0)
				return 0; /* empty label, or a trailing dot */
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
		      c == '_'))
			return 0;
		if (++label > 63)
			return 0;
	}
	return label > 0;
}

int dns_lookup_name_valid(const char *s)
{
	size_t n = strlen(s), label = 0;
	if (n == 0 || n > DNS_NAME_MAX - 1)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '.') {
			if (label == 0)
				return 0;
			label = 0;
			continue;
		}
		/* ldns reads '\\' as an escape; controls and 8-bit octets are no
		 * part of a name anyone publishes (a space is: SPF's "%_"). */
		if (c < ' ' || c >= 0x7f || c == '\\' || ++label > 63)
			return 0;
	}
	return label > 0;
}

/* A wire-format name (uncompressed, as ldns hands it) to text without the
 * trailing dot; "" for the root. -1 when it is not a plain host name (or,
 * not strict, a name dns_lookup_name_valid accepts). */
static int dname_text(const ldns_rdf *rdf, char *out, size_t cap, int strict)
{
	if (!rdf || ldns_rdf_get_type(rdf) != LDNS_RDF_TYPE_DNAME)
		return -1;
	const unsigned char *p = ldns_rdf_data(rdf);
	size_t n = ldns_rdf_size(rdf), pos = 0, o = 0;
	while (pos < n) {
		size_t len = p[pos++];
		if (len == 0)
			break;
		if (len > 63 || pos + len > n)
			return -1;
		if (o && o + 1 < cap)
			out[o++] = '.';
		if (o + len >= cap)
			return -1;
		memcpy(out + o, p + pos, len);
		o += len;
		pos += len;
	}
	if (pos != n || cap == 0)
		return -1;
	out[o] = '\0';
	return o == 0 || (strict ? dns_name_valid(out) : dns_lookup_name_valid(out)) ? 0 : -1;
}

static int names_eq(const char *a, const char *b)
{
	return !strcasecmp(a, b);
}

/* Join a TXT record's character-strings at the end of out->txt. */
static int decode_txt(const ldns_rr *rr, struct dns_reply *out, struct dns_rr *r)
{
	r->txt_off = r->txt_len = 0;
	for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
		const ldns_rdf *f = ldns_rr_rdf(rr, i);
		if (!f || ldns_rdf_size(f) < 1 || (size_t)*ldns_rdf_data(f) != ldns_rdf_size(f) - 1)
			return -1;
	}
	size_t used = 0;
	for (size_t k = 0; k < out->n; k++)
		used += out->rr[k].txt_len;
	r->txt_off = used;
	for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
		const ldns_rdf *f = ldns_rr_rdf(rr, i);
		/* Fits: the joined text is shorter than the wire it came in. */
		memcpy(out->txt + used, ldns_rdf_data(f) + 1, ldns_rdf_size(f) - 1);
		used += ldns_rdf_size(f) - 1;
	}
	r->txt_len = used - r->txt_off;
	return 0;
}

/* Decode one record of the asked type into r; -1 to skip a malformed one. */
static int decode_rr(const ldns_rr *rr, int qtype, int strict, struct dns_reply *out, struct dns_rr *r)
{
	const ldns_rdf *f0 = ldns_rr_rdf(rr, 0);
	memset(r, 0, sizeof *r);
	r->type = qtype;
	switch (qtype) {
	case DNS_T_MX: {
		const ldns_rdf *f1 = ldns_rr_rdf(rr, 1);
		if (ldns_rr_rd_count(rr) != 2 || !f0 || ldns_rdf_size(f0) != 2)
			return -1;
		const unsigned char *d = ldns_rdf_data(f0);
		r->pref = (unsigned)d[0] << 8 | d[1];
		return dname_text(f1, r->host, sizeof r->host, strict);
	}
	case DNS_T_PTR:
		if (ldns_rr_rd_count(rr) != 1)
			return -1;
		return dname_text(f0, r->host, sizeof r->host, strict);
	case DNS_T_TXT:
		return decode_txt(rr, out, r);
	case DNS_T_A:
	case DNS_T_AAAA: {
		size_t want = qtype == DNS_T_A ? 4 : 16;
		if (ldns_rr_rd_count(rr) != 1 || !f0 || ldns_rdf_size(f0) != want)
			return -1;
		r->family = qtype == DNS_T_A ? AF_INET : AF_INET6;
		memcpy(r->addr, ldns_rdf_data(f0), want);
		return 0;
	}
	case DNS_T_TLSA: {
		if (ldns_rr_rd_count(rr) != 4)
			return -1;
		for (size_t i = 0; i < 3; i++)
			if (!ldns_rr_rdf(rr, i) || ldns_rdf_size(ldns_rr_rdf(rr, i)) != 1)
				return -1;
		const ldns_rdf *f3 = ldns_rr_rdf(rr, 3);
		if (!f3 || ldns_rdf_size(f3) == 0 || ldns_rdf_size(f3) > DNS_TLSA_DATA_MAX)
			return -1;
		r->usage = *ldns_rdf_data(f0);
		r->selector = *ldns_rdf_data(ldns_rr_rdf(rr, 1));
		r->mtype = *ldns_rdf_data(ldns_rr_rdf(rr, 2));
		r->dlen = ldns_rdf_size(f3);
		memcpy(r->data, ldns_rdf_data(f3), r->dlen);
		return 0;
	}
	}
	return -1;
}

/* The least TTL of a section's records, or `ttl` when it is less. */
static long least_ttl(const ldns_rr_list *rrs, long ttl)
{
	size_t count = rrs ? ldns_rr_list_rr_count(rrs) : 0;
	for (size_t i = 0; i < count; i++) {
		long t = (long)ldns_rr_ttl(ldns_rr_list_rr(rrs, i));
		if (ttl < 0 || t < ttl)
			ttl = t;
	}
	return ttl;
}

/* RFC 2308 §5: a negative answer lives as long as the least of its SOA
 * record's TTL and that record's MINIMUM field; -1 without a SOA. */
static long negative_ttl(const ldns_pkt *pkt)
{
	const ldns_rr_list *ns = ldns_pkt_authority(pkt);
	size_t count = ns ? ldns_rr_list_rr_count(ns) : 0;
	for (size_t i = 0; i < count; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(ns, i);
		const ldns_rdf *min = ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA && ldns_rr_rd_count(rr) == 7
					      ? ldns_rr_rdf(rr, 6)
					      : NULL;
		if (!min || ldns_rdf_size(min) != 4)
			continue;
		const unsigned char *m = ldns_rdf_data(min);
		long minimum = (long)((unsigned long)m[0] << 24 | (unsigned long)m[1] << 16 | m[2] << 8 | m[3]);
		long ttl = (long)ldns_rr_ttl(rr);
		return minimum < ttl ? minimum : ttl;
	}
	return -1;
}

/* How long the decoded answer may be kept (see dns_parse_reply). */
static long answer_ttl(const ldns_pkt *pkt, const struct dns_reply *out)
{
	if (out->tc || (out->rcode != DNS_RCODE_NOERROR && out->rcode != DNS_RCODE_NXDOMAIN))
		return -1;
	long ttl = least_ttl(ldns_pkt_answer(pkt), -1);
	if (out->n == 0 && !out->cname_pending) {
		long neg = negative_ttl(pkt);
		if (neg < 0)
			return -1;
		if (ttl < 0 || neg < ttl)
			ttl = neg;
	}
	return ttl;
}

int dns_parse_reply(const unsigned char *wire, size_t n, const char *qname, int qtype,
		    struct dns_reply *out, struct mail_err *e)
{
	return dns_parse_reply_names(wire, n, qname, qtype, 1, out, e);
}

int dns_parse_reply_names(const unsigned char *wire, size_t n, const char *qname, int qtype, int strict,
			  struct dns_reply *out, struct mail_err *e)
{
	ldns_pkt *pkt = NULL;
	char owner[DNS_NAME_MAX];
	dns_reply_clear(out);
	if (lazylib_load(LAZYLIB_LDNS, e) < 0)
		return -1;
	if (ldns_wire2pkt(&pkt, wire, n) != LDNS_STATUS_OK || !pkt)
		return err_set(e, EX_TEMPFAIL, 451, "4.4.3", "DNS answer for %s is malformed", qname);
	const ldns_rr_list *q = ldns_pkt_question(pkt);
	const ldns_rr *q0 = q && ldns_rr_list_rr_count(q) == 1 ? ldns_rr_list_rr(q, 0) : NULL;
	if (!ldns_pkt_qr(pkt) || !q0 || (int)ldns_rr_get_type(q0) != qtype ||
	    dname_text(ldns_rr_owner(q0), owner, sizeof owner, 0) < 0 || !names_eq(owner, qname)) {
		ldns_pkt_free(pkt);
		return err_set(e, EX_TEMPFAIL, 451, "4.4.3", "DNS answer does not match the question %s", qname);
	}
	if (qtype == DNS_T_TXT && !(out->txt = malloc(n))) {
		ldns_pkt_free(pkt);
		return err_set(e, EX_TEMPFAIL, 451, "4.3.0", "DNS: out of memory");
	}
	out->rcode = ldns_pkt_get_rcode(pkt);
	out->tc = ldns_pkt_tc(pkt) ? 1 : 0;
	out->ad = ldns_pkt_ad(pkt) ? 1 : 0;
	str_copy(out->name, sizeof out->name, qname, strlen(qname));

	/* Follow the CNAME chain inside the answer section, then keep the
	 * records of the asked type owned by its last name. */
	const ldns_rr_list *an = ldns_pkt_answer(pkt);
	size_t count = an ? ldns_rr_list_rr_count(an) : 0;
	for (int hops = 0; hops <= DNS_CNAME_MAX; hops++) {
		int moved = 0;
		for (size_t i = 0; i < count && !moved; i++) {
			const ldns_rr *rr = ldns_rr_list_rr(an, i);
			char target[DNS_NAME_MAX];
			if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_CNAME || qtype == DNS_T_CNAME ||
			    dname_text(ldns_rr_owner(rr), owner, sizeof owner, 0) < 0 || !names_eq(owner, out->name) ||
			    ldns_rr_rd_count(rr) != 1 || dname_text(ldns_rr_rdf(rr, 0), target, sizeof target, 0) < 0 ||
			    !target[0])
				continue;
			str_copy(out->name, sizeof out->name, target, strlen(target));
			moved = 1;
		}
		if (!moved)
			break;
		if (hops == DNS_CNAME_MAX) {
			ldns_pkt_free(pkt);
			dns_reply_free(out);
			return err_set(e, EX_TEMPFAIL, 451, "4.4.3", "DNS: CNAME chain from %s too long", qname);
		}
	}
	for (size_t i = 0; i < count && out->n < DNS_RR_MAX; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(an, i);
		if ((int)ldns_rr_get_type(rr) != qtype || ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN ||
		    dname_text(ldns_rr_owner(rr), owner, sizeof owner, 0) < 0 || !names_eq(owner, out->name))
			continue;
		if (decode_rr(rr, qtype, strict, out, &out->rr[out->n]) == 0)
			out->n++;
	}
	out->cname_pending = out->n == 0 && !names_eq(out->name, qname);
	out->ttl = answer_ttl(pkt, out);
	ldns_pkt_free(pkt);
	return 0;
}

void dns_mx_sort(struct dns_rr *mx, size_t n, unsigned (*rnd)(void))
{
	/* Shuffle first (Fisher–Yates), then a stable insertion sort by
	 * preference: equal preferences stay in random order (§5.1). */
	for (size_t i = n; i > 1; i--) {
		size_t j = rnd() % i;
		struct dns_rr t = mx[i - 1];
		mx[i - 1] = mx[j];
		mx[j] = t;
	}
	for (size_t i = 1; i < n; i++) {
		struct dns_rr t = mx[i];
		size_t j = i;
		while (j > 0 && mx[j - 1].pref > t.pref) {
			mx[j] = mx[j - 1];
			j--;
		}
		mx[j] = t;
	}
}

void dns_reply_clear(struct dns_reply *r)
{
	memset(r, 0, offsetof(struct dns_reply, rr));
}

void dns_reply_free(struct dns_reply *r)
{
	free(r->txt);
	r->txt = NULL;
}

const char *dns_rr_txt(const struct dns_reply *r, size_t i, size_t *len)
{
	*len = r->rr[i].txt_len;
	return r->txt ? r->txt + r->rr[i].txt_off : "";
}
