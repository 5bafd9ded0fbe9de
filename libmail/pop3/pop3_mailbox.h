/* pop3_mailbox.h — a Maildir as a POP3 maildrop (RFC 1939 §3–§6), seen
 * through the mailbox layer imapd uses too (store/mailfolder.h), so both
 * agree on every message, its UID and its size, and a message deleted
 * over POP3 is an EXPUNGE for the IMAP sessions.
 *
 * At login the INBOX is synchronised once (new files get their UIDs in
 * dovecot-uidlist) and listed in UID order; mail arriving later is not
 * seen until the next session, so numbers stay put. Files stay in new/
 * (a POP3 session does not take \Recent from IMAP clients). For each
 * message:
 *   - size: what RETR sends before byte-stuffing: the size with CRLF line
 *     ends (RFC822.SIZE over IMAP; from ,W= in the name, else measured
 *     once and kept in the uidlist), plus the CRLF RETR adds to close a
 *     last line without one (one byte read);
 *   - UIDL: the P field Dovecot keeps in dovecot-uidlist when there is one
 *     (a POP3 UIDL saved by Dovecot or migrated into it), else the
 *     pop3_uidl_format expanded as Dovecot expands it: %f the file name's
 *     base (the default, what pop3d always sent), %u the IMAP UID, %v the
 *     UIDVALIDITY, %% a percent sign, each with an optional zero-padded
 *     width and X (hexadecimal, in lower case as Dovecot writes it), e.g.
 *     Dovecot's default "%08Xu%08Xv". A UIDL that is longer than 70 characters (RFC 1939's
 *     limit) or not printable is replaced by the hex SHA-256 of itself,
 *     as stable.
 * Messages flagged T (trashed, \Deleted) are not listed.
 *
 * Exclusive use: flock(LOCK_EX|LOCK_NB) on the Maildir's own directory; a
 * second POP3 session is refused (MAILDROP_IN_USE) and the kernel drops
 * the lock when a session dies. Deliveries and IMAP need no such lock.
 *
 * Deletion happens only in maildrop_commit() (the UPDATE state, after
 * QUIT): each deleted message is unlinked — or, with keep, moved to cur/
 * with the S (seen) flag — and the directories are fsynced; maildirsize
 * is kept right. A message that vanished meanwhile (expunged over IMAP)
 * is not an error for RETR's caller to crash on: maildrop_open_msg()
 * returns -1 with ENOENT.
 */
#ifndef POSTBOX_MAILDROP_H
#define POSTBOX_MAILDROP_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "store/mailfolder.h"

#define MAILDROP_IN_USE 2    /* maildrop_open(): locked by another session */
#define MAILDROP_UID_MAX 70
#define MAILDROP_UIDL_DEFAULT "%f"

struct maildrop_msg {
	size_t at;               /* index in the folder's view */
	long long size;          /* what RETR sends (before byte-stuffing) */
	long long disk_size;     /* bytes in the file: lets RETR stop reading */
	char uid[MAILDROP_UID_MAX + 1];
	int deleted;
};

struct maildrop {
	struct mailfolder f;
	int exists;              /* 0: no Maildir yet (an empty maildrop) */
	struct maildrop_msg *v;
	size_t n;
};

/* Open, lock and list the Maildir at path; uidl_format as above (NULL:
 * the default). 0, MAILDROP_IN_USE, or -1. */
int maildrop_open(struct maildrop *d, const char *path, const char *uidl_format, struct mail_err *e);
/* An open descriptor on message i (0-based), found in new/ or cur/ even if
 * a reader moved or flagged it meanwhile; -1 with e (e->sys == ENOENT when
 * it is gone). */
int maildrop_open_msg(struct maildrop *d, size_t i, struct mail_err *e);
/* Apply the deletions; keep moves them to cur/ with S instead. -1 if any
 * could not be applied (the others are). */
int maildrop_commit(struct maildrop *d, int keep, struct mail_err *e);
/* Release everything (and the lock); deletes nothing. */
void maildrop_close(struct maildrop *d);

/* 1 when fmt is a pop3_uidl_format we can expand. */
int maildrop_uidl_format_valid(const char *fmt);
/* Expand fmt for a message (name: its file name) into uid (cap >
 * MAILDROP_UID_MAX), hashing it when too long. */
void maildrop_uidl(const char *fmt, uint32_t imap_uid, uint32_t uidvalidity, const char *name,
		   char *uid, size_t cap);
/* The default UIDL (%f) of a Maildir file name (for the unit tests). */
void maildrop_uid(const char *name, char *uid, size_t cap);

#endif
