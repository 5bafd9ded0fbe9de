/* mbox.h — appending to an mbox file, safely.
 *
 * Locks, in this order (the order procmail and mutt use; every attempt is
 * non-blocking and retried until the timeout, so no order can deadlock):
 *   1. a dotlock PATH.lock, made NFS-safely: a unique file is created with
 *      O_EXCL and link()ed to PATH.lock; a lock older than 5 minutes is
 *      stale and removed. Skipped (fcntl alone) when the mailbox's
 *      directory is not writable for us, as in a sticky /var/mail.
 *   2. fcntl(F_SETLK, F_WRLCK) on the whole file.
 * Busy past the timeout → EX_TEMPFAIL 451 4.2.0.
 *
 * Safe open: O_NOFOLLOW|O_NONBLOCK|O_NOCTTY; the target must be a regular
 * file with one link, and the same inode that lstat() saw before the open
 * and sees again once the locks are held (a file swapped meanwhile is
 * refused). Refusals are EX_CANTCREAT 550 5.2.0.
 *
 * Format (mboxrd): "From SENDER DATE" line, the parts, lines matching
 * /^>*From / get one more '>', a final newline is added when missing, and
 * one empty line ends the message. The file is fsynced; on any error it is
 * truncated back to its old size, so a half message never stays behind.
 */
#ifndef POSTBOX_MBOX_H
#define POSTBOX_MBOX_H

#include <stddef.h>
#include <sys/uio.h>

#include "base/err.h"

/* Append one message. sender "" is the null sender (written MAILER-DAEMON).
 * create: make the file (mode 0600) and missing parent directories (0700). */
int mbox_deliver(const char *path, const char *sender, const struct iovec *parts, int nparts,
		 int create, int lock_timeout_s, struct mail_err *e);

/* The mboxrd escaping of one message, exposed for the unit tests: appends
 * parts to out, '>' before /^>*From /, final newline ensured. */
struct buf;
int mbox_escape(struct buf *out, const char *p, size_t n, int *at_line_start);

#endif
