/* queue_admin.h — selecting queued messages and changing them by hand
 * (mailq --hold, --release, --delete, --requeue, --expire).
 *
 * Every change is made under the message's claim (spool_lock), waiting a
 * few seconds for a runner that holds it, and written with the spool's
 * atomic envelope rewrite, so an administrator and a queue runner never
 * overwrite each other's work. --expire bounces the pending recipients
 * with an RFC 3464 report (queued and committed before the message
 * leaves), --delete removes the message without a report.
 */
#ifndef POSTBOX_QUEUE_ADMIN_H
#define POSTBOX_QUEUE_ADMIN_H

#include "auth/dkim_keyring.h"
#include "msg/envelope.h"
#include "base/err.h"
#include "store/spool.h"

/* Which messages a listing or an action applies to. Unset fields match
 * everything. */
struct queue_select {
	const char *sender;       /* substring, case-insensitive ("<>" matches the null sender) */
	const char *rcpt;         /* substring of a pending recipient */
	long long older_than;     /* seconds in the queue, at least; 0 = any */
	long long younger_than;   /* seconds in the queue, less than; 0 = any */
	const char *state;        /* "hold", "deferred" or "active" (mailq's queue_name) */
	long long uid;            /* only messages submitted by this uid; -1 = all */
};

/* "hold", "deferred" or "active", as mailq --json's queue_name. */
const char *queue_state(const struct envelope *env);
int queue_select_match(const struct queue_select *sel, const struct envelope *env, long long now);

enum queue_op { QOP_HOLD, QOP_RELEASE, QOP_DELETE, QOP_REQUEUE, QOP_EXPIRE };

/* Apply op to message id if it matches sel. 1 done, 0 it does not match
 * (or is not the caller's), -1 error: e->sys == ENOENT when there is no
 * such message, EX_TEMPFAIL when a runner kept it busy. host names the
 * reporting MTA of --expire bounces, dkim (may be NULL) signs them as
 * every bounce is signed (auth/dkim_spool.h). */
int queue_apply(struct spool *s, const char *id, enum queue_op op, const struct queue_select *sel,
		const char *host, const struct dkim_keyring *dkim, struct mail_err *e);

#endif
