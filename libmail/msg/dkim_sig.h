/* dkim_sig.h — the DKIM-Signature header field and the DKIM key record
 * (RFC 6376 §3.5 and §3.6.1, RFC 8301, RFC 8463), parsed and checked.
 *
 * Pure functions over the field's value (after "DKIM-Signature:") and the
 * TXT record's text. What §6.1.1 makes a PERMFAIL is refused here with a
 * reason: a missing required tag, v= not 1, an unknown algorithm or
 * canonicalization, h= without From, i= outside d=, x= before t=, bad
 * base64. rsa-sha1 is parsed (so a verifier can name it) and refused
 * later, per RFC 8301.
 */
#ifndef POSTBOX_DKIM_SIG_H
#define POSTBOX_DKIM_SIG_H

#include <stddef.h>

#define DKIM_DOMAIN_MAX 254      /* 253 octets and the NUL */
#define DKIM_H_MAX 64            /* header names in h= */
#define DKIM_HASH_MAX 64
#define DKIM_SIGBYTES_MAX 1024   /* an 8192-bit RSA signature */
#define DKIM_PUBKEY_MAX 2048     /* an RSA-8192 SubjectPublicKeyInfo is ~1 KB */

struct dkim_hname {
	const char *name;
	size_t len;
};

enum dkim_alg { DKIM_RSA_SHA256, DKIM_ED25519_SHA256, DKIM_RSA_SHA1 };
enum dkim_key_type { DKIM_KEY_RSA, DKIM_KEY_ED25519 };

struct dkim_sig {
	enum dkim_alg alg;
	int has_alg;                       /* a= named a known algorithm */
	int header_relaxed, body_relaxed;
	char domain[DKIM_DOMAIN_MAX];      /* d= */
	char selector[DKIM_DOMAIN_MAX];    /* s= */
	char auid_domain[DKIM_DOMAIN_MAX]; /* the domain of i= ("" without i=) */
	size_t nh;
	struct dkim_hname h[DKIM_H_MAX];
	unsigned char bh[DKIM_HASH_MAX];
	size_t bh_len;
	unsigned char b[DKIM_SIGBYTES_MAX];
	size_t b_len;
	long long l, t, x;                 /* -1 when absent */
	size_t b_raw_start, b_raw_end;     /* b='s value in the field value, to blank it */
};

struct dkim_key_record {
	enum dkim_key_type type;
	int testing;                       /* t=y */
	int strict;                        /* t=s: i= must be d= exactly */
	int revoked;                       /* p= empty */
	unsigned char p[DKIM_PUBKEY_MAX];
	size_t p_len;
};

/* 0, or -1 with *why naming the fault; d=, s= and a= are filled in
 * even then when they are valid themselves. */
int dkim_sig_parse(const char *value, size_t n, struct dkim_sig *sig, const char **why);
int dkim_key_record_parse(const char *txt, size_t n, struct dkim_key_record *key, const char **why);

/* "rsa-sha256", "ed25519-sha256", "rsa-sha1". */
const char *dkim_alg_name(enum dkim_alg a);
/* Is name (a header field name) the same as h=-entry i? */
int dkim_sig_h_is(const struct dkim_sig *sig, size_t i, const char *name, size_t len);

/* Base64 with FWS anywhere (RFC 6376 §2.7); -1 when malformed or over cap. */
int dkim_base64_decode(const char *s, size_t n, unsigned char *out, size_t cap, size_t *len);

#endif
