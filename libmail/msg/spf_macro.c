/* spf_macro.c — expanding SPF macros (RFC 7208 §7.3); see spf_macro.h. */
#include "msg/spf_macro.h"

#include <string.h>

#include "msg/spf_record.h"

#define PARTS_MAX 128   /* §7.3: at least 127 parts must be handled */

static const char *letter_value(char letter, const struct spf_macro_vars *v)
{
	const char *val = NULL;
	switch (letter) {
	case 's': val = v->s; break;
	case 'l': val = v->l; break;
	case 'o': val = v->o; break;
	case 'd': val = v->d; break;
	case 'i': val = v->i; break;
	case 'v': val = v->v; break;
	case 'h': val = v->h; break;
	case 'c': val = v->c; break;
	case 'r': val = v->r; break;
	case 't': val = v->t; break;
	case 'p': val = v->p ? v->p(v->p_ctx) : NULL; break;
	}
	return val ? val : "";
}

/* §7.3: unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~"; the rest is
 * written %XX. */
static void add_escaped(struct buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("-._~", c)) {
			buf_addc(out, (char)c);
		} else {
			buf_addc(out, '%');
			buf_addc(out, hex[c >> 4]);
			buf_addc(out, hex[c & 15]);
		}
	}
}

/* One "%{...}" at m[0..n), already checked by the record's syntax. */
static void expand_one(const char *m, size_t n, const struct spf_macro_vars *v, struct buf *out)
{
	char letter = (char)(m[2] | 0x20);
	int upper = m[2] >= 'A' && m[2] <= 'Z';
	size_t i = 3, keep = 0;
	while (i < n && m[i] >= '0' && m[i] <= '9')
		keep = keep * 10 + (size_t)(m[i++] - '0');
	int reverse = i < n && (m[i] == 'r' || m[i] == 'R');
	i += reverse;
	const char *delims = m + i;
	size_t ndelims = n - 1 - i;
	const char *val = letter_value(letter, v);

	/* Split on any delimiter (empty parts are parts), reverse, keep the
	 * right-hand ones, join with dots. */
	const char *part[PARTS_MAX];
	size_t plen[PARTS_MAX], np = 0;
	const char *p = val, *end = val + strlen(val);
	for (;;) {
		const char *q = p;
		if (np == PARTS_MAX - 1) /* more parts than anyone needs: the rest is one */
			q = end;
		while (q < end && !memchr(ndelims ? delims : ".", *q, ndelims ? ndelims : 1))
			q++;
		part[np] = p;
		plen[np++] = (size_t)(q - p);
		if (q == end)
			break;
		p = q + 1;
	}
	if (reverse)
		for (size_t a = 0, b = np - 1; a < b; a++, b--) {
			const char *tp = part[a];
			size_t tl = plen[a];
			part[a] = part[b];
			plen[a] = plen[b];
			part[b] = tp;
			plen[b] = tl;
		}
	size_t first = keep && keep < np ? np - keep : 0;
	for (size_t k = first; k < np; k++) {
		if (k > first)
			buf_addc(out, '.');
		if (upper)
			add_escaped(out, part[k], plen[k]);
		else
			buf_add(out, part[k], plen[k]);
	}
}

int spf_macro_expand(const char *s, size_t n, const struct spf_macro_vars *v, int explanation, struct buf *out)
{
	if (!spf_macro_string_valid(s, n, explanation))
		return -1;
	for (size_t i = 0; i < n;) {
		if (s[i] != '%') {
			buf_addc(out, s[i++]);
			continue;
		}
		if (s[i + 1] != '{') {
			buf_adds(out, s[i + 1] == '%' ? "%" : s[i + 1] == '_' ? " " : "%20");
			i += 2;
			continue;
		}
		size_t close = i;
		while (s[close] != '}')
			close++;
		expand_one(s + i, close + 1 - i, v, out);
		i = close + 1;
	}
	return buf_ok(out) ? 0 : -1;
}

void spf_domain_trim(struct buf *b)
{
	if (b->len > 0 && b->ptr[b->len - 1] == '.')
		b->len--;
	while (b->len > SPF_DOMAIN_MAX) {
		char *dot = memchr(b->ptr, '.', b->len);
		size_t cut = dot ? (size_t)(dot - b->ptr) + 1 : b->len;
		buf_consume(b, cut);
	}
	buf_cstr(b);
}
