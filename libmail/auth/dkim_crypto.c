/* dkim_crypto.c — DKIM header hash and signatures; see dkim_crypto.h. */
#include "auth/dkim_crypto.h"

#include "base/buf.h"
#include "msg/dkim_canon.h"
#include "base/lazy_ssl.h"

int dkim_header_hash(const char *hdrs, size_t n, const struct dkim_hname *h, size_t nh, int relaxed,
		     const char *sig_name, size_t sig_name_len, const char *sig_value, size_t sig_value_len,
		     unsigned char out[32])
{
	struct buf data = BUF_INIT;
	int rc = -1;
	unsigned len = 0;
	if (dkim_canon_headers(&data, hdrs, n, h, nh, relaxed) == 0 &&
	    dkim_canon_header(&data, sig_name, sig_name_len, sig_value, sig_value_len, relaxed, 0) == 0 &&
	    EVP_Digest(data.ptr ? data.ptr : "", data.len, out, &len, EVP_sha256(), NULL) == 1 && len == 32)
		rc = 0;
	buf_free(&data);
	return rc;
}

int dkim_sign_hash(EVP_PKEY *key, enum dkim_alg alg, const unsigned char hash[32], unsigned char *sig,
		   size_t cap, size_t *len)
{
	int ok = 0;
	*len = cap;
	if (alg == DKIM_ED25519_SHA256) {
		EVP_MD_CTX *md = EVP_MD_CTX_new();
		ok = md && EVP_DigestSignInit(md, NULL, NULL, NULL, key) == 1 &&
		     EVP_DigestSign(md, sig, len, hash, 32) == 1;
		EVP_MD_CTX_free(md);
	} else if (alg == DKIM_RSA_SHA256) {
		EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
		ok = ctx && EVP_PKEY_sign_init(ctx) == 1 && EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) == 1 &&
		     EVP_PKEY_sign(ctx, sig, len, hash, 32) == 1;
		EVP_PKEY_CTX_free(ctx);
	}
	ERR_clear_error();
	return ok ? 0 : -1;
}

int dkim_verify_hash(EVP_PKEY *key, enum dkim_alg alg, const unsigned char hash[32], const unsigned char *sig,
		     size_t len)
{
	int ok = 0;
	if (alg == DKIM_ED25519_SHA256 && EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519) {
		EVP_MD_CTX *md = EVP_MD_CTX_new();
		ok = md && EVP_DigestVerifyInit(md, NULL, NULL, NULL, key) == 1 &&
		     EVP_DigestVerify(md, sig, len, hash, 32) == 1;
		EVP_MD_CTX_free(md);
	} else if (alg == DKIM_RSA_SHA256 && EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA) {
		EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
		ok = ctx && EVP_PKEY_verify_init(ctx) == 1 && EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) == 1 &&
		     EVP_PKEY_verify(ctx, sig, len, hash, 32) == 1;
		EVP_PKEY_CTX_free(ctx);
	}
	ERR_clear_error();
	return ok;
}
