/* strpool.h — many short strings that live and die together, packed into
 * 64 KiB chunks: no allocator header or rounding per string, and one free
 * for all of them. For long-lived tables of names (a 100,000-message
 * folder's dovecot-uidlist is 100,000 base names and as many size fields,
 * which cost about 80 bytes each as separate allocations).
 */
#ifndef POSTBOX_STRPOOL_H
#define POSTBOX_STRPOOL_H

#include <stddef.h>

struct strpool_chunk;

struct strpool {
	struct strpool_chunk *head;   /* the chunk being filled first */
};

#define STRPOOL_INIT { 0 }

/* A NUL-terminated copy of s[0..n) that lives until strpool_free(), or
 * NULL when out of memory. */
char *strpool_dup(struct strpool *p, const char *s, size_t n);
/* Free every string of the pool; p is empty and usable again. */
void strpool_free(struct strpool *p);

#endif
