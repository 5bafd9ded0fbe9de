/* mailfolder_recent.c — \Recent shared between sessions (RFC 3501
 * §2.3.2): a message is recent to the first read-write session that sees
 * it, however it arrived (delivered to new/, APPENDed with flags to cur/,
 * COPYed or MOVEd), and to every read-only look (EXAMINE, STATUS) until
 * then.
 *
 * Dovecot keeps a "first recent UID" boundary per mailbox in its index;
 * we keep the same boundary in a small file next to dovecot-uidlist (which
 * must stay as Dovecot reads it, and whose header could only change by
 * rewriting the whole list): "postbox-recent" holds
 * "<uidvalidity> <first recent uid>\n". It is replaced (tmp + rename)
 * only under the uidlist's lock. A missing or unreadable file, or one of
 * another UIDVALIDITY, means "all recent" (boundary 1), as a fresh Dovecot
 * index does. It is not fsynced: a crash can only make messages recent
 * once more. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/io.h"
#include "base/read_all.h"
#include "store/mailfolder_int.h"

#define RECENT_FILE "postbox-recent"
#define RECENT_TMP "postbox-recent.tmp"

uint32_t mailfolder_recent_first(struct mailfolder *f)
{
	char buf[64];
	if (read_small_at(f->md.fd, RECENT_FILE, buf, sizeof buf) <= 0)
		return 1;
	unsigned long validity, first;
	char nl;
	if (sscanf(buf, "%lu %lu%c", &validity, &first, &nl) != 3 || nl != '\n' ||
	    validity != f->uidvalidity || first == 0 || first > UINT32_MAX)
		return 1;
	return (uint32_t)first;
}

int mailfolder_recent_claim(struct mailfolder *f, uint32_t top, uint32_t *first, struct mail_err *e)
{
	if (uidlist_lock(&f->uids, e) < 0)
		return -1;
	*first = mailfolder_recent_first(f);
	int rc = 0;
	if (top >= *first) {
		char line[64];
		int n = snprintf(line, sizeof line, "%u %u\n", f->uidvalidity, top + 1);
		int fd = openat(f->md.fd, RECENT_TMP, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
		int ok = fd >= 0 && write_all(fd, line, (size_t)n) == 0;
		if (fd >= 0 && close(fd) < 0)
			ok = 0;
		if (!ok || renameat(f->md.fd, RECENT_TMP, f->md.fd, RECENT_FILE) < 0) {
			rc = err_sys(e, "%s/%s", f->md.path, RECENT_FILE);
			unlinkat(f->md.fd, RECENT_TMP, 0);
		}
	}
	uidlist_unlock(&f->uids);
	return rc;
}
