/* uidlist.c — Dovecot's dovecot-uidlist, read and written; see uidlist.h. */
#include "store/uidlist.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/array.h"
#include "base/buf.h"
#include "base/log.h"
#include "base/strpool.h"

void uidlist_init(struct uidlist *u, int dirfd, const char *path)
{
	memset(u, 0, sizeof *u);
	u->dirfd = dirfd;
	u->rootfd = -1;
	u->path = path;
	u->nextuid = 1;
	u->lock.dirfd = dirfd;
}

static void drop_records(struct uidlist *u)
{
	strpool_free(&u->strings);
	u->n = u->written = u->ndead = 0;
	if (u->slot)
		memset(u->slot, 0, u->nslot * sizeof *u->slot);
}

void uidlist_free(struct uidlist *u)
{
	uidlist_unlock(u);
	drop_records(u);
	free(u->v);
	free(u->slot);
	free(u->hdr_ext);
	memset(u, 0, sizeof *u);
}

/* ---- the base-name hash (open addressing, index + 1 in each slot) ---- */

static size_t hash_of(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
	return (size_t)(h ^ (h >> 29));
}

static int same_base(const char *base, const char *p, size_t n)
{
	return strncmp(base, p, n) == 0 && base[n] == '\0';
}

long uidlist_find(const struct uidlist *u, const char *base, size_t len)
{
	if (!u->nslot)
		return -1;
	size_t mask = u->nslot - 1;
	for (size_t s = hash_of(base, len) & mask;; s = (s + 1) & mask) {
		uint32_t k = u->slot[s];
		if (!k)
			return -1;
		if (same_base(u->v[k - 1].base, base, len))
			return (long)(k - 1);
	}
}

static void slot_put(struct uidlist *u, size_t i)
{
	size_t mask = u->nslot - 1;
	const char *b = u->v[i].base;
	size_t s = hash_of(b, strlen(b)) & mask;
	while (u->slot[s] && strcmp(u->v[u->slot[s] - 1].base, b) != 0)
		s = (s + 1) & mask;
	u->slot[s] = (uint32_t)(i + 1);   /* a later record for a base wins */
}

static int rehash(struct uidlist *u, size_t want)
{
	size_t nslot = 64;
	while (nslot < want * 2)
		nslot *= 2;
	if (nslot != u->nslot) {
		uint32_t *s = calloc(nslot, sizeof *s);
		if (!s)
			return -1;
		free(u->slot);
		u->slot = s;
		u->nslot = nslot;
	} else {
		memset(u->slot, 0, nslot * sizeof *u->slot);
	}
	for (size_t i = 0; i < u->n; i++)
		slot_put(u, i);
	return 0;
}

/* Append a record (uid ascending is the caller's business). */
static int add_record(struct uidlist *u, uint32_t uid, const char *base, size_t blen, const char *ext,
		      size_t elen)
{
	if (u->n == u->cap) {
		struct uidlist_rec *v = array_grow(u->v, &u->cap, sizeof *v, 256);
		if (!v)
			return -1;
		u->v = v;
	}
	/* Slots for at least twice the records: probes stay short, 4 to
	 * 8 bytes a record. */
	if ((u->n + 1) * 2 > u->nslot && rehash(u, u->n + 1 > 1024 ? u->n + 1 : 1024) < 0)
		return -1;
	struct uidlist_rec *r = &u->v[u->n];
	memset(r, 0, sizeof *r);
	r->uid = uid;
	r->base = strpool_dup(&u->strings, base, blen);
	r->ext = elen ? strpool_dup(&u->strings, ext, elen) : NULL;
	if (!r->base || (elen && !r->ext))
		return -1;   /* the pool keeps what was copied until it is freed */
	u->n++;
	slot_put(u, u->n - 1);
	if (uid >= u->nextuid)
		u->nextuid = uid + 1;
	return 0;
}

/* ---- parsing ---- */

static int parse_u32(const char *p, size_t n, uint32_t *v)
{
	unsigned long long x = 0;
	if (n == 0 || n > 10)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		x = x * 10 + (unsigned)(p[i] - '0');
	}
	if (x == 0 || x >= 0xffffffffULL)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

static int parse_header(struct uidlist *u, const char *p, size_t n, int *version)
{
	if (n < 2 || (p[0] != '1' && p[0] != '3') || p[1] != ' ')
		return -1;
	*version = p[0] - '0';
	uint32_t validity = 0, next = 0;
	struct buf other = BUF_INIT;
	size_t i = 2;
	if (*version == 1) {
		const char *sp = memchr(p + 2, ' ', n - 2);
		if (!sp || parse_u32(p + 2, (size_t)(sp - p - 2), &validity) < 0 ||
		    parse_u32(sp + 1, (size_t)(p + n - sp - 1), &next) < 0)
			return -1;
	} else {
		u->guid[0] = '\0';
		while (i < n) {
			size_t j = i;
			while (j < n && p[j] != ' ')
				j++;
			if (j > i) {
				char key = p[i];
				const char *val = p + i + 1;
				size_t vlen = j - i - 1;
				if (key == 'V') {
					if (parse_u32(val, vlen, &validity) < 0)
						return -1;
				} else if (key == 'N') {
					if (parse_u32(val, vlen, &next) < 0)
						return -1;
				} else if (key == 'G' && vlen == 32) {
					memcpy(u->guid, val, 32);
					u->guid[32] = '\0';
				} else {
					if (other.len)
						buf_addc(&other, ' ');
					buf_add(&other, p + i, j - i);
				}
			}
			i = j + 1;
		}
	}
	if (!validity || !next || !buf_ok(&other)) {
		buf_free(&other);
		return -1;
	}
	free(u->hdr_ext);
	u->hdr_ext = other.len ? strdup(buf_cstr(&other)) : NULL;
	buf_free(&other);
	u->uidvalidity = validity;
	if (next > u->nextuid)
		u->nextuid = next;
	return 0;
}

/* "<uid>[ <ext>...] :<base>" (version 3) or "<uid> <base>" (version 1). */
static int parse_record(struct uidlist *u, const char *p, size_t n, int version)
{
	const char *sp = memchr(p, ' ', n);
	uint32_t uid;
	if (!sp || parse_u32(p, (size_t)(sp - p), &uid) < 0)
		return -1;
	if (u->n && uid <= u->v[u->n - 1].uid)
		return -1;   /* out of order: broken, as Dovecot judges it */
	const char *q = sp + 1, *end = p + n;
	const char *ext = NULL, *base;
	size_t elen = 0;
	if (version == 3) {
		const char *colon = q;
		while (colon < end && *colon != ':') {
			if (!ext)
				ext = colon;
			const char *f = colon;
			if (*f < 'A' || *f > 'Z')
				return -1;
			while (colon < end && *colon != ' ')
				colon++;
			elen = (size_t)(colon - ext);
			while (colon < end && *colon == ' ')
				colon++;
		}
		if (colon == end)
			return -1;
		base = colon + 1;
	} else {
		base = q;
	}
	size_t blen = (size_t)(end - base);
	if (blen == 0 || memchr(base, '/', blen) || memchr(base, '\0', blen))
		return -1;
	long old = uidlist_find(u, base, blen);
	if (old >= 0 && u->v[old].uid == uid)
		return 0;
	return add_record(u, uid, base, blen, ext, elen);
}

long long uidlist_parse(struct uidlist *u, const char *p, size_t n, long long from)
{
	size_t pos = 0;
	static const int v3 = 3;
	int version = v3;
	if (from == 0) {
		const char *nl = memchr(p, '\n', n);
		if (!nl)
			return 0;
		if (parse_header(u, p, (size_t)(nl - p), &version) < 0)
			return -1;
		pos = (size_t)(nl - p) + 1;
		u->rewrite |= version != 3;
	}
	while (pos < n) {
		const char *nl = memchr(p + pos, '\n', n - pos);
		if (!nl) {
			if (n - pos > UIDLIST_LINE_MAX)
				return -1;
			break;   /* a torn last line: not ours to read yet */
		}
		size_t len = (size_t)(nl - (p + pos));
		if (len > UIDLIST_LINE_MAX)
			return -1;
		if (len && parse_record(u, p + pos, len, version) < 0)
			return -1;
		pos += len + 1;
	}
	return (long long)pos;
}

const char *uidlist_ext(const struct uidlist_rec *r, char key, size_t *len)
{
	for (const char *p = r->ext; p && *p;) {
		size_t n = strcspn(p, " ");
		if (p[0] == key) {
			*len = n - 1;
			return p + 1;
		}
		p += n;
		while (*p == ' ')
			p++;
	}
	return NULL;
}

/* ---- reading the file ---- */

static void log_broken(const struct uidlist *u, const char *why)
{
	char path[600];
	log_value(path, sizeof path, u->path, strlen(u->path));
	log_warn(NULL, "event=uidlist-broken path=%s/%s reason=%s action=rewrite-new-uidvalidity", path,
		 UIDLIST_FILE, why);
}

static void forget_file(struct uidlist *u)
{
	drop_records(u);
	u->gen++;
	u->exists = 0;
	u->offset = u->size = 0;
	u->dev = u->ino = 0;
	u->mtime_ns = 0;
}

static long long mtime_ns(const struct stat *st)
{
	return (long long)st->st_mtim.tv_sec * 1000000000LL + st->st_mtim.tv_nsec;
}

#define READ_FAILED (-2)

/* Read and parse the file from byte `from` to `size`: the bytes used
 * (a torn last line is left), -1 when unparsable, READ_FAILED (errno set)
 * when reading failed. */
static long long read_from(struct uidlist *u, int fd, off_t size, long long from, size_t *got)
{
	size_t want = (size_t)(size - from);
	char *p = malloc(want + 1);
	if (!p)
		return READ_FAILED;
	*got = 0;
	while (*got < want) {
		ssize_t r = pread(fd, p + *got, want - *got, from + (off_t)*got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int saved = errno;
			free(p);
			errno = saved;
			return READ_FAILED;
		}
		if (r == 0)
			break;
		*got += (size_t)r;
	}
	long long used = uidlist_parse(u, p, *got, from);
	free(p);
	return used < 0 ? -1 : used;
}

int uidlist_refresh(struct uidlist *u, struct mail_err *e)
{
	int fd = openat(u->dirfd, UIDLIST_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (errno != ENOENT)
			return err_sys(e, "%s/%s", u->path, UIDLIST_FILE);
		if (u->exists)
			forget_file(u);   /* removed: whatever comes next is new */
		return 0;
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return err_sys(e, "%s/%s", u->path, UIDLIST_FILE);
	}
	if (!S_ISREG(st.st_mode) || st.st_size > (off_t)UIDLIST_FILE_MAX) {
		close(fd);
		log_broken(u, "not-a-regular-file-or-too-large");
		forget_file(u);
		u->rewrite = 1;
		return 0;
	}
	int same = u->exists && (unsigned long long)st.st_ino == u->ino &&
		   (unsigned long long)st.st_dev == u->dev && st.st_size >= u->offset;
	if (same && st.st_size == u->size) {
		if (mtime_ns(&st) == u->mtime_ns) {
			close(fd);
			return 0;
		}
		same = 0;   /* rewritten in place of itself, or a new file */
	}
	if (!same)
		forget_file(u);
	long long from = u->offset;
	size_t got;
	long long used = read_from(u, fd, st.st_size, from, &got);
	if (used < 0 && from > 0 && used != READ_FAILED) {
		/* What follows our place is not a continuation: the file was
		 * replaced by a rewrite whose new file got the old inode number
		 * back (ext4 reuses them at once). Read it all again before
		 * calling it broken, or a busy folder gets a new UIDVALIDITY. */
		forget_file(u);
		from = 0;
		used = read_from(u, fd, st.st_size, from, &got);
	}
	close(fd);
	if (used == READ_FAILED)
		return err_sys(e, "%s/%s", u->path, UIDLIST_FILE);
	if (used < 0) {
		log_broken(u, "unparsable");
		uint32_t validity = u->uidvalidity;
		forget_file(u);
		u->uidvalidity = validity;   /* remembered so the new one differs */
		u->rewrite = 1;
		return 0;
	}
	u->exists = 1;
	u->dev = (unsigned long long)st.st_dev;
	u->ino = (unsigned long long)st.st_ino;
	u->mtime_ns = mtime_ns(&st);
	u->offset = from + used;
	u->size = from + (long long)got;
	u->written = u->n;
	return 0;
}

/* ---- writing ---- */

int uidlist_lock(struct uidlist *u, struct mail_err *e)
{
	if (dotlock_take(&u->lock, u->dirfd, u->path, UIDLIST_FILE, UIDLIST_LOCK_STALE,
			 UIDLIST_LOCK_TIMEOUT, e) < 0)
		return -1;
	if (uidlist_refresh(u, e) < 0) {
		uidlist_unlock(u);
		return -1;
	}
	return 0;
}

void uidlist_unlock(struct uidlist *u)
{
	dotlock_release(&u->lock);
}

uint32_t uidlist_assign(struct uidlist *u, const char *base, size_t len, const char *ext)
{
	long i = uidlist_find(u, base, len);
	if (i >= 0 && !u->v[i].dead)
		return u->v[i].uid;
	if (u->nextuid == 0 || u->nextuid >= 0xfffffffeu)
		return 0;
	uint32_t uid = u->nextuid;
	if (add_record(u, uid, base, len, ext, ext ? strlen(ext) : 0) < 0)
		return 0;
	return uid;
}

void uidlist_drop(struct uidlist *u, size_t i)
{
	if (i < u->n && !u->v[i].dead) {
		u->v[i].dead = 1;
		u->ndead++;
	}
}

static void add_line(struct buf *b, const struct uidlist_rec *r)
{
	buf_addf(b, "%u", r->uid);
	if (r->ext)
		buf_addf(b, " %s", r->ext);
	buf_addf(b, " :%s\n", r->base);
}

static void new_guid(char out[33])
{
	unsigned char g[16];
	if (getrandom(g, sizeof g, 0) != (ssize_t)sizeof g) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		for (size_t i = 0; i < sizeof g; i++)
			g[i] = (unsigned char)((ts.tv_nsec >> (i % 4 * 8)) ^ (getpid() >> (i % 2 * 8)) ^ i);
	}
	for (size_t i = 0; i < sizeof g; i++)
		snprintf(out + 2 * i, 3, "%02x", g[i]);
}

/* Drop the dead records from memory once they are out of the file: the
 * live ones and their strings are copied to a new array and pool, the old
 * ones freed whole (out of memory: nothing changed). */
static int compact(struct uidlist *u)
{
	struct strpool live = STRPOOL_INIT;
	struct uidlist_rec *v = malloc((u->cap ? u->cap : 1) * sizeof *v);
	size_t o = 0;
	for (size_t i = 0; v && i < u->n; i++) {
		struct uidlist_rec r = u->v[i];
		if (r.dead)
			continue;
		r.base = strpool_dup(&live, r.base, strlen(r.base));
		r.ext = r.ext ? strpool_dup(&live, r.ext, strlen(r.ext)) : NULL;
		if (!r.base || (u->v[i].ext && !r.ext)) {
			free(v);
			v = NULL;
			break;
		}
		v[o++] = r;
	}
	if (!v) {
		strpool_free(&live);
		return -1;
	}
	free(u->v);
	u->v = v;
	strpool_free(&u->strings);
	u->strings = live;
	u->gen++;
	u->n = o;
	u->ndead = 0;
	return rehash(u, u->n > 512 ? u->n : 512);
}

/* A UIDVALIDITY never given in this Maildir before: past the last one in
 * dovecot-uidvalidity (which is then updated) and the one we knew, and
 * at least the current time, as Dovecot chooses them. */
static uint32_t next_validity(struct uidlist *u)
{
	static const char file[] = "dovecot-uidvalidity", tmp[] = "dovecot-uidvalidity.tmp";
	uint32_t last = u->uidvalidity, now = (uint32_t)time(NULL);
	int fd = u->rootfd >= 0 ? openat(u->rootfd, file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK) : -1;
	if (fd >= 0) {
		char hex[16] = "";
		ssize_t r = read(fd, hex, 8);
		close(fd);
		if (r > 0) {
			hex[r] = '\0';
			char *end;
			unsigned long v = strtoul(hex, &end, 16);
			if (end != hex && v > last && v < 0xffffffffUL)
				last = (uint32_t)v;
		}
	}
	uint32_t v = last >= now ? last + 1 : now;
	if (u->rootfd >= 0) {
		char hex[16];
		int n = snprintf(hex, sizeof hex, "%08x", v);
		fd = openat(u->rootfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0) {
			int ok = write(fd, hex, (size_t)n) == n;
			close(fd);
			if (!ok || renameat(u->rootfd, tmp, u->rootfd, file) < 0)
				unlinkat(u->rootfd, tmp, 0);
		}
	}
	return v;
}

static int rewrite(struct uidlist *u, struct mail_err *e)
{
	static const char tmp[] = UIDLIST_FILE ".tmp";
	if (!u->uidvalidity || !u->exists)
		u->uidvalidity = next_validity(u);   /* a new file */
	if (!u->guid[0])
		new_guid(u->guid);
	struct buf b = BUF_INIT;
	buf_addf(&b, "3 V%u N%u G%s", u->uidvalidity, u->nextuid, u->guid);
	if (u->hdr_ext)
		buf_addf(&b, " %s", u->hdr_ext);
	buf_addc(&b, '\n');
	for (size_t i = 0; i < u->n; i++)
		if (!u->v[i].dead)
			add_line(&b, &u->v[i]);
	if (!buf_ok(&b)) {
		buf_free(&b);
		errno = ENOMEM;
		return err_sys(e, "%s/%s", u->path, UIDLIST_FILE);
	}
	int fd = openat(u->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		buf_free(&b);
		return err_sys(e, "%s/%s", u->path, tmp);
	}
	int ok = write(fd, b.ptr, b.len) == (ssize_t)b.len && fdatasync(fd) == 0;
	struct stat st;
	ok = ok && fstat(fd, &st) == 0;
	close(fd);
	/* The commit point: readers see the old file or this one. */
	if (!ok || renameat(u->dirfd, tmp, u->dirfd, UIDLIST_FILE) < 0) {
		err_sys(e, "%s/%s", u->path, tmp);
		unlinkat(u->dirfd, tmp, 0);
		buf_free(&b);
		return -1;
	}
	buf_free(&b);
	if (compact(u) < 0) {
		errno = ENOMEM;
		return err_sys(e, "%s/%s", u->path, UIDLIST_FILE);
	}
	u->exists = 1;
	u->dev = (unsigned long long)st.st_dev;
	u->ino = (unsigned long long)st.st_ino;
	u->mtime_ns = mtime_ns(&st);
	u->offset = u->size = st.st_size;
	u->written = u->n;
	u->rewrite = 0;
	return 0;
}

int uidlist_commit(struct uidlist *u, struct mail_err *e)
{
	if (!u->exists || u->rewrite || u->size != u->offset || u->ndead * 4 > u->n)
		return rewrite(u, e);
	if (u->written == u->n)
		return 0;
	struct buf b = BUF_INIT;
	for (size_t i = u->written; i < u->n; i++)
		add_line(&b, &u->v[i]);
	if (!buf_ok(&b)) {
		buf_free(&b);
		errno = ENOMEM;
		return err_sys(e, "%s/%s", u->path, UIDLIST_FILE);
	}
	int fd = openat(u->dirfd, UIDLIST_FILE, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || (unsigned long long)st.st_ino != u->ino ||
	    st.st_size != u->size) {
		/* Replaced or grown without the lock: start over cleanly. */
		if (fd >= 0)
			close(fd);
		buf_free(&b);
		return rewrite(u, e);
	}
	ssize_t w = write(fd, b.ptr, b.len);
	int ok = w == (ssize_t)b.len && fdatasync(fd) == 0 && fstat(fd, &st) == 0;
	close(fd);
	buf_free(&b);
	if (!ok) {
		/* A torn append: the next writer rewrites the file. */
		u->rewrite = 1;
		return err_sys(e, "%s/%s: append", u->path, UIDLIST_FILE);
	}
	u->offset = u->size = st.st_size;
	u->mtime_ns = mtime_ns(&st);
	u->written = u->n;
	return 0;
}
