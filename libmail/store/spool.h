/* spool.h — the queue on disk: plain files, atomic steps.
 *
 * Layout under the spool directory:
 *
 *     tmp/       envelope rewrites, and named temp files where O_TMPFILE
 *                cannot be used; never part of the queue
 *     queue/     ID.msg (the message, immutable) and ID.env (its envelope)
 *     incoming/  submissions of users who may not write queue/ (mode 1777,
 *                files 0600): pickup.h moves them into the queue
 *     corrupt/   entries that could not be parsed, kept for a person
 *
 * The message file is RFC 5322 text with LF line endings (no CR, no NUL):
 * SMTP's CRLF is restored on the way out. The envelope is described in
 * envelope.h.
 *
 * Commit (the promise every applet's 250 or exit 0 rests on): both files are written unnamed (O_TMPFILE) and
 * fsynced; the message is linked into queue/ (link never overwrites), the
 * envelope linked after it — the envelope's presence is the commit — and
 * queue/ is fsynced. Only then may a caller answer 250 or exit 0. Without
 * O_TMPFILE the files are named in tmp/ (O_EXCL), linked and renamed.
 *
 * A queue runner claims a message with a non-blocking flock on ID.msg,
 * which never changes while queued, so the kernel frees the claim when
 * the holder dies.
 */
#ifndef POSTBOX_SPOOL_H
#define POSTBOX_SPOOL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/buf.h"
#include "msg/envelope.h"
#include "base/err.h"

struct spool {
	char dir[3072];
	int queue_fd;            /* open directory, for fsync */
	uid_t owner;             /* owner of the spool directory */
};

/* A message being received, before its commit. */
struct spool_tx {
	struct spool *spool;
	char id[QID_MAX];
	int fd;                  /* the temp message file */
	int anonymous;           /* fd is an O_TMPFILE, named only at the commit */
	long long size;
	uint32_t crc;            /* CRC-32 of what was written so far */
	const char *area;        /* where temp files live: "tmp" or "incoming" */
	const char *prefix;      /* temp name prefix: "" in tmp/, "." in incoming/ */
	int commit_fd;           /* directory committed into: queue/ or incoming/ */
};

/* Open (and with create, make) the spool directories. */
int spool_open(struct spool *s, const char *dir, int create, struct mail_err *e);
void spool_close(struct spool *s);

/* A new queue id: unique on this host, sortable by arrival, file-name safe. */
void spool_new_id(char *id, size_t cap);

int spool_begin(struct spool *s, struct spool_tx *tx, struct mail_err *e);
/* The same for a user who may not write queue/: the message is committed
 * into incoming/ (same protocol, temp names start with "."). */
int spool_begin_incoming(struct spool *s, struct spool_tx *tx, struct mail_err *e);
int spool_write(struct spool_tx *tx, const void *p, size_t n, struct mail_err *e);
/* a[0..na) then b[0..nb), in one system call when the kernel takes all. */
int spool_write2(struct spool_tx *tx, const void *a, size_t na, const void *b, size_t nb, struct mail_err *e);
/* Put prefix in front of the message written so far (a header field that
 * can only be made once the whole message is known, as a DKIM
 * signature). Up to 256 KiB the file is rewritten from memory in place;
 * larger, a new temp file gets prefix and a copy of the message and takes
 * the old one's place in tx, with the same id. On failure the entry may
 * be damaged: the caller aborts it (spool_abort). The message can be read
 * back through tx->fd (pread). */
int spool_prepend(struct spool_tx *tx, const void *prefix, size_t n, struct mail_err *e);
/* The same, replacing the first old_len bytes with head (a header section
 * rewritten: fields added on top, others taken out). */
int spool_replace_head(struct spool_tx *tx, const void *head, size_t n, size_t old_len, struct mail_err *e);
/* Commit with this envelope (its id, arrival, size and crc are filled in). */
int spool_commit(struct spool_tx *tx, struct envelope *env, struct mail_err *e);
void spool_abort(struct spool_tx *tx);

/* The ids of committed messages in arrival order (free with spool_ids_free). */
int spool_list(struct spool *s, char ***ids, size_t *n, struct mail_err *e);
void spool_ids_free(char **ids, size_t n);

/* Read an envelope. A missing one returns -1 with e->sys == ENOENT (it was
 * removed meanwhile); an unparsable one -1 with EX_DATAERR. */
int spool_read_envelope(struct spool *s, const char *id, struct envelope *env, struct mail_err *e);
/* Atomically replace the envelope (tmp → fsync → rename → fsync dir). */
int spool_rewrite_envelope(struct spool *s, const struct envelope *env, struct mail_err *e);

/* Claim a message: 1 claimed (*fd holds it), 0 someone else has it, -1 error. */
int spool_lock(struct spool *s, const char *id, int *fd, struct mail_err *e);
/* Open the message file for reading. */
int spool_open_message(struct spool *s, const char *id, struct mail_err *e);
/* Remove a message whose recipients are all final: envelope first (the
 * uncommit), then the message, then fsync. */
int spool_remove(struct spool *s, const char *id, struct mail_err *e);
/* Free inodes the spool keeps for messages in flight (2 per message). */
#define SPOOL_MIN_INODES 100
/* Room for a message: at least bytes free (for an unprivileged user, as
 * statvfs's f_bavail counts) and SPOOL_MIN_INODES inodes. 0 yes; -1 with
 * e 452 4.3.1 (EX_TEMPFAIL) when not, or e from statvfs. */
int spool_has_room(struct spool *s, long long bytes, struct mail_err *e);
/* Is the message file the one the envelope describes? Compares the
 * file's size with the envelope's, then (version 2 envelopes) the CRC-32
 * of its bytes. 0 intact, 1 damaged (why says how), -1 unreadable (e).
 * Reads the whole file: call it before a delivery, not in a listing. */
int spool_verify_message(const struct envelope *env, int msg_fd, char *why, size_t why_cap,
			 struct mail_err *e);
/* Move an entry that cannot be read to corrupt/, with a .why file. */
int spool_quarantine(struct spool *s, const char *id, const char *why, struct mail_err *e);
/* Remove temp files and uncommitted messages older than max_age seconds. */
int spool_recover(struct spool *s, long long max_age, struct mail_err *e);

/* May this uid act on the whole spool (root, or the spool's owner)? */
int spool_trusted(const struct spool *s, uid_t uid);

/* Is this text a well-formed queue id? (guards paths built from user input) */
int spool_id_valid(const char *id);

#endif
