/* msgcache.c — a folder's cache of values derived from its messages; see
 * msgcache.h. */
#include "store/msgcache.h"

#include "base/array.h"
#include "base/file_replace.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC "postbox-cache 1 "

/* A parsed file: its index (when wanted), the end of its whole records
 * and their count. 0, or -1 when the header is not ours or names another
 * UIDVALIDITY. */
struct parsed {
	struct msgcache_entry *ix;
	size_t n, cap;
	size_t good, records;
};

static int number(const char *p, const char *end, unsigned long long max, unsigned long long *v, const char **next)
{
	unsigned long long x = 0;
	const char *q = p;
	while (q < end && *q >= '0' && *q <= '9' && q - p < 20) {
		x = x * 10 + (unsigned)(*q - '0');
		q++;
	}
	if (q == p || x > max)
		return -1;
	*v = x;
	*next = q;
	return 0;
}

static int parse(const char *map, size_t len, uint32_t uidvalidity, int want_ix, struct parsed *out)
{
	memset(out, 0, sizeof *out);
	const char *end = map + len, *p = map + strlen(MAGIC);
	unsigned long long v;
	if (len < strlen(MAGIC) || memcmp(map, MAGIC, strlen(MAGIC)) != 0 ||
	    number(p, end, UINT32_MAX, &v, &p) < 0 || p >= end || *p != '\n' || v != uidvalidity)
		return -1;
	p++;
	out->good = (size_t)(p - map);
	for (;;) {
		unsigned long long uid, n;
		const char *q = p;
		if (number(q, end, UINT32_MAX, &uid, &q) < 0 || end - q < 3 || q[0] != ' ' || q[2] != ' ')
			break;
		char kind = q[1];
		if (number(q + 3, end, MSGCACHE_ENTRY_MAX, &n, &q) < 0 || q >= end || *q != '\n')
			break;
		q++;
		if ((size_t)(end - q) < n + 1 || q[n] != '\n')
			break;   /* not whole: a writer died in the middle */
		if (want_ix) {
			if (out->n == out->cap) {
				struct msgcache_entry *ix = array_grow(out->ix, &out->cap, sizeof *ix, 1024);
				if (!ix)
					break;
				out->ix = ix;
			}
			out->ix[out->n++] = (struct msgcache_entry){ (uint32_t)uid, kind, (size_t)(q - map), (size_t)n };
		}
		p = q + n + 1;
		out->good = (size_t)(p - map);
		out->records++;
	}
	return 0;
}

static int by_key(const void *a, const void *b)
{
	const struct msgcache_entry *x = a, *y = b;
	if (x->uid != y->uid)
		return x->uid < y->uid ? -1 : 1;
	return (x->kind > y->kind) - (x->kind < y->kind);
}

/* Map fd's file read-only: NULL when empty or it cannot be mapped. */
static const char *map_file(int fd, size_t *len)
{
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (unsigned long long)st.st_size > MSGCACHE_FILE_MAX)
		return NULL;
	void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return NULL;
	*len = (size_t)st.st_size;
	return m;
}

void msgcache_open(struct msgcache *c, int dirfd, uint32_t uidvalidity)
{
	memset(c, 0, sizeof *c);
	c->dirfd = dirfd;
	c->uidvalidity = uidvalidity;
	buf_init(&c->pending, MSGCACHE_FILE_MAX);
	int fd = openat(dirfd, MSGCACHE_FILE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return;
	c->map = map_file(fd, &c->maplen);
	close(fd);
	struct parsed p;
	if (!c->map || parse(c->map, c->maplen, uidvalidity, 1, &p) < 0)
		return;
	if (p.n > 1) /* a file of no records has no index: qsort(NULL, 0) is undefined */
		qsort(p.ix, p.n, sizeof *p.ix, by_key);
	c->ix = p.ix;
	c->n = p.n;
	c->good = p.good;
	c->records = p.records;
}

const char *msgcache_get(const struct msgcache *c, uint32_t uid, char kind, size_t *len)
{
	size_t lo = 0, hi = c->n;
	const struct msgcache_entry key = { uid, kind, 0, 0 };
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int d = by_key(&key, &c->ix[mid]);
		if (d == 0) {
			*len = c->ix[mid].len;
			return c->map + c->ix[mid].off;
		}
		if (d < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static void add_record(struct buf *b, uint32_t uid, char kind, const char *p, size_t len)
{
	buf_addf(b, "%u %c %zu\n", uid, kind, len);
	buf_add(b, p, len);
	buf_addc(b, '\n');
}

void msgcache_put(struct msgcache *c, uint32_t uid, char kind, const char *p, size_t len)
{
	if (len <= MSGCACHE_ENTRY_MAX && kind > ' ' && kind <= '~')
		add_record(&c->pending, uid, kind, p, len);
}

static int is_live(const uint32_t *live, size_t n, uint32_t uid)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (live[mid] == uid)
			return 1;
		if (live[mid] < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static int write_all_fd(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The file again with the live records of map (parsed as p) and the
 * pending ones: written beside it, then renamed over it. */
static void rewrite(struct msgcache *c, const char *map, const struct parsed *p, const uint32_t *live,
		    size_t nlive)
{
	struct buf out = BUF_INIT;
	buf_init(&out, MSGCACHE_FILE_MAX);
	buf_addf(&out, MAGIC "%u\n", c->uidvalidity);
	for (size_t i = 0; i < p->n; i++)
		if (is_live(live, nlive, p->ix[i].uid))
			add_record(&out, p->ix[i].uid, p->ix[i].kind, map + p->ix[i].off, p->ix[i].len);
	buf_add(&out, c->pending.ptr, c->pending.len);
	if (!out.failed) {
		struct iovec iov = { out.ptr, out.len };
		file_replace(c->dirfd, MSGCACHE_FILE, &iov, 1); /* a failure is a miss */
	}
	buf_free(&out);
}

void msgcache_flush(struct msgcache *c, const uint32_t *live, size_t nlive)
{
	if (!c->pending.len || c->pending.failed)
		goto out;
	int fd = openat(c->dirfd, MSGCACHE_FILE, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
	if (fd < 0)
		goto out;
	struct stat st;
	if (flock(fd, LOCK_EX) < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		goto out;
	}
	/* Under the lock, the file as it is now: ours, and where its whole
	 * records end. */
	size_t len = 0;
	const char *map = map_file(fd, &len);
	struct parsed p;
	int ours = map && parse(map, len, c->uidvalidity, 1, &p) == 0;
	if (!ours) {
		memset(&p, 0, sizeof p);
		char head[64];
		int n = snprintf(head, sizeof head, MAGIC "%u\n", c->uidvalidity);
		if (ftruncate(fd, 0) < 0 || pwrite(fd, head, (size_t)n, 0) != n)
			goto done;
		p.good = (size_t)n;
	} else if (p.good < len && ftruncate(fd, (off_t)p.good) < 0) {
		goto done;
	}
	size_t dead = 0;
	for (size_t i = 0; i < p.n; i++)
		dead += !is_live(live, nlive, p.ix[i].uid);
	if (p.records >= 1000 && dead * 2 > p.records) {
		rewrite(c, map, &p, live, nlive);
	} else if ((unsigned long long)p.good + c->pending.len <= MSGCACHE_FILE_MAX &&
		   lseek(fd, (off_t)p.good, SEEK_SET) >= 0) {
		/* One write: a reader sees the records whole or not at all. */
		if (write_all_fd(fd, c->pending.ptr, c->pending.len) < 0 && ftruncate(fd, (off_t)p.good) < 0) {
			/* the next writer cuts what is not whole */
		}
	}
done:
	free(p.ix);
	if (map)
		munmap((void *)map, len);
	close(fd); /* releases the lock */
out:
	buf_reset(&c->pending);
}

void msgcache_close(struct msgcache *c)
{
	if (c->map)
		munmap((void *)c->map, c->maplen);
	free(c->ix);
	buf_free(&c->pending);
	memset(c, 0, sizeof *c);
	c->dirfd = -1;
}
