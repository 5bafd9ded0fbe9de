/* dkim_crypto.h — the two hashes-and-signature steps that signing and
 * verifying share (RFC 6376 §3.7, RFC 8463 §3): the header hash over the
 * signed fields and the DKIM-Signature field itself (its b= empty, no
 * final CRLF), and the signature over that hash — RSASSA-PKCS1-v1_5 with
 * SHA-256, or PureEdDSA (Ed25519) of the SHA-256 hash.
 */
#ifndef POSTBOX_DKIM_CRYPTO_H
#define POSTBOX_DKIM_CRYPTO_H

#include <stddef.h>

#include "msg/dkim_sig.h"

struct evp_pkey_st;

/* sig_value: the DKIM-Signature field's value with b='s value cut out. */
int dkim_header_hash(const char *hdrs, size_t n, const struct dkim_hname *h, size_t nh, int relaxed,
		     const char *sig_name, size_t sig_name_len, const char *sig_value, size_t sig_value_len,
		     unsigned char out[32]);

/* Sign: 0 with sig[0..*len), or -1. */
int dkim_sign_hash(struct evp_pkey_st *key, enum dkim_alg alg, const unsigned char hash[32], unsigned char *sig,
		   size_t cap, size_t *len);
/* 1 good, 0 not a signature of this hash by this key. */
int dkim_verify_hash(struct evp_pkey_st *key, enum dkim_alg alg, const unsigned char hash[32],
		     const unsigned char *sig, size_t len);

#endif
