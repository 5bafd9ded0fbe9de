/* dkim_canon.c — RFC 6376 §3.4 canonicalization; see dkim_canon.h. */
#include "msg/dkim_canon.h"

#include <stdlib.h>
#include <strings.h>

#include "msg/header.h"

static int is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

int dkim_canon_header(struct buf *out, const char *name, size_t name_len, const char *value, size_t value_len,
		      int relaxed, int crlf)
{
	if (!relaxed) {
		/* §3.4.1: as it is, line breaks written CRLF. */
		buf_add(out, name, name_len);
		buf_addc(out, ':');
		for (size_t i = 0; i < value_len; i++) {
			if (value[i] == '\n' && (i == 0 || value[i - 1] != '\r'))
				buf_addc(out, '\r');
			buf_addc(out, value[i]);
		}
	} else {
		/* §3.4.2: lowercase name; unfold; WSP runs to one SP; none at
		 * either end of the value, none around the colon. */
		for (size_t i = 0; i < name_len; i++) {
			char c = name[i];
			buf_addc(out, c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c);
		}
		buf_addc(out, ':');
		int wsp = 0, started = 0;
		for (size_t i = 0; i < value_len; i++) {
			char c = value[i];
			if (c == '\r' && i + 1 < value_len && value[i + 1] == '\n')
				continue;
			if (c == '\n')
				continue;
			if (is_wsp(c)) {
				wsp = 1;
				continue;
			}
			if (wsp && started)
				buf_addc(out, ' ');
			wsp = 0;
			started = 1;
			buf_addc(out, c);
		}
	}
	if (crlf)
		buf_add(out, "\r\n", 2);
	return buf_ok(out) ? 0 : -1;
}

void dkim_body_canon_init(struct dkim_body_canon *c, int relaxed, dkim_canon_out out, void *ctx)
{
	*c = (struct dkim_body_canon){ .relaxed = relaxed, .out = out, .ctx = ctx };
}

static void emit(struct dkim_body_canon *c, const char *p, size_t n)
{
	c->out(c->ctx, p, n);
	c->any_output = 1;
}

/* The first content of a line proves the empty lines before it inner. */
static void start_content(struct dkim_body_canon *c)
{
	if (c->line_has_content)
		return;
	for (; c->blank_lines; c->blank_lines--)
		emit(c, "\r\n", 2);
	c->line_has_content = 1;
}

static void end_line(struct dkim_body_canon *c)
{
	if (c->line_has_content)
		emit(c, "\r\n", 2);
	else
		c->blank_lines++;
	c->line_has_content = 0;
	c->pending_wsp = 0;
}

/* Content bytes p[0..n): no LF, and no CR unless it is content. */
static void content(struct dkim_body_canon *c, const char *p, size_t n)
{
	if (!c->relaxed) {
		if (n) {
			start_content(c);
			emit(c, p, n);
		}
		return;
	}
	size_t i = 0;
	while (i < n) {
		if (is_wsp(p[i])) {
			c->pending_wsp = 1;
			i++;
			continue;
		}
		size_t j = i;
		while (j < n && !is_wsp(p[j]))
			j++;
		start_content(c);
		if (c->pending_wsp)
			emit(c, " ", 1);
		c->pending_wsp = 0;
		emit(c, p + i, j - i);
		i = j;
	}
}

void dkim_body_canon_update(struct dkim_body_canon *c, const char *p, size_t n)
{
	size_t i = 0;
	if (c->pending_cr && n) {
		c->pending_cr = 0;
		if (p[0] == '\n') {
			end_line(c);
			i = 1;
		} else {
			content(c, "\r", 1);
		}
	}
	while (i < n) {
		size_t j = i;
		while (j < n && p[j] != '\n' && p[j] != '\r')
			j++;
		content(c, p + i, j - i);
		if (j == n)
			return;
		if (p[j] == '\n') {
			end_line(c);
			i = j + 1;
		} else if (j + 1 == n) {
			c->pending_cr = 1; /* the LF may come in the next chunk */
			return;
		} else if (p[j + 1] == '\n') {
			end_line(c);
			i = j + 2;
		} else {
			content(c, "\r", 1);
			i = j + 1;
		}
	}
}

void dkim_body_canon_final(struct dkim_body_canon *c)
{
	if (c->pending_cr) {
		c->pending_cr = 0;
		content(c, "\r", 1);
	}
	if (c->line_has_content)
		end_line(c); /* a last line without its line break gets one */
	/* §3.4.3: an empty body is one CRLF in simple; §3.4.4: nothing in
	 * relaxed. Trailing empty lines are dropped by never being emitted. */
	if (!c->relaxed && !c->any_output)
		emit(c, "\r\n", 2);
}

/* The fields of a header section, in order, with whether a name of h=
 * has taken each one yet. */
struct field_list {
	struct header *f;
	unsigned char *taken;
	size_t n;
};

static int list_fields(const char *hdrs, size_t n, struct field_list *l)
{
	size_t cap = 0, pos = 0;
	struct header h;
	l->f = NULL;
	l->taken = NULL;
	l->n = 0;
	while (hdr_next(hdrs, n, &pos, &h) == 1) {
		if (l->n == cap) {
			cap = cap ? 2 * cap : 32;
			struct header *f = realloc(l->f, cap * sizeof *f);
			if (!f)
				return -1;
			l->f = f;
		}
		l->f[l->n++] = h;
	}
	l->taken = calloc(l->n + 1, 1);
	return l->taken ? 0 : -1;
}

int dkim_canon_headers(struct buf *out, const char *hdrs, size_t n, const struct dkim_hname *h, size_t nh,
		       int relaxed)
{
	struct field_list l;
	int rc = list_fields(hdrs, n, &l);
	for (size_t i = 0; rc == 0 && i < nh; i++) {
		for (size_t k = l.n; k-- > 0;) {
			const struct header *f = &l.f[k];
			if (l.taken[k] || f->name_len != h[i].len || strncasecmp(f->name, h[i].name, h[i].len))
				continue;
			l.taken[k] = 1;
			size_t vlen = f->value_len;
			if (vlen && f->value[vlen - 1] == '\r')
				vlen--; /* CRLF text: the CR of the field's own line break */
			rc = dkim_canon_header(out, f->name, f->name_len, f->value, vlen, relaxed, 1);
			break;
		}
	}
	free(l.f);
	free(l.taken);
	return rc;
}
