/* mailfolder.h — one mailbox as IMAP and POP3 see it: the Maildir itself
 * (INBOX) or a Maildir++ folder (".Sent", ".A.B"), its messages with
 * stable UIDs, flags, sizes and dates, and the changes a session makes.
 *
 * On disk it is exactly what Dovecot keeps, so a user moving from Dovecot
 * keeps UIDs and flags, and both can run on one Maildir at once:
 *   - flags live in the file name's ":2," info (D draft, F flagged,
 *     R answered, S seen, T deleted; a..z keywords via dovecot-keywords,
 *     keywords.h); other letters found there are kept untouched;
 *   - UIDs, UIDVALIDITY and UIDNEXT live in dovecot-uidlist v3, written
 *     under Dovecot's dotlock dovecot-uidlist.lock (uidlist.h);
 *   - sizes come from the name's ,W= (size with CRLF line ends) and ,S=
 *     (size on disk) fields, else from reading the file once;
 *   - the internal date is the file's mtime.
 *
 * Concurrency (the crux). deliver adds files to new/ at any time, other
 * sessions (imapd, pop3d, Dovecot, mutt) rename files between new/ and cur/
 * and change their flags, or unlink them. A message is identified by the
 * base of its name (the part before ':'), which no reader ever changes, so
 * a file that moved new/→cur/ or changed flags keeps its UID. A UID, once
 * given to a base name, is never given to another one: UIDs are assigned
 * only under the uidlist lock, from the file's UIDNEXT, after re-reading
 * it. A message whose file can no longer be found is "gone": it stays in
 * the view (its sequence number stays valid) until the caller purges it,
 * which is when imapd may send EXPUNGE (RFC 9051 §7.5.1).
 *
 * The view: f->v[0..f->n) in ascending UID order; message i has sequence
 * number i + 1. Nothing here is thread-safe; one session owns one view.
 *
 * Errors: -1 with e filled (the path and the cause); e->sys is ENOENT
 * when the mailbox or message does not exist, EEXIST for a name in use,
 * EROFS for a change to a read-only view. Library code: nothing printed.
 */
#ifndef POSTBOX_MAILFOLDER_H
#define POSTBOX_MAILFOLDER_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "base/err.h"
#include "store/folder_index.h"
#include "store/keywords.h"
#include "store/maildir.h"
#include "store/uidlist.h"

/* System flags (the ":2," letters in brackets). */
#define MF_SEEN      0x01u   /* \Seen (S) */
#define MF_ANSWERED  0x02u   /* \Answered (R) */
#define MF_FLAGGED   0x04u   /* \Flagged (F) */
#define MF_DELETED   0x08u   /* \Deleted (T) */
#define MF_DRAFT     0x10u   /* \Draft (D) */
#define MF_ALL       0x1fu

#define MAILFOLDER_KEYWORDS_MAX 26   /* a..z, Dovecot's limit for Maildir */

/* mailfolder_open() options. */
#define MAILFOLDER_RDONLY 0x01u  /* EXAMINE/STATUS/POP3 look: files are never
				  * renamed and flags never written (the
				  * uidlist is still updated: UIDs must be
				  * assigned for anyone to see them) */
#define MAILFOLDER_LEAVE_NEW 0x02u /* read-write, but a sync leaves files in
				    * new/ and \Recent to the IMAP clients
				    * (pop3d) */
#define MAILFOLDER_LAZY 0x04u    /* the first sync may answer from
				  * postbox-index's header alone
				  * (folder_index.h): f->n, the UIDs' validity
				  * and next and mailfolder_counts() are
				  * right, but f->v is not filled (f->lazy)
				  * until mailfolder_fill() (SELECT of a big
				  * folder reads 176 bytes, not 80 a message) */

struct mailfolder_msg {
	uint32_t uid;
	unsigned flags;          /* MF_* */
	uint32_t keywords;       /* bit k: keyword k of the folder's list */
	unsigned char in_new;    /* the file is in new/ */
	unsigned char recent;    /* \Recent in this session (RFC 3501 §2.3.2):
				  * the first read-write session to see a
				  * message gets it, read-only looks see it
				  * until then (mailfolder_recent.c) */
	unsigned char gone;      /* nonzero: its file vanished (or we
				  * expunged it): keep its number until
				  * mailfolder_purge() */
	unsigned char changed;   /* flags changed by someone else since the
				  * caller last cleared this (FETCH FLAGS) */
	char *name;              /* the file name last seen, in new/ or cur/
				  * (read-only to callers: store/ owns it) */
	char *pop3_uidl;         /* Dovecot's P field in the uidlist, or NULL */
	long long size;          /* RFC822.SIZE: octets with CRLF line ends */
	long long disk_size;     /* octets in the file (,S= or stat) */
	time_t internal_date;    /* the file's mtime; 0 until asked of
				  * mailfolder_internal_date() (a SELECT
				  * then stats no file) */
};

struct mailfolder {
	struct maildir md;       /* the open folder */
	char name[256];          /* "INBOX" or the Maildir++ name "A.B" */
	char root[4096];         /* the user's Maildir (INBOX) */
	unsigned opts;           /* MAILFOLDER_* */
	uint32_t uidvalidity;
	uint32_t uidnext;        /* as of the last sync */
	long long quota;         /* bytes (mailbox_quota), 0: none; set by the
				  * caller: an APPEND or COPY into this folder
				  * that would take the user's inbox usage
				  * (maildirsize.h, as deliver counts it) past
				  * it fails with EDQUOT and writes nothing */
	struct mailfolder_msg *v;  /* NULL while f->lazy */
	size_t n, cap;
	unsigned char lazy;      /* f->n messages known, f->v not filled yet
				  * (MAILFOLDER_LAZY): mailfolder_fill()
				  * before reading f->v */
	char *keywords[MAILFOLDER_KEYWORDS_MAX]; /* from dovecot-keywords; NULL:
						  * letter unused */
	size_t nkeywords;        /* 1 + the highest letter in use */
	/* private to store/ */
	struct uidlist uids;
	struct keywords kw;
	int is_inbox;
	int rootfd;              /* the user's Maildir (for a folder), or -1 */
	char *names;             /* one block holding the names of the view
				  * (folder_index.h); names outside it are
				  * allocated one by one */
	size_t names_len;
	struct folder_state listed; /* what the view was last listed from */
	unsigned char listed_settled; /* ...and no change can hide in it
				       * (folder_index.h): a sync that finds
				       * the same state lists nothing */
	unsigned char synced;    /* the first sync is done */
	int index_fd;            /* postbox-index a lazy view fills from */
	struct folder_index_summary summary; /* its header, while lazy */
};

/* Open the mailbox `name` of the user's Maildir `root`: "INBOX" (any case)
 * is the Maildir itself, anything else the Maildir++ folder ".name"
 * (folder_tree.h says which names are valid). No messages are listed yet:
 * call mailfolder_sync(). f is ready for mailfolder_close() even when
 * this fails. ENOENT: no such mailbox. */
int mailfolder_open(struct mailfolder *f, const char *root, const char *name, unsigned opts,
		    struct mail_err *e);

/* Bring the view up to date with the disk: list new/ and cur/, read the
 * uidlist (and keywords) under its lock, give UIDs to new base names (in
 * the order of their names, i.e. of delivery) and write them to the
 * uidlist before anyone can see them; in a read-write view, move files from
 * new/ to cur/. New messages no read-write session has seen are recent:
 * a read-write view takes \Recent for itself (no other session gets it),
 * a read-only view reports them recent and leaves them so. New messages are appended to f->v
 * (f->n grows: imapd sends EXISTS), vanished ones get `gone`, ones whose
 * flags changed on disk get `changed`. A file that disappears mid-scan is
 * not an error. If the uidlist is missing or unreadable a new one is made
 * with a new UIDVALIDITY (all UIDs change: clients resynchronise). */
int mailfolder_sync(struct mailfolder *f, struct mail_err *e);

/* Fill a lazy view's f->v (a no-op on another): from the records of
 * the postbox-index its first sync read the header of, or, when they
 * turn out damaged, by listing the folder (a first sync's listing: the
 * messages found are the view; when fewer than f->n were counted, the
 * missing ones are gone messages with UID 0 at the front, for
 * mailfolder_purge() to report, so that no number the caller gave out
 * is taken back). mailfolder_sync() fills a lazy view itself when it
 * finds the folder changed. -1 with e: f->v may still hold fewer than
 * f->n messages (list again at the next sync). */
int mailfolder_fill(struct mailfolder *f, struct mail_err *e);

/* What SELECT and STATUS report about the view (from the index's
 * header while it is lazy, else counted): messages with \Recent, without
 * \Seen (and the sequence number of the first, 0: none), with \Deleted,
 * and the sum of their sizes. */
struct mailfolder_counts {
	uint32_t recent, unseen, first_unseen, deleted;
	long long size;
};
void mailfolder_counts(const struct mailfolder *f, struct mailfolder_counts *c);

/* Drop the gone messages from the view. expunged(arg, seq) is called once
 * per dropped message with its sequence number at that moment, in the
 * order RFC 9051 §7.5.1 EXPUNGE responses need (highest first, so each
 * number is still valid when reported). Returns how many were dropped. */
size_t mailfolder_purge(struct mailfolder *f, void (*expunged)(void *arg, uint32_t seq, uint32_t uid),
			void *arg);

/* Index of the message with this UID in f->v, or -1 (binary search). */
long mailfolder_find_uid(const struct mailfolder *f, uint32_t uid);

/* An open read-only descriptor on message i's file, looked up again by its
 * base name if another session renamed it. -1 with e->sys ENOENT when it
 * is gone (and the message is marked gone). */
int mailfolder_open_msg(struct mailfolder *f, size_t i, struct mail_err *e);

/* Message i's internal date (its file's mtime), read on the first call;
 * 0 when its file is gone. */
time_t mailfolder_internal_date(struct mailfolder *f, size_t i);

/* The index (0..25) of keyword `kw` (an IMAP flag keyword, compared
 * case-insensitively as Dovecot does), adding it to dovecot-keywords when
 * create is set and it is new. -1 with e: not there (ENOENT) or the 26
 * letters are all used (ENOSPC: imapd answers NO, PERMANENTFLAGS without
 * \*). */
int mailfolder_keyword(struct mailfolder *f, const char *kw, int create, struct mail_err *e);

/* STORE +FLAGS/-FLAGS: add `set` and remove `clear` (flags, then keyword
 * bits) to message i's flags as they are on disk now, not as this view
 * last saw them: the file is renamed within cur/ (moved there from new/
 * first), and when another session renamed it meanwhile the change is
 * applied again to the name found, so concurrent changes by two sessions
 * are both kept. Afterwards m->flags/keywords are the file's (with others'
 * changes). A no-op when nothing changes. ENOENT: gone meanwhile (marked
 * gone). EROFS on a read-only view. */
int mailfolder_store_delta(struct mailfolder *f, size_t i, unsigned set, unsigned clear, uint32_t kw_set,
			   uint32_t kw_clear, struct mail_err *e);

/* STORE FLAGS: set message i's flags and keywords to exactly these. */
int mailfolder_store(struct mailfolder *f, size_t i, unsigned flags, uint32_t keywords,
		     struct mail_err *e);

/* APPEND: store a message (CRLF or LF lines; kept with LF, ,S= and ,W= in
 * its name) with these flags and keywords and internal date (0: now),
 * written to tmp/, fsynced, then linked into new/ (no flags) or cur/, the
 * directory fsynced, and given the next UID at once (UIDPLUS APPENDUID;
 * f->uidvalidity is set too). It enters f's view at the next sync. A quota in maildirsize is kept
 * right. *uid may be NULL. */
int mailfolder_append(struct mailfolder *f, const char *data, size_t len, unsigned flags,
		      uint32_t keywords, time_t internal_date, uint32_t *uid, struct mail_err *e);

/* MULTIAPPEND (RFC 3502): the messages msgs[0..n) as mailfolder_append
 * stores one, all or nothing: each published, the directories fsynced
 * once, then UIDs given to all under one lock (uids[k] for msgs[k], may
 * be NULL); a failure takes back what was published. The quota is
 * checked for all of them together. */
struct mailfolder_new {
	const char *data;
	size_t len;
	unsigned flags;
	uint32_t keywords;
	time_t internal_date;    /* 0: now */
};
int mailfolder_append_set(struct mailfolder *f, const struct mailfolder_new *msgs, size_t n, uint32_t *uids,
			  struct mail_err *e);

/* COPY: the messages src->v[idx[0..n)] into dst (a hard link when on the
 * same file system, else a copy; fsynced), with their flags and keywords
 * (keywords mapped by name into dst's list) and internal dates, all
 * given UIDs under one lock: new_uids[k] (may be NULL) for idx[k]. A
 * message of src that is gone fails the whole copy with ENOENT before
 * anything is added (RFC 9051 §6.4.7 wants all or nothing). MOVE is this
 * followed by mailfolder_remove() of each. */
int mailfolder_copy(struct mailfolder *src, const size_t *idx, size_t n, struct mailfolder *dst,
		    uint32_t *new_uids, struct mail_err *e);

/* EXPUNGE / UID EXPUNGE / CLOSE: unlink every message flagged \Deleted
 * (when pick is not NULL, only those with pick[i] set too), fsync the
 * directories, account the freed bytes in maildirsize, and mark them gone
 * (mailfolder_purge() then reports them). Messages already gone are
 * skipped. -1 if some could not be removed (the others are). */
int mailfolder_expunge(struct mailfolder *f, const unsigned char *pick, struct mail_err *e);

/* Unlink message i whatever its flags (MOVE, POP3 DELE at QUIT) and mark it
 * gone; the directory is fsynced and maildirsize updated. Already gone: 0.
 * EROFS on a read-only view. Several at once: mailfolder_remove_set(). */
int mailfolder_remove(struct mailfolder *f, size_t i, struct mail_err *e);

/* The same for every message with pick[i] set (MOVE of a set, POP3's
 * UPDATE state): one fsync of the directories, one maildirsize line. */
int mailfolder_remove_set(struct mailfolder *f, const unsigned char *pick, struct mail_err *e);

/* Release the view and the directories. Safe on a zeroed or failed f. */
void mailfolder_close(struct mailfolder *f);

/* STATUS of a mailbox that is not selected: message count, \Recent (not
 * yet seen by a read-write session), unseen (no S), UIDNEXT, UIDVALIDITY, total size (with CRLF). It
 * is a read-only open and sync (new names get their UIDs, so UIDNEXT is
 * true; no file is moved). */
struct mailfolder_status {
	uint32_t messages, recent, unseen, uidnext, uidvalidity;
	uint32_t deleted;        /* messages flagged \Deleted (RFC 9051's STATUS DELETED) */
	long long size;
};
int mailfolder_status(const char *root, const char *name, struct mailfolder_status *st,
		      struct mail_err *e);

#endif
