/* imap_section.c — BODY[section]<partial> extraction; see imap_section.h. */
#include "msg/imap_section.h"

#include <string.h>
#include <strings.h>

#include "base/hex.h"
#include "msg/imap_mime.h"
#include "msg/mime.h"

static int word_is(const char *s, size_t n, size_t *i, const char *w)
{
	size_t l = strlen(w);
	if (n - *i < l || strncasecmp(s + *i, w, l))
		return 0;
	*i += l;
	return 1;
}

int imap_section_parse(const char *s, size_t n, struct imap_section *sec, struct imap_err *e)
{
	memset(sec, 0, sizeof *sec);
	size_t i = 0;
	while (i < n && s[i] >= '0' && s[i] <= '9') {
		if (s[i] == '0')
			return imap_err_set(e, "", "Invalid part number in section");
		uint64_t v = 0;
		while (i < n && s[i] >= '0' && s[i] <= '9') {
			v = v * 10 + (uint64_t)(s[i] - '0');
			if (v > UINT32_MAX)
				return imap_err_set(e, "", "Invalid part number in section");
			i++;
		}
		if (sec->nparts >= IMAP_SECTION_DEPTH)
			return imap_err_set(e, "LIMIT", "Section nested too deep");
		sec->part[sec->nparts++] = (uint32_t)v;
		if (i == n)
			return 0;
		if (s[i] != '.')
			return imap_err_set(e, "", "Invalid section");
		i++;
		if (i < n && (s[i] < '0' || s[i] > '9'))
			break;
		if (i == n)
			return imap_err_set(e, "", "Invalid section");
	}
	if (i == n)
		return 0;
	if (word_is(s, n, &i, "HEADER.FIELDS.NOT"))
		sec->kind = IMAP_SEC_HEADER_FIELDS_NOT;
	else if (word_is(s, n, &i, "HEADER.FIELDS"))
		sec->kind = IMAP_SEC_HEADER_FIELDS;
	else if (word_is(s, n, &i, "HEADER"))
		sec->kind = IMAP_SEC_HEADER;
	else if (word_is(s, n, &i, "TEXT"))
		sec->kind = IMAP_SEC_TEXT;
	else if (word_is(s, n, &i, "MIME") && sec->nparts > 0)
		sec->kind = IMAP_SEC_MIME;
	else
		return imap_err_set(e, "", "Invalid section");
	if (i != n)
		return imap_err_set(e, "", "Invalid section");
	return 0;
}

/* Append the part of p[0..n) that falls in the window [*skip, *skip +
 * *left), moving the window on. */
static void add_window(struct buf *out, const char *p, size_t n, uint64_t *skip, uint64_t *left)
{
	if (*skip >= n) {
		*skip -= n;
		return;
	}
	p += *skip;
	n -= (size_t)*skip;
	*skip = 0;
	if (n > *left)
		n = (size_t)*left;
	buf_add(out, p, n);
	*left -= n;
}

/* Append p[0..n) with bare LFs made CRLF, keeping only the octets of the
 * converted text in the window [*skip, *skip + *left). Line by line, one
 * copy each (a byte at a time was most of a large FETCH's CPU). */
static void add_crlf(struct buf *out, const char *p, size_t n, uint64_t *skip, uint64_t *left)
{
	for (size_t i = 0; i < n && *left;) {
		const char *nl = memchr(p + i, '\n', n - i);
		size_t end = nl ? (size_t)(nl - p) : n;
		add_window(out, p + i, end - i, skip, left);
		if (!nl)
			break;
		if (end == 0 || p[end - 1] != '\r')
			add_window(out, "\r", 1, skip, left);
		add_window(out, "\n", 1, skip, left);
		i = end + 1;
	}
}

/* Is the field name h one of the list's astrings? */
static int listed(const struct header *h, const struct imap_section *sec)
{
	size_t k = 0;
	for (const struct imap_arg *a = sec->fields; a && k < sec->nfields; a = a->next, k++)
		if (a->s && a->len == h->name_len && !strncasecmp(a->s, h->name, a->len))
			return 1;
	return 0;
}

/* The header fields of msg[start..end) that the list selects (or does not),
 * then the blank line. */
static void header_fields(struct buf *out, const char *msg, size_t start, size_t end,
			  const struct imap_section *sec, uint64_t *skip, uint64_t *left)
{
	int want = sec->kind == IMAP_SEC_HEADER_FIELDS;
	size_t pos = start;
	struct header h;
	while (imap_header_next(msg, end, &pos, &h)) {
		if (listed(&h, sec) == want) {
			add_crlf(out, msg + h.start, h.len, skip, left);
			if (h.len && msg[h.start + h.len - 1] != '\n')
				add_crlf(out, "\n", 1, skip, left);
		}
	}
	add_crlf(out, "\n", 1, skip, left);
}

int imap_section_extract(const char *msg, size_t n, const struct imap_section *sec, int partial,
			 uint64_t origin, uint64_t count, struct buf *out)
{
	uint64_t skip = partial ? origin : 0, left = partial ? count : UINT64_MAX;
	if (sec->nparts == 0 && sec->kind == IMAP_SEC_ALL) {
		add_crlf(out, msg, n, &skip, &left);
		return buf_ok(out) ? 0 : -1;
	}
	struct imap_mime m;
	if (imap_mime_parse(msg, n, &m) < 0)
		return -1;
	int pi = imap_mime_find(&m, sec->part, sec->nparts);
	if (pi >= 0) {
		const struct imap_mime_part *p = &m.parts[pi];
		const struct imap_mime_part *entity = p;
		if (sec->nparts > 0 && sec->kind != IMAP_SEC_ALL && sec->kind != IMAP_SEC_MIME)
			entity = p->message && p->first_child >= 0 ? &m.parts[p->first_child] : NULL;
		switch (sec->kind) {
		case IMAP_SEC_ALL:
			add_crlf(out, msg + p->body_start, p->body_len, &skip, &left);
			break;
		case IMAP_SEC_MIME:
			add_crlf(out, msg + p->hdr_start, p->hdr_len, &skip, &left);
			break;
		case IMAP_SEC_HEADER:
			if (entity)
				add_crlf(out, msg + entity->hdr_start, entity->hdr_len, &skip, &left);
			break;
		case IMAP_SEC_TEXT:
			if (entity)
				add_crlf(out, msg + entity->body_start, entity->body_len, &skip, &left);
			break;
		case IMAP_SEC_HEADER_FIELDS:
		case IMAP_SEC_HEADER_FIELDS_NOT:
			if (entity)
				header_fields(out, msg, entity->hdr_start,
					      entity->hdr_start + entity->hdr_len, sec, &skip, &left);
			break;
		}
	}
	imap_mime_free(&m);
	return buf_ok(out) ? 0 : -1;
}

static void qp_decode(const char *p, size_t n, struct buf *out)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] != '=') {
			/* trailing white space on a line is not part of the text */
			if (p[i] == ' ' || p[i] == '\t') {
				size_t j = i;
				while (j < n && (p[j] == ' ' || p[j] == '\t'))
					j++;
				if (j == n || p[j] == '\n' || p[j] == '\r') {
					i = j - 1;
					continue;
				}
			}
			buf_addc(out, p[i]);
			continue;
		}
		size_t j = i + 1;
		while (j < n && (p[j] == ' ' || p[j] == '\t'))
			j++;
		if (j < n && (p[j] == '\n' || p[j] == '\r')) { /* a soft line break */
			if (p[j] == '\r' && j + 1 < n && p[j + 1] == '\n')
				j++;
			i = j;
			continue;
		}
		if (j == n) {
			i = j;
			continue;
		}
		if (i + 2 < n && hex_value(p[i + 1]) >= 0 && hex_value(p[i + 2]) >= 0) {
			buf_addc(out, (char)(hex_value(p[i + 1]) * 16 + hex_value(p[i + 2])));
			i += 2;
			continue;
		}
		buf_addc(out, '='); /* malformed: kept */
	}
}

static int is(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && !strncasecmp(s, w, n);
}

int imap_decode_cte(const char *enc, size_t enc_len, const char *p, size_t n, struct buf *out)
{
	if (!enc || is(enc, enc_len, "7bit") || is(enc, enc_len, "8bit") ||
	    is(enc, enc_len, "binary")) {
		buf_add(out, p, n);
		return buf_ok(out) ? 0 : -1;
	}
	if (is(enc, enc_len, "quoted-printable")) {
		qp_decode(p, n, out);
		return buf_ok(out) ? 0 : -1;
	}
	if (!is(enc, enc_len, "base64"))
		return 1;
	struct buf clean = BUF_INIT;
	for (size_t i = 0; i < n; i++)
		if (p[i] != '\r' && p[i] != '\n' && p[i] != ' ' && p[i] != '\t')
			buf_addc(&clean, p[i]);
	if (!buf_ok(&clean)) {
		buf_free(&clean);
		return -1;
	}
	size_t before = out->len;
	int rc = base64_decode(out, clean.ptr ? clean.ptr : "", clean.len);
	buf_free(&clean);
	if (rc < 0) {
		if (!buf_ok(out))
			return -1;
		out->len = before;
		return 1;
	}
	return 0;
}

int imap_section_binary(const char *msg, size_t n, const struct imap_section *sec, int partial,
			uint64_t origin, uint64_t count, struct buf *out)
{
	if (sec->kind != IMAP_SEC_ALL)
		return 1;
	struct imap_mime m;
	if (imap_mime_parse(msg, n, &m) < 0)
		return -1;
	int rc = 0, text = 1;
	int pi = sec->nparts ? imap_mime_find(&m, sec->part, sec->nparts) : -1;
	struct buf dec = BUF_INIT;
	if (sec->nparts == 0) {
		buf_add(&dec, msg, n); /* BINARY[]: the message itself */
	} else if (pi >= 0) {
		const struct imap_mime_part *p = &m.parts[pi];
		rc = imap_decode_cte(p->encoding, p->encoding_len, msg + p->body_start, p->body_len, &dec);
		/* decoded base64 and "binary" are octets; text gets the CRLF
		 * line ends it had on the wire */
		text = !p->encoding || (!is(p->encoding, p->encoding_len, "base64") &&
					!is(p->encoding, p->encoding_len, "binary"));
	}
	if (rc == 0) {
		uint64_t skip = partial ? origin : 0, left = partial ? count : UINT64_MAX;
		if (text) {
			add_crlf(out, dec.ptr ? dec.ptr : "", dec.len, &skip, &left);
		} else if (skip < dec.len) {
			uint64_t avail = dec.len - skip;
			buf_add(out, dec.ptr + skip, (size_t)(left < avail ? left : avail));
		}
		rc = buf_ok(out) && buf_ok(&dec) ? 0 : -1;
	}
	buf_free(&dec);
	imap_mime_free(&m);
	return rc;
}
