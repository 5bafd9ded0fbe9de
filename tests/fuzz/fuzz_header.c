/* libFuzzer target: header walking and address-list parsing never crash or
 * run past the input. */
#include <stddef.h>
#include <stdint.h>

#include "msg/header.h"

static int count(void *ctx, const char *a, size_t n)
{
	(void)a;
	*(size_t *)ctx += n;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	size_t pos = 0, total = 0;
	struct header h;
	while (hdr_next(p, size, &pos, &h) == 1) {
		if (h.start + h.len > size || pos > size)
			__builtin_trap();
		addrlist_parse(h.value, h.value_len, count, &total);
	}
	addrlist_parse(p, size, count, &total);
	return 0;
}
