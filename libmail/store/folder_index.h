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
 * The header alone answers SELECT, EXAMINE and STATUS (the counts they
 * report are in it: folder_index_summary), so a view can be opened from
 * it without reading the records (mailfolder.h, MAILFOLDER_LAZY): a
 * 100,000-message folder's header is one read of 176 bytes; the records
 * (40 bytes and a name per message) are read when a command first needs
 * the messages themselves.
 *
 * The file is written whole, unnamed, and renamed over the old one
 * (base/file_replace.h: readers see the old or the new one, and a writer
 * killed mid-write leaves nothing); header and records carry a checksum each
 * (a damaged record block found only when the records are read makes the
 * view list the folder then), and a file that is
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

/* What SELECT, EXAMINE and STATUS answer, kept in the index's header
 * (with a checksum of its own) so that they read nothing else. */
struct folder_index_summary {
	uint64_t n;              /* messages */
	uint32_t uidvalidity, uidnext;
	uint32_t top_uid;        /* the highest UID (0: none) */
	uint32_t in_new;         /* messages whose file is in new/ */
	uint32_t unseen;         /* without \Seen */
	uint32_t first_unseen;   /* the sequence number of the first (0: none) */
	uint32_t deleted;        /* flagged \Deleted */
	long long size;          /* the sum of the RFC822.SIZEs */
};

/* The index's header when it describes exactly the state `now`: its
 * descriptor (kept for folder_index_fill: the records read later are of
 * this very file even when another session replaces it meanwhile) and
 * its summary. -1 when it is missing, damaged or stale (list instead). */
int folder_index_open(struct mailfolder *f, const struct folder_state *now, struct folder_index_summary *sum);

/* Fill f->v (nothing marked recent, names pointing into f->names) from
 * the records of the index open on fd, whose header gave sum; the
 * records carry their own checksum and must agree with the summary
 * (count, top UID, unseen, deleted, size; with no_new set, no file in
 * new/). 1 filled, 0 not usable (damaged, or out of memory: list the
 * folder). fd stays open. */
int folder_index_fill(struct mailfolder *f, int fd, const struct folder_index_summary *sum, int no_new);

/* Save f's view, which must be exactly what the listing of state st found
 * (no gone messages), as the folder's index; afterwards the names of the
 * view live in f->names (one allocation instead of one per message).
 * 0, or -1 with e (nothing replaced). */
int folder_index_save(struct mailfolder *f, const struct folder_state *st, struct mail_err *e);

/* Only move the view's names into one block (after a listing that cannot
 * be saved): 0, or -1 when out of memory (nothing changed). */
int folder_index_pack(struct mailfolder *f);

#endif
