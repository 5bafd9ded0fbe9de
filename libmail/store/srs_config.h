/* srs_config.h — the SRS keys of the configuration, read into a struct srs
 * (msg/srs.h).
 *
 *   srs_secret   empty: no SRS (forwards keep their sender, SRS addresses
 *                are ordinary local parts). A value starting with '/' is a
 *                file of secrets as postsrsd reads it: every non-empty line
 *                is one (CR and LF end it), the first signs, all verify, so
 *                a new secret goes first and the old one stays below it for
 *                srs_max_age. The file must be a regular file that others
 *                cannot read or write. Any other value is the secret itself
 *                (then `postbox config` shows it: prefer a file).
 *   srs_domain   the domain of the addresses made; empty: the first of
 *                local_domains. It must be one of local_domains, or the
 *                bounces sent to it would be refused.
 *   srs_max_age  how long an SRS address stays valid, in whole days.
 *
 * Errors are EX_CONFIG (451 4.3.5) naming the key or the file and the
 * cause; OpenSSL is loaded here when there is a secret, so that a missing
 * library is said at start, not at the first forward.
 */
#ifndef POSTBOX_SRS_CONFIG_H
#define POSTBOX_SRS_CONFIG_H

#include "base/config.h"
#include "base/err.h"
#include "msg/srs.h"

#define SRS_FILE_MAX 65536

/* Fill s (srs_init first, so srs_free is always safe). 0 with s->nsecret
 * 0 when srs_secret is empty. */
int srs_config_load(struct srs *s, const struct config *cfg, struct mail_err *e);

#endif
