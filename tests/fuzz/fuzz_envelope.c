/* libFuzzer target: envelope parsing never crashes, and whatever parses
 * writes back to text that parses to the same recipients, size and CRC. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "msg/envelope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct envelope a, b;
	struct mail_err e;
	if (envelope_parse((const char *)data, size, &a, &e) < 0)
		return 0;
	struct buf out = BUF_INIT;
	if (envelope_write(&a, &out) < 0 || envelope_parse(out.ptr, out.len, &b, &e) < 0)
		__builtin_trap();
	if (a.nrcpt != b.nrcpt || strcmp(a.sender, b.sender) || a.has_size != b.has_size ||
	    a.has_crc != b.has_crc || a.crc != b.crc || (a.has_size && a.size != b.size))
		__builtin_trap();
	for (size_t i = 0; i < a.nrcpt; i++)
		if (strcmp(a.rcpt[i].addr, b.rcpt[i].addr) || strcmp(a.rcpt[i].error, b.rcpt[i].error))
			__builtin_trap();
	envelope_free(&a);
	envelope_free(&b);
	buf_free(&out);
	return 0;
}
