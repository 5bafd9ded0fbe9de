/* imap_bodystruct.c — BODY and BODYSTRUCTURE; see imap_bodystruct.h.
 *
 * The output follows what Dovecot sends for the same message (checked
 * field by field against Dovecot 2.3 in tests/unit/test_imap_body.c):
 * names and values as written in the message, "7bit" when there is no
 * Content-Transfer-Encoding, ("charset" "us-ascii") for a part without a
 * Content-Type.
 */
#include "msg/imap_bodystruct.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "msg/imap_envelope.h"
#include "msg/imap_string.h"

/* Nesting of the output: the tree's depth is bounded by the parser's
 * IMAP_MIME_DEPTH (a message adds two levels: the part and its message). */
#define OUT_DEPTH (2 * IMAP_MIME_DEPTH + 4)

static void string(struct buf *out, const char *s, size_t n)
{
	imap_write_string(out, s, n, 0);
}

/* A header value: unfolded, trimmed; NIL when absent. */
static void raw_nstring(struct buf *out, const char *s, size_t n)
{
	if (!s) {
		buf_adds(out, "NIL");
		return;
	}
	struct buf v = BUF_INIT;
	imap_unfold(&v, s, n);
	string(out, v.ptr ? v.ptr : "", v.len);
	buf_free(&v);
}

static void add_value(struct buf *v, const struct imap_mime_param *p)
{
	for (size_t i = 0; i < p->value_len; i++) {
		if (p->escaped && p->value[i] == '\\' && i + 1 < p->value_len)
			i++;
		buf_addc(v, p->value[i]);
	}
}

/* RFC 2231 continuations "name*0", "name*1"... (not the encoded "name*0*"
 * form) of the parameter at p[i]: how many follow in order (0: not one). */
static size_t continuation(const struct imap_mime_param *p, size_t i, size_t n, size_t *base_len)
{
	const struct imap_mime_param *a = &p[i];
	if (a->name_len < 3 || memcmp(a->name + a->name_len - 2, "*0", 2))
		return 0;
	*base_len = a->name_len - 2;
	size_t k = 1;
	for (; i + k < n; k++) {
		char want[24];
		int wl = snprintf(want, sizeof want, "*%zu", k);
		const struct imap_mime_param *b = &p[i + k];
		if (b->name_len != *base_len + (size_t)wl || strncasecmp(b->name, a->name, *base_len) ||
		    memcmp(b->name + *base_len, want, (size_t)wl))
			break;
	}
	return k;
}

/* ("name" "value" ...), continuations joined as Dovecot does; with
 * charset_default, a missing charset is added as "us-ascii". */
static void params(struct buf *out, const struct imap_mime_param *p, size_t n, int charset_default)
{
	int has_charset = 0;
	for (size_t i = 0; i < n; i++)
		has_charset |= p[i].name_len == 7 && !strncasecmp(p[i].name, "charset", 7);
	if (!n && !charset_default) {
		buf_adds(out, "NIL");
		return;
	}
	buf_addc(out, '(');
	struct buf v = BUF_INIT;
	for (size_t i = 0; i < n;) {
		size_t base, k = continuation(p, i, n, &base);
		if (i)
			buf_addc(out, ' ');
		string(out, p[i].name, k ? base : p[i].name_len);
		buf_addc(out, ' ');
		buf_reset(&v);
		for (size_t j = 0; j < (k ? k : 1); j++)
			add_value(&v, &p[i + j]);
		string(out, v.ptr ? v.ptr : "", v.len);
		i += k ? k : 1;
	}
	buf_free(&v);
	if (charset_default && !has_charset)
		buf_adds(out, n ? " \"charset\" \"us-ascii\"" : "\"charset\" \"us-ascii\"");
	buf_addc(out, ')');
}

static int is(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && !strncasecmp(s, word, n);
}

static void type_params(struct buf *out, const struct imap_mime_part *p)
{
	params(out, p->params, p->nparams, is(p->type, p->type_len, "text"));
}

/* ("attachment" ("filename" "a.pdf")) or NIL */
static void disposition(struct buf *out, const struct imap_mime_part *p)
{
	const char *tok;
	size_t pos = 0;
	size_t tl = p->disposition ? imap_mime_token(p->disposition, p->disposition_len, &pos, &tok) : 0;
	if (!tl) {
		buf_adds(out, "NIL");
		return;
	}
	struct imap_mime_param prm[IMAP_MIME_PARAMS];
	size_t np = imap_mime_params(p->disposition, p->disposition_len, &pos, prm, IMAP_MIME_PARAMS);
	buf_addc(out, '(');
	string(out, tok, tl);
	buf_addc(out, ' ');
	params(out, prm, np, 0);
	buf_addc(out, ')');
}

/* ("en" "de") or NIL: always a list, as Dovecot sends it */
static void language(struct buf *out, const struct imap_mime_part *p)
{
	const char *tok[16];
	size_t len[16], n = 0, pos = 0;
	while (p->language && n < 16) {
		len[n] = imap_mime_token(p->language, p->language_len, &pos, &tok[n]);
		if (!len[n])
			break;
		n++;
		imap_mime_cfws(p->language, p->language_len, &pos);
		if (pos < p->language_len && p->language[pos] == ',')
			pos++;
	}
	if (n == 0) {
		buf_adds(out, "NIL");
		return;
	}
	buf_addc(out, '(');
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_addc(out, ' ');
		string(out, tok[i], len[i]);
	}
	buf_addc(out, ')');
}

/* The extension data both kinds of part end with: " disposition
 * language location" (after a multipart's parameters or a part's MD5). */
static void extension_tail(struct buf *out, const struct imap_mime_part *p)
{
	buf_addc(out, ' ');
	disposition(out, p);
	buf_addc(out, ' ');
	language(out, p);
	buf_addc(out, ' ');
	raw_nstring(out, p->location, p->location_len);
}

static void part(struct buf *out, const struct imap_mime *m, int pi, int extended, int depth)
{
	const struct imap_mime_part *p = &m->parts[pi];
	if (depth > OUT_DEPTH) {
		buf_adds(out, "NIL");
		return;
	}
	buf_addc(out, '(');
	if (p->multipart) {
		for (int c = p->first_child; c >= 0; c = m->parts[c].next)
			part(out, m, c, extended, depth + 1);
		buf_addc(out, ' ');
		string(out, p->subtype, p->subtype_len);
		if (extended) {
			buf_addc(out, ' ');
			params(out, p->params, p->nparams, 0);
			extension_tail(out, p);
		}
		buf_addc(out, ')');
		return;
	}
	string(out, p->type, p->type_len);
	buf_addc(out, ' ');
	string(out, p->subtype, p->subtype_len);
	buf_addc(out, ' ');
	type_params(out, p);
	buf_addc(out, ' ');
	raw_nstring(out, p->id, p->id_len);
	buf_addc(out, ' ');
	raw_nstring(out, p->description, p->description_len);
	buf_addc(out, ' ');
	if (p->encoding)
		raw_nstring(out, p->encoding, p->encoding_len);
	else
		buf_adds(out, "\"7bit\"");
	buf_addf(out, " %llu", (unsigned long long)p->body_size);
	if (p->message && p->first_child >= 0) {
		const struct imap_mime_part *c = &m->parts[p->first_child];
		buf_addc(out, ' ');
		imap_envelope(out, m->msg + c->hdr_start, c->body_start - c->hdr_start);
		buf_addc(out, ' ');
		part(out, m, p->first_child, extended, depth + 1);
		buf_addf(out, " %llu", (unsigned long long)p->body_lines);
	} else if (is(p->type, p->type_len, "text")) {
		buf_addf(out, " %llu", (unsigned long long)p->body_lines);
	}
	if (extended) {
		buf_addc(out, ' ');
		raw_nstring(out, p->md5, p->md5_len);
		extension_tail(out, p);
	}
	buf_addc(out, ')');
}

int imap_bodystruct(struct buf *out, const struct imap_mime *m, int pi, int extended)
{
	if (pi < 0 || (size_t)pi >= m->nparts) {
		buf_adds(out, "NIL");
		return buf_ok(out);
	}
	part(out, m, pi, extended, 0);
	return buf_ok(out);
}

int imap_bodystruct_of(struct buf *out, const char *msg, size_t n, int extended)
{
	struct imap_mime m;
	if (imap_mime_parse(msg, n, &m) < 0)
		return -1;
	int ok = imap_bodystruct(out, &m, 0, extended);
	imap_mime_free(&m);
	return ok ? 0 : -1;
}
