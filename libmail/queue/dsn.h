/* dsn.h — delivery status notifications (bounces), RFC 3464 and RFC 3461.
 *
 * A report is a multipart/report; report-type=delivery-status message
 * (RFC 6522) from MAILER-DAEMON with three parts: a human explanation, a
 * message/delivery-status part (per-message fields, then per recipient
 * Final-Recipient, Action, Status, Remote-MTA, Diagnostic-Code), and the
 * original message (message/rfc822) or only its header (text/rfc822-headers)
 * as RET asks (unset: the whole message up to DSN_FULL_MAX octets).
 *
 * It is queued with the null sender <> to the original envelope sender, so
 * a bounce never causes another. Never for a message whose sender is <>;
 * NOTIFY (RFC 3461 §4.1) decides which recipients are reported: NEVER none,
 * unset means FAILURE (and DELAY, which postbox does not send yet).
 */
#ifndef POSTBOX_DSN_H
#define POSTBOX_DSN_H

#include <stddef.h>

#include "base/buf.h"
#include "msg/envelope.h"
#include "base/err.h"
#include "store/spool.h"

#define DSN_FULL_MAX (10L * 1024 * 1024)

enum dsn_action { DSN_NONE, DSN_FAILED, DSN_DELAYED, DSN_DELIVERED, DSN_RELAYED };

/* Does this recipient's NOTIFY ask for a report of this action? */
int dsn_wanted(const struct envelope *env, const struct rcpt *r, enum dsn_action a);

/* Build the report (LF line endings, as the spool stores messages) for the
 * recipients whose action is not DSN_NONE. msg_fd is the original message
 * (read from offset 0); host names the reporting MTA; boundary_tag makes
 * the MIME boundary unique (the report's queue id). */
int dsn_build(struct buf *out, const struct envelope *env, const enum dsn_action *actions, int msg_fd,
	      const char *host, const char *boundary_tag, long long now, struct mail_err *e);

/* Build and commit the report for env to env->sender. 1 queued (id_out
 * holds its queue id), 0 nothing to send (null sender, nobody wants it),
 * -1 error (nothing queued). */
struct dkim_keyring;
int dsn_enqueue(struct spool *s, const struct dkim_keyring *dkim, const struct envelope *env,
		const enum dsn_action *actions, int msg_fd,
		const char *host, char *id_out, size_t id_cap, struct mail_err *e);

#endif
