/* array.c — see array.h. */
#include "base/array.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

void *array_grow(void *v, size_t *cap, size_t elem, size_t first)
{
	size_t n = *cap ? *cap : first;
	if (!n || !elem || n > SIZE_MAX / 2 / elem) {
		errno = ENOMEM;
		return NULL;
	}
	if (*cap)
		n *= 2;
	void *grown = realloc(v, n * elem);
	if (!grown)
		return NULL;
	*cap = n;
	return grown;
}
