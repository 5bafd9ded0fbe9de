/* anvil.c — shared event counters; see anvil.h. */
#include "net/anvil.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

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

struct anvil {
	pthread_mutex_t lock;
	size_t nslots;
	size_t map_size;
	struct slot slots[];
};

struct anvil *anvil_create(size_t entries, struct mail_err *e)
{
	size_t n = entries < BUCKET ? BUCKET : entries;
	size_t size = sizeof(struct anvil) + n * sizeof(struct slot);
	struct anvil *a = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED)
		return err_sys(e, "anvil: mmap of %zu bytes", size), NULL;
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
		munmap(a, size);
		errno = r;
		return err_sys(e, "anvil: process-shared mutex"), NULL;
	}
	a->nslots = n;
	a->map_size = size;
	return a;
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
