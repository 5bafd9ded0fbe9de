/* chat_msg.c — building smtp-chat's test message; see chat_msg.h. */
#include "chat/chat_msg.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "msg/mime.h"

static void message_id(char *out, size_t cap, const struct chat_msg_opts *o)
{
	snprintf(out, cap, "<%lld.%ld.%lu@%s>", (long long)o->now, (long)getpid(), o->seq,
		 o->hostname && *o->hostname ? o->hostname : "localhost");
}

int chat_msg_expand(struct buf *out, const char *s, size_t n, const struct chat_msg_opts *o)
{
	char tmp[320];
	size_t i = 0;
	while (i < n) {
		const char *pct = memchr(s + i, '%', n - i);
		if (!pct) {
			buf_add(out, s + i, n - i);
			break;
		}
		size_t at = (size_t)(pct - s);
		buf_add(out, s + i, at - i);
		const char *rest = s + at;
		size_t left = n - at;
#define TOKEN(t) (left >= sizeof(t) - 1 && !memcmp(rest, (t), sizeof(t) - 1) ? sizeof(t) - 1 : 0)
		size_t k;
		if ((k = TOKEN("%DATE%"))) {
			mime_date(tmp, sizeof tmp, o->now);
			buf_adds(out, tmp);
		} else if ((k = TOKEN("%MESSAGEID%"))) {
			message_id(tmp, sizeof tmp, o);
			buf_adds(out, tmp);
		} else if ((k = TOKEN("%SEQ%"))) {
			buf_addf(out, "%lu", o->seq);
		} else if ((k = TOKEN("%FROM_ADDRESS%"))) {
			buf_adds(out, o->from ? o->from : "");
		} else if ((k = TOKEN("%TO_ADDRESS%"))) {
			for (size_t j = 0; j < o->nto; j++)
				buf_addf(out, "%s%s", j ? ", " : "", o->to[j]);
		} else {
			k = 1;
			buf_addc(out, '%');
		}
#undef TOKEN
		i = at + k;
	}
	return buf_ok(out) ? 0 : -1;
}

const char *chat_msg_type(const char *name)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{ "txt", "text/plain" },      { "text", "text/plain" },   { "log", "text/plain" },
		{ "html", "text/html" },      { "htm", "text/html" },     { "csv", "text/csv" },
		{ "json", "application/json" }, { "xml", "application/xml" },
		{ "pdf", "application/pdf" }, { "zip", "application/zip" },
		{ "gz", "application/gzip" }, { "png", "image/png" },     { "jpg", "image/jpeg" },
		{ "jpeg", "image/jpeg" },     { "gif", "image/gif" },     { "svg", "image/svg+xml" },
		{ "eml", "message/rfc822" },  { "ics", "text/calendar" },
	};
	const char *dot = strrchr(name, '.');
	if (dot && !strchr(dot, '/'))
		for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
			if (!strcasecmp(dot + 1, types[i].ext))
				return types[i].type;
	return "application/octet-stream";
}

unsigned long long chat_msg_wire_size(const char *p, size_t n)
{
	/* every line end becomes CRLF on the wire: LF and bare CR grow by one */
	unsigned long long s = n;
	for (size_t i = 0; i < n; i++)
		s += (p[i] == '\n' && (i == 0 || p[i - 1] != '\r')) ||
		     (p[i] == '\r' && (i + 1 == n || p[i + 1] != '\n'));
	return s;
}

/* Does a --header replace the default field `name`? */
static int overridden(const struct chat_msg_opts *o, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < o->nheaders; i++)
		if (!strncasecmp(o->headers[i], name, n) && o->headers[i][n] == ':')
			return 1;
	return 0;
}

static int check_header(const char *h, struct mail_err *e)
{
	const char *colon = strchr(h, ':');
	if (!colon || colon == h)
		return err_set(e, EX_USAGE, 0, "", "header \"%s\" is not \"Name: value\"", h);
	for (const char *p = h; p < colon; p++)
		if (*p <= ' ' || *p >= 127)
			return err_set(e, EX_USAGE, 0, "", "header name \"%.*s\" is not valid",
				       (int)(colon - h), h);
	if (strpbrk(h, "\r\n"))
		return err_set(e, EX_USAGE, 0, "", "header \"%.40s\" holds a line break", h);
	return 0;
}

static void field(struct buf *out, const struct chat_msg_opts *o, const char *name,
		  const char *value)
{
	if (overridden(o, name))
		return;
	buf_addf(out, "%s: ", name);
	chat_msg_expand(out, value, strlen(value), o);
	buf_addc(out, '\n');
}

static void body_text(struct buf *out, const struct chat_msg_opts *o)
{
	size_t start = out->len;
	if (o->body)
		chat_msg_expand(out, o->body, o->body_len, o);
	else
		buf_adds(out, "This is a test mailing\n");
	if (out->len > start && out->ptr[out->len - 1] != '\n')
		buf_addc(out, '\n');
}

static void attachment(struct buf *out, const struct chat_attach *a)
{
	const char *base = strrchr(a->name, '/');
	base = base ? base + 1 : a->name;
	buf_addf(out, "Content-Type: %s; name=\"%s\"\n", a->type ? a->type : chat_msg_type(base),
		 base);
	buf_addf(out, "Content-Disposition: attachment; filename=\"%s\"\n", base);
	buf_adds(out, "Content-Transfer-Encoding: base64\n\n");
	for (size_t i = 0; i < a->len; i += 57) {
		size_t n = a->len - i < 57 ? a->len - i : 57;
		base64_encode(out, a->data + i, n);
		buf_addc(out, '\n');
	}
}

int chat_msg_build(struct buf *out, const struct chat_msg_opts *o, struct mail_err *e)
{
	size_t start = out->len;
	char boundary[96];
	snprintf(boundary, sizeof boundary, "=_postbox_%lld_%lu", (long long)o->now, o->seq);
	for (size_t i = 0; i < o->nheaders; i++)
		if (check_header(o->headers[i], e) < 0)
			return -1;
	if (o->add_date)
		field(out, o, "Date", "%DATE%");
	field(out, o, "From", o->from && *o->from ? o->from : "<>");
	if (o->nto)
		field(out, o, "To", "%TO_ADDRESS%");
	field(out, o, "Subject", o->subject ? o->subject : "test %DATE%");
	if (o->add_msgid)
		field(out, o, "Message-Id", "%MESSAGEID%");
	for (size_t i = 0; i < o->nheaders; i++) {
		chat_msg_expand(out, o->headers[i], strlen(o->headers[i]), o);
		buf_addc(out, '\n');
	}
	if (o->nattach) {
		field(out, o, "MIME-Version", "1.0");
		buf_addf(out, "Content-Type: multipart/mixed; boundary=\"%s\"\n\n", boundary);
		buf_adds(out, "This is a multi-part message in MIME format.\n\n");
		buf_addf(out, "--%s\nContent-Type: text/plain; charset=utf-8\n\n", boundary);
		body_text(out, o);
		for (size_t i = 0; i < o->nattach; i++) {
			buf_addf(out, "\n--%s\n", boundary);
			attachment(out, &o->attach[i]);
		}
		buf_addf(out, "\n--%s--\n", boundary);
	} else {
		buf_addc(out, '\n');
		body_text(out, o);
	}
	/* Pad with lines of 76 x's (78 bytes with CRLF) to the exact size. */
	unsigned long long have = chat_msg_wire_size(out->ptr + start, out->len - start);
	while (o->size > have && buf_ok(out)) {
		unsigned long long need = o->size - have;
		if (need == 1) {
			/* One byte: lengthen the last line instead of a new one. */
			out->ptr[out->len - 1] = 'x';
			buf_addc(out, '\n');
			break;
		}
		size_t line = need <= 78 ? (size_t)need : need == 79 ? 77 : 78;
		for (size_t i = 0; i + 2 < line; i++)
			buf_addc(out, 'x');
		buf_addc(out, '\n');
		have += line;
	}
	if (!buf_ok(out))
		return err_set(e, EX_TEMPFAIL, 0, "", "message: out of memory");
	return 0;
}
