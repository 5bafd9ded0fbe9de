/* tally.c — counters shared across fork; see tally.h. */
#include "base/tally.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>

/* Lock-free 64-bit atomics work across processes on a shared mapping;
 * a lock-based fallback would not (its lock is per process). */
_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "tally needs lock-free 64-bit atomics");

/* The handle is each process's own memory; only the values are shared,
 * so no process can change the size another one trusts. */
struct tally {
	size_t n;
	size_t map_size;
	_Atomic unsigned long long *v;
};

struct tally *tally_create(size_t n, struct mail_err *e)
{
	struct tally *t = malloc(sizeof *t);
	if (!t)
		return err_sys(e, "tally"), NULL;
	t->n = n;
	t->map_size = (n ? n : 1) * sizeof *t->v;
	/* A fresh anonymous mapping is zero: every counter starts at 0. */
	t->v = mmap(NULL, t->map_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (t->v == MAP_FAILED) {
		err_sys(e, "tally: mmap of %zu bytes", t->map_size);
		free(t);
		return NULL;
	}
	return t;
}

void tally_destroy(struct tally *t)
{
	if (!t)
		return;
	munmap((void *)t->v, t->map_size);
	free(t);
}

void tally_add(struct tally *t, size_t i, unsigned long long n)
{
	if (t && i < t->n)
		atomic_fetch_add_explicit(&t->v[i], n, memory_order_relaxed);
}

void tally_set(struct tally *t, size_t i, unsigned long long v)
{
	if (t && i < t->n)
		atomic_store_explicit(&t->v[i], v, memory_order_relaxed);
}

unsigned long long tally_get(const struct tally *t, size_t i)
{
	if (!t || i >= t->n)
		return 0;
	return atomic_load_explicit(&t->v[i], memory_order_relaxed);
}

size_t tally_size(const struct tally *t)
{
	return t ? t->n : 0;
}
