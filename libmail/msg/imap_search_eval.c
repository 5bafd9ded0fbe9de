/* imap_search_eval.c — matching one message against a SEARCH program;
 * see imap_search.h.
 *
 * Text keys compare decoded text, ASCII letters case-insensitively:
 * header values with RFC 2047 words decoded (UTF-8, US-ASCII and
 * ISO-8859-1 are turned into UTF-8; other charsets are compared as their
 * bytes), and the text parts' bodies with their transfer encoding undone.
 * What a message's text yields is computed once per match and reused by
 * every key that needs it.
 */
#include "msg/imap_search.h"

#include <string.h>
#include <strings.h>

#include "msg/header.h"
#include "msg/imap_date.h"
#include "msg/imap_mime.h"
#include "msg/imap_section.h"
#include "msg/mime.h"

struct eval {
	const struct imap_search *s;
	const struct imap_search_msg *m;
	struct buf body;       /* decoded, lower-cased text of the body */
	int body_done;
	long sent_day;         /* day of the Date: field; LONG_MIN until known */
	int sent_done;
};

static void lower(char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] >= 'A' && p[i] <= 'Z')
			p[i] = (char)(p[i] + 32);
}

/* Does hay (lower-cased) contain needle (any case)? */
static int contains(const char *hay, size_t hn, const char *needle, size_t nn)
{
	if (nn == 0)
		return 1;
	char small[256];
	struct buf big = BUF_INIT;
	char *lc = small;
	if (nn > sizeof small) {
		buf_add(&big, needle, nn);
		if (!buf_ok(&big))
			return 0;
		lc = big.ptr;
	} else {
		memcpy(small, needle, nn);
	}
	lower(lc, nn);
	int hit = memmem(hay, hn, lc, nn) != NULL;
	buf_free(&big);
	return hit;
}

static void latin1_to_utf8(struct buf *out, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c < 0x80) {
			buf_addc(out, (char)c);
		} else {
			buf_addc(out, (char)(0xc0 | (c >> 6)));
			buf_addc(out, (char)(0x80 | (c & 0x3f)));
		}
	}
}

/* One encoded word "=?cs?E?text?=" at s[i]: decoded into out, *i past it.
 * 0, or -1 when it is not one. */
static int encoded_word(const char *s, size_t n, size_t *i, struct buf *out)
{
	size_t p = *i + 2, cs = p;
	while (p < n && s[p] != '?' && s[p] != ' ')
		p++;
	if (p + 2 >= n || s[p] != '?' || s[p + 2] != '?')
		return -1;
	size_t cs_len = p - cs;
	char enc = s[p + 1];
	size_t t = p + 3, e = t;
	while (e + 1 < n && !(s[e] == '?' && s[e + 1] == '='))
		e++;
	if (e + 1 >= n)
		return -1;
	struct buf raw = BUF_INIT;
	if (enc == 'B' || enc == 'b') {
		if (base64_decode(&raw, s + t, e - t) < 0) {
			buf_free(&raw);
			return -1;
		}
	} else if (enc == 'Q' || enc == 'q') {
		for (size_t k = t; k < e; k++)
			buf_addc(&raw, s[k] == '_' ? ' ' : s[k]);
		struct buf dec = BUF_INIT;
		imap_decode_cte("quoted-printable", 16, raw.ptr ? raw.ptr : "", raw.len, &dec);
		buf_free(&raw);
		raw = dec;
	} else {
		return -1;
	}
	/* "utf-8*lang" (RFC 2231) is UTF-8 too */
	const char *star = memchr(s + cs, '*', cs_len);
	if (star)
		cs_len = (size_t)(star - (s + cs));
	if (cs_len == 10 && !strncasecmp(s + cs, "iso-8859-1", 10))
		latin1_to_utf8(out, raw.ptr ? raw.ptr : "", raw.len);
	else
		buf_add(out, raw.ptr ? raw.ptr : "", raw.len);
	buf_free(&raw);
	*i = e + 2;
	return 0;
}

/* A header value unfolded with its encoded words decoded; white space
 * between two encoded words is dropped (RFC 2047 §6.2). */
static void decode_header(struct buf *out, const char *s, size_t n)
{
	struct buf v = BUF_INIT;
	imap_unfold(&v, s, n);
	const char *p = v.ptr ? v.ptr : "";
	size_t len = v.len, pending_space = 0;
	int after_word = 0;
	for (size_t i = 0; i < len;) {
		if (p[i] == '=' && i + 1 < len && p[i + 1] == '?') {
			size_t before = out->len;
			if (!after_word)
				for (size_t k = 0; k < pending_space; k++)
					buf_addc(out, ' ');
			if (encoded_word(p, len, &i, out) == 0) {
				after_word = 1;
				pending_space = 0;
				continue;
			}
			out->len = before;
		}
		if (p[i] == ' ' || p[i] == '\t') {
			pending_space++;
			i++;
			continue;
		}
		for (size_t k = 0; k < pending_space; k++)
			buf_addc(out, ' ');
		pending_space = 0;
		after_word = 0;
		buf_addc(out, p[i++]);
	}
	buf_free(&v);
}

/* An address field as Dovecot matches it: comments dropped and the
 * folding space around '@' removed, so "<a (c)@ (c) b.org>" is "<a@b.org>". */
static void address_form(struct buf *out, const char *s, size_t n)
{
	int depth = 0, quoted = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '\\' && (depth || quoted) && i + 1 < n) {
			if (!depth)
				buf_add(out, s + i, 2);
			i++;
		} else if (quoted) {
			quoted = c != '"';
			buf_addc(out, c);
		} else if (c == '(') {
			depth++;
		} else if (c == ')' && depth) {
			depth--;
		} else if (!depth) {
			quoted = c == '"';
			buf_addc(out, c);
		}
	}
	/* the space left around '@' by comments and folding */
	size_t w = 0;
	for (size_t r = 0; r < out->len; r++) {
		char c = out->ptr[r];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			size_t k = r;
			while (k < out->len && strchr(" \t\r\n", out->ptr[k]))
				k++;
			if ((w && out->ptr[w - 1] == '@') || (k < out->len && out->ptr[k] == '@')) {
				r = k - 1;
				continue;
			}
		}
		out->ptr[w++] = c;
	}
	out->len = w;
}

static int is_address_field(const struct header *h)
{
	static const char *const names[] = {"from", "to", "cc", "bcc", "sender", "reply-to"};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (strlen(names[i]) == h->name_len && !strncasecmp(h->name, names[i], h->name_len))
			return 1;
	return 0;
}

static int header_match(const struct imap_search_msg *m, const struct imap_search_node *nd)
{
	if (!m->text)
		return 0;
	size_t pos = 0;
	struct header h;
	int any = nd->name_len == 0;
	while (imap_header_next(m->text, m->text_len, &pos, &h)) {
		if (!any && (h.name_len != nd->name_len || strncasecmp(h.name, nd->name, h.name_len)))
			continue;
		if (nd->str_len == 0)
			return 1; /* HEADER name "": the field is there */
		struct buf v = BUF_INIT;
		decode_header(&v, h.value, h.value_len);
		lower(v.ptr, v.len);
		int hit = contains(v.ptr ? v.ptr : "", v.len, nd->str, nd->str_len);
		if (!hit && is_address_field(&h)) {
			struct buf a = BUF_INIT;
			address_form(&a, v.ptr ? v.ptr : "", v.len);
			hit = buf_ok(&a) && contains(a.ptr ? a.ptr : "", a.len, nd->str, nd->str_len);
			buf_free(&a);
		}
		buf_free(&v);
		if (hit)
			return 1;
	}
	return 0;
}

/* The text of every text part, decoded, lower-cased, parts separated by
 * a LF (so a match cannot span two parts). */
static void load_body(struct eval *ev)
{
	ev->body_done = 1;
	const struct imap_search_msg *m = ev->m;
	struct imap_mime t;
	if (!m->text || imap_mime_parse(m->text, m->text_len, &t) < 0)
		return;
	for (size_t i = 0; i < t.nparts; i++) {
		const struct imap_mime_part *p = &t.parts[i];
		if (p->multipart || p->message || p->type_len != 4 || strncasecmp(p->type, "text", 4))
			continue;
		size_t before = ev->body.len;
		if (imap_decode_cte(p->encoding, p->encoding_len, m->text + p->body_start, p->body_len,
				    &ev->body) != 0) {
			ev->body.len = before;
			buf_add(&ev->body, m->text + p->body_start, p->body_len);
		}
		buf_addc(&ev->body, '\n');
	}
	imap_mime_free(&t);
	lower(ev->body.ptr, ev->body.len);
}

static int body_match(struct eval *ev, const struct imap_search_node *nd)
{
	if (!ev->body_done)
		load_body(ev);
	return contains(ev->body.ptr ? ev->body.ptr : "", ev->body.len, nd->str, nd->str_len);
}

/* The calendar day of the Date: field in its own zone; the internal
 * date's when there is no usable Date: (as Dovecot does). */
static long sent_day(struct eval *ev)
{
	if (ev->sent_done)
		return ev->sent_day;
	ev->sent_done = 1;
	const struct imap_search_msg *m = ev->m;
	size_t pos = 0;
	struct header h;
	time_t t;
	int zone;
	while (m->text && imap_header_next(m->text, m->text_len, &pos, &h))
		if (hdr_name_is(&h, "Date") && imap_rfc5322_date_parse(h.value, h.value_len, &t, &zone) == 0)
			return ev->sent_day = imap_day_of(t, zone);
	return ev->sent_day = imap_day_of(m->internal_date, imap_local_zone(m->internal_date));
}

static int in_set(const struct imap_search_msg *m, const struct imap_seqset *set, uint32_t v)
{
	if (set->saved)
		return m->in_saved && m->in_saved(m->ctx, m->seq, m->uid);
	return imap_seqset_contains(set, v);
}

static int match(struct eval *ev, uint32_t i)
{
	const struct imap_search_node *nd = &ev->s->nodes[i];
	const struct imap_search_msg *m = ev->m;
	unsigned f = m->flags;
	switch (nd->key) {
	case IMAP_SK_ALL:
		return 1;
	case IMAP_SK_AND:
		for (uint32_t c = nd->count ? nd->first : 0, k = 0; k < nd->count; c = ev->s->nodes[c].next, k++)
			if (!match(ev, c))
				return 0;
		return 1;
	case IMAP_SK_OR:
		return match(ev, nd->first) || match(ev, ev->s->nodes[nd->first].next);
	case IMAP_SK_NOT:
		return !match(ev, nd->first);
	case IMAP_SK_SEQSET:
		return in_set(m, &nd->set, m->seq);
	case IMAP_SK_UID:
		return in_set(m, &nd->set, m->uid);
	case IMAP_SK_ANSWERED:
		return !!(f & IMAP_FLAG_ANSWERED);
	case IMAP_SK_DELETED:
		return !!(f & IMAP_FLAG_DELETED);
	case IMAP_SK_DRAFT:
		return !!(f & IMAP_FLAG_DRAFT);
	case IMAP_SK_FLAGGED:
		return !!(f & IMAP_FLAG_FLAGGED);
	case IMAP_SK_SEEN:
		return !!(f & IMAP_FLAG_SEEN);
	case IMAP_SK_RECENT:
		return !!(f & IMAP_FLAG_RECENT);
	case IMAP_SK_NEW:
		return (f & IMAP_FLAG_RECENT) && !(f & IMAP_FLAG_SEEN);
	case IMAP_SK_OLD:
		return !(f & IMAP_FLAG_RECENT);
	case IMAP_SK_UNANSWERED:
		return !(f & IMAP_FLAG_ANSWERED);
	case IMAP_SK_UNDELETED:
		return !(f & IMAP_FLAG_DELETED);
	case IMAP_SK_UNDRAFT:
		return !(f & IMAP_FLAG_DRAFT);
	case IMAP_SK_UNFLAGGED:
		return !(f & IMAP_FLAG_FLAGGED);
	case IMAP_SK_UNSEEN:
		return !(f & IMAP_FLAG_SEEN);
	case IMAP_SK_KEYWORD:
		return m->has_keyword && m->has_keyword(m->ctx, nd->name, nd->name_len);
	case IMAP_SK_UNKEYWORD:
		return !(m->has_keyword && m->has_keyword(m->ctx, nd->name, nd->name_len));
	case IMAP_SK_BEFORE:
	case IMAP_SK_ON:
	case IMAP_SK_SINCE: {
		long d = imap_day_of(m->internal_date, imap_local_zone(m->internal_date));
		return nd->key == IMAP_SK_BEFORE ? d < nd->day : nd->key == IMAP_SK_ON ? d == nd->day : d >= nd->day;
	}
	case IMAP_SK_SENTBEFORE:
	case IMAP_SK_SENTON:
	case IMAP_SK_SENTSINCE: {
		long d = sent_day(ev);
		return nd->key == IMAP_SK_SENTBEFORE ? d < nd->day
		       : nd->key == IMAP_SK_SENTON  ? d == nd->day
						    : d >= nd->day;
	}
	case IMAP_SK_LARGER:
		return m->size > nd->number;
	case IMAP_SK_SMALLER:
		return m->size < nd->number;
	case IMAP_SK_HEADER:
		return header_match(m, nd);
	case IMAP_SK_BODY:
		return body_match(ev, nd);
	case IMAP_SK_TEXT: {
		struct imap_search_node any = *nd;
		any.name_len = 0;
		return header_match(m, &any) || body_match(ev, nd);
	}
	case IMAP_SK_MODSEQ:
		return m->modseq >= nd->number;
	}
	return 0;
}

int imap_search_match(const struct imap_search *s, const struct imap_search_msg *m)
{
	if (!s->n)
		return 0;
	struct eval ev = {.s = s, .m = m, .body = BUF_INIT};
	int hit = match(&ev, 0);
	buf_free(&ev.body);
	return hit;
}
