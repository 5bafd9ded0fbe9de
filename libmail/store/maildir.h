/* maildir.h — Maildir and Maildir++ folders: safe opening and delivery.
 *
 * Delivery follows D. J. Bernstein's maildir(5):
 * a unique name is created in tmp/ with O_EXCL|O_NOFOLLOW, written,
 * fsynced and closed; link() puts it into new/ (link never overwrites an
 * existing name); new/ is fsynced; the tmp/ name is removed. A crash at any
 * point leaves at most a file in tmp/, never a partial message in new/.
 *
 * Unique names: SECONDS.M<usec>P<pid>Q<count>R<random>.HOST,S=<size>,W=<crlf-size>
 * (the ,S= and ,W= fields are Dovecot's: the size on disk and the size
 * with CRLF line ends, which pop3d reports without reading the file).
 *
 * The directories are opened one component at a time from the Maildir's
 * root with O_NOFOLLOW|O_DIRECTORY, so a symlink planted at the Maildir, at
 * tmp/new/cur or at a folder is refused (ELOOP/ENOTDIR → EX_CANTCREAT).
 */
#ifndef POSTBOX_MAILDIR_H
#define POSTBOX_MAILDIR_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "base/err.h"

#define MAILDIR_NAME_MAX 256

struct maildir {
	int fd, tmp, new_, cur;   /* open directories, -1 when closed */
	char path[4096];          /* for messages */
};

/* Open the Maildir at path (trailing / optional), making it and its
 * tmp/new/cur (mode 0700) when create is set and they are missing. */
int maildir_open(struct maildir *m, const char *path, int create, struct mail_err *e);
/* Open the Maildir++ folder ".NAME" inside an open Maildir (made with its
 * maildirfolder marker when create is set). NAME is checked with
 * maildir_folder_valid(). */
int maildir_open_folder(struct maildir *m, const struct maildir *root, const char *name,
			int create, struct mail_err *e);
/* The same for a name the caller has checked with its own, wider rule
 * (folder_tree.h: IMAP's modified UTF-7 names); it must hold no '/' and no
 * empty level. */
int maildir_open_dotdir(struct maildir *m, const struct maildir *root, const char *name, int create,
			struct mail_err *e);
void maildir_close(struct maildir *m);
/* A folder name: 1..200 of [A-Za-z0-9 _-] and non-leading, non-doubled
 * dots (the Maildir++ hierarchy separator); never "/" or "..". */
int maildir_folder_valid(const char *name);

/* Deliver the concatenation of parts (LF text) as one message. name (cap
 * MAILDIR_NAME_MAX) receives the file name in new/. 0 or -1 with e: ENOSPC
 * and EDQUOT give EX_TEMPFAIL 452 4.3.1, nothing is left behind. */
int maildir_deliver(struct maildir *m, const struct iovec *parts, int nparts, char *name,
		    size_t cap, struct mail_err *e);

/* A new unique name (see above) for a message of `size` bytes on disk and
 * `crlf_size` with CRLF line ends. */
void maildir_unique_name(char *out, size_t cap, long long size, long long crlf_size);

/* Bytes used by messages in new/ and cur/ (from ,S= when present, else
 * stat), for quotas; *count (if not NULL) gets their number. -1 with e on
 * error. */
long long maildir_usage(const struct maildir *m, long long *count, struct mail_err *e);

/* The owner of path, or of its nearest existing parent directory (for a
 * mailbox that does not exist yet). -1 with errno. */
int path_owner(const char *path, uid_t *uid, gid_t *gid);

/* Map an errno after a failed open/create at a delivery target onto the
 * deliver exit classes: EACCES/EPERM → EX_NOPERM, ELOOP/ENOTDIR/EMLINK/
 * EEXIST (an unsafe target) → EX_CANTCREAT, ENOSPC/EDQUOT → EX_TEMPFAIL,
 * the rest → EX_TEMPFAIL. Returns -1 with e filled (err_sys style). */
int target_err(struct mail_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
