/* latency.h — a set of durations and its percentiles (smtp-chat's load
 * mode). Pure; values are microseconds. Percentiles are nearest-rank:
 * p50 of {1,2,3,4} is 2, p100 is the maximum.
 */
#ifndef POSTBOX_LATENCY_H
#define POSTBOX_LATENCY_H

#include <stddef.h>

struct latency {
	long long *v;
	size_t n, cap;
	int sorted;
};

/* 0, or -1 when out of memory (the value is then not counted). */
int latency_add(struct latency *l, long long us);
int latency_merge(struct latency *dst, const struct latency *src);
/* p in (0, 100]; 0 for an empty set. Sorts the set on first use. */
long long latency_pct(struct latency *l, double p);
long long latency_max(struct latency *l);
void latency_free(struct latency *l);

#endif
