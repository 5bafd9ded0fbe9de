/* Unit tests: decoding DNS answers (dns_parse_reply) and MX ordering. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <ldns/ldns.h>

#include "msg/dns_decode.h"
#include "net/dns.h"
#include "net/dns_records.h"
#include "unit.h"

/* Build an answer packet for (qname, qtype) with the given RRs in one
 * section. */
static size_t make_reply(unsigned char *out, size_t cap, const char *qname, ldns_rr_type qtype, int rcode,
			 ldns_pkt_section section, const char *const *rrs)
{
	ldns_pkt *p = ldns_pkt_query_new(ldns_dname_new_frm_str(qname), qtype, LDNS_RR_CLASS_IN, 0);
	ldns_pkt_set_qr(p, 1);
	ldns_pkt_set_rcode(p, (uint8_t)rcode);
	for (; rrs && *rrs; rrs++) {
		ldns_rr *rr = NULL;
		if (ldns_rr_new_frm_str(&rr, *rrs, 3600, NULL, NULL) == LDNS_STATUS_OK)
			ldns_pkt_push_rr(p, section, rr);
	}
	uint8_t *wire = NULL;
	size_t n = 0;
	ldns_pkt2wire(&wire, p, &n);
	ldns_pkt_free(p);
	if (n > cap)
		n = 0;
	memcpy(out, wire, n);
	free(wire);
	return n;
}

static size_t make_answer(unsigned char *out, size_t cap, const char *qname, ldns_rr_type qtype, int rcode,
			  const char *const *rrs)
{
	return make_reply(out, cap, qname, qtype, rcode, LDNS_SECTION_ANSWER, rrs);
}

UNIT_TEST(dns_parse_mx_and_cname_chain)
{
	unsigned char w[4096];
	struct dns_reply rep;
	struct mail_err e;
	const char *rrs[] = { "x.example. IN CNAME y.example.", "y.example. IN MX 10 mx.y.example.",
			      "other.example. IN MX 5 evil.example.", NULL };
	size_t n = make_answer(w, sizeof w, "x.example.", LDNS_RR_TYPE_MX, 0, rrs);
	CHECK(dns_parse_reply(w, n, "x.example", DNS_T_MX, &rep, &e) == 0);
	CHECK(rep.n == 1 && rep.rr[0].pref == 10);
	CHECK_STR(rep.rr[0].host, "mx.y.example");
	CHECK_STR(rep.name, "y.example");
	/* a record for a name outside the chain is never taken */
	CHECK(!rep.cname_pending);
}

UNIT_TEST(dns_parse_refuses_wrong_question_and_garbage)
{
	unsigned char w[4096];
	struct dns_reply rep;
	struct mail_err e;
	const char *rrs[] = { "a.example. IN A 192.0.2.1", NULL };
	size_t n = make_answer(w, sizeof w, "a.example.", LDNS_RR_TYPE_A, 0, rrs);
	CHECK(dns_parse_reply(w, n, "b.example", DNS_T_A, &rep, &e) < 0 && e.smtp == 451);
	CHECK(dns_parse_reply(w, n, "a.example", DNS_T_AAAA, &rep, &e) < 0);
	CHECK(dns_parse_reply(w, n, "A.EXAMPLE", DNS_T_A, &rep, &e) == 0 && rep.n == 1);
	/* every truncation of a valid answer is refused or yields no records
	 * beyond what fits; none crashes */
	for (size_t cut = 0; cut < n; cut++)
		if (dns_parse_reply(w, cut, "a.example", DNS_T_A, &rep, &e) == 0)
			CHECK(rep.n <= 1);
	/* random bytes */
	srand(7);
	for (int round = 0; round < 2000; round++) {
		size_t len = (size_t)(rand() % 200);
		for (size_t i = 0; i < len; i++)
			w[i] = (unsigned char)rand();
		if (len > 2)
			w[2] |= 0x80;
		dns_parse_reply(w, len, "a.example", DNS_T_A, &rep, &e);
	}
	/* a compression pointer loop */
	unsigned char loop[] = { 0, 1, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1,
				 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 1, 2, 3, 4 };
	CHECK(dns_parse_reply(loop, sizeof loop, "a.example", DNS_T_A, &rep, &e) < 0);
}

UNIT_TEST(dns_parse_null_mx_and_rcode)
{
	unsigned char w[4096];
	struct dns_reply rep;
	struct mail_err e;
	const char *rrs[] = { "n.example. IN MX 0 .", NULL };
	size_t n = make_answer(w, sizeof w, "n.example.", LDNS_RR_TYPE_MX, 0, rrs);
	CHECK(dns_parse_reply(w, n, "n.example", DNS_T_MX, &rep, &e) == 0);
	CHECK(rep.n == 1 && rep.rr[0].host[0] == '\0');
	n = make_answer(w, sizeof w, "gone.example.", LDNS_RR_TYPE_MX, 3, NULL);
	CHECK(dns_parse_reply(w, n, "gone.example", DNS_T_MX, &rep, &e) == 0 && rep.rcode == 3);
}

UNIT_TEST(dns_parse_tlsa)
{
	unsigned char w[4096];
	struct dns_reply rep;
	struct mail_err e;
	const char *rrs[] = { "_25._tcp.mx.example. IN TLSA 3 1 1 "
			      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
			      NULL };
	size_t n = make_answer(w, sizeof w, "_25._tcp.mx.example.", LDNS_RR_TYPE_TLSA, 0, rrs);
	CHECK(dns_parse_reply(w, n, "_25._tcp.mx.example", DNS_T_TLSA, &rep, &e) == 0);
	CHECK(rep.n == 1 && rep.rr[0].usage == 3 && rep.rr[0].selector == 1 && rep.rr[0].mtype == 1);
	CHECK(rep.rr[0].dlen == 32 && rep.rr[0].data[0] == 0x01 && rep.rr[0].data[31] == 0xef);
}

UNIT_TEST(dns_parse_txt_and_ptr)
{
	unsigned char w[4096];
	struct dns_reply rep;
	struct mail_err e;
	size_t len;
	const char *txt[] = { "t.example. IN CNAME u.example.", "u.example. IN TXT \"v=spf1 \" \"-all\"",
			      "u.example. IN TXT \"second\"", "u.example. IN TXT \"\"", NULL };
	size_t n = make_answer(w, sizeof w, "t.example.", LDNS_RR_TYPE_TXT, 0, txt);
	CHECK(dns_parse_reply(w, n, "t.example", DNS_T_TXT, &rep, &e) == 0);
	CHECK(rep.n == 3);
	CHECK_STR(rep.name, "u.example");
	const char *t = dns_rr_txt(&rep, 0, &len);
	CHECK(len == 11 && !memcmp(t, "v=spf1 -all", 11));
	t = dns_rr_txt(&rep, 1, &len);
	CHECK(len == 6 && !memcmp(t, "second", 6));
	dns_rr_txt(&rep, 2, &len);
	CHECK(len == 0);
	dns_reply_free(&rep);
	CHECK(rep.txt == NULL);

	const char *ptr[] = { "5.2.0.192.in-addr.arpa. IN PTR mail.example.", NULL };
	n = make_answer(w, sizeof w, "5.2.0.192.in-addr.arpa.", LDNS_RR_TYPE_PTR, 0, ptr);
	CHECK(dns_parse_reply(w, n, "5.2.0.192.in-addr.arpa", DNS_T_PTR, &rep, &e) == 0);
	CHECK(rep.n == 1);
	CHECK_STR(rep.rr[0].host, "mail.example");
}

UNIT_TEST(dns_lookup_names)
{
	CHECK(dns_lookup_name_valid("foo+bar=baz.example"));
	CHECK(dns_lookup_name_valid("_spf.example"));
	CHECK(!dns_lookup_name_valid("a..example"));
	CHECK(dns_lookup_name_valid("macro%percent  space.example"));
	CHECK(!dns_lookup_name_valid("a\tb.example"));
	CHECK(!dns_lookup_name_valid("a\\.example"));
	CHECK(!dns_lookup_name_valid("example."));
	CHECK(!dns_lookup_name_valid("A123456789012345678901234567890123456789012345678901234567890123.example"));
	CHECK(!dns_name_valid("foo+bar.example"));
	char rev[DNS_NAME_MAX];
	unsigned char v4[4] = { 192, 0, 2, 5 }, v6[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	v6[15] = 0x1f;
	dns_reverse_name(AF_INET, v4, rev);
	CHECK_STR(rev, "5.2.0.192.in-addr.arpa");
	dns_reverse_name(AF_INET6, v6, rev);
	CHECK_STR(rev, "f.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
}

static unsigned seq;
static unsigned counter(void)
{
	return seq++;
}

UNIT_TEST(dns_mx_sort_by_preference)
{
	struct dns_rr mx[5];
	unsigned prefs[5] = { 30, 10, 20, 10, 0 };
	for (int i = 0; i < 5; i++) {
		memset(&mx[i], 0, sizeof mx[i]);
		mx[i].pref = prefs[i];
		mx[i].host[0] = (char)('a' + i);
	}
	dns_mx_sort(mx, 5, counter);
	CHECK(mx[0].pref == 0 && mx[1].pref == 10 && mx[2].pref == 10 && mx[3].pref == 20 && mx[4].pref == 30);
}

UNIT_TEST(dns_names_and_servers)
{
	CHECK(dns_name_valid("mx1.example.org"));
	CHECK(dns_name_valid("_25._tcp.mx"));
	CHECK(!dns_name_valid("a..b"));
	CHECK(!dns_name_valid("a.b."));
	CHECK(!dns_name_valid("a b"));
	CHECK(!dns_name_valid(""));
	struct sockaddr_storage ss;
	socklen_t len;
	CHECK(dns_parse_server("127.0.0.1:5353", 53, &ss, &len) == 0 && ss.ss_family == AF_INET);
	CHECK(dns_parse_server("[::1]:5353", 53, &ss, &len) == 0 && ss.ss_family == AF_INET6);
	CHECK(dns_parse_server("::1", 53, &ss, &len) == 0 && ss.ss_family == AF_INET6);
	CHECK(dns_parse_server("host.example", 53, &ss, &len) < 0);
	CHECK(dns_parse_server("127.0.0.1:0", 53, &ss, &len) < 0);
	CHECK(dns_parse_server("127.0.0.1:99999", 53, &ss, &len) < 0);
}

/* A TXT answer with no records and the SOA record soa (or none) in the
 * authority section. */
static size_t make_negative(unsigned char *out, size_t cap, const char *qname, int rcode, const char *soa)
{
	const char *rrs[] = { soa, NULL };
	return make_reply(out, cap, qname, LDNS_RR_TYPE_TXT, rcode, LDNS_SECTION_AUTHORITY, rrs);
}

UNIT_TEST(dns_answer_ttl)
{
	unsigned char w[4096];
	struct dns_reply rep;
	struct mail_err e;
	/* the least TTL of the answer section, a CNAME's included */
	const char *rrs[] = { "x.example. 300 IN CNAME y.example.", "y.example. 60 IN TXT \"a\"",
			      "y.example. 900 IN TXT \"b\"", NULL };
	size_t n = make_answer(w, sizeof w, "x.example.", LDNS_RR_TYPE_TXT, 0, rrs);
	CHECK(dns_parse_reply(w, n, "x.example", DNS_T_TXT, &rep, &e) == 0 && rep.n == 2 && rep.ttl == 60);
	dns_reply_free(&rep);
	const char *zero[] = { "z.example. 0 IN TXT \"a\"", NULL };
	n = make_answer(w, sizeof w, "z.example.", LDNS_RR_TYPE_TXT, 0, zero);
	CHECK(dns_parse_reply(w, n, "z.example", DNS_T_TXT, &rep, &e) == 0 && rep.ttl == 0);
	dns_reply_free(&rep);
	/* RFC 2308 §5: NXDOMAIN and no data live min(SOA TTL, MINIMUM) */
	const char *soa = "example. 600 IN SOA ns.example. h.example. 1 3600 600 86400 120";
	n = make_negative(w, sizeof w, "n.example.", 3, soa);
	CHECK(dns_parse_reply(w, n, "n.example", DNS_T_TXT, &rep, &e) == 0 && rep.rcode == 3 && rep.ttl == 120);
	dns_reply_free(&rep);
	n = make_negative(w, sizeof w, "n.example.", 0, "example. 30 IN SOA ns.example. h.example. 1 3600 600 86400 120");
	CHECK(dns_parse_reply(w, n, "n.example", DNS_T_TXT, &rep, &e) == 0 && rep.n == 0 && rep.ttl == 30);
	dns_reply_free(&rep);
	/* without a SOA a negative answer is not kept; nor a SERVFAIL */
	n = make_negative(w, sizeof w, "n.example.", 3, NULL);
	CHECK(dns_parse_reply(w, n, "n.example", DNS_T_TXT, &rep, &e) == 0 && rep.ttl == -1);
	dns_reply_free(&rep);
	n = make_negative(w, sizeof w, "n.example.", 2, soa);
	CHECK(dns_parse_reply(w, n, "n.example", DNS_T_TXT, &rep, &e) == 0 && rep.ttl == -1);
	dns_reply_free(&rep);
}
