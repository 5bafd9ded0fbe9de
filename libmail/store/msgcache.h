/* msgcache.h — a folder's cache of what is derived from its messages'
 * bytes (imapd: the ENVELOPE of each message), keyed by UID.
 *
 * Why: FETCH 1:* (FLAGS RFC822.SIZE ENVELOPE), what a mail client sends
 * when it opens a folder, otherwise opens and reads every message file;
 * Dovecot answers it from dovecot.index.cache. A Maildir message never
 * changes, so an entry is true for as long as its UID names the message,
 * i.e. within one UIDVALIDITY: nothing ever updates an entry.
 *
 * The file is `postbox-cache` in the folder's directory (beside
 * dovecot-uidlist; Dovecot and every Maildir reader ignore it):
 *     postbox-cache 1 UIDVALIDITY\n
 *     UID KIND LENGTH\n BYTES \n          (one record per entry)
 * KIND is one letter ('E': ENVELOPE). Records are only appended, each
 * with one write() under flock(); a reader maps the file and stops at the
 * first record that is not whole (a writer that died mid-write), and the
 * next writer cuts that tail off before it appends. A file of another
 * UIDVALIDITY is started again. When most records name UIDs the folder no
 * longer has, a writer rewrites the file with the live ones only
 * (base/file_replace.h: written unnamed, then renamed over it).
 *
 * It is a cache: every failure (no space, read-only mailbox, a file
 * someone broke) only means a miss, so nothing here reports errors. The
 * map and index live from msgcache_open() to msgcache_close(): imapd
 * opens the cache for one FETCH, so an idle session holds nothing.
 */
#ifndef POSTBOX_MSGCACHE_H
#define POSTBOX_MSGCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

#define MSGCACHE_FILE "postbox-cache"
#define MSGCACHE_ENTRY_MAX (1u << 20)      /* longer values are not cached */
#define MSGCACHE_FILE_MAX (1ull << 30)     /* the file never grows past this */

struct msgcache_entry {
	uint32_t uid;
	char kind;
	size_t off, len;         /* the value's bytes in the map */
};

struct msgcache {
	int dirfd;               /* the folder (not owned) */
	uint32_t uidvalidity;
	const char *map;         /* the file as mapped at open, or NULL */
	size_t maplen;
	size_t good;             /* bytes of whole records in the map */
	size_t records;          /* records in the map (live or not) */
	struct msgcache_entry *ix; /* sorted by (uid, kind) */
	size_t n;
	struct buf pending;      /* records to append at msgcache_flush() */
};

/* Map and index the folder's cache file (dirfd: the folder's directory),
 * if it exists and is of this uidvalidity. */
void msgcache_open(struct msgcache *c, int dirfd, uint32_t uidvalidity);

/* The value of (uid, kind), or NULL; valid until msgcache_close(). */
const char *msgcache_get(const struct msgcache *c, uint32_t uid, char kind, size_t *len);

/* Queue a value for the file (written by msgcache_flush()). */
void msgcache_put(struct msgcache *c, uint32_t uid, char kind, const char *p, size_t len);

/* Append what was queued. live[0..nlive): the folder's UIDs, ascending;
 * when most records name others, the file is rewritten with those only. */
void msgcache_flush(struct msgcache *c, const uint32_t *live, size_t nlive);

void msgcache_close(struct msgcache *c);

#endif
