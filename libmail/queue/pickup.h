/* pickup.h — move what unprivileged users dropped into incoming/ into the
 * queue.
 *
 * A user who is neither root nor the spool's owner cannot write queue/;
 * their sendmail commits into incoming/ instead (spool_begin_incoming).
 * Nothing there is trusted: pickup checks each entry as if it came from
 * the network. The submitter is the file's owner as the kernel reports it,
 * not what the envelope says; an untrusted user's sender is forced to
 * their own address; the message is copied (never linked, so the user
 * keeps no handle on the queued file) and must be LF text without CR or
 * NUL within the size limit. Bad entries go to corrupt/ with a reason.
 * The copy is committed before the incoming entry is removed: a crash in
 * between gives a duplicate, never a loss.
 */
#ifndef POSTBOX_PICKUP_H
#define POSTBOX_PICKUP_H

#include <stddef.h>

#include "base/err.h"
#include "store/spool.h"

struct pickup_result {
	size_t moved;       /* committed into the queue */
	size_t refused;     /* moved to corrupt/ */
};

/* hostname qualifies a user's own address (login@hostname). */
struct dkim_keyring;
/* dkim (may be NULL): the keys that sign what is moved, by its From:. */
int spool_pickup(struct spool *s, const struct dkim_keyring *dkim, const char *hostname, long long max_size,
		 struct pickup_result *res, struct mail_err *e);

#endif
