/* mailfolder.c — a mailbox's view: open, sync, purge, find, close; see
 * mailfolder.h. The changes a session makes are in mailfolder_change.c. */
#include "store/mailfolder.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/array.h"
#include "base/buf.h"
#include "msg/pop3_cmd.h"
#include "store/folder_tree.h"
#include "store/maildir_name.h"
#include "store/mailfolder_int.h"

#define SCAN_TRIES 4   /* listings repeated while new/ or cur/ change under us */

unsigned long mailfolder_listings;

static void reset(struct mailfolder *f)
{
	memset(f, 0, sizeof *f);
	f->md.fd = f->md.tmp = f->md.new_ = f->md.cur = -1;
	f->kw.size = -1;
	f->rootfd = -1;
	f->index_fd = -1;
}

void mailfolder_str_free(struct mailfolder *f, char *s)
{
	if (s && !(f->names && s >= f->names && s < f->names + f->names_len))
		free(s);
}

void mailfolder_uids_init(struct mailfolder *f)
{
	if (f->uids.path)
		return;
	uidlist_init(&f->uids, f->md.fd, f->md.path);
	f->uids.rootfd = f->is_inbox ? f->md.fd : f->rootfd;
}

int mailfolder_open(struct mailfolder *f, const char *root, const char *name, unsigned opts,
		    struct mail_err *e)
{
	reset(f);
	f->opts = opts;
	f->is_inbox = folder_is_inbox(name);
	if (!f->is_inbox && !folder_name_valid(name)) {
		errno = EINVAL;
		err_sys(e, "%s: invalid mailbox name \"%.100s\"", root, name);
		e->ex = EX_DATAERR;
		return -1;
	}
	if (str_copy(f->root, sizeof f->root, root, strlen(root)) < 0 ||
	    str_copy(f->name, sizeof f->name, f->is_inbox ? "INBOX" : name, strlen(f->is_inbox ? "INBOX" : name)) < 0) {
		errno = ENAMETOOLONG;
		return err_sys(e, "%s: mailbox path", root);
	}
	/* INBOX always exists: a user who never got mail gets an empty one. */
	if (f->is_inbox)
		return maildir_open(&f->md, root, 1, e);
	struct maildir top;
	if (maildir_open(&top, root, 0, e) < 0)
		return -1;
	int r = maildir_open_dotdir(&f->md, &top, name, 0, e);
	f->rootfd = top.fd;   /* kept for dovecot-uidvalidity */
	top.fd = -1;
	maildir_close(&top);
	return r;
}

/* ---- listing new/ and cur/ ---- */

void mailfolder_scan_free(struct mailfolder_scan *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].name);
	free(s->v);
	memset(s, 0, sizeof *s);
}

static int list_dir(struct mailfolder_scan *s, int dirfd, int in_new)
{
	int fd = dup(dirfd);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	if (!dir) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	rewinddir(dir);
	struct dirent *de;
	int rc = 0;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.' || (de->d_type != DT_REG && de->d_type != DT_UNKNOWN))
			continue;
		if (strchr(de->d_name, '\n') || strchr(de->d_name, '\r'))
			continue;   /* never a line in the uidlist */
		if (s->n == s->cap) {
			struct mailfolder_scan_entry *v = array_grow(s->v, &s->cap, sizeof *v, 256);
			if (!v) {
				rc = -1;
				break;
			}
			s->v = v;
		}
		if (!(s->v[s->n].name = strdup(de->d_name))) {
			rc = -1;
			break;
		}
		s->v[s->n].in_new = (unsigned char)in_new;
		s->v[s->n].rec = -1;
		s->v[s->n].regular = de->d_type == DT_REG;
		s->n++;
	}
	closedir(dir);
	return rc;
}

static long long realtime_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int by_name(const void *a, const void *b)
{
	const struct mailfolder_scan_entry *x = a, *y = b;
	return strcmp(x->name, y->name);
}

/* List new/ then cur/ (a file moved new/→cur/ in between is then seen in
 * cur/). readdir() may miss a file renamed during the listing, so the
 * listing is repeated while either directory's mtime changed under it. */
int mailfolder_scan(struct mailfolder *f, struct mailfolder_scan *s, struct mail_err *e)
{
	mailfolder_listings++;
	for (int t = 0; t < SCAN_TRIES && !s->stable; t++) {
		mailfolder_scan_free(s);
		struct folder_stamp n1, c1;
		folder_stamp_of(f->md.new_, NULL, &s->new_);
		folder_stamp_of(f->md.cur, NULL, &s->cur);
		if (list_dir(s, f->md.new_, 1) < 0 || list_dir(s, f->md.cur, 0) < 0) {
			mailfolder_scan_free(s);
			return err_sys(e, "%s: cannot list", f->md.path);
		}
		s->listed_ns = realtime_ns();
		s->stable = folder_stamp_of(f->md.new_, NULL, &n1) == 0 && folder_stamp_of(f->md.cur, NULL, &c1) == 0 &&
			    folder_stamp_same(&n1, &s->new_) && folder_stamp_same(&c1, &s->cur);
	}
	if (s->n > 1)   /* an empty folder's v is NULL, which qsort may not get */
		qsort(s->v, s->n, sizeof *s->v, by_name);
	return 0;
}

/* ---- sizes ---- */

long long mailfolder_crlf_size(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -1;
	char buf[65536];
	long long size = 0;
	int cr = 0;
	ssize_t r;
	while ((r = read(fd, buf, sizeof buf)) > 0)
		size += pop3_crlf_size(buf, (size_t)r, &cr);
	close(fd);
	return r < 0 ? -1 : size;
}

/* The W extension of a uidlist record as a number, or -1. */
static long long rec_vsize(const struct uidlist_rec *r)
{
	size_t n;
	const char *w = uidlist_ext(r, 'W', &n);
	if (!w || n == 0 || n > 15)
		return -1;
	long long v = 0;
	for (size_t i = 0; i < n; i++) {
		if (w[i] < '0' || w[i] > '9')
			return -1;
		v = v * 10 + (w[i] - '0');
	}
	return v;
}

static void sync_keyword_names(struct mailfolder *f)
{
	f->nkeywords = 0;
	for (size_t k = 0; k < MAILFOLDER_KEYWORDS_MAX; k++) {
		f->keywords[k] = f->kw.name[k];
		if (f->kw.name[k])
			f->nkeywords = k + 1;
	}
}

/* ---- sync ---- */

static int view_grow(struct mailfolder *f, size_t more)
{
	if (f->n + more <= f->cap)
		return 0;
	/* Exactly what the first sync needs (a large folder's view is most
	 * of a session's memory), then half as much again each time. */
	size_t cap = f->cap + f->cap / 2;
	if (cap < f->n + more)
		cap = f->n + more;
	struct mailfolder_msg *v = realloc(f->v, cap * sizeof *v);
	if (!v)
		return -1;
	f->v = v;
	f->cap = cap;
	return 0;
}

/* Move a file from new/ to cur/ (read-write views): "base:2,info". */
static int move_to_cur(struct mailfolder *f, struct mailfolder_scan_entry *en)
{
	char to[MAILDIR_NAME_MAX + 64];
	int n = strstr(en->name, ":2,") ? snprintf(to, sizeof to, "%s", en->name)
					: snprintf(to, sizeof to, "%.*s:2,", (int)maildir_name_base_len(en->name),
						   en->name);
	if (n < 0 || (size_t)n >= sizeof to)
		return -1;
	if (renameat(f->md.new_, en->name, f->md.cur, to) < 0)
		return -1;   /* someone else moved it: seen in cur/ next time */
	char *copy = strdup(to);
	if (!copy)
		return -1;
	free(en->name);
	en->name = copy;
	en->in_new = 0;
	return 1;
}

struct pending {
	size_t entry;            /* index in the scan */
	uint32_t uid;
	unsigned char in_new;
};

/* UID order; a file listed in new/ and, moved meanwhile, in cur/ too sorts
 * its cur/ entry first, and the other is skipped. */
static int by_uid(const void *a, const void *b)
{
	const struct pending *x = a, *y = b;
	if (x->uid != y->uid)
		return x->uid < y->uid ? -1 : 1;
	return (int)x->in_new - (int)y->in_new;
}

/* The uidlist record of a listed file, or -1: looked up once while the
 * records stay where they are (a sync used to look each name up four
 * times, most of the CPU time of a SELECT of a large folder). */
static long entry_rec(struct mailfolder *f, struct mailfolder_scan *s, struct mailfolder_scan_entry *en)
{
	if (s->gen != f->uids.gen) {
		for (size_t k = 0; k < s->n; k++)
			s->v[k].rec = -1;
		s->gen = f->uids.gen;
	}
	if (en->rec < 0)
		en->rec = uidlist_find(&f->uids, en->name, maildir_name_base_len(en->name));
	return en->rec;
}

/* Mark dead the first `known` records (read before the listing) whose
 * files the listing did not show; the next commit drops them (the file
 * is rewritten once a quarter of it is dead). Only when the records are
 * still those of the same file. */
static int drop_unlisted(struct mailfolder *f, struct mailfolder_scan *s, size_t known,
			 uint32_t validity, struct mail_err *e)
{
	if (!known || f->uids.uidvalidity != validity || f->uids.n < known)
		return 0;
	unsigned char *listed = calloc(known, 1);
	if (!listed)
		return err_sys(e, "%s: sync", f->md.path);
	for (size_t i = 0; i < s->n; i++) {
		long r = entry_rec(f, s, &s->v[i]);
		if (r >= 0 && (size_t)r < known)
			listed[r] = 1;
	}
	for (size_t r = 0; r < known; r++)
		if (!listed[r])
			uidlist_drop(&f->uids, r);
	free(listed);
	return 0;
}

/* Give UIDs to the names the uidlist does not know (in name order, i.e.
 * delivery order), under the lock, re-reading the file first so that a
 * UID another process gave meanwhile is taken, never a second one. */
static int assign_uids(struct mailfolder *f, struct mailfolder_scan *s, const size_t *unknown, size_t nunknown,
		       struct mail_err *e)
{
	/* A folder without a uidlist (new, or empty so far) writes one now:
	 * its UIDVALIDITY must be fixed and nonzero from its first sync. */
	if (!nunknown && f->uids.exists && !f->uids.rewrite && f->uids.ndead * 4 <= f->uids.n)
		return 0;
	if (uidlist_lock(&f->uids, e) < 0)
		return -1;
	int rc = 0;
	for (size_t k = 0; k < nunknown; k++) {
		struct mailfolder_scan_entry *en = &s->v[unknown[k]];
		size_t blen = maildir_name_base_len(en->name);
		if (uidlist_find(&f->uids, en->name, blen) >= 0)
			continue;
		char ext[32] = "";
		if (maildir_name_field(en->name, 'W') < 0) {
			/* Remember the size once read, as Dovecot does. */
			long long w = mailfolder_crlf_size(en->in_new ? f->md.new_ : f->md.cur, en->name);
			if (w < 0)
				continue;   /* gone already */
			snprintf(ext, sizeof ext, "W%lld", w);
		}
		char base[MAILDIR_NAME_MAX + 1];
		if (blen >= sizeof base)
			continue;
		memcpy(base, en->name, blen);
		base[blen] = '\0';
		if (!uidlist_assign(&f->uids, base, blen, ext[0] ? ext : NULL)) {
			errno = ENOMEM;
			rc = err_sys(e, "%s: no UID left or out of memory", f->md.path);
			break;
		}
	}
	if (rc == 0)
		rc = uidlist_commit(&f->uids, e);
	uidlist_unlock(&f->uids);
	return rc;
}

/* Fill a new view entry from the scan entry en with UID uid. */
static int fill_msg(struct mailfolder *f, struct mailfolder_msg *m, const struct mailfolder_scan_entry *en,
		    const struct uidlist_rec *r)
{
	memset(m, 0, sizeof *m);
	int dirfd = en->in_new ? f->md.new_ : f->md.cur;
	m->uid = r->uid;
	m->in_new = en->in_new;
	maildir_name_flags(en->name, &m->flags, &m->keywords, NULL);
	m->disk_size = maildir_name_field(en->name, 'S');
	/* A name with S= listed as a regular file needs no stat: the date
	 * is read when asked (mailfolder_internal_date), which keeps a SELECT
	 * of a large folder to the listing. */
	if (m->disk_size < 0 || !en->regular) {
		struct stat st;
		if (fstatat(dirfd, en->name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			return -1;
		m->internal_date = st.st_mtime;
		if (m->disk_size < 0)
			m->disk_size = st.st_size;
	}
	m->size = maildir_name_field(en->name, 'W');
	if (m->size < 0)
		m->size = rec_vsize(r);
	if (m->size < 0)
		m->size = mailfolder_crlf_size(dirfd, en->name);
	if (m->size < 0)
		return -1;
	size_t n;
	const char *p = uidlist_ext(r, 'P', &n);
	if (p && n && !(m->pop3_uidl = strndup(p, n)))
		return -1;
	if (!(m->name = strdup(en->name))) {
		free(m->pop3_uidl);
		return -1;
	}
	return 0;
}

int mailfolder_keywords_refresh(struct mailfolder *f, struct mail_err *e)
{
	if (keywords_refresh(&f->kw, f->md.fd, f->md.path, e) < 0)
		return -1;
	sync_keyword_names(f);
	return 0;
}

/* \Recent: messages from UID *first on no read-write session has seen;
 * a read-write view (not pop3d's) claims them up to top for itself. */
static int recent_boundary(struct mailfolder *f, uint32_t top, uint32_t *first, struct mail_err *e)
{
	*first = mailfolder_recent_first(f);
	if (f->opts & (MAILFOLDER_RDONLY | MAILFOLDER_LEAVE_NEW) || top < *first)
		return 0;
	return mailfolder_recent_claim(f, top, first, e);
}

/* new/, cur/ and dovecot-uidlist as they are now (a stat that fails gives
 * a zero stamp, which is never settled). */
static void state_now(struct mailfolder *f, struct folder_state *st)
{
	folder_stamp_of(f->md.new_, NULL, &st->new_);
	folder_stamp_of(f->md.cur, NULL, &st->cur);
	folder_stamp_of(f->md.fd, UIDLIST_FILE, &st->uidlist);
}

/* The first sync of a view, from postbox-index when the folder is as it
 * describes: 1 done, 0 list the folder instead, -1 error. A lazy view
 * with nothing recent in it keeps only the header (the records are read
 * by mailfolder_fill). */
static int sync_from_index(struct mailfolder *f, const struct folder_state *now, struct mail_err *e)
{
	/* Files in new/ are for the scan of a view that moves them to cur/. */
	int moves = !(f->opts & (MAILFOLDER_RDONLY | MAILFOLDER_LEAVE_NEW));
	struct folder_index_summary sum;
	int fd = folder_index_open(f, now, &sum);
	if (fd < 0)
		return 0;
	if (moves && sum.in_new) {
		close(fd);
		return 0;
	}
	f->uidvalidity = sum.uidvalidity;   /* what the recent boundary is of */
	if ((f->opts & MAILFOLDER_LAZY) && (!sum.n || mailfolder_recent_first(f) > sum.top_uid)) {
		f->n = (size_t)sum.n;
		f->uidnext = sum.uidnext;
		f->summary = sum;
		f->lazy = f->n != 0;
		if (f->lazy)
			f->index_fd = fd;
		else
			close(fd);
	} else {
		int filled = folder_index_fill(f, fd, &sum, moves);
		close(fd);
		if (!filled) {
			f->uidvalidity = 0;
			return 0;
		}
	}
	f->listed = *now;
	f->listed_settled = 1;
	if (f->lazy)
		return 1;
	uint32_t first = 0;
	if (f->n && recent_boundary(f, f->v[f->n - 1].uid, &first, e) < 0)
		return -1;
	for (size_t i = 0; i < f->n; i++)
		f->v[i].recent = f->v[i].uid >= first;
	return 1;
}

/* What the listing s found, now in the view, becomes postbox-index when
 * it is exactly the listing (nothing gone, nothing moved or skipped, no
 * change hiding in the timestamps). A read-write view's business only;
 * a failure leaves the old index, which no longer matches: not an error. */
static void save_listing(struct mailfolder *f, const struct mailfolder_scan *s, int moved, size_t added)
{
	f->listed.new_ = s->new_;
	f->listed.cur = s->cur;
	f->listed.uidlist = (struct folder_stamp){ f->uids.dev, f->uids.ino, f->uids.size, f->uids.mtime_ns };
	f->listed_settled = s->stable && !moved && folder_state_settled(&f->listed, s->listed_ns);
	int exact = f->listed_settled && !(f->opts & MAILFOLDER_RDONLY) && f->n == s->n;
	for (size_t i = 0; exact && i < f->n; i++)
		exact = !f->v[i].gone;
	struct mail_err ignored;
	if (exact)
		folder_index_save(f, &f->listed, &ignored);
	else if (added > 1024 && added * 2 > f->n)
		folder_index_pack(f);   /* most of the view is new: its names in one block */
}

static int fill_lazy(struct mailfolder *f, struct mail_err *e);

int mailfolder_sync(struct mailfolder *f, struct mail_err *e)
{
	mailfolder_uids_init(f);
	if (mailfolder_keywords_refresh(f, e) < 0)
		return -1;
	struct folder_state now;
	state_now(f, &now);
	if (f->synced && f->listed_settled && folder_state_same(&now, &f->listed))
		return 0;   /* nothing changed since the listing the view shows */
	if (f->lazy) {
		/* Changed: the view the changes are found against first. */
		int r = fill_lazy(f, e);
		if (r <= 0)
			return r;
	}
	if (!f->synced && !f->n) {
		int r = sync_from_index(f, &now, e);
		if (r != 0) {
			f->synced = 1;
			return r < 0 ? -1 : 0;
		}
	}
	if (uidlist_refresh(&f->uids, e) < 0)
		return -1;
	/* Records read before the listing name files that existed before it
	 * (a record is written only once its file is in new/ or cur/): those
	 * the listing does not show are gone for good. */
	size_t known = f->uids.n;
	uint32_t known_validity = f->uids.uidvalidity;
	struct mailfolder_scan s = { 0 };
	if (mailfolder_scan(f, &s, e) < 0)
		return -1;
	s.gen = f->uids.gen;
	if (drop_unlisted(f, &s, known, known_validity, e) < 0) {
		mailfolder_scan_free(&s);
		return -1;
	}
	size_t *unknown = calloc(s.n + 1, sizeof *unknown);
	unsigned char *seen = calloc(f->n + 1, 1);
	size_t nunknown = 0;
	int rc = -1;
	if (!unknown || !seen) {
		err_sys(e, "%s: sync", f->md.path);
		goto done;
	}
	for (size_t i = 0; i < s.n; i++)
		if (entry_rec(f, &s, &s.v[i]) < 0)
			unknown[nunknown++] = i;
	if (assign_uids(f, &s, unknown, nunknown, e) < 0)
		goto done;
	if (f->uidvalidity && f->uids.uidvalidity != f->uidvalidity) {
		errno = ESTALE;
		err_sys(e, "%s: UIDVALIDITY changed (%u to %u): the mailbox must be selected again",
			f->md.path, f->uidvalidity, f->uids.uidvalidity);
		goto done;
	}
	f->uidvalidity = f->uids.uidvalidity;
	f->uidnext = f->uids.nextuid;

	/* Match each file with the view (by UID) or collect it as new. */
	uint32_t top = f->n ? f->v[f->n - 1].uid : 0;
	struct pending *add = calloc(s.n + 1, sizeof *add);
	size_t nadd = 0, n_before = f->n;
	if (!add) {
		err_sys(e, "%s: sync", f->md.path);
		goto done;
	}
	for (size_t i = 0; i < s.n; i++) {
		struct mailfolder_scan_entry *en = &s.v[i];
		long r = entry_rec(f, &s, en);
		if (r < 0)
			continue;   /* vanished before it got a UID */
		uint32_t uid = f->uids.v[r].uid;
		long at = mailfolder_find_uid(f, uid);
		if (at < 0) {
			if (uid > top)
				add[nadd++] = (struct pending){ i, uid, en->in_new };
			/* else: a file we saw vanish came back; this session has
			 * reported it expunged and cannot bring the number back. */
			continue;
		}
		struct mailfolder_msg *m = &f->v[at];
		if (seen[at] && en->in_new)
			continue;   /* seen in new/ and, moved meanwhile, in cur/ */
		seen[at] = 1;
		if (m->gone == MAILFOLDER_GONE_REMOVED)
			continue;   /* we unlinked it: whatever this is, not it */
		if (m->gone) {
			/* Back after a listing missed it: keep it, and its record. */
			m->gone = 0;
			if (f->uids.v[r].dead) {
				f->uids.v[r].dead = 0;
				f->uids.ndead--;
			}
		}
		if (strcmp(m->name, en->name) != 0) {
			unsigned flags;
			uint32_t kw;
			maildir_name_flags(en->name, &flags, &kw, NULL);
			if (flags != m->flags || kw != m->keywords)
				m->changed = 1;
			m->flags = flags;
			m->keywords = kw;
			char *copy = strdup(en->name);
			if (copy) {
				mailfolder_str_free(f, m->name);
				m->name = copy;
			}
		}
		m->in_new = en->in_new;
	}
	/* What was not listed is gone. */
	for (size_t i = 0; i < f->n; i++)
		if (!seen[i] && !f->v[i].gone)
			f->v[i].gone = MAILFOLDER_GONE_VANISHED;
	/* New to the view, in UID order; a read-write view takes them from
	 * new/ to cur/. \Recent: those no read-write session has seen yet;
	 * a read-write view (not pop3d's) claims them for itself. */
	qsort(add, nadd, sizeof *add, by_uid);
	if (view_grow(f, nadd) < 0) {
		free(add);
		err_sys(e, "%s: sync", f->md.path);
		goto done;
	}
	int leave = f->opts & (MAILFOLDER_RDONLY | MAILFOLDER_LEAVE_NEW), moved = 0;
	uint32_t first_recent = 0;
	if (nadd && recent_boundary(f, add[nadd - 1].uid, &first_recent, e) < 0) {
		free(add);
		goto done;
	}
	for (size_t k = 0; k < nadd; k++) {
		if (k && add[k].uid == add[k - 1].uid)
			continue;
		struct mailfolder_scan_entry *en = &s.v[add[k].entry];
		if (en->in_new && !leave)
			moved |= move_to_cur(f, en) != 0;
		long r = entry_rec(f, &s, en);
		if (r < 0 || fill_msg(f, &f->v[f->n], en, &f->uids.v[r]) < 0)
			continue;   /* vanished meanwhile */
		f->v[f->n].recent = add[k].uid >= first_recent;
		f->n++;
	}
	free(add);
	f->synced = 1;
	save_listing(f, &s, moved, f->n - n_before);
	rc = 0;
done:
	free(unknown);
	free(seen);
	mailfolder_scan_free(&s);
	return rc;
}

/* Put k gone entries (UID 0, no name) before the view's messages. */
static int pad_front(struct mailfolder *f, size_t k)
{
	if (!k)
		return 0;
	if (view_grow(f, k) < 0)
		return -1;
	memmove(f->v + k, f->v, f->n * sizeof *f->v);
	memset(f->v, 0, k * sizeof *f->v);
	for (size_t i = 0; i < k; i++)
		f->v[i].gone = MAILFOLDER_GONE_VANISHED;
	f->n += k;
	return 0;
}

/* A lazy view's messages: 1 from the index's records, 0 from a listing
 * (the view is synced then), -1 error. */
static int fill_lazy(struct mailfolder *f, struct mail_err *e)
{
	int moves = !(f->opts & (MAILFOLDER_RDONLY | MAILFOLDER_LEAVE_NEW));
	size_t told = f->n;
	f->n = 0;
	f->lazy = 0;
	int filled = folder_index_fill(f, f->index_fd, &f->summary, moves);
	close(f->index_fd);
	f->index_fd = -1;
	if (filled)
		return 1;
	/* Damaged records behind a good header: list the folder as at a first
	 * sync, keeping the numbers already given out. */
	f->listed_settled = 0;
	int r = mailfolder_sync(f, e);
	if (f->n < told && pad_front(f, told - f->n) < 0 && r == 0) {
		errno = ENOMEM;
		r = err_sys(e, "%s: sync", f->md.path);
	}
	return r;
}

int mailfolder_fill(struct mailfolder *f, struct mail_err *e)
{
	return f->lazy && fill_lazy(f, e) < 0 ? -1 : 0;
}

void mailfolder_counts(const struct mailfolder *f, struct mailfolder_counts *c)
{
	memset(c, 0, sizeof *c);
	if (f->lazy) {
		/* Lazy only with nothing recent (sync_from_index). */
		c->unseen = f->summary.unseen;
		c->first_unseen = f->summary.first_unseen;
		c->deleted = f->summary.deleted;
		c->size = f->summary.size;
		return;
	}
	for (size_t i = 0; i < f->n; i++) {
		const struct mailfolder_msg *m = &f->v[i];
		c->recent += m->recent;
		if (!(m->flags & MF_SEEN) && !c->unseen++)
			c->first_unseen = (uint32_t)(i + 1);
		c->deleted += (m->flags & MF_DELETED) != 0;
		c->size += m->size;
	}
}

size_t mailfolder_purge(struct mailfolder *f, void (*expunged)(void *arg, uint32_t seq, uint32_t uid),
			void *arg)
{
	size_t dropped = 0;
	for (size_t i = f->n; !f->lazy && i-- > 0;) {
		if (!f->v[i].gone)
			continue;
		if (expunged)
			expunged(arg, (uint32_t)(i + 1), f->v[i].uid);
		dropped++;
	}
	size_t o = 0;
	for (size_t i = 0; !f->lazy && i < f->n; i++) {
		if (f->v[i].gone) {
			mailfolder_str_free(f, f->v[i].name);
			mailfolder_str_free(f, f->v[i].pop3_uidl);
			continue;
		}
		f->v[o++] = f->v[i];
	}
	if (!f->lazy)
		f->n = o;
	return dropped;
}

long mailfolder_find_uid(const struct mailfolder *f, uint32_t uid)
{
	size_t lo = 0, hi = f->lazy ? 0 : f->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (f->v[mid].uid == uid)
			return (long)mid;
		if (f->v[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* Find message i's file again after someone renamed it: by its base in
 * cur/, then new/. 1 found (m->name, m->in_new updated), 0 gone, -1. */
int mailfolder_relocate(struct mailfolder *f, struct mailfolder_msg *m)
{
	size_t blen = maildir_name_base_len(m->name);
	int dirs[2] = { f->md.cur, f->md.new_ };
	for (int d = 0; d < 2; d++) {
		int fd = dup(dirs[d]);
		DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
		if (!dir) {
			if (fd >= 0)
				close(fd);
			return -1;
		}
		rewinddir(dir);
		struct dirent *de;
		while ((de = readdir(dir))) {
			if (strncmp(de->d_name, m->name, blen) != 0 ||
			    (de->d_name[blen] != '\0' && de->d_name[blen] != ':'))
				continue;
			char *copy = strdup(de->d_name);
			closedir(dir);
			if (!copy)
				return -1;
			mailfolder_str_free(f, m->name);
			m->name = copy;
			m->in_new = (unsigned char)(d == 1);
			maildir_name_flags(m->name, &m->flags, &m->keywords, NULL);
			return 1;
		}
		closedir(dir);
	}
	return 0;
}

int mailfolder_open_msg(struct mailfolder *f, size_t i, struct mail_err *e)
{
	struct mailfolder_msg *m = &f->v[i];
	for (int tries = 0; tries < 3 && !m->gone; tries++) {
		int fd = openat(m->in_new ? f->md.new_ : f->md.cur, m->name,
				O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
		if (fd >= 0)
			return fd;
		if (errno != ENOENT)
			return err_sys(e, "%s: %s", f->md.path, m->name);
		int r = mailfolder_relocate(f, m);
		if (r < 0)
			return err_sys(e, "%s: cannot list", f->md.path);
		if (r == 0)
			m->gone = 1;
	}
	errno = ENOENT;
	return err_sys(e, "%s: message UID %u", f->md.path, m->uid);
}

time_t mailfolder_internal_date(struct mailfolder *f, size_t i)
{
	struct mailfolder_msg *m = &f->v[i];
	for (int tries = 0; tries < 3 && !m->internal_date && !m->gone; tries++) {
		struct stat st;
		if (fstatat(m->in_new ? f->md.new_ : f->md.cur, m->name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
			m->internal_date = st.st_mtime > 0 ? st.st_mtime : 1;
			break;
		}
		if (errno != ENOENT || mailfolder_relocate(f, m) <= 0)
			break;
	}
	return m->internal_date;
}

void mailfolder_close(struct mailfolder *f)
{
	maildir_close(&f->md);
	if (f->rootfd >= 0)
		close(f->rootfd);
	if (f->index_fd >= 0)
		close(f->index_fd);
	for (size_t i = 0; !f->lazy && i < f->n; i++) {
		mailfolder_str_free(f, f->v[i].name);
		mailfolder_str_free(f, f->v[i].pop3_uidl);
	}
	free(f->v);
	free(f->names);
	if (f->uids.path)
		uidlist_free(&f->uids);
	keywords_free(&f->kw);
	reset(f);
}

int mailfolder_status(const char *root, const char *name, struct mailfolder_status *st,
		      struct mail_err *e)
{
	memset(st, 0, sizeof *st);
	struct mailfolder f;
	if (mailfolder_open(&f, root, name, MAILFOLDER_RDONLY | MAILFOLDER_LAZY, e) < 0 ||
	    mailfolder_sync(&f, e) < 0) {
		mailfolder_close(&f);
		return -1;
	}
	struct mailfolder_counts c;
	mailfolder_counts(&f, &c);
	st->messages = (uint32_t)f.n;
	st->recent = c.recent;
	st->unseen = c.unseen;
	st->deleted = c.deleted;
	st->size = c.size;
	st->uidnext = f.uidnext;
	st->uidvalidity = f.uidvalidity;
	mailfolder_close(&f);
	return 0;
}
