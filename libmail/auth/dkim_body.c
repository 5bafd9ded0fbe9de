/* dkim_body.c — streaming DKIM body hashes; see dkim_body.h. */
#include "auth/dkim_body.h"

#include "base/lazy_ssl.h"

static void hash_out(void *ctx, const char *p, size_t n)
{
	struct dkim_body_hash *h = ctx;
	h->total += (long long)n;
	if (h->limit >= 0) {
		long long room = h->limit - h->hashed;
		if (room <= 0)
			return;
		if ((long long)n > room)
			n = (size_t)room;
	}
	EVP_DigestUpdate(h->md, p, n);
	h->hashed += (long long)n;
}

int dkim_body_hash_init(struct dkim_body_hash *h, int relaxed, long long limit)
{
	h->limit = limit;
	h->hashed = h->total = 0;
	h->md = EVP_MD_CTX_new();
	if (!h->md || EVP_DigestInit_ex(h->md, EVP_sha256(), NULL) != 1) {
		dkim_body_hash_free(h);
		return -1;
	}
	dkim_body_canon_init(&h->canon, relaxed, hash_out, h);
	return 0;
}

void dkim_body_hash_update(struct dkim_body_hash *h, const char *p, size_t n)
{
	dkim_body_canon_update(&h->canon, p, n);
}

int dkim_body_hash_final(struct dkim_body_hash *h, unsigned char out[32])
{
	dkim_body_canon_final(&h->canon);
	unsigned len = 0;
	int ok = EVP_DigestFinal_ex(h->md, out, &len) == 1 && len == 32;
	dkim_body_hash_free(h);
	return ok ? 0 : -1;
}

void dkim_body_hash_free(struct dkim_body_hash *h)
{
	if (h->md)
		EVP_MD_CTX_free(h->md);
	h->md = NULL;
}
