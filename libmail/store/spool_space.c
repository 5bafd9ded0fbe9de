/* spool_space.c — is there room in the spool for one more message? See
 * spool_has_room() in spool.h.
 *
 * Checked at MAIL so a full disk is answered before the client sends the
 * data, not after (Postfix's queue_minfree). A 452 there costs the client
 * one round trip; a 452 after DATA costs it the whole message, again and
 * again while the disk stays full.
 */
#include "store/spool.h"

#include <sys/statvfs.h>

int spool_has_room(struct spool *s, long long bytes, struct mail_err *e)
{
	struct statvfs st;
	if (fstatvfs(s->queue_fd, &st) < 0)
		return err_sys(e, "spool: statvfs %s/queue", s->dir);
	unsigned long long avail = (unsigned long long)st.f_bavail * (unsigned long long)st.f_frsize;
	if (bytes > 0 && avail < (unsigned long long)bytes)
		return err_set(e, EX_TEMPFAIL, 452, "4.3.1", "spool %s: %llu octets free, %lld wanted",
			       s->dir, avail, bytes);
	/* Some file systems (btrfs) report no inode counts: nothing to check. */
	if (st.f_files > 0 && st.f_favail < SPOOL_MIN_INODES)
		return err_set(e, EX_TEMPFAIL, 452, "4.3.1", "spool %s: %llu inodes free, %d wanted", s->dir,
			       (unsigned long long)st.f_favail, SPOOL_MIN_INODES);
	return 0;
}
