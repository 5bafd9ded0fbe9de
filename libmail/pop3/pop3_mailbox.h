/* pop3_mailbox.h — a Maildir as a POP3 maildrop (RFC 1939 §3–§6).
 *
 * At login the messages of new/ and cur/ are listed once, oldest first;
 * mail arriving later is not seen until the next session, so numbers stay
 * put. For each message:
 *   - size: the size with CRLF line ends, what RETR sends before
 *     byte-stuffing — from the name's ,W= field (written by deliver and by
 *     Dovecot) or, failing that, by reading the file once;
 *   - UID: the unique part of the name (before ':', the flags), which never
 *     changes when a reader moves the file from new/ to cur/ or sets flags;
 *     a name longer than 70 characters (RFC 1939's UIDL limit) is replaced
 *     by the hex SHA-256 of that part, as stable.
 * Messages flagged T (trashed) are not listed.
 *
 * Exclusive use: flock(LOCK_EX|LOCK_NB) on the Maildir's own directory; a
 * second session is refused (MAILDROP_IN_USE) and the kernel drops the lock
 * when a session dies. Deliveries need no lock (Maildir).
 *
 * Deletion happens only in maildrop_commit() (the UPDATE state, after
 * QUIT): each deleted message is unlinked — or, with keep, moved to cur/
 * with the S (seen) flag — and the directories are fsynced; the bytes and
 * number unlinked are appended to a maildirsize file if there is one
 * (maildirsize.h). A message that
 * vanished meanwhile is not an error for RETR's caller to crash on:
 * maildrop_open_msg() returns -1 with ENOENT.
 */
#ifndef POSTBOX_MAILDROP_H
#define POSTBOX_MAILDROP_H

#include <stddef.h>

#include "base/err.h"
#include "store/maildir.h"

#define MAILDROP_IN_USE 2    /* maildrop_open(): locked by another session */
#define MAILDROP_UID_MAX 70

struct maildrop_msg {
	char *name;              /* file name as listed */
	int in_cur;              /* listed in cur/ (else new/) */
	long long size;          /* CRLF size */
	long long disk_size;     /* from ,S= (-1 unknown): lets RETR stop reading */
	char uid[MAILDROP_UID_MAX + 1];
	int deleted;
};

struct maildrop {
	struct maildir md;
	int exists;              /* 0: no Maildir yet (an empty maildrop) */
	struct maildrop_msg *v;
	size_t n;
};

/* Open, lock and list the Maildir at path. 0, MAILDROP_IN_USE, or -1. */
int maildrop_open(struct maildrop *d, const char *path, struct mail_err *e);
/* An open descriptor on message i (0-based), found in new/ or cur/ even if
 * a reader moved or flagged it meanwhile; -1 with e (e->sys == ENOENT when
 * it is gone). */
int maildrop_open_msg(struct maildrop *d, size_t i, struct mail_err *e);
/* Apply the deletions; keep moves them to cur/ with S instead. -1 if any
 * could not be applied (the others are). */
int maildrop_commit(struct maildrop *d, int keep, struct mail_err *e);
/* Release everything (and the lock); deletes nothing. */
void maildrop_close(struct maildrop *d);

/* The UID of a Maildir file name (exposed for the unit tests). */
void maildrop_uid(const char *name, char *uid, size_t cap);

#endif
