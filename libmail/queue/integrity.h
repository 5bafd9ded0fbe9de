/* integrity.h — a damaged queue file is never sent as a whole message.
 *
 * Before every delivery attempt, an --expire bounce and mailq --show, the
 * message file is checked against its envelope (spool_verify_message: size,
 * then CRC-32). A damaged message is moved to corrupt/ with a .why file and
 * an error-level log line naming it; it is not delivered, bounced or
 * deleted: only a person can tell what is left of it.
 */
#ifndef POSTBOX_INTEGRITY_H
#define POSTBOX_INTEGRITY_H

#include "base/err.h"
#include "msg/envelope.h"
#include "store/spool.h"

/* 0 intact; 1 damaged (logged, and moved to corrupt/ unless that failed:
 * e says why then); -1 the file could not be read (e). The caller holds
 * the message's claim. */
int queue_check_message(struct spool *s, const struct envelope *env, int msg_fd, struct mail_err *e);

#endif
