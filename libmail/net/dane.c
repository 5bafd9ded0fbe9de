/* dane.c — RFC 7672 certificate checks against TLSA records; see dane.h. */
#include "net/dane.h"

#include <string.h>

#include "base/lazy_ssl.h"

enum { USAGE_DANE_TA = 2, USAGE_DANE_EE = 3 };

static int usable(const struct dns_rr *r)
{
	return (r->usage == USAGE_DANE_TA || r->usage == USAGE_DANE_EE) && r->selector <= 1 && r->mtype <= 2;
}

size_t dane_usable(const struct dns_reply *tlsa)
{
	size_t n = 0;
	for (size_t i = 0; i < tlsa->n; i++)
		n += usable(&tlsa->rr[i]);
	return n;
}

/* Does the certificate match the record's selector and matching type? */
static int matches(X509 *cert, const struct dns_rr *r)
{
	unsigned char *der = NULL, md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	int len = r->selector == 0 ? i2d_X509(cert, &der) : i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
	int ok = 0;
	if (len <= 0)
		return 0;
	if (r->mtype == 0) {
		ok = (size_t)len == r->dlen && !memcmp(der, r->data, r->dlen);
	} else {
		const EVP_MD *type = r->mtype == 1 ? EVP_sha256() : EVP_sha512();
		ok = EVP_Digest(der, (size_t)len, md, &mdlen, type, NULL) == 1 && mdlen == r->dlen &&
		     !memcmp(md, r->data, mdlen);
	}
	OPENSSL_free(der);
	return ok;
}

/* DANE-TA: the chain the server sent must verify up to ta, for host. */
static int chain_verifies(X509 *leaf, STACK_OF(X509) *chain, X509 *ta, const char *host)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int ok = 0;
	if (store && ctx && X509_STORE_add_cert(store, ta) == 1 &&
	    X509_STORE_CTX_init(ctx, store, leaf, chain) == 1) {
		X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(ctx);
		/* the trust anchor need not be self-signed (a DANE-TA may name
		 * an intermediate) */
		X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
		X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		if (X509_VERIFY_PARAM_set1_host(param, host, 0) == 1)
			ok = X509_verify_cert(ctx) == 1;
	}
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return ok;
}

int dane_check(void *ssl_ptr, const struct dns_reply *tlsa, const char *host, struct mail_err *e)
{
	SSL *ssl = ssl_ptr;
	X509 *leaf = ssl ? SSL_get1_peer_certificate(ssl) : NULL;
	STACK_OF(X509) *chain = ssl ? SSL_get_peer_cert_chain(ssl) : NULL; /* leaf first, not owned */
	int ok = 0;
	if (!leaf)
		return err_set(e, EX_TEMPFAIL, 451, "4.7.5", "DANE: %s presented no certificate", host);
	for (size_t i = 0; i < tlsa->n && !ok; i++) {
		const struct dns_rr *r = &tlsa->rr[i];
		if (!usable(r))
			continue;
		if (r->usage == USAGE_DANE_EE) {
			ok = matches(leaf, r);
			continue;
		}
		for (int k = 0; chain && k < sk_X509_num(chain) && !ok; k++) {
			X509 *c = sk_X509_value(chain, k);
			if (matches(c, r))
				ok = chain_verifies(leaf, chain, c, host);
		}
	}
	X509_free(leaf);
	if (!ok)
		return err_set(e, EX_TEMPFAIL, 451, "4.7.5",
			       "DANE: the certificate of %s matches none of its TLSA records", host);
	return 0;
}
