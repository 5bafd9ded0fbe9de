/* file_replace.h — write a file whole and put it in place of the old one
 * in one step: readers see the old contents or the new, never part.
 *
 * For caches and indexes that any session may rewrite at any time
 * (postbox-index, postbox-cache), with no lock: each writer has a name of
 * its own for the new file, and the rename is the commit. The new file is
 * written unnamed (O_TMPFILE) where the file system allows it, so a
 * writer killed while it writes (SIGKILL, RLIMIT_FSIZE, an OOM kill)
 * leaves nothing behind; it gets its temporary name only for the moment
 * between its link and the rename. Elsewhere it is written under that
 * name, and a writer of the same process id later clears what one killed
 * left. Not fsynced: what is written this way must be a cache that a
 * reader checks (a checksum, sizes) and can rebuild.
 */
#ifndef POSTBOX_FILE_REPLACE_H
#define POSTBOX_FILE_REPLACE_H

#include <sys/uio.h>

/* Replace dirfd's entry `name` (a regular file, mode 0600 when new) with
 * the bytes of iov[0..iovcnt). 0, or -1 with errno (nothing replaced, and
 * nothing of ours left in the directory). */
int file_replace(int dirfd, const char *name, const struct iovec *iov, int iovcnt);

#endif
