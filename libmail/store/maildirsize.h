/* maildirsize.h — the Maildir++ quota file "maildirsize" (Courier, Dovecot).
 *
 * Format: the first line is the quota definition ("1048576S" or
 * "1048576S,1000C"); each further line is a change "BYTES COUNT", positive
 * on delivery, negative on deletion. The usage is the sum of those lines.
 *
 * Here it caches what maildir_usage() counts (the inbox's new/ and cur/,
 * sizes as stored: ,S= or stat). It is recalculated by scanning and
 * rewritten atomically (tmp/ file, fsync, rename; mode 0600, owned like the
 * Maildir) when it is missing, unparsable, for another quota, larger than
 * 5120 bytes or older than 15 minutes. Changes are appended with a single
 * write() in O_APPEND mode, only to a file that exists.
 *
 * The file is opened relative to the Maildir's directory with O_NOFOLLOW;
 * a symlink, a non-regular file, a hard-linked one, or one owned by someone
 * other than the Maildir's owner is never read or written (it is treated as
 * unusable: the usage comes from a scan). The file never causes a loss:
 * every failure around it falls back to scanning and is logged.
 */
#ifndef POSTBOX_MAILDIRSIZE_H
#define POSTBOX_MAILDIRSIZE_H

#include <stddef.h>

#include "base/err.h"
#include "store/maildir.h"

#define MAILDIRSIZE_MAX 5120      /* larger: recalculate */
#define MAILDIRSIZE_MAX_AGE 900   /* seconds; older: recalculate */

/* Parse p[0..n) (the whole file). 0 with *quota (the S value, -1 if the
 * line has none), *bytes and *count the sums of the change lines; -1 if it
 * is not a well-formed maildirsize (a torn last line included). */
int maildirsize_parse(const char *p, size_t n, long long *quota, long long *bytes,
		      long long *count);

/* The usage of the Maildir m for a quota of `quota` bytes: from its
 * maildirsize when that is usable, else by scanning (and the file is
 * rewritten). -1 with e only when the scan itself fails. */
long long maildirsize_usage(const struct maildir *m, long long quota, struct mail_err *e);

/* Append "BYTES COUNT" to m's maildirsize if one exists (and is safe).
 * Failures are logged, never returned: the next recalculation repairs. */
void maildirsize_add(const struct maildir *m, long long bytes, long long count);

#endif
