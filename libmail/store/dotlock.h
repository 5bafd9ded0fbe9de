/* dotlock.h — Dovecot-compatible dot-locks ("FILE.lock" beside FILE).
 *
 * Dovecot guards dovecot-uidlist, dovecot-keywords and subscriptions with a
 * file named after them plus ".lock", created exclusively; whoever created
 * it owns the lock until it unlinks it. We take the same locks so both can
 * work on one Maildir at once. The lock file holds "PID:HOST" (as
 * Dovecot's file-dotlock writes), which lets a lock left by a dead process
 * on this host be broken at once; any other lock is stale, and broken,
 * once its mtime is older than stale_secs (Dovecot: 120 s for the
 * uidlist). A lock is waited for (polling every 10-50 ms) up to
 * timeout_ms; then EX_TEMPFAIL with e->sys EAGAIN.
 */
#ifndef POSTBOX_DOTLOCK_H
#define POSTBOX_DOTLOCK_H

#include <stddef.h>

#include "base/err.h"

struct dotlock {
	int dirfd;               /* not owned */
	char name[128];          /* "dovecot-uidlist.lock"; "" when not held */
};

/* Lock `file` in the directory dirfd (path names the directory for
 * messages). 0, or -1 with e. */
int dotlock_take(struct dotlock *l, int dirfd, const char *path, const char *file, int stale_secs,
		 int timeout_ms, struct mail_err *e);
/* Commit a new content for the locked file (Dovecot's dotlock replace):
 * data is written into the lock file itself, fsynced, and the lock file
 * is renamed over `file`, which releases the lock at the same moment.
 * On failure the lock is released and the old file is untouched. */
int dotlock_replace(struct dotlock *l, const char *path, const char *file, const char *data,
		    size_t n, struct mail_err *e);
/* Release a held lock (a no-op when not held). */
void dotlock_release(struct dotlock *l);

#endif
