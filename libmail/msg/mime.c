/* mime.c — see mime.h. */
#include "msg/mime.h"

#include <stdio.h>
#include <string.h>

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64_encode(struct buf *out, const void *p, size_t n)
{
	const unsigned char *s = p;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		char q[4] = { b64[v >> 18], b64[(v >> 12) & 63], i + 1 < n ? b64[(v >> 6) & 63] : '=',
			      i + 2 < n ? b64[v & 63] : '=' };
		buf_add(out, q, 4);
	}
	return buf_ok(out) ? 0 : -1;
}

int base64_decode(struct buf *out, const char *s, size_t n)
{
	unsigned v = 0;
	int bits = 0, pad = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '=') {
			pad++;
			continue;
		}
		const char *hit = c ? memchr(b64, c, 64) : NULL;
		if (!hit || pad)
			return -1;
		v = (v << 6) | (unsigned)(hit - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf_addc(out, (char)((v >> bits) & 0xff));
		}
	}
	if (pad > 2 || (n % 4 && pad))
		return -1;
	return buf_ok(out) ? 0 : -1;
}

int mime_phrase(struct buf *out, const char *s, size_t n)
{
	int plain = 1, ascii = 1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x80 || c < 0x20 || c == 0x7f)
			ascii = 0;
		else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			   strchr(" !#$%&'*+-/=?^_`{|}~", c)))
			plain = 0;
	}
	if (!ascii) {
		buf_adds(out, "=?UTF-8?B?");
		base64_encode(out, s, n);
		buf_adds(out, "?=");
	} else if (plain) {
		buf_add(out, s, n);
	} else {
		buf_addc(out, '"');
		for (size_t i = 0; i < n; i++) {
			if (s[i] == '"' || s[i] == '\\')
				buf_addc(out, '\\');
			buf_addc(out, s[i]);
		}
		buf_addc(out, '"');
	}
	return buf_ok(out) ? 0 : -1;
}

void mime_date(char *out, size_t cap, time_t t)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;
	localtime_r(&t, &tm);
	long off = tm.tm_gmtoff / 60;
	char sign = off < 0 ? '-' : '+';
	if (off < 0)
		off = -off;
	snprintf(out, cap, "%s, %02d %s %04d %02d:%02d:%02d %c%02ld%02ld", days[tm.tm_wday], tm.tm_mday,
		 months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec, sign, off / 60,
		 off % 60);
}
