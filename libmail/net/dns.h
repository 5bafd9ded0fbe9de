/* dns.h — finding a domain's mail servers with ldns (RFC 5321 §5.1).
 *
 * A struct dns names the nameservers to ask: the `resolver` key
 * (ADDR[:PORT], "[v6]:PORT") when set, else the nameserver lines of
 * /etc/resolv.conf, else 127.0.0.1. Queries go over UDP (512 octets, no
 * EDNS, except TLSA which asks with EDNS0 and the DO bit for the AD bit);
 * a truncated answer is asked again over TCP. Every answer is decoded with
 * ldns' wire parser and checked: the id, the QR bit, the question echoed,
 * every rdata field's type and size before use; names are kept only when
 * they are plain host names (letters, digits, '-', '_', dots, 253 octets).
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

#define DNS_NS_MAX 3
#define DNS_RR_MAX 32
#define DNS_NAME_MAX 254        /* 253 octets of text and the NUL */
#define DNS_TLSA_DATA_MAX 64    /* SHA2-512; full-certificate TLSA is skipped */
#define DNS_CNAME_MAX 8

/* DNS types used here (RFC 1035, 3596, 6698). */
enum {
	DNS_T_A = 1, DNS_T_CNAME = 5, DNS_T_PTR = 12, DNS_T_MX = 15, DNS_T_TXT = 16, DNS_T_AAAA = 28,
	DNS_T_TLSA = 52
};

struct dns {
	struct sockaddr_storage ns[DNS_NS_MAX];
	socklen_t ns_len[DNS_NS_MAX];
	int nns;
	int timeout_ms;          /* per try */
	int tries;               /* per nameserver */
};

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
	size_t n;
	struct dns_rr rr[DNS_RR_MAX];
	char *txt;                  /* TXT answers only: owned, see dns_reply_free */
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
/* Release what a TXT answer holds (nothing for other types). */
void dns_reply_free(struct dns_reply *r);
/* The text of TXT record i: its character-strings joined (RFC 7208 §3.3,
 * RFC 6376 §3.6.2.2); may contain any octet, NUL included. */
const char *dns_rr_txt(const struct dns_reply *r, size_t i, size_t *len);

/* --- pure functions, exposed for the unit tests --- */

/* Decode the answer wire[0..n) to a question (qname, qtype): the records of
 * qtype at qname or at the end of a CNAME chain within the answer. -1 with
 * 451 4.4.3 if it is not a well-formed answer to that question. For TXT,
 * out->txt is allocated: release it with dns_reply_free. */
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
/* Parse "ADDR[:PORT]" / "[V6]:PORT" / "V6" into a socket address. */
int dns_parse_server(const char *s, unsigned default_port, struct sockaddr_storage *ss,
		     socklen_t *len);

#endif
