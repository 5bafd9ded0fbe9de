/* dkim_spool.h — signing a message as it is committed to the queue, so
 * that the signature is stored with it and made once (RFC 6376 §5).
 *
 * The message being written (a spool_tx) is read back: the header section
 * in memory, the body through each signer. When its From: domain (one
 * From: field, one address) has keys in the keyring, each key signs and
 * the DKIM-Signature fields go on top (spool_prepend). A message with no
 * From:, several, or a domain without keys is left as it is.
 */
#ifndef POSTBOX_DKIM_SPOOL_H
#define POSTBOX_DKIM_SPOOL_H

#include "auth/dkim_keyring.h"
#include "base/err.h"
#include "store/spool.h"

/* Call just before spool_commit. 1 signed, 0 nothing to sign with (kr
 * may be NULL), -1 with e (the message is not committed unsigned: the
 * caller refuses it for now, 451 / EX_TEMPFAIL, or as e says). */
int dkim_sign_spooled(const struct dkim_keyring *kr, struct spool_tx *tx, long long now, struct mail_err *e);

#endif
