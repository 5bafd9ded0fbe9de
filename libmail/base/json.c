/* json.c — see json.h. */
#include "base/json.h"

#include <string.h>

#include "base/utf8.h"

int json_string(struct buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	buf_addc(out, '"');
	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];
		if (c == '"' || c == '\\') {
			buf_addc(out, '\\');
			buf_addc(out, (char)c);
			i++;
		} else if (c >= 0x20 && c < 0x7f) {
			buf_addc(out, (char)c);
			i++;
		} else {
			size_t len = c >= 0x80 ? utf8_seq_len(p + i, n - i) : 0;
			if (len > 1) {
				buf_add(out, p + i, len);
				i += len;
			} else {
				char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
				buf_add(out, esc, 6);
				i++;
			}
		}
	}
	buf_addc(out, '"');
	return buf_ok(out) ? 0 : -1;
}

int json_cstring(struct buf *out, const char *s)
{
	return json_string(out, s, strlen(s));
}
