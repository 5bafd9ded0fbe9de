/* dns_decode.h — DNS answers, decoded and checked (RFC 1035, 3596, 6698,
 * 7208 §3.3, 7505): pure functions over the bytes of one answer, no
 * sockets, no files. The lookups that ask the questions are net/dns.h's
 * and net/dns_records.h's.
 *
 * An answer is decoded with ldns' wire parser and checked: the QR bit, the
 * question echoed, every rdata field's type and size before use; names are
 * kept only when they are plain host names (letters, digits, '-', '_',
 * dots, 253 octets). A CNAME chain inside the answer is followed (at most
 * DNS_CNAME_MAX links).
 */
#ifndef POSTBOX_DNS_DECODE_H
#define POSTBOX_DNS_DECODE_H

#include <stddef.h>

#include "base/err.h"

#define DNS_RR_MAX 32
#define DNS_NAME_MAX 254        /* 253 octets of text and the NUL */
#define DNS_TLSA_DATA_MAX 64    /* SHA2-512; full-certificate TLSA is skipped */
#define DNS_CNAME_MAX 8

/* DNS types used here (RFC 1035, 3596, 6698). */
enum {
	DNS_T_A = 1, DNS_T_CNAME = 5, DNS_T_PTR = 12, DNS_T_MX = 15, DNS_T_TXT = 16, DNS_T_AAAA = 28,
	DNS_T_TLSA = 52
};

/* Response codes (RFC 1035 §4.1.1) the lookups tell apart. */
enum { DNS_RCODE_NOERROR = 0, DNS_RCODE_SERVFAIL = 2, DNS_RCODE_NXDOMAIN = 3 };

/* One decoded record of the type asked for. */
struct dns_rr {
	int type;
	unsigned pref;                       /* MX */
	char host[DNS_NAME_MAX];             /* MX/PTR target, "" for the null MX "." */
	int family;                          /* A/AAAA: AF_INET or AF_INET6 */
	unsigned char addr[16];
	unsigned char usage, selector, mtype;  /* TLSA */
	unsigned char data[DNS_TLSA_DATA_MAX];
	size_t dlen;
	size_t txt_off, txt_len;             /* TXT: its strings joined, in dns_reply.txt */
};

/* A decoded answer. */
struct dns_reply {
	int rcode;                  /* 0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, ... */
	int tc, ad;                 /* truncated; DNSSEC-validated (AD bit) */
	char name[DNS_NAME_MAX];    /* the name the records belong to, after CNAMEs */
	int cname_pending;          /* the answer ends at a CNAME with no data */
	long ttl;                   /* seconds it may be reused: see dns_parse_reply */
	char *txt;                  /* TXT answers only: owned, see dns_reply_free */
	size_t n;
	struct dns_rr rr[DNS_RR_MAX]; /* last: dns_reply_clear leaves it */
};

/* An empty reply: every field but rr[], whose first n entries are
 * written as they are decoded (clearing all 12 KiB, as three callers of a
 * lookup did, was most of the cost of an answer kept in the cache). Holds
 * nothing to free. */
void dns_reply_clear(struct dns_reply *r);

/* Decode the answer wire[0..n) to a question (qname, qtype): the records of
 * qtype at qname or at the end of a CNAME chain within the answer. -1 with
 * 451 4.4.3 if it is not a well-formed answer to that question. For TXT,
 * out->txt is allocated: release it with dns_reply_free.
 * out->ttl is how long the answer may be kept, in seconds: the least TTL
 * of the answer section's records (RFC 2181 §5.2, a CNAME's included);
 * for no data or NXDOMAIN also of the authority section's SOA record and
 * its MINIMUM field (RFC 2308 §5). -1 when it must not be kept: a negative
 * answer without a SOA, any other rcode, a truncated answer; 0 neither. */
int dns_parse_reply(const unsigned char *wire, size_t n, const char *qname, int qtype,
		    struct dns_reply *out, struct mail_err *e);
/* The same; strict 0 keeps MX and PTR targets that are not host names but
 * pass dns_lookup_name_valid (SPF asks about them as published). */
int dns_parse_reply_names(const unsigned char *wire, size_t n, const char *qname, int qtype, int strict,
			  struct dns_reply *out, struct mail_err *e);
/* Sort MX records by preference, shuffling equal ones with rnd(). */
void dns_mx_sort(struct dns_rr *mx, size_t n, unsigned (*rnd)(void));
/* Is this text a host name we accept ("a.b-c._25", no trailing dot)? */
int dns_name_valid(const char *s);
/* Is it a name we may ask about at all: labels of 1-63 printable octets
 * or spaces, no '\\', 253 octets, no trailing dot? */
int dns_lookup_name_valid(const char *s);

/* Release what a TXT answer holds (nothing for other types). */
void dns_reply_free(struct dns_reply *r);
/* The text of TXT record i: its character-strings joined (RFC 7208 §3.3,
 * RFC 6376 §3.6.2.2); may contain any octet, NUL included. */
const char *dns_rr_txt(const struct dns_reply *r, size_t i, size_t *len);

#endif
