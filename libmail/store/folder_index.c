/* folder_index.c — postbox-index, a folder's message list as last listed;
 * see folder_index.h.
 *
 * Layout (native byte order): a header, n records in ascending UID order,
 * then the names block: each file name (and each POP3 UIDL) NUL-ended.
 * The header's checksum covers the header (its own field zeroed), which
 * holds the checksum of the records and names: a lazy view reads the
 * header alone and checks the rest when it reads it. */
#include "store/folder_index.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "base/crc32.h"
#include "base/err.h"
#include "base/file_replace.h"
#include "store/mailfolder_int.h"

#define INDEX_MAGIC "PBINDEX2"       /* 1: one checksum, no summary */
#define INDEX_ORDER 0x01020304u          /* tells another byte order */
#define INDEX_MAX_MSGS (16u << 20)
#define INDEX_MAX_NAMES (1ull << 31)     /* name offsets are 32 bits */
#define NO_UIDL UINT32_MAX

struct index_header {
	char magic[8];
	uint32_t order;
	uint32_t header_size;
	int64_t state[3][4];              /* new/, cur/, uidlist: dev ino size mtime */
	uint64_t n, names_len;
	uint32_t uidvalidity, uidnext, top_uid, in_new;
	uint32_t unseen, first_unseen, deleted, records_sum;
	int64_t size;
	uint32_t sum, pad;
};

struct index_rec {
	uint32_t uid, keywords;
	uint32_t name_off, uidl_off;     /* into the names block; NO_UIDL */
	uint8_t flags, in_new, pad[6];
	int64_t size, disk_size;
};

int folder_stamp_of(int dirfd, const char *name, struct folder_stamp *st)
{
	struct stat sb;
	memset(st, 0, sizeof *st);
	int r = name ? fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) : fstat(dirfd, &sb);
	if (r < 0)
		return errno == ENOENT ? 0 : -1;
	st->dev = (unsigned long long)sb.st_dev;
	st->ino = (unsigned long long)sb.st_ino;
	st->size = (long long)sb.st_size;
	st->mtime_ns = (long long)sb.st_mtim.tv_sec * 1000000000LL + sb.st_mtim.tv_nsec;
	return 0;
}

int folder_stamp_same(const struct folder_stamp *a, const struct folder_stamp *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size && a->mtime_ns == b->mtime_ns;
}

int folder_state_same(const struct folder_state *a, const struct folder_state *b)
{
	return folder_stamp_same(&a->new_, &b->new_) && folder_stamp_same(&a->cur, &b->cur) &&
	       folder_stamp_same(&a->uidlist, &b->uidlist);
}

int folder_state_settled(const struct folder_state *s, long long listed_ns)
{
	return s->new_.ino && s->cur.ino && s->uidlist.ino && s->new_.mtime_ns + FOLDER_INDEX_SETTLE_NS <= listed_ns &&
	       s->cur.mtime_ns + FOLDER_INDEX_SETTLE_NS <= listed_ns &&
	       s->uidlist.mtime_ns + FOLDER_INDEX_SETTLE_NS <= listed_ns;
}

/* CRC-32s against damage, not an adversary (the user owns the file):
 * the header's (its own field zeroed), and the records' and names'. */
static uint32_t header_sum(const struct index_header *h)
{
	struct index_header zeroed = *h;
	zeroed.sum = 0;
	return crc32_update(CRC32_INIT, &zeroed, sizeof zeroed);
}

static uint32_t records_sum(const struct index_rec *r, size_t n, const char *names, size_t names_len)
{
	return crc32_update(crc32_update(CRC32_INIT, r, n * sizeof *r), names, names_len);
}

static void state_put(int64_t out[3][4], const struct folder_state *st)
{
	const struct folder_stamp *s[3] = { &st->new_, &st->cur, &st->uidlist };
	for (int i = 0; i < 3; i++) {
		out[i][0] = (int64_t)s[i]->dev;
		out[i][1] = (int64_t)s[i]->ino;
		out[i][2] = s[i]->size;
		out[i][3] = s[i]->mtime_ns;
	}
}

/* ---- reading ---- */

static int read_exact(int fd, void *p, size_t n, off_t at)
{
	for (size_t got = 0; got < n;) {
		ssize_t r = pread(fd, (char *)p + got, n - got, at + (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

/* The counts the header keeps, of a view or of the records. */
struct tally {
	uint32_t top_uid, in_new, unseen, first_unseen, deleted;
	long long size;
};

static void tally_add(struct tally *t, size_t i, uint32_t uid, unsigned flags, int in_new, long long size)
{
	t->top_uid = uid;
	t->in_new += in_new != 0;
	if (!(flags & MF_SEEN) && !t->unseen++)
		t->first_unseen = (uint32_t)(i + 1);
	t->deleted += (flags & MF_DELETED) != 0;
	t->size += size;
}

static int tally_is(const struct tally *t, const struct index_header *h)
{
	return t->top_uid == h->top_uid && t->in_new == h->in_new && t->unseen == h->unseen &&
	       t->first_unseen == h->first_unseen && t->deleted == h->deleted && t->size == h->size;
}

/* A header that could only come from folder_index_save, for a file of
 * file_size bytes. */
static int header_sane(const struct index_header *h, off_t file_size)
{
	return memcmp(h->magic, INDEX_MAGIC, 8) == 0 && h->order == INDEX_ORDER && h->header_size == sizeof *h &&
	       header_sum(h) == h->sum && h->n <= INDEX_MAX_MSGS &&
	       h->names_len < INDEX_MAX_NAMES && h->uidvalidity && h->uidnext &&
	       (unsigned long long)file_size == sizeof *h + h->n * sizeof(struct index_rec) + h->names_len &&
	       h->n <= h->top_uid && h->top_uid < h->uidnext && (h->n == 0) == (h->top_uid == 0) &&
	       h->in_new <= h->n && h->unseen <= h->n && h->deleted <= h->n && h->first_unseen <= h->n &&
	       (h->unseen == 0) == (h->first_unseen == 0) && h->size >= 0;
}

/* Records that could only come from a listing: UIDs ascending below
 * uidnext, names inside the block, not empty, no '/', not dot files;
 * and counting to what the header says. */
static int records_sane(const struct index_header *h, const struct index_rec *r, const char *names, int no_new)
{
	if (h->names_len && names[h->names_len - 1] != '\0')
		return 0;
	uint32_t prev = 0;
	struct tally t = { 0 };
	for (size_t i = 0; i < h->n; i++) {
		const struct index_rec *x = &r[i];
		if (x->uid <= prev || x->uid >= h->uidnext || x->flags & ~MF_ALL || x->in_new > !no_new ||
		    x->name_off >= h->names_len || x->size < 0 || x->disk_size < 0 ||
		    (x->uidl_off != NO_UIDL && x->uidl_off >= h->names_len))
			return 0;
		const char *name = names + x->name_off;
		if (name[0] == '\0' || name[0] == '.' || strchr(name, '/'))
			return 0;
		prev = x->uid;
		tally_add(&t, i, x->uid, x->flags, x->in_new, x->size);
	}
	return tally_is(&t, h);
}

/* Touch a fresh allocation's pages in one call instead of one fault each
 * (a new session's view of 100,000 messages is 3,000 pages; in a virtual
 * machine each fault is dear). Only a hint: older kernels refuse it. */
static void prefault(void *p, size_t n)
{
#ifdef MADV_POPULATE_WRITE
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t from = ((uintptr_t)p + page - 1) & ~(page - 1), to = ((uintptr_t)p + n) & ~(page - 1);
	if (to > from)
		madvise((void *)from, to - from, MADV_POPULATE_WRITE);
#else
	(void)p, (void)n;
#endif
}

/* The view's entries are built where the records were read: the records
 * sit at the end of the array, and entry i (56 bytes) never reaches
 * record i + 1 (40 bytes each, 16 n + 56 bytes further on). */
static struct mailfolder_msg *view_from_records(struct mailfolder_msg *v, const struct index_rec *r, size_t n,
					       char *names)
{
	for (size_t i = 0; i < n; i++) {
		struct index_rec x = r[i];
		v[i] = (struct mailfolder_msg){ .uid = x.uid, .keywords = x.keywords, .flags = x.flags,
						.in_new = x.in_new, .size = x.size, .disk_size = x.disk_size,
						.name = names + x.name_off,
						.pop3_uidl = x.uidl_off == NO_UIDL ? NULL : names + x.uidl_off };
	}
	return v;
}

static void summary_of(const struct index_header *h, struct folder_index_summary *sum)
{
	*sum = (struct folder_index_summary){ .n = h->n, .uidvalidity = h->uidvalidity, .uidnext = h->uidnext,
					      .top_uid = h->top_uid, .in_new = h->in_new, .unseen = h->unseen,
					      .first_unseen = h->first_unseen, .deleted = h->deleted,
					      .size = h->size };
}

/* fd's header, when sane: 0, else -1. */
static int read_header(int fd, struct index_header *h)
{
	struct stat sb;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || read_exact(fd, h, sizeof *h, 0) < 0)
		return -1;
	return header_sane(h, sb.st_size) ? 0 : -1;
}

int folder_index_open(struct mailfolder *f, const struct folder_state *now, struct folder_index_summary *sum)
{
	int fd = openat(f->md.fd, FOLDER_INDEX_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -1;
	int64_t want[3][4];
	state_put(want, now);
	struct index_header h;
	if (read_header(fd, &h) < 0 || memcmp(h.state, want, sizeof want) != 0) {
		close(fd);
		return -1;
	}
	summary_of(&h, sum);
	return fd;
}

int folder_index_fill(struct mailfolder *f, int fd, const struct folder_index_summary *sum, int no_new)
{
	/* The header again, as a check that it is still the one the summary
	 * came from (the file is never written in place, but it may be damaged
	 * in place), and for what only it holds. */
	struct index_header h;
	if (read_header(fd, &h) < 0 || h.n != sum->n || h.uidvalidity != sum->uidvalidity ||
	    h.uidnext != sum->uidnext || h.top_uid != sum->top_uid || h.in_new != sum->in_new ||
	    h.unseen != sum->unseen || h.first_unseen != sum->first_unseen || h.deleted != sum->deleted ||
	    h.size != sum->size)
		return 0;
	struct mailfolder_msg *v = NULL;
	struct index_rec *r = NULL;
	size_t vbytes = (h.n + 1) * sizeof *v;
	v = malloc(vbytes);
	char *names = malloc(h.names_len + 1);
	if (v && names) {
		prefault(v, vbytes);
		prefault(names, h.names_len + 1);
		r = (struct index_rec *)((char *)v + vbytes - h.n * sizeof *r);
	}
	int ok = r && read_exact(fd, r, h.n * sizeof *r, sizeof h) == 0 &&
		 read_exact(fd, names, h.names_len, (off_t)(sizeof h + h.n * sizeof *r)) == 0 &&
		 records_sum(r, h.n, names, h.names_len) == h.records_sum && records_sane(&h, r, names, no_new);
	if (!ok) {
		free(v);
		free(names);
		return 0;
	}
	free(f->v);
	f->v = view_from_records(v, r, (size_t)h.n, names);
	f->n = (size_t)h.n;
	f->cap = (size_t)h.n + 1;
	free(f->names);
	f->names = names;
	f->names_len = (size_t)h.names_len;
	f->uidvalidity = h.uidvalidity;
	f->uidnext = h.uidnext;
	return 1;
}

/* ---- writing ---- */

/* The records and the names block of f's view; NULL when out of memory. */
static struct index_rec *build(const struct mailfolder *f, char **names_out, size_t *names_len)
{
	size_t len = 0;
	for (size_t i = 0; i < f->n; i++)
		len += strlen(f->v[i].name) + 1 + (f->v[i].pop3_uidl ? strlen(f->v[i].pop3_uidl) + 1 : 0);
	struct index_rec *r = calloc(f->n + 1, sizeof *r);
	char *names = malloc(len + 1);
	if (!r || !names || len >= INDEX_MAX_NAMES) {
		free(r);
		free(names);
		return NULL;
	}
	size_t at = 0;
	for (size_t i = 0; i < f->n; i++) {
		const struct mailfolder_msg *m = &f->v[i];
		r[i] = (struct index_rec){ .uid = m->uid, .keywords = m->keywords, .name_off = (uint32_t)at,
					   .uidl_off = NO_UIDL, .flags = (uint8_t)m->flags, .in_new = m->in_new,
					   .size = m->size, .disk_size = m->disk_size };
		size_t n = strlen(m->name) + 1;
		memcpy(names + at, m->name, n);
		at += n;
		if (m->pop3_uidl) {
			r[i].uidl_off = (uint32_t)at;
			n = strlen(m->pop3_uidl) + 1;
			memcpy(names + at, m->pop3_uidl, n);
			at += n;
		}
	}
	*names_out = names;
	*names_len = len;
	return r;
}

/* The view's names now live in the block just written (one allocation
 * instead of one per message). */
static void adopt_names(struct mailfolder *f, const struct index_rec *r, char *names, size_t len)
{
	for (size_t i = 0; i < f->n; i++) {
		mailfolder_str_free(f, f->v[i].name);
		mailfolder_str_free(f, f->v[i].pop3_uidl);
		f->v[i].name = names + r[i].name_off;
		f->v[i].pop3_uidl = r[i].uidl_off == NO_UIDL ? NULL : names + r[i].uidl_off;
	}
	free(f->names);
	f->names = names;
	f->names_len = len;
}

int folder_index_pack(struct mailfolder *f)
{
	char *names;
	size_t names_len;
	struct index_rec *r = build(f, &names, &names_len);
	if (!r)
		return -1;
	adopt_names(f, r, names, names_len);
	free(r);
	return 0;
}

int folder_index_save(struct mailfolder *f, const struct folder_state *st, struct mail_err *e)
{
	char *names;
	size_t names_len;
	struct index_rec *r = build(f, &names, &names_len);
	if (!r) {
		errno = ENOMEM;
		return err_sys(e, "%s/%s", f->md.path, FOLDER_INDEX_FILE);
	}
	struct index_header h;
	memset(&h, 0, sizeof h);
	memcpy(h.magic, INDEX_MAGIC, 8);
	h.order = INDEX_ORDER;
	h.header_size = sizeof h;
	h.uidvalidity = f->uidvalidity;
	h.uidnext = f->uidnext;
	h.n = f->n;
	h.names_len = names_len;
	state_put(h.state, st);
	struct tally t = { 0 };
	for (size_t i = 0; i < f->n; i++)
		tally_add(&t, i, f->v[i].uid, f->v[i].flags, f->v[i].in_new, f->v[i].size);
	h.top_uid = t.top_uid;
	h.in_new = t.in_new;
	h.unseen = t.unseen;
	h.first_unseen = t.first_unseen;
	h.deleted = t.deleted;
	h.size = t.size;
	h.records_sum = records_sum(r, f->n, names, names_len);
	h.sum = header_sum(&h);

	/* Two sessions writing at once never mix bytes (file_replace.h).
	 * Not fsynced: after a crash the checksum or the sizes reject it. */
	struct iovec iov[3] = { { &h, sizeof h }, { r, f->n * sizeof *r }, { names, names_len } };
	if (file_replace(f->md.fd, FOLDER_INDEX_FILE, iov, 3) < 0) {
		err_sys(e, "%s/%s", f->md.path, FOLDER_INDEX_FILE);
		free(r);
		free(names);
		return -1;
	}
	adopt_names(f, r, names, names_len);
	free(r);
	return 0;
}
