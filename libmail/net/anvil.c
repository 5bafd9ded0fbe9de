/* anvil.c — shared event counters; see anvil.h. */
#include "net/anvil.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BUCKET 8                 /* slots a key may take */

struct counter {
	long long start;         /* window start (fixed) or last event (strike) */
	long n;
};

struct slot {
	char key[ANVIL_KEY_MAX];
	long long used;          /* last touched, for eviction */
	struct counter c[ANVIL_NCOUNTERS];
};

#define ANVIL_MAGIC 0x70626176696c3031ULL /* "pbavil01": the file's layout */

struct anvil {
	unsigned long long magic; /* set last: a file without it is made again */
	size_t nslots;
	size_t map_size;
	pthread_mutex_t lock;
	struct slot slots[];
};

static size_t slots_for(size_t entries)
{
	return (entries < BUCKET ? BUCKET : entries) / BUCKET * BUCKET;
}

static size_t size_for(size_t nslots)
{
	return sizeof(struct anvil) + nslots * sizeof(struct slot);
}

/* A fresh table in the mapping a (zeroed): the robust, process-shared lock. */
static int init_table(struct anvil *a, size_t nslots, struct mail_err *e)
{
	pthread_mutexattr_t attr;
	int r = pthread_mutexattr_init(&attr);
	if (!r)
		r = pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
	if (!r)
		r = pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
	if (!r)
		r = pthread_mutex_init(&a->lock, &attr);
	pthread_mutexattr_destroy(&attr);
	if (r) {
		errno = r;
		return err_sys(e, "anvil: process-shared mutex");
	}
	a->nslots = nslots;
	a->map_size = size_for(nslots);
	__atomic_store_n(&a->magic, ANVIL_MAGIC, __ATOMIC_RELEASE);
	return 0;
}

struct anvil *anvil_create(size_t entries, struct mail_err *e)
{
	size_t n = slots_for(entries), size = size_for(n);
	struct anvil *a = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED)
		return err_sys(e, "anvil: mmap of %zu bytes", size), NULL;
	if (init_table(a, n, e) < 0) {
		munmap(a, size);
		return NULL;
	}
	return a;
}

/* Is the file's header a table of its own size? (Read under the flock.) */
static int table_valid(int fd, off_t file_size)
{
	struct anvil h;
	if ((size_t)file_size < sizeof h || pread(fd, &h, sizeof h, 0) != (ssize_t)sizeof h)
		return 0;
	return h.magic == ANVIL_MAGIC && h.nslots >= BUCKET && h.nslots % BUCKET == 0 &&
	       h.nslots <= (1u << 20) && h.map_size == size_for(h.nslots) && (off_t)h.map_size == file_size;
}

struct anvil *anvil_open(const char *path, size_t entries, uid_t owner, struct mail_err *e)
{
	int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_sys(e, "anvil: %s", path), NULL;
	struct anvil *a = NULL;
	struct stat st;
	/* Made and checked under an exclusive lock: the sessions that start
	 * at once see one table, made once. */
	if (flock(fd, LOCK_EX) < 0 || fstat(fd, &st) < 0) {
		err_sys(e, "anvil: %s", path);
		goto out;
	}
	/* Only ours or root's: a table another user planted could lift
	 * any limit. */
	if (!S_ISREG(st.st_mode) || (st.st_uid != geteuid() && st.st_uid != 0 && st.st_uid != owner) ||
	    (st.st_mode & 077)) {
		err_set(e, EX_CONFIG, 0, "", "anvil: %s: not a private regular file of uid %u", path,
			(unsigned)geteuid());
		goto out;
	}
	int fresh = !table_valid(fd, st.st_size);
	size_t n = slots_for(entries), size = size_for(n);
	if (fresh) {
		/* New, or damaged: start again with empty counters. */
		if (ftruncate(fd, 0) < 0 || ftruncate(fd, (off_t)size) < 0) {
			err_sys(e, "anvil: %s", path);
			goto out;
		}
		if (geteuid() == 0 && st.st_uid == 0 && owner != 0 && fchown(fd, owner, (gid_t)-1) < 0) {
			err_sys(e, "anvil: %s: chown", path);
			goto out;
		}
	} else {
		size = (size_t)st.st_size;
	}
	a = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (a == MAP_FAILED) {
		a = NULL;
		err_sys(e, "anvil: mmap of %s", path);
		goto out;
	}
	if (fresh && init_table(a, n, e) < 0) {
		munmap(a, size);
		a = NULL;
	}
out:
	close(fd); /* the mapping stays; so does the lock's release */
	return a;
}

struct anvil *anvil_open_spool(const char *spool, size_t entries, struct mail_err *e)
{
	char path[4096];
	struct stat st;
	if (stat(spool, &st) < 0)
		return err_sys(e, "anvil: %s", spool), NULL;
	if ((size_t)snprintf(path, sizeof path, "%s/anvil", spool) >= sizeof path)
		return err_set(e, EX_CONFIG, 0, "", "anvil: %s: path too long", spool), NULL;
	return anvil_open(path, entries, st.st_uid, e);
}

void anvil_destroy(struct anvil *a)
{
	if (a)
		munmap(a, a->map_size);
}

void anvil_key(char *out, size_t cap, char kind, const char *name)
{
	snprintf(out, cap, "%c:%s", kind, name);
}

static int lock(struct anvil *a)
{
	int r = pthread_mutex_lock(&a->lock);
	if (r == EOWNERDEAD) {
		/* A session died holding the lock: counters are plain numbers,
		 * at worst one is a step behind. */
		pthread_mutex_consistent(&a->lock);
		r = 0;
	}
	return r;
}

static unsigned long hash(const char *s)
{
	unsigned long h = 5381;
	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

/* The key's slot (made when missing); called with the lock held. */
static struct slot *find(struct anvil *a, const char *key)
{
	size_t first = (hash(key) % (a->nslots / BUCKET)) * BUCKET;
	struct slot *oldest = &a->slots[first];
	for (size_t i = first; i < first + BUCKET; i++) {
		struct slot *s = &a->slots[i];
		if (s->key[0] && !strcmp(s->key, key))
			return s;
		if (s->used < oldest->used)
			oldest = s;
	}
	memset(oldest, 0, sizeof *oldest);
	snprintf(oldest->key, sizeof oldest->key, "%s", key);
	return oldest;
}

static long add(struct anvil *a, const char *key, enum anvil_counter c, long n, long window_s, int strike)
{
	if (!a || (unsigned)c >= ANVIL_NCOUNTERS)
		return 0;
	long long now = (long long)time(NULL);
	if (lock(a) != 0)
		return 0;
	struct slot *s = find(a, key);
	struct counter *k = &s->c[c];
	if (now - k->start >= window_s)
		k->n = 0;
	if (!strike && k->n == 0)
		k->start = now;
	if (strike && n > 0)
		k->start = now;
	k->n += n;
	s->used = now;
	long count = k->n;
	pthread_mutex_unlock(&a->lock);
	return count;
}

long anvil_count(struct anvil *a, const char *key, enum anvil_counter c, long n, long window_s)
{
	return add(a, key, c, n, window_s, 0);
}

long anvil_strike(struct anvil *a, const char *key, enum anvil_counter c, long n, long window_s)
{
	return add(a, key, c, n, window_s, 1);
}

long anvil_login_failures(struct anvil *a, const char *client, long add, long lockout_s)
{
	char key[ANVIL_KEY_MAX];
	anvil_key(key, sizeof key, 'a', client);
	return anvil_strike(a, key, ANVIL_AUTH_FAIL, add, lockout_s);
}
