/* libFuzzer target: PROXY protocol headers; a parsed header never claims
 * more bytes than it was given and names a printable address. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "net/proxyproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proxy_info pi;
	int r = proxyproto_parse(data, size, &pi);
	if (r > 0 && (size_t)r > size)
		__builtin_trap();
	if (r > 0 && !pi.local) {
		size_t n = strnlen(pi.src.text, sizeof pi.src.text);
		if (pi.src.kind != PEER_IP || n == 0 || n == sizeof pi.src.text)
			__builtin_trap();
		for (size_t i = 0; i < n; i++)
			if (pi.src.text[i] <= ' ' || pi.src.text[i] > '~')
				__builtin_trap();
	}
	return 0;
}
