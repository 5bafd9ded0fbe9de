/* smtp_reply.c — the pure parts of the SMTP client (see smtp_reply.h):
 * reply lines, EHLO keywords, dot-stuffing. No I/O here.
 */
#include "msg/smtp_reply.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>


/* --- replies --- */

void smtp_reply_init(struct smtp_reply *r)
{
	memset(r, 0, sizeof *r);
	buf_init(&r->text, SMTP_REPLY_TEXT_MAX);
}

void smtp_reply_reset(struct smtp_reply *r)
{
	r->code = 0;
	r->status[0] = '\0';
	r->lines = 0;
	r->done = 0;
	buf_reset(&r->text);
}

void smtp_reply_free(struct smtp_reply *r)
{
	buf_free(&r->text);
}

/* An RFC 3463 code "c.sss.ddd" at the start of s: its length, else 0. */
static size_t enhanced_len(const char *s, size_t n)
{
	size_t i = 0;
	if (n < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.')
		return 0;
	i = 2;
	for (int part = 0; part < 2; part++) {
		size_t start = i;
		while (i < n && isdigit((unsigned char)s[i]) && i - start < 3)
			i++;
		if (i == start)
			return 0;
		if (part == 0) {
			if (i >= n || s[i] != '.')
				return 0;
			i++;
		}
	}
	if (i < n && s[i] != ' ')
		return 0;
	return i;
}

int smtp_reply_feed(struct smtp_reply *r, const char *line, size_t n, struct mail_err *e)
{
	if (n > 0 && line[n - 1] == '\n')
		n--;
	if (n > 0 && line[n - 1] == '\r')
		n--;
	if (r->done)
		smtp_reply_reset(r);
	if (n + 2 > SMTP_REPLY_LINE_MAX)
		return err_set(e, EX_PROTOCOL, 0, "", "reply line longer than %d bytes",
			       SMTP_REPLY_LINE_MAX);
	if (n < 3 || line[0] < '2' || line[0] > '5' || !isdigit((unsigned char)line[1]) ||
	    !isdigit((unsigned char)line[2]))
		return err_set(e, EX_PROTOCOL, 0, "", "reply without a valid code: \"%.*s\"",
			       (int)(n > 60 ? 60 : n), line);
	if (n > 3 && line[3] != ' ' && line[3] != '-')
		return err_set(e, EX_PROTOCOL, 0, "", "reply with a bad separator after its code");
	int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	if (r->lines > 0 && code != r->code)
		return err_set(e, EX_PROTOCOL, 0, "", "reply code changed from %d to %d mid-reply",
			       r->code, code);
	if (++r->lines > SMTP_REPLY_LINES_MAX)
		return err_set(e, EX_PROTOCOL, 0, "", "reply longer than %d lines",
			       SMTP_REPLY_LINES_MAX);
	const char *text = n > 4 ? line + 4 : line + n;
	size_t tlen = n > 4 ? n - 4 : 0;
	if (r->lines == 1) {
		r->code = code;
		size_t el = enhanced_len(text, tlen);
		if (el && text[0] == line[0] && el < sizeof r->status)
			str_copy(r->status, sizeof r->status, text, el);
	} else {
		buf_addc(&r->text, '\n');
	}
	buf_add(&r->text, text, tlen);
	if (!buf_ok(&r->text))
		return err_set(e, EX_PROTOCOL, 0, "", "reply longer than %d bytes",
			       SMTP_REPLY_TEXT_MAX);
	r->done = n == 3 || line[3] == ' ';
	return r->done;
}

void smtp_reply_summary(const struct smtp_reply *r, char *out, size_t cap)
{
	size_t o = 0;
	if (cap == 0)
		return;
	int w = snprintf(out, cap, "%d ", r->code);
	o = w > 0 && (size_t)w < cap ? (size_t)w : 0;
	for (size_t i = 0; i < r->text.len && o + 5 < cap; i++) {
		unsigned char ch = (unsigned char)r->text.ptr[i];
		if (ch == '\n') {
			if (o + 4 >= cap)
				break;
			memcpy(out + o, " / ", 3);
			o += 3;
		} else if (ch < 0x20 || ch == 0x7f || ch == '\\') {
			o += (size_t)snprintf(out + o, cap - o, "\\x%02X", ch);
		} else {
			out[o++] = (char)ch;
		}
	}
	if (o >= cap)
		o = cap - 1;
	out[o] = '\0';
}

/* --- EHLO keywords --- */

unsigned smtp_auth_mech(const char *name)
{
	if (!strcasecmp(name, "PLAIN"))
		return SMTP_AUTH_PLAIN;
	if (!strcasecmp(name, "LOGIN"))
		return SMTP_AUTH_LOGIN;
	if (!strcasecmp(name, "CRAM-MD5"))
		return SMTP_AUTH_CRAM_MD5;
	return 0;
}

static const struct {
	const char *kw;
	unsigned flag;
} keywords[] = {
	{ "8BITMIME", SMTP_EXT_8BITMIME },   { "AUTH", SMTP_EXT_AUTH },
	{ "BINARYMIME", SMTP_EXT_BINARYMIME }, { "CHUNKING", SMTP_EXT_CHUNKING },
	{ "DSN", SMTP_EXT_DSN },             { "ENHANCEDSTATUSCODES", SMTP_EXT_ENHANCEDSTATUSCODES },
	{ "PIPELINING", SMTP_EXT_PIPELINING }, { "REQUIRETLS", SMTP_EXT_REQUIRETLS },
	{ "SIZE", SMTP_EXT_SIZE },           { "SMTPUTF8", SMTP_EXT_SMTPUTF8 },
	{ "STARTTLS", SMTP_EXT_STARTTLS },   { "XCLIENT", SMTP_EXT_XCLIENT },
};

static void parse_auth(struct smtp_ext *x, const char *p, size_t n)
{
	size_t i = 0;
	while (i < n) {
		while (i < n && (p[i] == ' ' || p[i] == '\t'))
			i++;
		size_t s = i;
		while (i < n && p[i] != ' ' && p[i] != '\t')
			i++;
		if (i == s)
			break;
		char mech[64];
		if (str_copy(mech, sizeof mech, p + s, i - s) < 0)
			continue;
		x->auth |= smtp_auth_mech(mech);
		size_t have = strlen(x->auth_offered);
		if (have + (i - s) + 2 < sizeof x->auth_offered) {
			if (have)
				x->auth_offered[have++] = ' ';
			memcpy(x->auth_offered + have, p + s, i - s);
			x->auth_offered[have + (i - s)] = '\0';
		}
	}
}

static void parse_keyword_line(struct smtp_ext *x, const char *p, size_t n)
{
	size_t k = 0;
	while (k < n && p[k] != ' ' && p[k] != '=' && p[k] != '\t')
		k++;
	for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++) {
		if (strlen(keywords[i].kw) != k || strncasecmp(p, keywords[i].kw, k))
			continue;
		x->flags |= keywords[i].flag;
		const char *arg = p + k + (k < n);
		size_t alen = k < n ? n - k - 1 : 0;
		if (keywords[i].flag == SMTP_EXT_AUTH) {
			parse_auth(x, arg, alen);
		} else if (keywords[i].flag == SMTP_EXT_SIZE && alen > 0) {
			char num[32];
			if (str_copy(num, sizeof num, arg, alen) == 0) {
				char *end;
				unsigned long long v = strtoull(num, &end, 10);
				if (end != num && isdigit((unsigned char)num[0]))
					x->size = v;
			}
		}
		return;
	}
}

void smtp_ext_parse(struct smtp_ext *x, const char *text, size_t n)
{
	memset(x, 0, sizeof *x);
	const char *p = memchr(text, '\n', n); /* skip the greeting line */
	while (p) {
		p++;
		const char *end = memchr(p, '\n', (size_t)(text + n - p));
		size_t len = end ? (size_t)(end - p) : (size_t)(text + n - p);
		parse_keyword_line(x, p, len);
		p = end;
	}
}

/* --- dot-stuffing --- */

void smtp_dot_init(struct smtp_dot *d, int stuff)
{
	memset(d, 0, sizeof *d);
	d->bol = 1;
	d->stuff = stuff;
}

int smtp_dot_encode(struct smtp_dot *d, const char *p, size_t n, struct buf *out)
{
	if (buf_reserve(out, n + n / 8 + 8) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char ch = p[i];
		if (d->cr) {
			/* The CR before this byte ends a line either way: a bare CR
			 * becomes CRLF too, so "\r.\r\n" cannot end data anywhere. */
			d->cr = 0;
			d->bol = 1;
			buf_add(out, "\r\n", 2);
			if (ch == '\n')
				continue;
		}
		if (ch == '\r') {
			d->cr = 1;
			continue;
		}
		if (ch == '\n') {
			d->bol = 1;
			buf_add(out, "\r\n", 2);
			continue;
		}
		if (d->bol) {
			d->bol = 0;
			if (ch == '.' && d->stuff) {
				buf_addc(out, '.');
				d->lines_stuffed++;
			}
		}
		size_t j = i;
		while (j < n && p[j] != '\r' && p[j] != '\n')
			j++;
		buf_add(out, p + i, j - i);
		i = j - 1;
	}
	return buf_ok(out) ? 0 : -1;
}

int smtp_dot_finish(struct smtp_dot *d, struct buf *out)
{
	if (d->cr || !d->bol)
		buf_add(out, "\r\n", 2);
	d->cr = 0;
	d->bol = 1;
	if (d->stuff)
		buf_add(out, ".\r\n", 3);
	return buf_ok(out) ? 0 : -1;
}
