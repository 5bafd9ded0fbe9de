/* dkim_key.h — DKIM keys: the signer's private keys, new keys, the TXT
 * record that publishes one, and the public key a record holds (RFC 6376
 * §3.6, RFC 8301, RFC 8463).
 *
 * Private keys are PEM files (PKCS#8 or the traditional RSA form, as
 * openssl and `postbox dkim keygen` write them). A key file must be a
 * regular file that others (o=) cannot read or write: it signs for the
 * whole domain. RSA keys of under 1024 bits are refused for signing and
 * for verifying (RFC 8301 §3.2).
 */
#ifndef POSTBOX_DKIM_KEY_H
#define POSTBOX_DKIM_KEY_H

#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"
#include "msg/dkim_sig.h"

#define DKIM_RSA_BITS_MIN 1024
#define DKIM_RSA_BITS_MAX 4096
#define DKIM_RSA_BITS_DEFAULT 2048

struct evp_pkey_st;

struct dkim_signing_key {
	char domain[DKIM_DOMAIN_MAX];
	char selector[DKIM_DOMAIN_MAX];
	enum dkim_alg alg;
	struct evp_pkey_st *pkey;
};

/* Read the private key in path for domain and selector. alg: NULL (from
 * the key: RSA → rsa-sha256, Ed25519 → ed25519-sha256) or the algorithm's
 * name, which must fit the key. -1 with EX_CONFIG naming the file and the
 * cause (unreadable, readable by others, not a key, too short...). */
int dkim_key_load(struct dkim_signing_key *k, const char *domain, const char *selector, const char *path,
		  const char *alg, struct mail_err *e);
void dkim_key_free(struct dkim_signing_key *k);

/* Make a new key, write it to path (created O_EXCL, mode 0600, fsynced)
 * and put into record the TXT record's text ("v=DKIM1; k=...; p=...").
 * type DKIM_KEY_RSA with bits, or DKIM_KEY_ED25519 (bits ignored). */
int dkim_keygen(enum dkim_key_type type, int bits, const char *path, struct buf *record, struct mail_err *e);

/* The record's text for a loaded key's public half. */
int dkim_key_record_text(struct evp_pkey_st *pkey, struct buf *record, struct mail_err *e);

/* The public key in a parsed record: 0, or -1 with *why (not a key of
 * the record's type, an RSA key under 1024 bits). */
int dkim_public_key(const struct dkim_key_record *rec, struct evp_pkey_st **pkey, const char **why);
void dkim_public_key_free(struct evp_pkey_st *pkey);

#endif
