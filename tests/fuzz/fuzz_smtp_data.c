/* libFuzzer target: the DATA decoder gives the same verdict whatever the
 * read boundaries, and a message it accepts is spool text: no CR, no NUL. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "msg/smtp_data.h"

static void decode(const uint8_t *data, size_t size, size_t step, struct smtp_data *d, struct buf *out,
		   size_t *used)
{
	size_t i = 0;
	smtp_data_init(d, 100, 2000);
	while (i < size && !d->done) {
		size_t n = step && size - i > step ? step : size - i;
		long c = smtp_data_feed(d, (const char *)data + i, n, out);
		if (c < 0 || (size_t)c > n)
			__builtin_trap();
		i += (size_t)c;
	}
	*used = i;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtp_data a, b;
	struct buf oa = BUF_INIT, ob = BUF_INIT;
	size_t ua, ub;
	decode(data, size, 0, &a, &oa, &ua);
	decode(data, size, 1 + (size % 5), &b, &ob, &ub);
	if (a.done != b.done || a.flags != b.flags || ua != ub || a.size != b.size)
		__builtin_trap();
	if (!(a.flags & DATA_ERRORS)) {
		if (oa.len != ob.len || (oa.len && memcmp(oa.ptr, ob.ptr, oa.len)))
			__builtin_trap();
		if (oa.len && (memchr(oa.ptr, '\r', oa.len) || memchr(oa.ptr, '\0', oa.len)))
			__builtin_trap();
	}
	/* The end marker is only ever CRLF "." CRLF. */
	if (a.done && ua >= 5 && memcmp(data + ua - 5, "\r\n.\r\n", 5) && !(ua == 3 && !memcmp(data, ".\r\n", 3)))
		__builtin_trap();
	buf_free(&oa);
	buf_free(&ob);
	return 0;
}
