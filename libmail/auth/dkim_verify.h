/* dkim_verify.h — verifying every DKIM signature of a message (RFC 6376
 * §6, RFC 8301, RFC 8463) with RFC 8601 results.
 *
 * The first DKIM_VERIFY_MAX DKIM-Signature fields are checked (a message
 * with more is rare and a cheap way to make a verifier work): each gets a
 * result and, unless it passes, a reason.
 *
 *   pass       the signature verifies with the key published for d= s=
 *   fail       it does not (body hash, signature), or what it rests on is
 *              refused: rsa-sha1 and RSA keys under 1024 bits (RFC 8301),
 *              a revoked key (p= empty)
 *   policy     expired (x= in the past)
 *   neutral    the field itself is malformed (a tag missing or repeated,
 *              bad base64, an unknown algorithm, h= without From)
 *   temperror  the key could not be looked up now
 *   permerror  no key record, or an unusable one
 *
 * Use: begin with the header section (LF or CRLF), feed the body in any
 * chunks, finish with a TXT lookup; free.
 */
#ifndef POSTBOX_DKIM_VERIFY_H
#define POSTBOX_DKIM_VERIFY_H

#include <stddef.h>

#include "auth/auth_dns.h"
#include "auth/dkim_body.h"
#include "msg/dkim_sig.h"

#define DKIM_VERIFY_MAX 8

enum dkim_result { DKIM_NONE, DKIM_PASS, DKIM_FAIL, DKIM_POLICY, DKIM_NEUTRAL, DKIM_TEMPERROR, DKIM_PERMERROR };

struct dkim_verify_sig {
	struct dkim_sig sig;
	int parsed;
	int hashing;                  /* body.md is live */
	struct dkim_body_hash body;
	size_t field;                 /* index of the field among the header section's */
	const char *name;             /* as the message spells it */
	size_t name_len;
	const char *value;            /* the field's value in hdrs, its final line break excluded */
	size_t value_len;
	enum dkim_result result;
	char reason[160];
};

struct dkim_verifier {
	const char *hdrs;
	size_t n;
	size_t nsig;
	/* DKIM_VERIFY_MAX entries (26 KiB), allocated at the first signature:
	 * most mail has none, and smtpd begins a verifier for every message. */
	struct dkim_verify_sig *s;
};

/* -1 only when out of memory (e says so). nsig == 0: result none. */
int dkim_verify_begin(struct dkim_verifier *v, const char *hdrs, size_t n, struct mail_err *e);
void dkim_verify_body(struct dkim_verifier *v, const char *p, size_t n);
void dkim_verify_finish(struct dkim_verifier *v, auth_txt_fn lookup, void *ctx, long long now);
void dkim_verify_free(struct dkim_verifier *v);

const char *dkim_result_name(enum dkim_result r);

#endif
