/* latency.c — see latency.h. */
#include "chat/latency.h"

#include "base/array.h"

#include <stdlib.h>
#include <string.h>

int latency_add(struct latency *l, long long us)
{
	if (l->n == l->cap) {
		long long *v = array_grow(l->v, &l->cap, sizeof *v, 256);
		if (!v)
			return -1;
		l->v = v;
	}
	l->v[l->n++] = us;
	l->sorted = 0;
	return 0;
}

int latency_merge(struct latency *dst, const struct latency *src)
{
	for (size_t i = 0; i < src->n; i++)
		if (latency_add(dst, src->v[i]) < 0)
			return -1;
	return 0;
}

static int cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return (x > y) - (x < y);
}

long long latency_pct(struct latency *l, double p)
{
	if (!l->n || !(p > 0))
		return 0;
	if (!l->sorted) {
		qsort(l->v, l->n, sizeof *l->v, cmp);
		l->sorted = 1;
	}
	double x = p / 100.0 * (double)l->n;
	size_t rank = (size_t)x;
	if ((double)rank < x)
		rank++; /* ceil, without libm */
	size_t i = rank < 1 ? 0 : rank - 1;
	return l->v[i < l->n ? i : l->n - 1];
}

long long latency_max(struct latency *l)
{
	return latency_pct(l, 100);
}

void latency_free(struct latency *l)
{
	free(l->v);
	memset(l, 0, sizeof *l);
}
