/* array.h — how every growable array in postbox grows: doubling from a
 * first size, the multiplication checked. One place for the idiom that
 * a dozen tables (recipients, listings, aliases, children...) each wrote.
 */
#ifndef POSTBOX_ARRAY_H
#define POSTBOX_ARRAY_H

#include <stddef.h>

/* Room for more elements of size elem in v, which holds *cap: returns the
 * array reallocated to twice *cap (first when *cap is 0) and sets *cap,
 * or NULL with errno ENOMEM, v and *cap untouched (still the caller's). */
void *array_grow(void *v, size_t *cap, size_t elem, size_t first);

#endif
