/* pop3_cmd.c — POP3 parsing and message transmission; see pop3_cmd.h. */
#include "msg/pop3_cmd.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include "msg/mime.h"

int pop3_parse(const char *line, size_t n, struct pop3_cmd *c)
{
	memset(c, 0, sizeof *c);
	c->rest = "";
	if (n && line[n - 1] == '\n')
		n--;
	if (n && line[n - 1] == '\r')
		n--;
	if (n + 2 > POP3_LINE_MAX || memchr(line, '\0', n) || memchr(line, '\r', n) ||
	    memchr(line, '\n', n))
		return -1;
	size_t i = 0;
	while (i < n && line[i] != ' ') {
		if (i >= 4 || !isalpha((unsigned char)line[i]))
			return -1;
		c->verb[i] = (char)toupper((unsigned char)line[i]);
		i++;
	}
	if (i < 3)
		return -1;
	if (i == n)
		return 0;
	i++; /* the space */
	if (!strcmp(c->verb, "PASS")) {
		if (i == n)
			return -1;
		memcpy(c->arg[0], line + i, n - i);
		c->arg[0][n - i] = '\0';
		c->nargs = 1;
		c->rest = c->arg[0];
		return 0;
	}
	while (i <= n) {
		size_t start = i;
		while (i < n && line[i] != ' ')
			i++;
		size_t len = i - start;
		/* RFC 2449's 40-octet arguments; a user name or a SASL initial
		 * response is bounded by the line alone (RFC 5034 §4). */
		int long_ok = !strcmp(c->verb, "USER") || !strcmp(c->verb, "AUTH");
		if (len == 0 || (len > POP3_ARG_MAX && !long_ok) || c->nargs == 2)
			return -1;
		for (size_t k = start; k < i; k++)
			if ((unsigned char)line[k] < 0x21 || (unsigned char)line[k] == 0x7f)
				return -1;
		memcpy(c->arg[c->nargs], line + start, len);
		c->arg[c->nargs][len] = '\0';
		c->nargs++;
		if (i == n)
			break;
		i++;
	}
	c->rest = c->arg[0];
	return 0;
}

int pop3_number(const char *s, unsigned long min, unsigned long *out)
{
	size_t n = strlen(s);
	if (n == 0 || n > 10)
		return -1;
	unsigned long long v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v < min || v > UINT32_MAX)
		return -1;
	*out = (unsigned long)v;
	return 0;
}

int pop3_sasl_plain(const char *b64, size_t n, char *authcid, size_t acap, char *pass,
		    size_t pcap)
{
	struct buf b = BUF_INIT;
	int rc = -1;
	if (n == 0 || n > POP3_SASL_LINE_MAX || base64_decode(&b, b64, n) < 0 || !b.len)
		goto out;
	const char *p = b.ptr, *end = b.ptr + b.len;
	const char *z1 = memchr(p, '\0', b.len);
	if (!z1)
		goto out;
	const char *z2 = memchr(z1 + 1, '\0', (size_t)(end - z1 - 1));
	if (!z2 || memchr(z2 + 1, '\0', (size_t)(end - z2 - 1)))
		goto out;
	size_t zl = (size_t)(z1 - p), al = (size_t)(z2 - z1 - 1), pl = (size_t)(end - z2 - 1);
	if (al == 0 || pl == 0 || al >= acap || pl >= pcap)
		goto out;
	if (zl && (zl != al || memcmp(p, z1 + 1, al)))
		goto out; /* acting as someone else: not offered */
	memcpy(authcid, z1 + 1, al);
	authcid[al] = '\0';
	memcpy(pass, z2 + 1, pl);
	pass[pl] = '\0';
	rc = 0;
out:
	if (b.ptr)
		memset(b.ptr, 0, b.cap);
	buf_free(&b);
	return rc;
}

void pop3_stuff_init(struct pop3_stuffer *s, long long top_lines)
{
	memset(s, 0, sizeof *s);
	s->bol = 1;
	s->header_line_empty = 1;
	s->body_lines = top_lines;
}

/* One line has ended: the header/body boundary and TOP's count. */
static void line_ended(struct pop3_stuffer *s)
{
	if (!s->in_body) {
		if (s->header_line_empty)
			s->in_body = 1;
	} else if (s->body_lines >= 0) {
		s->body_lines--;
	}
	if (s->in_body && s->body_lines == 0)
		s->done = 1;
	s->header_line_empty = 1;
}

int pop3_stuff(struct pop3_stuffer *s, const char *p, size_t n, struct buf *out)
{
	if (s->done)
		return 0;
	if (buf_reserve(out, n + n / 16 + 16) < 0)
		return -1;
	size_t i = 0;
	while (i < n && !s->done) {
		if (s->bol && p[i] == '.')
			buf_addc(out, '.');
		/* Copy the run up to the next LF in one piece. */
		const char *nl = memchr(p + i, '\n', n - i);
		size_t end = nl ? (size_t)(nl - p) : n;
		if (end > i) {
			buf_add(out, p + i, end - i);
			s->cr = p[end - 1] == '\r';
			if (s->header_line_empty && !(end - i == 1 && p[i] == '\r'))
				s->header_line_empty = 0;
			s->bol = 0;
		}
		i = end;
		if (!nl)
			break;
		if (!s->cr)
			buf_addc(out, '\r');
		buf_addc(out, '\n');
		i++;
		s->cr = 0;
		s->bol = 1;
		line_ended(s);
	}
	return buf_ok(out) ? 0 : -1;
}

int pop3_stuff_end(struct pop3_stuffer *s, struct buf *out)
{
	if (!s->bol && !s->done)
		buf_adds(out, s->cr ? "\n" : "\r\n");
	buf_adds(out, ".\r\n");
	return buf_ok(out) ? 0 : -1;
}

long long pop3_crlf_size(const char *p, size_t n, int *last_cr)
{
	long long size = (long long)n;
	int cr = *last_cr;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n' && !cr)
			size++;
		cr = p[i] == '\r';
	}
	*last_cr = cr;
	return size;
}
