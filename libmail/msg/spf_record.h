/* spf_record.h — the syntax of an SPF record (RFC 7208 §4.5, §4.6.1, §5,
 * §6, §7.1, §12): pure functions, no DNS.
 *
 * A record is "v=spf1" and terms separated by spaces. It is read term by
 * term from (pointer, length) — a TXT record may hold any octet, NUL
 * included — and nothing is copied: a term's domain-spec points into the
 * record. Any octet outside %x21-7E inside a term (controls, 8-bit text,
 * NUL) is a syntax error, as are unknown mechanisms, a modifier name that
 * does not start with a letter, a domain-spec that does not end in a
 * macro or a top label with a letter, CIDR lengths over 32/128 or with a
 * leading zero, and a second redirect= or exp= (§6). RFC 7208 §4.6 asks
 * for the whole record to be checked before any of it is used:
 * spf_record_check does that, spf_term_next walks it.
 */
#ifndef POSTBOX_SPF_RECORD_H
#define POSTBOX_SPF_RECORD_H

#include <stddef.h>

/* The seven results (§2.6), in the order of their keywords' table. */
enum spf_result {
	SPF_NONE, SPF_NEUTRAL, SPF_PASS, SPF_FAIL, SPF_SOFTFAIL, SPF_TEMPERROR, SPF_PERMERROR
};

enum spf_term_kind {
	SPF_ALL, SPF_INCLUDE, SPF_A, SPF_MX, SPF_PTR, SPF_IP4, SPF_IP6, SPF_EXISTS,
	SPF_REDIRECT, SPF_EXP, SPF_UNKNOWN_MODIFIER
};

struct spf_term {
	const char *text;            /* the term as written, text_len octets */
	size_t text_len;
	enum spf_term_kind kind;
	enum spf_result qualifier;   /* mechanisms: + PASS, - FAIL, ~ SOFTFAIL, ? NEUTRAL */
	const char *spec;            /* domain-spec, or a modifier's value; NULL when absent */
	size_t spec_len;
	int cidr4, cidr6;            /* a, mx, ip4, ip6: prefix lengths (32 and 128 when absent) */
	unsigned char ip[16];        /* ip4: 4 octets; ip6: 16 */
};

/* "none", "neutral", "pass", ... */
const char *spf_result_name(enum spf_result r);

/* Is txt[0..len) an SPF record: "v=spf1", in any case, then a space or
 * the end (§4.5)? */
int spf_record_is_spf(const char *txt, size_t len);

/* The next term of an SPF record rec[0..len) from *pos (0 to start: the
 * version is skipped). 1 with *t and *pos moved past it, 0 at the end, -1
 * with a static reason in *why on a syntax error. */
int spf_term_next(const char *rec, size_t len, size_t *pos, struct spf_term *t, const char **why);

/* Check every term of the record, and that redirect= and exp= appear at
 * most once: 0, or -1 with a static reason in *why. */
int spf_record_check(const char *rec, size_t len, const char **why);

/* Is s[0..n) a macro-string (§7.1)? explanation: the text of an exp=
 * record, where spaces and the letters c, r and t are allowed too. */
int spf_macro_string_valid(const char *s, size_t n, int explanation);

/* Is s[0..n) a domain-spec: a macro-string that ends in a macro or in
 * "." and a top label (§7.1: letters, digits and inner '-', not all
 * digits), an optional final dot after it? */
int spf_domain_spec_valid(const char *s, size_t n);

#endif
