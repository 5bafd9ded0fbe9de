/* uidlist.h — Dovecot's "dovecot-uidlist" (version 3): the UID of each
 * message of a Maildir folder, by the base of its file name.
 *
 *   3 V<uidvalidity> N<nextuid> G<mailbox guid, 32 hex>[ <other fields>]
 *   <uid>[ <key><value>...] :<base>
 *
 * Records are in ascending UID order; extension fields are a key letter
 * and a value (Dovecot: W virtual size, S physical size, P POP3 UIDL,
 * O POP3 order, G message GUID). N may lag behind (Dovecot appends records
 * without rewriting the header): the next UID is max(N, last UID + 1).
 * Version 1 files (Courier's courierimapuiddb format, "1 <uidvalidity>
 * <nextuid>" then "<uid> <base>") are read too and upgraded when written.
 *
 * Writing follows Dovecot: only under the dot-lock dovecot-uidlist.lock
 * (dotlock.h), re-reading the file first; new records are appended to the
 * end in one write() and fdatasync()ed; when many records are dead (their
 * files expunged), or the file is unusable, it is rewritten whole as
 * dovecot-uidlist.tmp, fsynced and renamed over (readers see the old or the
 * new file, never half). Readers keep their place: a refresh reads only
 * what was appended since, or all again when the file was replaced.
 * A last line without its newline (a writer died mid-write) is not a
 * record: it is ignored and the next writer rewrites the file.
 */
#ifndef POSTBOX_UIDLIST_H
#define POSTBOX_UIDLIST_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/strpool.h"
#include "store/dotlock.h"

#define UIDLIST_FILE "dovecot-uidlist"
#define UIDLIST_LOCK_STALE 120       /* seconds, Dovecot's */
#define UIDLIST_LOCK_TIMEOUT 30000   /* ms we wait for another holder */
#define UIDLIST_LINE_MAX 8192        /* longer lines: the file is broken */
#define UIDLIST_FILE_MAX (256u << 20)

struct uidlist_rec {
	uint32_t uid;
	unsigned char dead;      /* its file is gone: dropped at the next rewrite */
	char *base;              /* both in the list's string pool */
	char *ext;               /* "W123 P0000abcd" as read, or NULL */
};

struct uidlist {
	int dirfd;               /* the folder's directory (not owned) */
	int rootfd;              /* the user's Maildir, where Dovecot keeps
				  * dovecot-uidvalidity (not owned; -1) */
	const char *path;        /* for messages (not owned) */
	uint32_t uidvalidity;    /* 0 until read or created */
	uint32_t nextuid;
	char guid[33];
	char *hdr_ext;           /* header fields we do not use, kept */
	struct uidlist_rec *v;   /* ascending UIDs */
	struct strpool strings;  /* their base names and extension fields */
	size_t n, cap;
	size_t written;          /* v[0..written) are in the file */
	unsigned long gen;       /* changes when records move (a file read
				  * again, dead ones dropped): an index into
				  * v kept from before is stale */
	size_t ndead;
	uint32_t *slot;          /* hash of base -> index + 1 */
	size_t nslot;
	/* the file as last read */
	unsigned long long dev, ino;
	long long mtime_ns;      /* tells a replacement that got the same inode
				  * number and size from the file we read */
	long long offset;        /* bytes parsed (whole lines) */
	long long size;          /* its size then */
	int exists;
	int rewrite;             /* next commit must rewrite the whole file */
	struct dotlock lock;
};

void uidlist_init(struct uidlist *u, int dirfd, const char *path);
void uidlist_free(struct uidlist *u);

/* Read what is new in the file (or all of it again when it was replaced,
 * which may change uidvalidity: the caller compares). A missing file
 * leaves an empty list (exists = 0). A broken file (bad header, records
 * out of order, over the limits) is treated like a missing one, and
 * flagged to be rewritten, as Dovecot does; it is logged. 0, or -1 with e
 * on an I/O error. */
int uidlist_refresh(struct uidlist *u, struct mail_err *e);

/* Parse file bytes p[0..n) as read from offset `from` (0: from the
 * header). Returns the number of bytes consumed (whole lines), or -1 if
 * the data is broken. Exposed for unit tests and fuzzing. */
long long uidlist_parse(struct uidlist *u, const char *p, size_t n, long long from);

/* The record index for a base name, or -1. */
long uidlist_find(const struct uidlist *u, const char *base, size_t len);
/* The value of extension field `key` of record r (length in *len), or NULL. */
const char *uidlist_ext(const struct uidlist_rec *r, char key, size_t *len);

/* Take / release the dot-lock. uidlist_lock() refreshes after locking. */
int uidlist_lock(struct uidlist *u, struct mail_err *e);
void uidlist_unlock(struct uidlist *u);

/* Give base the next UID (lock held): a new record, written at commit.
 * ext is NULL or extension fields ("W1234"). Returns the UID, 0 if out of
 * memory or out of UIDs. A base already present returns its UID. */
uint32_t uidlist_assign(struct uidlist *u, const char *base, size_t len, const char *ext);
/* Mark record i dead (its file is gone for good). */
void uidlist_drop(struct uidlist *u, size_t i);

/* Write what changed (lock held): append the new records, or rewrite the
 * whole file when it is missing, broken, changed under us, or more than a
 * quarter of its records are dead. A new file gets a UIDVALIDITY that is
 * the current time, or one more than the last one given in this Maildir
 * (Dovecot's dovecot-uidvalidity in rootfd, 8 hex digits, updated too) or
 * known here, so a mailbox made again never reuses one. */
int uidlist_commit(struct uidlist *u, struct mail_err *e);

#endif
