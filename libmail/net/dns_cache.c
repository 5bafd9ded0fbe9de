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
	free(c);
}

static struct dns_cache_entry *find(struct dns_cache *c, const char *name, int qtype, int dnssec)
{
	for (size_t i = 0; i < DNS_CACHE_ENTRIES; i++) {
		struct dns_cache_entry *x = &c->e[i];
		if (x->expires_ms && x->qtype == qtype && x->dnssec == dnssec && !strcasecmp(x->name, name))
			return x;
	}
	return NULL;
}

int dns_cache_get(struct dns_cache *c, const char *name, int qtype, int dnssec, unsigned char *ans, size_t cap,
		  size_t *len)
{
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
