/* srs.h — the Sender Rewriting Scheme: envelope senders of forwarded mail.
 *
 * A host that forwards mail to another domain sends it on under its own
 * name, so that the next hop's SPF check (RFC 7208) sees a domain that
 * authorises this host; bounces to that name come back here and go on to
 * the original sender. The address forms are those of libsrs2 (Shevek's
 * "guarded" scheme, the one Postfix's postsrsd and Mail::SRS write), so
 * addresses made here verify there and theirs here, for the same secret:
 *
 *   SRS0=HHHH=TT=orig-domain=orig-local@srs-domain
 *   SRS1=HHHH=first-domain==HHHH=TT=orig-domain=orig-local@srs-domain
 *
 * TT is the day (time / 86400) modulo 1024 in two base32 characters
 * (A-Z2-7); HHHH the first 4 characters of the base64 HMAC-SHA1, keyed
 * with the secret, of the ASCII-lowercased fields (SRS0: TT, orig-domain,
 * orig-local; SRS1: first-domain and what follows "SRS0" in the address
 * being forwarded again, its separator included). The tag and the hash
 * compare case-insensitively (a hop may change the case of a local part);
 * the first separator may be '=', '+' or '-' on input. SRS1 re-forwards
 * an SRS0 address of another forwarder without growing it twice: its
 * reverse is that forwarder's SRS0 address, not the original sender.
 *
 * Pure functions (HMAC through OpenSSL, loaded on first use): the secrets
 * come from the caller (store/srs_config.h reads them from the srs_secret
 * key), and the time is an argument, so the tests can pin it.
 */
#ifndef POSTBOX_SRS_H
#define POSTBOX_SRS_H

#include <stddef.h>
#include <time.h>

#include "base/err.h"
#include "msg/addr.h"

#define SRS_HASH_LEN 4        /* libsrs2's and postsrsd's default */
#define SRS_STAMP_LEN 2
#define SRS_SECRETS_MAX 32
#define SRS_SECRET_MAX 1022   /* postsrsd reads lines of 1023 bytes */
#define SRS_MAX_AGE_DEFAULT 21 /* days, libsrs2's default */

struct srs {
	char *secret[SRS_SECRETS_MAX]; /* secret[0] signs; every one verifies */
	size_t nsecret;                /* 0: no SRS */
	char domain[ADDR_DOMAIN_MAX + 1]; /* the domain of the addresses made */
	long max_age;                  /* days a timestamp stays valid */
};

/* An empty set: no secrets, max_age SRS_MAX_AGE_DEFAULT. */
void srs_init(struct srs *s);
/* Add secret[0..n) (no NUL, CR or LF; 1..SRS_SECRET_MAX bytes). 0, or -1
 * with e (EX_CONFIG). */
int srs_add_secret(struct srs *s, const char *secret, size_t n, struct mail_err *e);
/* Forget the secrets (their memory is cleared first). */
void srs_free(struct srs *s);

/* The timestamp of day now/86400, NUL-terminated. */
void srs_timestamp(time_t now, char out[SRS_STAMP_LEN + 1]);
/* The hash of the fields with one secret, NUL-terminated. 0, or -1 with
 * e when OpenSSL cannot be loaded (EX_OSERR, 451 4.3.0). */
int srs_hash(const char *secret, const char *const *fields, size_t nfields, char out[SRS_HASH_LEN + 1],
	     struct mail_err *e);

/* Does the local part start with an SRS0 or SRS1 tag and a separator? */
int srs_is_srs(const char *local);

/* The envelope sender of a forward: 1 with out = the SRS address; 0 when
 * the sender stays as it is, e->msg saying why (the null sender, a sender
 * already in the SRS domain, no secret, a sender that cannot be written
 * as an SRS address: quoted, a literal, or too long for a 64-octet local
 * part); -1 with e when OpenSSL cannot be loaded. */
int srs_forward(const struct srs *s, const char *sender, time_t now, char *out, size_t cap,
		struct mail_err *e);

/* The address an SRS local part stands for: 1 with out filled (SRS0: the
 * original sender; SRS1: the first forwarder's SRS0 address); 0 when local
 * is not an SRS address or there is no secret; -1 with e, the message
 * without the address (the caller names it):
 *   malformed (missing fields, bad timestamp)  EX_NOUSER, 550 5.1.1
 *   a hash no secret gives (forged)            EX_NOUSER, 550 5.7.1
 *   a timestamp older than max_age days        EX_NOUSER, 550 5.7.1
 *   OpenSSL cannot be loaded                   EX_OSERR,  451 4.3.0 */
int srs_reverse(const struct srs *s, const char *local, time_t now, char *out, size_t cap,
		struct mail_err *e);

#endif
