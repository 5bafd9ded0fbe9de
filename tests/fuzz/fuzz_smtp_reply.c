/* libFuzzer target: the SMTP client's parsers of what a server sends —
 * reply lines (smtp_reply_feed, with its limits), the EHLO keywords and the
 * printable summary — never crash, never read past the input, and keep
 * their limits. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "msg/smtp_reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	struct smtp_reply r;
	struct smtp_ext x;
	struct mail_err e;
	char sum[300];
	smtp_reply_init(&r);
	size_t pos = 0;
	while (pos < size) {
		const char *nl = memchr(p + pos, '\n', size - pos);
		size_t n = nl ? (size_t)(nl - (p + pos)) + 1 : size - pos;
		int rc = smtp_reply_feed(&r, p + pos, n, &e);
		if (r.lines > SMTP_REPLY_LINES_MAX || r.text.len > SMTP_REPLY_TEXT_MAX)
			__builtin_trap();
		if (rc == 1) {
			if (r.code < 200 || r.code > 599)
				__builtin_trap();
			smtp_ext_parse(&x, r.text.ptr ? r.text.ptr : "", r.text.len);
			smtp_reply_summary(&r, sum, sizeof sum);
			if (strlen(sum) >= sizeof sum)
				__builtin_trap();
		}
		if (rc < 0)
			smtp_reply_reset(&r);
		pos += n;
	}
	smtp_ext_parse(&x, p, size);
	smtp_reply_free(&r);
	return 0;
}
