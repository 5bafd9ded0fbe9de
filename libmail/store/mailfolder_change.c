/* mailfolder_change.c — what a session changes in a mailbox: keywords,
 * flags, APPEND, COPY, EXPUNGE; see mailfolder.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/io.h"
#include "store/maildir_name.h"
#include "store/maildirsize.h"
#include "store/mailfolder_int.h"

static int read_only(struct mailfolder *f, struct mail_err *e)
{
	errno = EROFS;
	err_sys(e, "%s: mailbox opened read-only", f->md.path);
	e->ex = EX_NOPERM;
	return -1;
}

static int gone_err(struct mailfolder *f, const struct mailfolder_msg *m, struct mail_err *e)
{
	errno = ENOENT;
	return err_sys(e, "%s: message UID %u was expunged", f->md.path, m->uid);
}

int mailfolder_keyword(struct mailfolder *f, const char *kw, int create, struct mail_err *e)
{
	if (create && (f->opts & MAILFOLDER_RDONLY))
		create = 0;
	int k = keywords_index(&f->kw, f->md.fd, f->md.path, kw, create, e);
	for (size_t i = 0; i < MAILFOLDER_KEYWORDS_MAX; i++) {
		f->keywords[i] = f->kw.name[i];
		if (f->kw.name[i] && i + 1 > f->nkeywords)
			f->nkeywords = i + 1;
	}
	return k;
}

/* Another session's keyword on m (found by a delta) that this view has no
 * name for yet: read dovecot-keywords again, so the caller can name it. */
static int known_keywords(struct mailfolder *f, const struct mailfolder_msg *m, struct mail_err *e)
{
	for (size_t k = 0; k < MAILFOLDER_KEYWORDS_MAX; k++)
		if ((m->keywords & (1u << k)) && !f->keywords[k])
			return mailfolder_keywords_refresh(f, e);
	return 0;
}

int mailfolder_store(struct mailfolder *f, size_t i, unsigned flags, uint32_t keywords,
		     struct mail_err *e)
{
	return mailfolder_store_delta(f, i, flags, ~flags, keywords, ~keywords, e);
}

/* The name's current flags with the delta applied, renamed within cur/
 * (from new/ first). The rename of the name last seen is the compare and
 * swap: when another session renamed the file meanwhile it fails with
 * ENOENT, and the delta is applied again to the name found now, so two
 * sessions changing one message keep each other's changes. */
int mailfolder_store_delta(struct mailfolder *f, size_t i, unsigned set, unsigned clear, uint32_t kw_set,
			   uint32_t kw_clear, struct mail_err *e)
{
	if (f->opts & MAILFOLDER_RDONLY)
		return read_only(f, e);
	struct mailfolder_msg *m = &f->v[i];
	if (m->gone)
		return gone_err(f, m, e);
	for (int tries = 0; tries < 5; tries++) {
		unsigned old_flags;
		uint32_t old_kw, other;
		maildir_name_flags(m->name, &old_flags, &old_kw, &other);
		unsigned flags = ((old_flags | set) & ~clear) & MF_ALL;
		uint32_t keywords = (old_kw | kw_set) & ~kw_clear;
		int dir = m->in_new ? f->md.new_ : f->md.cur;
		int r;
		if (flags == old_flags && keywords == old_kw && !m->in_new) {
			/* Nothing to change, if the name is still the file's. */
			struct stat st;
			r = fstatat(dir, m->name, &st, AT_SYMLINK_NOFOLLOW);
			if (r == 0)
				return known_keywords(f, m, e);
		} else {
			char to[MAILDIR_NAME_MAX + 64];
			if (maildir_name_with_flags(to, sizeof to, m->name, flags, keywords, other) < 0) {
				errno = ENAMETOOLONG;
				return err_sys(e, "%s: %s", f->md.path, m->name);
			}
			r = renameat(dir, m->name, f->md.cur, to);
			if (r == 0) {
				char *copy = strdup(to);
				if (!copy)
					return err_sys(e, "%s", f->md.path);
				mailfolder_str_free(f, m->name);
				m->name = copy;
				m->in_new = 0;
				m->flags = flags;
				m->keywords = keywords;
				return known_keywords(f, m, e);
			}
		}
		if (errno != ENOENT)
			return err_sys(e, "%s: rename %s", f->md.path, m->name);
		/* Renamed by someone else meanwhile: find it and try again. */
		r = mailfolder_relocate(f, m);
		if (r < 0)
			return err_sys(e, "%s: cannot list", f->md.path);
		if (r == 0) {
			m->gone = MAILFOLDER_GONE_VANISHED;
			return gone_err(f, m, e);
		}
	}
	errno = EAGAIN;
	return err_sys(e, "%s: UID %u keeps being renamed", f->md.path, m->uid);
}

/* ---- new files: APPEND and COPY ---- */

/* Refuse (EDQUOT) what would take the user's inbox past f->quota, the
 * rule deliver applies (its usage, from maildirsize, counts the inbox). */
static int quota_check(struct mailfolder *f, long long bytes, struct mail_err *e)
{
	if (f->quota <= 0)
		return 0;
	struct maildir top;
	const struct maildir *root = &f->md;
	if (!f->is_inbox) {
		if (maildir_open(&top, f->root, 0, e) < 0)
			return -1;
		root = &top;
	}
	long long used = maildirsize_usage(root, f->quota, e);
	if (!f->is_inbox)
		maildir_close(&top);
	if (used < 0)
		return -1;
	if (used + bytes <= f->quota)
		return 0;
	errno = EDQUOT;
	return err_sys(e, "%s: mailbox full (%lld of %lld bytes used)", f->root, used, f->quota);
}

/* One message of an APPEND or a COPY on its way in: written to
 * tmp/base (fsynced) first, then published with the others. */
struct staged {
	char base[MAILDIR_NAME_MAX];
	unsigned flags;
	uint32_t keywords;
};

/* Give UIDs to new base names in dst, in order, under one lock. */
static int take_uids(struct mailfolder *dst, const struct staged *st, size_t n, uint32_t *uids,
		     struct mail_err *e)
{
	mailfolder_uids_init(dst);
	if (uidlist_lock(&dst->uids, e) < 0)
		return -1;
	int rc = 0;
	for (size_t k = 0; k < n && rc == 0; k++) {
		uint32_t uid = uidlist_assign(&dst->uids, st[k].base, strlen(st[k].base), NULL);
		if (!uid) {
			errno = ENOMEM;
			rc = err_sys(e, "%s: no UID left or out of memory", dst->md.path);
		}
		if (uids)
			uids[k] = uid;
	}
	if (rc == 0)
		rc = uidlist_commit(&dst->uids, e);
	/* APPENDUID/COPYUID need it, and a sync to learn it would take the
	 * new messages' \Recent from the session that selects them. */
	if (rc == 0 && !dst->uidvalidity)
		dst->uidvalidity = dst->uids.uidvalidity;
	uidlist_unlock(&dst->uids);
	return rc;
}

/* Link tmp/NAME into new/NAME (no flags) or cur/NAME:2,FLAGS, keeping
 * nothing in tmp/. The commit point of APPEND and COPY: link() never
 * replaces an existing name. */
static int publish(struct mailfolder *f, const char *name, unsigned flags, uint32_t keywords,
		   struct mail_err *e)
{
	char to[MAILDIR_NAME_MAX + 64];
	int in_new = !flags && !keywords;
	if (!in_new && maildir_name_with_flags(to, sizeof to, name, flags, keywords, 0) < 0) {
		errno = ENAMETOOLONG;
		return err_sys(e, "%s: %s", f->md.path, name);
	}
	int dir = in_new ? f->md.new_ : f->md.cur;
	if (linkat(f->md.tmp, name, dir, in_new ? name : to, 0) < 0) {
		err_sys(e, "%s: link %s", f->md.path, name);
		unlinkat(f->md.tmp, name, 0);
		return -1;
	}
	unlinkat(f->md.tmp, name, 0);
	return 0;
}

/* The message as stored: CRLF line ends become LF (as deliver and Dovecot
 * store them); ,S= is the result's size and ,W= that plus one per line. */
static int write_lf(int fd, const char *data, size_t len, long long *size, long long *lines)
{
	char out[65536];
	size_t o = 0;
	*size = *lines = 0;
	for (size_t i = 0; i < len; i++) {
		if (data[i] == '\r' && i + 1 < len && data[i + 1] == '\n')
			continue;
		out[o++] = data[i];
		*lines += data[i] == '\n';
		if (o == sizeof out) {
			if (write_all(fd, out, o) < 0)
				return -1;
			*size += (long long)o;
			o = 0;
		}
	}
	if (o && write_all(fd, out, o) < 0)
		return -1;
	*size += (long long)o;
	return 0;
}

static void crlf_sizes(const char *data, size_t len, long long *size, long long *crlf)
{
	long long s = 0, lines = 0;
	for (size_t i = 0; i < len; i++) {
		if (data[i] == '\r' && i + 1 < len && data[i + 1] == '\n')
			continue;
		s++;
		lines += data[i] == '\n';
	}
	*size = s;
	*crlf = s + lines;
}

/* One message into tmp/ under a fresh unique name (base), fsynced, with
 * its internal date; *size is its stored (LF) size. */
static int write_tmp(struct mailfolder *f, const struct mailfolder_new *m, char *base, long long *size,
		     struct mail_err *e)
{
	long long crlf, lines;
	crlf_sizes(m->data, m->len, size, &crlf);
	int fd = -1;
	for (int tries = 0; fd < 0; tries++) {
		maildir_unique_name(base, MAILDIR_NAME_MAX, *size, crlf);
		fd = openat(f->md.tmp, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0 && (errno != EEXIST || tries > 5))
			return err_sys(e, "%s/tmp", f->md.path);
	}
	int ok = write_lf(fd, m->data, m->len, size, &lines) == 0 && fsync(fd) == 0;
	if (ok && m->internal_date > 0) {
		struct timespec ts[2] = { { m->internal_date, 0 }, { m->internal_date, 0 } };
		ok = futimens(fd, ts) == 0;
	}
	if (close(fd) < 0)
		ok = 0;
	if (!ok) {
		err_sys(e, "%s/tmp/%s", f->md.path, base);
		unlinkat(f->md.tmp, base, 0);
		return -1;
	}
	return 0;
}

/* Unlink the tmp/ files of st[from..to), not published. */
static void drop_tmp(struct mailfolder *f, const struct staged *st, size_t from, size_t to)
{
	for (size_t k = from; k < to; k++)
		unlinkat(f->md.tmp, st[k].base, 0);
}

/* Unlink the first `done` messages published (found again by their base
 * name: a flag may have changed meanwhile). */
static void take_back(struct mailfolder *dst, const struct staged *st, size_t done)
{
	for (size_t k = 0; k < done; k++) {
		struct mailfolder_msg probe = { .name = strdup(st[k].base), .in_new = !st[k].flags && !st[k].keywords };
		if (probe.name && mailfolder_relocate(dst, &probe) > 0)
			unlinkat(probe.in_new ? dst->md.new_ : dst->md.cur, probe.name, 0);
		free(probe.name);
	}
}

/* The end of an APPEND or COPY of n messages (`bytes` in all), of which
 * the first `written` are in tmp/: when all are, publish every one, fsync
 * new/ and cur/, give the UIDs. Nothing is visible to other sessions
 * before every message is on disk, so the likely failures (disk full, an
 * unreadable source) publish nothing; a failure here takes back what was
 * published. tmp/ is left empty either way. */
static int publish_set(struct mailfolder *f, const struct staged *st, size_t n, size_t written, long long bytes,
		       uint32_t *uids, struct mail_err *e)
{
	if (written < n) {
		drop_tmp(f, st, 0, written);
		return -1;
	}
	size_t done = 0;
	while (done < n && publish(f, st[done].base, st[done].flags, st[done].keywords, e) == 0)
		done++;
	int rc = 0;
	if (done < n) {
		/* publish() left nothing of st[done] */
		drop_tmp(f, st, done + 1, n);
		rc = -1;
	}
	if (rc == 0 && (fsync(f->md.new_) < 0 || fsync(f->md.cur) < 0))
		rc = err_sys(e, "fsync %s", f->md.path);
	if (rc == 0)
		rc = take_uids(f, st, n, uids, e);
	if (rc < 0)
		take_back(f, st, done);
	else if (f->is_inbox)
		maildirsize_add(&f->md, bytes, (long long)n);
	return rc;
}

int mailfolder_append_set(struct mailfolder *f, const struct mailfolder_new *msgs, size_t n, uint32_t *uids,
			  struct mail_err *e)
{
	long long adding = 0, size, crlf;
	for (size_t k = 0; k < n; k++) {
		crlf_sizes(msgs[k].data, msgs[k].len, &size, &crlf);
		adding += size;
	}
	if (quota_check(f, adding, e) < 0)
		return -1;
	struct staged *st = calloc(n + 1, sizeof *st);
	if (!st)
		return err_sys(e, "%s: append", f->md.path);
	size_t written = 0;
	for (; written < n; written++) {
		st[written].flags = msgs[written].flags & MF_ALL;
		st[written].keywords = msgs[written].keywords;
		if (write_tmp(f, &msgs[written], st[written].base, &size, e) < 0)
			break;
	}
	int rc = publish_set(f, st, n, written, adding, uids, e);
	free(st);
	return rc;
}

int mailfolder_append(struct mailfolder *f, const char *data, size_t len, unsigned flags,
		      uint32_t keywords, time_t internal_date, uint32_t *uid, struct mail_err *e)
{
	const struct mailfolder_new m = { data, len, flags, keywords, internal_date };
	return mailfolder_append_set(f, &m, 1, uid, e);
}

/* Copy the bytes of an open file into tmp/name (another file system). */
static int copy_bytes(int from, struct mailfolder *dst, const char *name, struct mail_err *e)
{
	int to = openat(dst->md.tmp, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (to < 0)
		return err_sys(e, "%s/tmp/%s", dst->md.path, name);
	char buf[65536];
	ssize_t r;
	int ok = 1;
	while (ok && (r = read(from, buf, sizeof buf)) != 0)
		ok = r > 0 && write_all(to, buf, (size_t)r) == 0;
	struct stat st;
	if (ok && fstat(from, &st) == 0) {
		struct timespec ts[2] = { st.st_mtim, st.st_mtim };
		futimens(to, ts);   /* the internal date travels with it */
	}
	ok = ok && fsync(to) == 0;
	if (close(to) < 0)
		ok = 0;
	if (!ok) {
		err_sys(e, "%s/tmp/%s", dst->md.path, name);
		unlinkat(dst->md.tmp, name, 0);
		return -1;
	}
	return 0;
}

/* Message m's keywords as dst's letters (names added to dst as needed). */
static int map_keywords(struct mailfolder *src, const struct mailfolder_msg *m, struct mailfolder *dst,
			uint32_t *out, struct mail_err *e)
{
	*out = 0;
	for (int k = 0; k < MAILFOLDER_KEYWORDS_MAX; k++) {
		if (!(m->keywords & (1u << k)) || !src->kw.name[k])
			continue;
		int d = mailfolder_keyword(dst, src->kw.name[k], 1, e);
		if (d < 0)
			return -1;
		*out |= 1u << d;
	}
	return 0;
}

int mailfolder_copy(struct mailfolder *src, const size_t *idx, size_t n, struct mailfolder *dst,
		    uint32_t *new_uids, struct mail_err *e)
{
	if (dst->opts & MAILFOLDER_RDONLY)
		return read_only(dst, e);
	long long adding = 0;
	for (size_t k = 0; k < n; k++)
		adding += src->v[idx[k]].disk_size;
	if (quota_check(dst, adding, e) < 0)
		return -1;
	struct staged *st = calloc(n + 1, sizeof *st);
	if (!st)
		return err_sys(e, "%s: copy", dst->md.path);
	size_t written = 0;
	long long bytes = 0;
	for (; written < n; written++) {
		struct mailfolder_msg *m = &src->v[idx[written]];
		int fd = m->gone ? (gone_err(src, m, e), -1) : mailfolder_open_msg(src, idx[written], e);
		if (fd < 0 || map_keywords(src, m, dst, &st[written].keywords, e) < 0) {
			if (fd >= 0)
				close(fd);
			break;
		}
		st[written].flags = m->flags;
		long long w = maildir_name_field(m->name, 'W');
		maildir_unique_name(st[written].base, sizeof st[written].base, m->disk_size, w >= 0 ? w : m->size);
		/* A hard link shares the bytes and the internal date. */
		int linked = linkat(m->in_new ? src->md.new_ : src->md.cur, m->name, dst->md.tmp,
				    st[written].base, 0) == 0;
		int r = linked ? 0 : copy_bytes(fd, dst, st[written].base, e);
		close(fd);
		if (r < 0)
			break;
		bytes += m->disk_size;
	}
	int rc = publish_set(dst, st, n, written, bytes, new_uids, e);
	free(st);
	return rc;
}

/* ---- removing ---- */

/* Unlink message i's file (found again if renamed). 1 removed, 0 it was
 * gone already, -1 error. */
static int unlink_msg(struct mailfolder *f, struct mailfolder_msg *m, struct mail_err *e)
{
	for (int tries = 0; tries < 3; tries++) {
		if (unlinkat(m->in_new ? f->md.new_ : f->md.cur, m->name, 0) == 0) {
			m->gone = MAILFOLDER_GONE_REMOVED;
			return 1;
		}
		if (errno != ENOENT)
			return err_sys(e, "%s: unlink %s", f->md.path, m->name);
		int r = mailfolder_relocate(f, m);
		if (r < 0)
			return err_sys(e, "%s: cannot list", f->md.path);
		if (r == 0) {
			m->gone = MAILFOLDER_GONE_VANISHED;
			return 0;
		}
	}
	errno = EAGAIN;
	return err_sys(e, "%s: UID %u keeps being renamed", f->md.path, m->uid);
}

static int finish_removal(struct mailfolder *f, long long bytes, long long count, struct mail_err *e)
{
	if (!count)
		return 0;
	int rc = 0;
	if (fsync(f->md.cur) < 0 || fsync(f->md.new_) < 0)
		rc = err_sys(e, "fsync %s", f->md.path);
	if (f->is_inbox)
		maildirsize_add(&f->md, -bytes, -count);
	return rc;
}

/* Unlink the messages pick selects (all when NULL), only those flagged
 * \Deleted when deleted_only; one fsync and one maildirsize line. */
static int remove_where(struct mailfolder *f, const unsigned char *pick, int deleted_only,
			struct mail_err *e)
{
	if (f->opts & MAILFOLDER_RDONLY)
		return read_only(f, e);
	/* CLOSE of a lazy view: its index's header says whether there is
	 * anything flagged \Deleted to look for. */
	if (f->lazy && deleted_only && !pick && !f->summary.deleted)
		return 0;
	if (mailfolder_fill(f, e) < 0)
		return -1;
	int rc = 0;
	long long bytes = 0, count = 0;
	struct mail_err later;
	err_clear(&later);
	for (size_t i = 0; i < f->n; i++) {
		struct mailfolder_msg *m = &f->v[i];
		if (m->gone || (deleted_only && !(m->flags & MF_DELETED)) || (pick && !pick[i]))
			continue;
		int r = unlink_msg(f, m, rc ? &later : e);
		if (r < 0)
			rc = -1;
		if (r > 0) {
			bytes += m->disk_size;
			count++;
		}
	}
	if (finish_removal(f, bytes, count, rc ? &later : e) < 0)
		rc = -1;
	return rc;
}

int mailfolder_expunge(struct mailfolder *f, const unsigned char *pick, struct mail_err *e)
{
	return remove_where(f, pick, 1, e);
}

int mailfolder_remove_set(struct mailfolder *f, const unsigned char *pick, struct mail_err *e)
{
	return remove_where(f, pick, 0, e);
}

int mailfolder_remove(struct mailfolder *f, size_t i, struct mail_err *e)
{
	if (i >= f->n)
		return 0;
	unsigned char *pick = calloc(f->n, 1);
	if (!pick)
		return err_sys(e, "%s", f->md.path);
	pick[i] = 1;
	int r = remove_where(f, pick, 0, e);
	free(pick);
	return r;
}
