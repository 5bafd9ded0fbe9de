/* folder_index.h — "postbox-index": a folder's message list saved as the
 * last listing found it, so that opening a folder nobody changed lists
 * neither new/ nor cur/ and reads no dovecot-uidlist (SELECT, EXAMINE and
 * STATUS of a 100,000-message folder: one read of one file).
 *
 * It is a cache and only that. It records, with each message's file name,
 * UID, flags and sizes, the state of the three things the list was made
 * from: new/, cur/ (their device, inode, size and mtime in nanoseconds)
 * and dovecot-uidlist (the same of the file). It is used only while all
 * three still have exactly that state, so its UIDs are the uidlist's; any
 * change (a delivery, a rename by another reader, an unlink by pop3d, a
 * UID given) makes the next open list the folder again and, in a
 * read-write view, write a new index. Read-only views never write it.
 *
 * Timestamps are coarse (a kernel tick on ext4, a second elsewhere): a
 * change made in the same tick as the listing leaves the directory's mtime
 * as recorded. So a state whose mtimes are not FOLDER_INDEX_SETTLE_NS older
 * than the listing is "unsettled" and never trusted: such a listing is not
 * saved, and a view built from it lists again at its next sync (Dovecot's
 * rule for its maildir index, the same pitfall).
 *
 * The file is written whole to a temporary name and renamed over (readers
 * see the old or the new one); it carries a checksum, and a file that is
 * short, long, torn, of another version or byte order, or inconsistent
 * (UIDs out of order, names outside the file) is ignored and replaced by
 * the next read-write sync. Native byte order: the file never leaves the
 * machine (a Maildir moved elsewhere rebuilds it). Dovecot ignores it.
 */
#ifndef POSTBOX_FOLDER_INDEX_H
#define POSTBOX_FOLDER_INDEX_H

#include <stddef.h>
#include <stdint.h>

#define FOLDER_INDEX_FILE "postbox-index"
#define FOLDER_INDEX_SETTLE_NS 1000000000LL   /* a listing this much younger
						* than an mtime is not trusted */

struct mailfolder;
struct mail_err;

/* What identifies a directory's or file's contents without reading them. */
struct folder_stamp {
	unsigned long long dev, ino;
	long long size, mtime_ns;
};

/* The state a folder's message list is made from. */
struct folder_state {
	struct folder_stamp new_, cur, uidlist;
};

/* The stamp of dirfd's entry name (NULL: dirfd itself); a missing entry
 * gives a zero stamp. -1 (errno) on another error. */
int folder_stamp_of(int dirfd, const char *name, struct folder_stamp *st);
int folder_stamp_same(const struct folder_stamp *a, const struct folder_stamp *b);
int folder_state_same(const struct folder_state *a, const struct folder_state *b);
/* 1 when every mtime of s is FOLDER_INDEX_SETTLE_NS before listed_ns (the
 * realtime clock just after the listing): no later change can share a
 * tick with one the listing saw. */
int folder_state_settled(const struct folder_state *s, long long listed_ns);

/* The first sync of a view: fill f->v (nothing marked recent, names
 * pointing into f->names), f->uidvalidity and f->uidnext from the index
 * when it describes exactly the state `now` (and, with no_new set, lists
 * no file in new/). 1 loaded, 0 not usable (missing, damaged, stale, or
 * out of memory: list the folder). */
int folder_index_load(struct mailfolder *f, const struct folder_state *now, int no_new);

/* Save f's view, which must be exactly what the listing of state st found
 * (no gone messages), as the folder's index; afterwards the names of the
 * view live in f->names (one allocation instead of one per message).
 * 0, or -1 with e (nothing replaced). */
int folder_index_save(struct mailfolder *f, const struct folder_state *st, struct mail_err *e);

/* Only move the view's names into one block (after a listing that cannot
 * be saved): 0, or -1 when out of memory (nothing changed). */
int folder_index_pack(struct mailfolder *f);

#endif
