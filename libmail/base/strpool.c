/* strpool.c — strings packed into chunks; see strpool.h. */
#include "base/strpool.h"

#include <stdlib.h>
#include <string.h>

#define CHUNK_BYTES (64u << 10)

struct strpool_chunk {
	struct strpool_chunk *next;
	size_t used, cap;
	char data[];
};

char *strpool_dup(struct strpool *p, const char *s, size_t n)
{
	struct strpool_chunk *c = p->head;
	if (!c || c->cap - c->used < n + 1) {
		/* A string longer than a chunk gets one of its own, behind
		 * the head so that the head's free space is not lost. */
		size_t cap = n + 1 > CHUNK_BYTES ? n + 1 : CHUNK_BYTES;
		struct strpool_chunk *fresh = malloc(sizeof *fresh + cap);
		if (!fresh)
			return NULL;
		fresh->used = 0;
		fresh->cap = cap;
		if (c && cap > CHUNK_BYTES) {
			fresh->next = c->next;
			c->next = fresh;
		} else {
			fresh->next = c;
			p->head = fresh;
		}
		c = fresh;
	}
	char *out = c->data + c->used;
	memcpy(out, s, n);
	out[n] = '\0';
	c->used += n + 1;
	return out;
}

void strpool_free(struct strpool *p)
{
	while (p->head) {
		struct strpool_chunk *next = p->head->next;
		free(p->head);
		p->head = next;
	}
}
