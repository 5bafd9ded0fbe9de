/* libFuzzer target: RFC 5321 path parsing must never crash, and anything it
 * accepts must format back within the limits. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "msg/addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mailbox m;
	struct mail_err e;
	char out[ADDR_TEXT_MAX + 1];
	for (unsigned opts = 0; opts < 8; opts++) {
		if (addr_parse((const char *)data, size, opts, &m, &e) == 0) {
			if (strlen(m.local) > ADDR_LOCAL_MAX || strlen(m.domain) > ADDR_DOMAIN_MAX)
				__builtin_trap();
			if (addr_format(&m, out, sizeof out) < 0)
				__builtin_trap();
			if (memchr(out, '\r', strlen(out)) || memchr(out, '\n', strlen(out)))
				__builtin_trap();
		}
	}
	return 0;
}
