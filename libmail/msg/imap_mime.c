/* imap_mime.c — MIME structure of a message; see imap_mime.h.
 *
 * Entities are parsed from an explicit stack, never by recursion: a
 * multipart's body is split on its boundary into child spans, a
 * message/rfc822 body becomes one child, and each child is parsed in turn
 * within its own span, so a hostile inner part can never reach past it.
 */
#include "msg/imap_mime.h"

#include "base/array.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>


#define BOUNDARY_MAX 200   /* RFC 2046 says 70; be lenient, but bounded */

struct todo {
	size_t start, end;
	int part, depth, digest_child;
};

static int is_tspecial(unsigned char c)
{
	return strchr("()<>@,;:\\\"/[]?=", c) != NULL;
}

static int is_token_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && !is_tspecial(c);
}

void imap_mime_cfws(const char *v, size_t n, size_t *pos)
{
	size_t i = *pos;
	int depth = 0;
	while (i < n) {
		unsigned char c = (unsigned char)v[i];
		if (c == '(') {
			depth++;
		} else if (c == ')' && depth) {
			depth--;
		} else if (c == '\\' && depth && i + 1 < n) {
			i++;
		} else if (!depth && c != ' ' && c != '\t' && c != '\r' && c != '\n') {
			break;
		}
		i++;
	}
	*pos = i;
}

size_t imap_mime_token(const char *v, size_t n, size_t *pos, const char **tok)
{
	imap_mime_cfws(v, n, pos);
	size_t start = *pos;
	while (*pos < n && is_token_char((unsigned char)v[*pos]))
		(*pos)++;
	*tok = v + start;
	return *pos - start;
}

/* A quoted string at v[*pos] (the opening quote): its inside, escapes kept. */
static size_t quoted(const char *v, size_t n, size_t *pos, const char **s, int *escaped)
{
	size_t i = *pos + 1;
	*escaped = 0;
	*s = v + i;
	while (i < n && v[i] != '"') {
		if (v[i] == '\\' && i + 1 < n) {
			*escaped = 1;
			i++;
		}
		i++;
	}
	size_t len = (i < n ? i : n) - (*pos + 1);
	*pos = i < n ? i + 1 : n;
	return len;
}

size_t imap_mime_params(const char *v, size_t n, size_t *pos, struct imap_mime_param *p,
			size_t max)
{
	size_t count = 0;
	for (;;) {
		imap_mime_cfws(v, n, pos);
		if (*pos >= n)
			break;
		/* a syntax error ends the list, as in Dovecot */
		if (v[*pos] != ';')
			break;
		(*pos)++;
		struct imap_mime_param pr = {0};
		pr.name_len = imap_mime_token(v, n, pos, &pr.name);
		imap_mime_cfws(v, n, pos);
		if (!pr.name_len || *pos >= n || v[*pos] != '=')
			break;
		(*pos)++;
		imap_mime_cfws(v, n, pos);
		if (*pos < n && v[*pos] == '"') {
			pr.value_len = quoted(v, n, pos, &pr.value, &pr.escaped);
		} else {
			size_t start = *pos;
			while (*pos < n && is_token_char((unsigned char)v[*pos]))
				(*pos)++;
			pr.value = v + start;
			pr.value_len = *pos - start;
		}
		if (count < max)
			p[count++] = pr;
	}
	return count;
}

/* Size in CRLF form: n plus one per LF without its CR. */
static uint64_t crlf_size(const char *p, size_t n, uint64_t *lines)
{
	uint64_t size = n, lf = 0;
	for (const char *q = p, *end = p + n; (q = memchr(q, '\n', (size_t)(end - q))); q++) {
		lf++;
		if (q == p || q[-1] != '\r')
			size++;
	}
	if (lines)
		*lines = lf;
	return size;
}

int imap_header_next(const char *msg, size_t end, size_t *pos, struct header *h)
{
	for (;;) {
		size_t i = *pos;
		if (i >= end)
			return 0;
		if (msg[i] == '\n' || (msg[i] == '\r' && i + 1 < end && msg[i + 1] == '\n')) {
			*pos = i + 1 + (msg[i] == '\r'); /* the blank line */
			return 0;
		}
		if (hdr_next(msg, end, pos, h))
			return 1;
		/* not a field: skip the line */
		const char *lf = memchr(msg + i, '\n', end - i);
		*pos = lf ? (size_t)(lf - msg) + 1 : end;
	}
}

void imap_unfold(struct buf *out, const char *s, size_t n)
{
	while (n && strchr(" \t\r\n", s[0]))
		s++, n--;
	while (n && strchr(" \t\r\n", s[n - 1]))
		n--;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\r' || s[i] == '\n') {
			while (i + 1 < n && strchr(" \t\r\n", s[i + 1]))
				i++;
			buf_addc(out, ' ');
			continue;
		}
		buf_addc(out, s[i]);
	}
}

static void trim(const char **s, size_t *n)
{
	while (*n && strchr(" \t\r\n", (*s)[0])) {
		(*s)++;
		(*n)--;
	}
	while (*n && strchr(" \t\r\n", (*s)[*n - 1]))
		(*n)--;
}

static int new_part(struct imap_mime *m, int parent)
{
	if (m->nparts == m->cap) {
		struct imap_mime_part *np = array_grow(m->parts, &m->cap, sizeof *np, 4);
		if (!np)
			return -1;
		m->parts = np;
	}
	struct imap_mime_part *p = &m->parts[m->nparts];
	memset(p, 0, sizeof *p);
	p->parent = parent;
	p->first_child = p->next = -1;
	/* link as the parent's last child */
	if (parent >= 0) {
		int *link = &m->parts[parent].first_child;
		while (*link >= 0)
			link = &m->parts[*link].next;
		*link = (int)m->nparts;
	}
	return (int)m->nparts++;
}

static void content_type(struct imap_mime_part *p, const char *v, size_t n)
{
	size_t pos = 0;
	const char *type, *sub;
	size_t tl = imap_mime_token(v, n, &pos, &type), sl = 0;
	if (!tl)
		return;
	imap_mime_cfws(v, n, &pos);
	sub = v + pos;
	if (pos < n && v[pos] == '/') { /* "text" alone: subtype "" (Dovecot) */
		pos++;
		sl = imap_mime_token(v, n, &pos, &sub);
		if (!sl)
			return;
	}
	p->type = type;
	p->type_len = tl;
	p->subtype = sub;
	p->subtype_len = sl;
	p->default_type = 0;
	p->nparams = imap_mime_params(v, n, &pos, p->params, IMAP_MIME_PARAMS);
}

static int is(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && !strncasecmp(s, word, n);
}

/* Read the header of part `pi` in msg[start..end) and set its fields.
 * The first of each Content-* field counts. A message's own (top-level or
 * encapsulated) Content-* fields other than Content-Type count only when it
 * has MIME-Version or Content-Type, as in Dovecot. */
static void parse_header(struct imap_mime *m, int pi, size_t start, size_t end, int digest_child)
{
	struct imap_mime_part *p = &m->parts[pi];
	const char *msg = m->msg;
	size_t pos = start;
	struct header h;
	int is_message = pi == 0 || m->parts[p->parent].message, mime = 0, have_type = 0;
	p->type = digest_child ? "message" : "text";
	p->type_len = digest_child ? 7 : 4;
	p->subtype = digest_child ? "rfc822" : "plain";
	p->subtype_len = digest_child ? 6 : 5;
	p->default_type = 1;
	while (imap_header_next(msg, end, &pos, &h)) {
		const char *v = h.value;
		size_t vn = h.value_len;
		trim(&v, &vn);
		struct {
			const char *name;
			const char **s;
			size_t *n;
		} fields[] = {{"Content-Transfer-Encoding", &p->encoding, &p->encoding_len},
			      {"Content-ID", &p->id, &p->id_len},
			      {"Content-Description", &p->description, &p->description_len},
			      {"Content-MD5", &p->md5, &p->md5_len},
			      {"Content-Location", &p->location, &p->location_len},
			      {"Content-Disposition", &p->disposition, &p->disposition_len},
			      {"Content-Language", &p->language, &p->language_len}};
		if (hdr_name_is(&h, "Content-Type")) {
			if (!have_type++)
				content_type(p, v, vn);
			continue;
		}
		if (hdr_name_is(&h, "MIME-Version"))
			mime = 1;
		for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++)
			if (hdr_name_is(&h, fields[f].name) && !*fields[f].s) {
				*fields[f].s = v;
				*fields[f].n = vn;
			}
	}
	if (is_message && !mime && !have_type) {
		p->encoding = p->id = p->description = p->md5 = p->location = NULL;
		p->disposition = p->language = NULL;
	}
	if (p->encoding) { /* a token; comments dropped */
		size_t epos = 0;
		p->encoding_len = imap_mime_token(p->encoding, p->encoding_len, &epos, &p->encoding);
		if (!p->encoding_len)
			p->encoding = NULL;
	}
	p->hdr_start = start;
	p->hdr_len = pos - start;
	p->body_start = pos;
	p->body_len = end - pos;
	p->hdr_size = crlf_size(msg + start, pos - start, NULL);
	p->body_size = crlf_size(msg + pos, end - pos, &p->body_lines);
	p->multipart = is(p->type, p->type_len, "multipart");
	p->message = is(p->type, p->type_len, "message") && is(p->subtype, p->subtype_len, "rfc822");
}

static const struct imap_mime_param *param(const struct imap_mime_part *p, const char *name)
{
	for (size_t i = 0; i < p->nparams; i++)
		if (is(p->params[i].name, p->params[i].name_len, name))
			return &p->params[i];
	return NULL;
}

static int push(struct todo *stack, size_t *top, struct todo t)
{
	if (*top >= IMAP_MIME_PARTS + 1)
		return -1;
	stack[(*top)++] = t;
	return 0;
}

/* Split multipart `pi` on its boundary into children. 0 (possibly with no
 * child: then the caller treats it as a leaf), -1 out of memory. */
static int split_multipart(struct imap_mime *m, int pi, int depth, struct todo *stack, size_t *top,
			   size_t *children)
{
	const struct imap_mime_param *b = param(&m->parts[pi], "boundary");
	*children = 0;
	if (!b || b->escaped || b->value_len == 0 || b->value_len > BOUNDARY_MAX)
		return 0;
	/* A folded value is compared unfolded: its line breaks removed. */
	char unfolded[BOUNDARY_MAX];
	size_t bl = 0;
	for (size_t i = 0; i < b->value_len; i++)
		if (b->value[i] != '\r' && b->value[i] != '\n')
			unfolded[bl++] = b->value[i];
	if (bl == 0)
		return 0;
	const char *bd = unfolded;
	int digest = is(m->parts[pi].subtype, m->parts[pi].subtype_len, "digest");
	const char *msg = m->msg;
	size_t pos = m->parts[pi].body_start, end = m->parts[pi].body_start + m->parts[pi].body_len;
	size_t first_child = *top;
	long cur = -1;
	while (pos < end) {
		const char *lf = memchr(msg + pos, '\n', end - pos);
		size_t line_end = lf ? (size_t)(lf - msg) : end;
		if (line_end - pos >= 2 + bl && msg[pos] == '-' && msg[pos + 1] == '-' &&
		    !memcmp(msg + pos + 2, bd, bl)) {
			size_t after = pos + 2 + bl;
			int close = after + 2 <= line_end && msg[after] == '-' && msg[after + 1] == '-';
			if (cur >= 0) {
				/* the line break before a delimiter belongs to it */
				size_t e = pos;
				if (e > (size_t)cur && msg[e - 1] == '\n')
					e--;
				if (e > (size_t)cur && msg[e - 1] == '\r')
					e--;
				if (m->nparts >= IMAP_MIME_PARTS)
					break;
				int c = new_part(m, pi);
				if (c < 0 || push(stack, top, (struct todo){(size_t)cur, e, c, depth + 1, digest}) < 0)
					return -1;
				(*children)++;
			}
			cur = close ? -2 : (long)(lf ? line_end + 1 : end);
			if (close)
				break;
		}
		pos = lf ? line_end + 1 : end;
	}
	if (cur >= 0 && m->nparts < IMAP_MIME_PARTS) { /* no closing delimiter */
		int c = new_part(m, pi);
		if (c < 0 || push(stack, top, (struct todo){(size_t)cur, end, c, depth + 1, digest}) < 0)
			return -1;
		(*children)++;
	}
	/* children were pushed in order; the stack pops them reversed, which
	 * only changes the order of parsing, not the tree */
	(void)first_child;
	return 0;
}

int imap_mime_parse(const char *msg, size_t n, struct imap_mime *m)
{
	memset(m, 0, sizeof *m);
	m->msg = msg;
	m->n = n;
	struct todo *stack = malloc((IMAP_MIME_PARTS + 1) * sizeof *stack);
	if (!stack)
		return -1;
	size_t top = 0;
	int root = new_part(m, -1);
	if (root < 0) {
		free(stack);
		return -1;
	}
	stack[top++] = (struct todo){0, n, root, 0, 0};
	while (top) {
		struct todo t = stack[--top];
		parse_header(m, t.part, t.start, t.end, t.digest_child);
		struct imap_mime_part *p = &m->parts[t.part];
		if (!p->multipart && !p->message)
			continue;
		if (t.depth >= IMAP_MIME_DEPTH || m->nparts >= IMAP_MIME_PARTS) {
			/* too deep or too many: an opaque leaf */
			p->multipart = p->message = 0;
			p->type = "application";
			p->type_len = 11;
			p->subtype = "octet-stream";
			p->subtype_len = 12;
			p->nparams = 0;
			continue;
		}
		if (p->message) {
			int c = new_part(m, t.part);
			if (c < 0)
				goto oom;
			p = &m->parts[t.part];
			stack[top++] = (struct todo){p->body_start, p->body_start + p->body_len, c,
						     t.depth + 1, 0};
			continue;
		}
		size_t children;
		if (split_multipart(m, t.part, t.depth, stack, &top, &children) < 0)
			goto oom;
		if (children == 0) {
			/* no part at all: one empty text/plain, as Dovecot reports */
			int c = new_part(m, t.part);
			if (c < 0)
				goto oom;
			struct imap_mime_part *e = &m->parts[c];
			size_t at = m->parts[t.part].body_start + m->parts[t.part].body_len;
			e->type = "text", e->type_len = 4;
			e->subtype = "plain", e->subtype_len = 5;
			e->default_type = 1;
			e->hdr_start = e->body_start = at;
		}
	}
	free(stack);
	return 0;
oom:
	free(stack);
	imap_mime_free(m);
	return -1;
}

void imap_mime_free(struct imap_mime *m)
{
	free(m->parts);
	m->parts = NULL;
	m->nparts = m->cap = 0;
}

static int nth_child(const struct imap_mime *m, int p, uint32_t k)
{
	int c = m->parts[p].first_child;
	while (c >= 0 && --k > 0)
		c = m->parts[c].next;
	return c;
}

int imap_mime_find(const struct imap_mime *m, const uint32_t *num, size_t np)
{
	if (!m->nparts)
		return -1;
	int cur = 0;
	for (size_t i = 0; i < np; i++) {
		if (num[i] == 0)
			return -1;
		if (i > 0 && m->parts[cur].message && m->parts[cur].first_child >= 0)
			cur = m->parts[cur].first_child; /* into the encapsulated message */
		else if (i > 0 && !m->parts[cur].multipart)
			return -1;
		if (m->parts[cur].multipart)
			cur = nth_child(m, cur, num[i]);
		else if (num[i] != 1)
			return -1;
		if (cur < 0)
			return -1;
	}
	return cur;
}
