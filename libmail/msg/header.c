/* header.c — RFC 5322 §2.2 fields and §3.4 address lists; see header.h. */
#include "msg/header.h"

#include <string.h>
#include <strings.h>

#include "base/buf.h"

static int is_ftext(unsigned char c)
{
	return c >= 33 && c <= 126 && c != ':';
}

int hdr_next(const char *msg, size_t n, size_t *pos, struct header *h)
{
	size_t i = *pos;
	if (i >= n)
		return 0;
	if (msg[i] == '\n') {
		*pos = i + 1;
		return 0;
	}
	size_t name_end = i;
	while (name_end < n && is_ftext((unsigned char)msg[name_end]))
		name_end++;
	if (name_end == i || name_end >= n || msg[name_end] != ':')
		return 0; /* not a field: the body starts here */
	size_t j = name_end + 1;
	for (;;) {
		const char *nl = memchr(msg + j, '\n', n - j);
		if (!nl) {
			j = n;
			break;
		}
		j = (size_t)(nl - msg) + 1;
		if (j >= n || (msg[j] != ' ' && msg[j] != '\t'))
			break;
	}
	h->name = msg + i;
	h->name_len = name_end - i;
	h->value = msg + name_end + 1;
	h->value_len = j - (name_end + 1) - (j > 0 && msg[j - 1] == '\n');
	h->start = i;
	h->len = j - i;
	*pos = j;
	return 1;
}

int hdr_name_is(const struct header *h, const char *name)
{
	return strlen(name) == h->name_len && !strncasecmp(h->name, name, h->name_len);
}

/* --- address lists --- */

struct lexer {
	const char *p;
	size_t n, i;
};

/* Skip white space (folding included) and comments; -1 on an open comment. */
static int skip_cfws(struct lexer *lx)
{
	while (lx->i < lx->n) {
		char c = lx->p[lx->i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			lx->i++;
		} else if (c == '(') {
			int depth = 0;
			while (lx->i < lx->n) {
				c = lx->p[lx->i++];
				if (c == '\\' && lx->i < lx->n)
					lx->i++;
				else if (c == '(')
					depth++;
				else if (c == ')' && --depth == 0)
					break;
			}
			if (depth)
				return -1;
		} else {
			break;
		}
	}
	return 0;
}

static int is_special(char c)
{
	return strchr("()<>[]:;@\\,.\"", c) != NULL;
}

/* Append the next word (atom, quoted string, domain literal, or one of
 * "." "@") to out; returns its first char, 0 at a delimiter, -1 on error. */
static int take_word(struct lexer *lx, struct buf *out)
{
	if (skip_cfws(lx) < 0)
		return -1;
	if (lx->i >= lx->n)
		return 0;
	char c = lx->p[lx->i];
	size_t start = lx->i;
	if (c == '"' || c == '[') {
		char close = c == '"' ? '"' : ']';
		lx->i++;
		while (lx->i < lx->n && lx->p[lx->i] != close) {
			if (lx->p[lx->i] == '\\')
				lx->i++;
			lx->i++;
		}
		if (lx->i >= lx->n)
			return -1;
		lx->i++;
	} else if (c == '.' || c == '@') {
		lx->i++;
	} else if (!is_special(c) && c != ' ' && c != '\t' && c != '\n') {
		while (lx->i < lx->n) {
			c = lx->p[lx->i];
			if (is_special(c) || c == ' ' || c == '\t' || c == '\n' || c == '\r')
				break;
			lx->i++;
		}
	} else {
		return 0;
	}
	buf_add(out, lx->p + start, lx->i - start);
	return (unsigned char)lx->p[start];
}

static int emit(struct buf *spec, addr_fn fn, void *ctx)
{
	if (!buf_ok(spec))
		return -1;
	int r = spec->len ? fn(ctx, spec->ptr, spec->len) : 0;
	buf_reset(spec);
	return r;
}

int addrlist_parse(const char *v, size_t n, addr_fn fn, void *ctx)
{
	struct lexer lx = { v, n, 0 };
	struct buf words = BUF_INIT, spec = BUF_INIT;
	int in_group = 0, r = 0;
	buf_init(&words, 4096);
	buf_init(&spec, 4096);
	for (;;) {
		/* Gather words; what they are depends on the delimiter that ends them. */
		buf_reset(&words);
		int w, prev_word = 0, adjacent = 0;
		while ((w = take_word(&lx, &words)) > 0) {
			/* Two words with no "." or "@" between make a phrase, which
			 * only a display name before "<" (or a group name) may be. */
			int word = w != '.' && w != '@';
			adjacent |= word && prev_word;
			prev_word = word;
		}
		if (w < 0 || !buf_ok(&words)) {
			r = -1;
			break;
		}
		char d = lx.i < lx.n ? lx.p[lx.i] : '\0';
		if (d == '<') {
			/* name-addr: the words were a display name. */
			lx.i++;
			const char *close = memchr(lx.p + lx.i, '>', lx.n - lx.i);
			if (!close) {
				r = -1;
				break;
			}
			struct lexer inner = { lx.p + lx.i, (size_t)(close - (lx.p + lx.i)), 0 };
			/* obs-route "@a,@b:" before the addr-spec is dropped. */
			const char *colon = memchr(inner.p, ':', inner.n);
			if (colon && skip_cfws(&inner) == 0 && inner.i < inner.n && inner.p[inner.i] == '@')
				inner.i = (size_t)(colon - inner.p) + 1;
			while ((w = take_word(&inner, &spec)) > 0)
				;
			if (w < 0 || skip_cfws(&inner) < 0 || inner.i != inner.n) {
				r = -1;
				break;
			}
			lx.i = (size_t)(close - lx.p) + 1;
			if ((r = emit(&spec, fn, ctx)) != 0)
				break;
			if (skip_cfws(&lx) < 0) {
				r = -1;
				break;
			}
			d = lx.i < lx.n ? lx.p[lx.i] : '\0';
			if (d && d != ',' && d != ';') {
				r = -1;
				break;
			}
			if (d)
				lx.i++;
			if (d == ';')
				in_group = 0;
		} else if (d == ':' && !in_group) {
			lx.i++; /* group: the words were its name */
			in_group = 1;
		} else if (d == ',' || d == ';' || d == '\0') {
			if (adjacent) {
				r = -1;
				break;
			}
			if (buf_add(&spec, words.ptr, words.len) < 0 || (r = emit(&spec, fn, ctx)) != 0)
				break;
			if (d == ';') {
				if (!in_group) {
					r = -1;
					break;
				}
				in_group = 0;
			}
			if (!d)
				break;
			lx.i++;
		} else {
			r = -1;
			break;
		}
	}
	buf_free(&words);
	buf_free(&spec);
	return r;
}
