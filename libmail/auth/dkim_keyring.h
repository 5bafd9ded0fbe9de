/* dkim_keyring.h — the signing keys of the `dkim_keys` file.
 *
 * One key a line: `DOMAIN SELECTOR KEYFILE [ALGORITHM]`; blank lines and
 * lines starting with '#' are skipped. Every key is read when the file is
 * (at start, before privileges are dropped), so that a bad, unreadable or
 * world-readable key stops the program with EX_CONFIG then, not a message
 * later. A domain may have several keys (an RSA and an Ed25519 key give
 * two signatures).
 */
#ifndef POSTBOX_DKIM_KEYRING_H
#define POSTBOX_DKIM_KEYRING_H

#include <stddef.h>

#include "auth/dkim_key.h"
#include "base/err.h"

#define DKIM_KEYRING_MAX 64

struct dkim_keyring {
	size_t n;
	struct dkim_signing_key key[DKIM_KEYRING_MAX];
};

/* path "" or NULL: an empty keyring. -1 with EX_CONFIG naming FILE:LINE. */
int dkim_keyring_load(struct dkim_keyring *kr, const char *path, struct mail_err *e);
void dkim_keyring_free(struct dkim_keyring *kr);
/* Is key i one of domain's (case-insensitive)? Callers walk all n. */
int dkim_keyring_matches(const struct dkim_keyring *kr, size_t i, const char *domain);

#endif
