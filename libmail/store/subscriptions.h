/* subscriptions.h — SUBSCRIBE/UNSUBSCRIBE/LSUB: Dovecot's `subscriptions`
 * file in the root of the user's Maildir.
 *
 * Format (Dovecot 2.x, version 2): the line "V\t2", an empty line, then one
 * mailbox per line with the hierarchy separator written as a TAB
 * ("A\tB" for "A.B"); version 1 files (Dovecot 1.x, Courier's
 * courierimapsubscribed style: one name per line with '.') are read too.
 * We write version 2 when we change it: a new file in tmp/ under the
 * dotlock subscriptions.lock, fsynced and renamed over the old one, so a
 * reader sees the old or the new list, never half. A name may be
 * subscribed without existing (RFC 9051 §6.3.7).
 */
#ifndef POSTBOX_SUBSCRIPTIONS_H
#define POSTBOX_SUBSCRIPTIONS_H

#include <stddef.h>

#include "base/err.h"

struct subscriptions {
	char **v;                /* names with '.', e.g. "A.B"; sorted */
	size_t n;
};

/* Read the list of the Maildir at root; a missing file is an empty list. */
int subscriptions_read(const char *root, struct subscriptions *s, struct mail_err *e);
void subscriptions_free(struct subscriptions *s);
/* 1 when name is in s (INBOX case-insensitively). */
int subscriptions_has(const struct subscriptions *s, const char *name);
/* Subscribe (on = 1) or unsubscribe name (re-reading the file under its
 * lock, so two sessions' changes are both kept). Unsubscribing a name not
 * there is not an error (Dovecot answers OK too). */
int subscriptions_set(const char *root, const char *name, int on, struct mail_err *e);

#endif
