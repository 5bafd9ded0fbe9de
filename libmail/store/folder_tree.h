/* folder_tree.h — the mailboxes of a user's Maildir: INBOX (the Maildir
 * itself) and its Maildir++ folders, one directory ".A.B" per mailbox
 * "A.B" with '.' as the hierarchy separator, as Dovecot and Courier lay
 * them out (Dovecot's default maildir layout, separator '.').
 *
 * Names here are the on-disk names: Dovecot stores non-ASCII names in
 * IMAP's modified UTF-7 (RFC 3501 §5.1.3), so do we; the IMAP layer
 * converts from/to UTF-8 and checks the encoding. A valid name
 * (folder_name_valid) is 1..200 printable ASCII characters without '/',
 * '\\', '~' at the start, or an empty hierarchy level (no leading, trailing
 * or doubled '.'); "INBOX" in any case means the inbox. Everything that
 * takes a name refuses an invalid one with EX_DATAERR and e->sys EINVAL,
 * so nothing can reach outside the Maildir.
 *
 * Children: "A.B" is a child of "A". A mailbox whose directory is missing
 * but that has children (".A.B" without ".A") is listed \Noselect
 * (\NonExistent in LIST-EXTENDED terms).
 */
#ifndef POSTBOX_FOLDER_TREE_H
#define POSTBOX_FOLDER_TREE_H

#include <stddef.h>

#include "base/err.h"

/* Attributes (RFC 9051 §7.3.1, RFC 6154 SPECIAL-USE). */
#define FOLDER_NOSELECT      0x001u  /* no Maildir of its own, only children */
#define FOLDER_HAS_CHILDREN  0x002u
#define FOLDER_HAS_NO_CHILDREN 0x004u
#define FOLDER_SUBSCRIBED    0x008u  /* in the subscriptions file */
#define FOLDER_SENT          0x010u  /* \Sent: "Sent", "Sent Messages", "Sent Items" */
#define FOLDER_DRAFTS        0x020u  /* \Drafts: "Drafts" */
#define FOLDER_TRASH         0x040u  /* \Trash: "Trash", "Deleted Messages" */
#define FOLDER_JUNK          0x080u  /* \Junk: "Junk", "Spam" */
#define FOLDER_ARCHIVE       0x100u  /* \Archive: "Archive" */
#define FOLDER_SPECIAL_USE   (FOLDER_SENT | FOLDER_DRAFTS | FOLDER_TRASH | FOLDER_JUNK | FOLDER_ARCHIVE)

struct folder_entry {
	char *name;              /* "INBOX" or "A.B" */
	unsigned attrs;          /* FOLDER_* */
};

struct folder_list {
	struct folder_entry *v;  /* INBOX first, then sorted by name (bytes) */
	size_t n;
};

int folder_name_valid(const char *name);
/* 1 when name means the inbox ("INBOX" in any case). */
int folder_is_inbox(const char *name);
/* The SPECIAL-USE attribute a top-level name implies (FOLDER_SENT...), 0. */
unsigned folder_special_use(const char *name);

/* Every mailbox of the Maildir at root, with attributes (subscriptions
 * included). A missing root lists INBOX alone. */
int folder_list(const char *root, struct folder_list *out, struct mail_err *e);
void folder_list_free(struct folder_list *l);

/* CREATE: the folder with tmp/ new/ cur/ and Dovecot's maildirfolder
 * marker (mode 0700), its directory fsynced. EEXIST if it exists (INBOX
 * always does). Missing parents are not made: Maildir++ needs none. */
int folder_create(const char *root, const char *name, struct mail_err *e);

/* DELETE: the folder's messages and directory are removed (it is first
 * renamed out of sight, so no one sees it half-deleted); its children
 * stay (the name becomes \Noselect if it has any). INBOX cannot be deleted
 * (EX_NOPERM, e->sys EPERM); a missing folder gives ENOENT. */
int folder_delete(const char *root, const char *name, struct mail_err *e);

/* RENAME, children included ("A" → "B" moves "A.x" to "B.x"), each
 * directory by one rename(); EEXIST if the target or one of its children
 * exists (nothing is renamed then). Renaming INBOX moves its messages into
 * a new folder `to` and leaves INBOX empty (RFC 9051 §6.3.6); their UIDs
 * in the new folder are new. The subscriptions follow the names. */
int folder_rename(const char *root, const char *from, const char *to, struct mail_err *e);

#endif
