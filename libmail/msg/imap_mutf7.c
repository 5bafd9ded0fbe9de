/* imap_mutf7.c — modified UTF-7 mailbox names; see imap_mutf7.h. */
#include "msg/imap_mutf7.h"

#include "base/utf8.h"

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == ',')
		return 63;
	return -1;
}

static int printable(unsigned long cp)
{
	return cp >= 0x20 && cp <= 0x7e;
}

static void put_utf8(struct buf *out, unsigned long cp)
{
	if (cp < 0x80) {
		buf_addc(out, (char)cp);
	} else if (cp < 0x800) {
		buf_addc(out, (char)(0xc0 | (cp >> 6)));
		buf_addc(out, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		buf_addc(out, (char)(0xe0 | (cp >> 12)));
		buf_addc(out, (char)(0x80 | ((cp >> 6) & 0x3f)));
		buf_addc(out, (char)(0x80 | (cp & 0x3f)));
	} else {
		buf_addc(out, (char)(0xf0 | (cp >> 18)));
		buf_addc(out, (char)(0x80 | ((cp >> 12) & 0x3f)));
		buf_addc(out, (char)(0x80 | ((cp >> 6) & 0x3f)));
		buf_addc(out, (char)(0x80 | (cp & 0x3f)));
	}
}

/* One shift sequence: s[*i] is the first base64 character after "&". */
static int decode_shift(const char *s, size_t n, size_t *i, struct buf *out)
{
	unsigned long bits = 0, high = 0;
	int nbits = 0;
	size_t units = 0;
	for (;;) {
		if (*i >= n)
			return -1; /* no closing "-" */
		unsigned char c = (unsigned char)s[*i];
		(*i)++;
		if (c == '-')
			break;
		int v = b64_value(c);
		if (v < 0)
			return -1;
		bits = (bits << 6) | (unsigned long)v;
		nbits += 6;
		if (nbits < 16)
			continue;
		nbits -= 16;
		unsigned long u = (bits >> nbits) & 0xffff;
		bits &= (1ul << nbits) - 1;
		units++;
		if (high) {
			if (u < 0xdc00 || u > 0xdfff)
				return -1;
			put_utf8(out, 0x10000 + ((high - 0xd800) << 10) + (u - 0xdc00));
			high = 0;
		} else if (u >= 0xd800 && u <= 0xdbff) {
			high = u;
		} else if (u >= 0xdc00 && u <= 0xdfff) {
			return -1;
		} else if (printable(u) || u < 0x20 || u == 0x7f) {
			return -1; /* must be written directly (or is a control) */
		} else {
			put_utf8(out, u);
		}
	}
	/* at least one character; padding short of a unit, and zero */
	if (units == 0 || high || nbits >= 6 || bits != 0)
		return -1;
	return 0;
}

int imap_mutf7_to_utf8(const char *s, size_t n, struct buf *out)
{
	size_t after_shift = (size_t)-1;  /* index just past the last "-" */
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		if (c == '&') {
			if (i + 1 < n && s[i + 1] == '-') {
				buf_addc(out, '&');
				i += 2;
				continue;
			}
			if (i == after_shift)
				return -1; /* two adjacent shifts: one spelling only */
			i++;
			if (decode_shift(s, n, &i, out) < 0)
				return -1;
			after_shift = i;
			continue;
		}
		if (!printable(c))
			return -1;
		buf_addc(out, (char)c);
		i++;
	}
	return buf_ok(out) ? 0 : -1;
}

static void flush_bits(struct buf *out, unsigned long *bits, int *nbits)
{
	while (*nbits >= 6) {
		*nbits -= 6;
		buf_addc(out, b64[(*bits >> *nbits) & 0x3f]);
	}
}

int imap_utf8_to_mutf7(const char *s, size_t n, struct buf *out)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned long bits = 0;
	int nbits = 0, shifted = 0;
	for (size_t i = 0; i < n;) {
		size_t k = utf8_seq_len(u + i, n - i);
		if (!k)
			return -1;
		unsigned long cp = u[i];
		if (k == 2)
			cp = ((u[i] & 0x1ful) << 6) | (u[i + 1] & 0x3f);
		else if (k == 3)
			cp = ((u[i] & 0x0ful) << 12) | ((u[i + 1] & 0x3ful) << 6) | (u[i + 2] & 0x3f);
		else if (k == 4)
			cp = ((u[i] & 0x07ul) << 18) | ((u[i + 1] & 0x3ful) << 12) |
			     ((u[i + 2] & 0x3ful) << 6) | (u[i + 3] & 0x3f);
		i += k;
		if (cp < 0x20 || cp == 0x7f)
			return -1;
		if (printable(cp)) {
			if (shifted) {
				if (nbits)
					buf_addc(out, b64[(bits << (6 - nbits)) & 0x3f]);
				buf_addc(out, '-');
				shifted = 0;
				bits = 0;
				nbits = 0;
			}
			if (cp == '&')
				buf_adds(out, "&-");
			else
				buf_addc(out, (char)cp);
			continue;
		}
		if (!shifted) {
			buf_addc(out, '&');
			shifted = 1;
		}
		unsigned long units[2];
		int nu = 1;
		if (cp >= 0x10000) {
			units[0] = 0xd800 + ((cp - 0x10000) >> 10);
			units[1] = 0xdc00 + ((cp - 0x10000) & 0x3ff);
			nu = 2;
		} else {
			units[0] = cp;
		}
		for (int j = 0; j < nu; j++) {
			bits = (bits << 16) | units[j];
			nbits += 16;
			flush_bits(out, &bits, &nbits);
			bits &= (1ul << nbits) - 1;
		}
	}
	if (shifted) {
		if (nbits)
			buf_addc(out, b64[(bits << (6 - nbits)) & 0x3f]);
		buf_addc(out, '-');
	}
	return buf_ok(out) ? 0 : -1;
}
