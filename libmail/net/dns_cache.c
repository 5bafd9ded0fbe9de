/* dns_cache.c — answers kept for their TTL; see dns_cache.h. */
#include "net/dns_cache.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/buf.h"
#include "net/dns.h"

struct dns_cache_entry {
	char name[DNS_NAME_MAX];
	int qtype, dnssec;
	long long expires_ms;    /* CLOCK_MONOTONIC; 0: a free slot */
	size_t len;
	unsigned char *answer;
};

struct dns_cache {
	struct dns_cache_entry e[DNS_CACHE_ENTRIES];
	struct dns_cache_entry pre[DNS_CACHE_PREFETCHED]; /* expires_ms 1: held */
};

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct dns_cache *dns_cache_new(void)
{
	return calloc(1, sizeof(struct dns_cache));
}

static void drop(struct dns_cache_entry *x)
{
	free(x->answer);
	memset(x, 0, sizeof *x);
}

void dns_cache_free(struct dns_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < DNS_CACHE_ENTRIES; i++)
		drop(&c->e[i]);
	dns_cache_forget_prefetched(c);
	free(c);
}

static struct dns_cache_entry *find_in(struct dns_cache_entry *e, size_t n, const char *name, int qtype,
				       int dnssec)
{
	for (size_t i = 0; i < n; i++) {
		struct dns_cache_entry *x = &e[i];
		if (x->expires_ms && x->qtype == qtype && x->dnssec == dnssec && !strcasecmp(x->name, name))
			return x;
	}
	return NULL;
}

static struct dns_cache_entry *find(struct dns_cache *c, const char *name, int qtype, int dnssec)
{
	return find_in(c->e, DNS_CACHE_ENTRIES, name, qtype, dnssec);
}

static struct dns_cache_entry *find_prefetched(struct dns_cache *c, const char *name, int qtype, int dnssec)
{
	return find_in(c->pre, DNS_CACHE_PREFETCHED, name, qtype, dnssec);
}


int dns_cache_get(struct dns_cache *c, const char *name, int qtype, int dnssec, unsigned char *ans, size_t cap,
		  size_t *len)
{
	struct dns_cache_entry *p = c ? find_prefetched(c, name, qtype, dnssec) : NULL;
	if (p) {
		int fits = p->len <= cap;
		if (fits) {
			memcpy(ans, p->answer, p->len);
			*len = p->len;
		}
		drop(p);
		if (fits)
			return 2;
	}
	struct dns_cache_entry *x = c ? find(c, name, qtype, dnssec) : NULL;
	if (!x)
		return 0;
	if (x->expires_ms <= now_ms()) {
		drop(x);
		return 0;
	}
	if (x->len > cap)
		return 0;
	memcpy(ans, x->answer, x->len);
	*len = x->len;
	return 1;
}

void dns_cache_put(struct dns_cache *c, const char *name, int qtype, int dnssec, const unsigned char *ans,
		   size_t len, long ttl)
{
	if (!c || ttl <= 0 || len > DNS_CACHE_ANSWER_MAX || strlen(name) >= DNS_NAME_MAX)
		return;
	if (ttl > DNS_CACHE_TTL_MAX)
		ttl = DNS_CACHE_TTL_MAX;
	struct dns_cache_entry *x = find(c, name, qtype, dnssec);
	if (!x) { /* a free slot, else the one that expires first */
		x = &c->e[0];
		for (size_t i = 1; i < DNS_CACHE_ENTRIES && x->expires_ms; i++)
			if (c->e[i].expires_ms < x->expires_ms)
				x = &c->e[i];
	}
	unsigned char *copy = malloc(len ? len : 1);
	if (!copy)
		return;
	memcpy(copy, ans, len);
	drop(x);
	str_copy(x->name, sizeof x->name, name, strlen(name));
	x->qtype = qtype;
	x->dnssec = dnssec;
	x->len = len;
	x->answer = copy;
	x->expires_ms = now_ms() + (long long)ttl * 1000;
}

int dns_cache_has(struct dns_cache *c, const char *name, int qtype, int dnssec)
{
	if (!c)
		return 0;
	if (find_prefetched(c, name, qtype, dnssec))
		return 1;
	struct dns_cache_entry *x = find(c, name, qtype, dnssec);
	return x && x->expires_ms > now_ms();
}

void dns_cache_put_prefetched(struct dns_cache *c, const char *name, int qtype, const unsigned char *ans,
			      size_t len)
{
	struct dns_cache_entry *x = NULL;
	for (size_t i = 0; i < DNS_CACHE_PREFETCHED && !x; i++)
		if (!c->pre[i].expires_ms)
			x = &c->pre[i];
	unsigned char *copy;
	if (!x || len > DNS_CACHE_ANSWER_MAX || strlen(name) >= DNS_NAME_MAX || !(copy = malloc(len ? len : 1)))
		return;
	memcpy(copy, ans, len);
	str_copy(x->name, sizeof x->name, name, strlen(name));
	x->qtype = qtype;
	x->dnssec = 0;
	x->len = len;
	x->answer = copy;
	x->expires_ms = 1;
}

void dns_cache_forget_prefetched(struct dns_cache *c)
{
	for (size_t i = 0; c && i < DNS_CACHE_PREFETCHED; i++)
		drop(&c->pre[i]);
}
