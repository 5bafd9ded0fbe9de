/* libFuzzer target: PROXY protocol headers; a header it accepts lies
 * within the input and its address is printable. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../libmail/proxy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len = 0;
	char ip[64];
	if (proxy_parse(data, size, &len, ip, sizeof ip) == 1) {
		if (len > size || len > PROXY_MAX)
			__builtin_trap();
		for (const char *p = ip; *p; p++)
			if (*p < 33 || *p > 126)
				__builtin_trap();
	}
	return 0;
}
