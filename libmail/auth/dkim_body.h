/* dkim_body.h — the DKIM body hash (RFC 6376 §3.7): the body,
 * canonicalized as a stream (msg/dkim_canon.h), into SHA-256, up to l=
 * octets when a signature has one. Constant memory for any body size.
 */
#ifndef POSTBOX_DKIM_BODY_H
#define POSTBOX_DKIM_BODY_H

#include <stddef.h>

#include "msg/dkim_canon.h"

struct evp_md_ctx_st;

struct dkim_body_hash {
	struct dkim_body_canon canon;
	struct evp_md_ctx_st *md;
	long long limit;         /* l=, -1 for the whole body */
	long long hashed;        /* canonical octets hashed (and seen past l=) */
	long long total;         /* canonical octets of the whole body */
};

/* -1 when OpenSSL cannot make a digest context (out of memory). */
int dkim_body_hash_init(struct dkim_body_hash *h, int relaxed, long long limit);
void dkim_body_hash_update(struct dkim_body_hash *h, const char *p, size_t n);
/* The SHA-256 of the canonical body into out[32]; frees the context. */
int dkim_body_hash_final(struct dkim_body_hash *h, unsigned char out[32]);
void dkim_body_hash_free(struct dkim_body_hash *h);

#endif
