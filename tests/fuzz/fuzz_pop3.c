/* libFuzzer target: POP3 command lines, numbers and SASL PLAIN never crash;
 * the RETR converter's output is CRLF-only text in which the terminating
 * CRLF.CRLF appears exactly once, at the end, whatever the chunking. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/buf.h"
#include "msg/pop3_cmd.h"

static void check_stuffed(const char *p, size_t n, size_t chunk, long long top)
{
	struct buf out = BUF_INIT;
	struct pop3_stuffer st;
	pop3_stuff_init(&st, top);
	for (size_t i = 0; i < n; i += chunk)
		pop3_stuff(&st, p + i, n - i < chunk ? n - i : chunk, &out);
	pop3_stuff_end(&st, &out);
	const char *o = out.ptr;
	size_t len = out.len;
	if (len < 3 || memcmp(o + len - 3, ".\r\n", 3))
		__builtin_trap();
	for (size_t i = 0; i < len; i++)
		if (o[i] == '\n' && (i == 0 || o[i - 1] != '\r'))
			__builtin_trap();
	/* the end marker only at the end (or the whole output for an empty text) */
	for (size_t i = 0; i + 5 <= len; i++)
		if (!memcmp(o + i, "\r\n.\r\n", 5) && i + 5 != len)
			__builtin_trap();
	if (len > 3 && !memcmp(o, ".\r\n", 3))
		__builtin_trap();
	buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct pop3_cmd c;
	if (pop3_parse(s, size, &c) == 0) {
		for (int i = 0; i < c.nargs; i++)
			if (strlen(c.arg[i]) > POP3_LINE_MAX)
				__builtin_trap();
		unsigned long n;
		for (int i = 0; i < c.nargs; i++)
			if (pop3_number(c.arg[i], 0, &n) == 0 && n > 4294967295UL)
				__builtin_trap();
	}
	char u[300], p[300];
	pop3_sasl_plain(s, size, u, sizeof u, p, sizeof p);
	if (memchr(s, '\0', size))
		return 0; /* messages on disk never hold NUL (deliver refuses it) */
	check_stuffed(s, size, size ? size : 1, -1);
	check_stuffed(s, size, 7, -1);
	check_stuffed(s, size, 1, 2);
	return 0;
}
