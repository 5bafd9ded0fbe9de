/* addr.c — RFC 5321 §4.1.2 path grammar; see addr.h. */
#include "msg/addr.h"
#include "base/utf8.h"

#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "msg/idna.h"

struct cursor {
	const unsigned char *p;
	size_t n, i;
	unsigned utf8;
};

static int at(const struct cursor *c, char ch)
{
	return c->i < c->n && c->p[c->i] == (unsigned char)ch;
}

static int is_alnum(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

/* RFC 5322 atext, the characters of a dot-string atom. */
static int is_atext(unsigned char ch)
{
	return is_alnum(ch) || (ch && strchr("!#$%&'*+-/=?^_`{|}~", ch));
}


/* One UTF-8 non-ASCII character (RFC 6531 UTF8-non-ascii); advances. */
static int take_utf8(struct cursor *c)
{
	if (c->i >= c->n || c->p[c->i] < 0x80)
		return 0;
	size_t len = utf8_seq_len(c->p + c->i, c->n - c->i);
	if (!len)
		return 0;
	c->i += len;
	c->utf8 = 1;
	return 1;
}

/* Atom *("." Atom), atoms of atext or UTF-8. */
static int dot_string(struct cursor *c)
{
	for (;;) {
		size_t start = c->i;
		for (;;) {
			if (c->i < c->n && is_atext(c->p[c->i]))
				c->i++;
			else if (!take_utf8(c))
				break;
		}
		if (c->i == start)
			return -1;
		if (!at(c, '.'))
			return 0;
		c->i++;
	}
}

/* DQUOTE *(qtextSMTP / quoted-pairSMTP) DQUOTE */
static int quoted_string(struct cursor *c)
{
	c->i++; /* opening quote */
	while (c->i < c->n) {
		unsigned char ch = c->p[c->i];
		if (ch == '"') {
			c->i++;
			return 0;
		}
		if (ch == '\\') {
			if (c->i + 1 >= c->n || c->p[c->i + 1] < 32 || c->p[c->i + 1] > 126)
				return -1;
			c->i += 2;
		} else if (ch >= 32 && ch <= 126) {
			c->i++;
		} else if (!take_utf8(c)) {
			return -1;
		}
	}
	return -1;
}

/* sub-domain *("." sub-domain); labels of letters, digits, inner hyphens,
 * at most 63 octets; U-labels (UTF-8) allowed. No trailing dot. */
static int domain(struct cursor *c)
{
	for (;;) {
		size_t start = c->i;
		for (;;) {
			if (c->i < c->n && (is_alnum(c->p[c->i]) || c->p[c->i] == '-'))
				c->i++;
			else if (!take_utf8(c))
				break;
		}
		if (c->i == start || c->i - start > 63 || c->p[start] == '-' || c->p[c->i - 1] == '-')
			return -1;
		if (!at(c, '.'))
			return 0;
		c->i++;
	}
}

/* "[" IPv4 / "IPv6:" IPv6 / tag ":" dcontent "]" */
static int address_literal(struct cursor *c)
{
	size_t start = ++c->i;
	while (c->i < c->n && c->p[c->i] != ']') {
		unsigned char ch = c->p[c->i];
		if (ch < 33 || ch > 126 || ch == '[' || ch == '\\')
			return -1;
		c->i++;
	}
	if (c->i >= c->n)
		return -1;
	size_t len = c->i - start;
	c->i++; /* closing bracket */
	char text[ADDR_DOMAIN_MAX + 1];
	unsigned char bin[16];
	if (len == 0 || str_copy(text, sizeof text, (const char *)c->p + start, len) < 0)
		return -1;
	if (len > 5 && !strncasecmp(text, "IPv6:", 5))
		return inet_pton(AF_INET6, text + 5, bin) == 1 ? 0 : -1;
	const char *colon = strchr(text, ':');
	if (!colon)
		return inet_pton(AF_INET, text, bin) == 1 ? 0 : -1;
	/* General-address-literal: Standardized-tag ":" 1*dcontent */
	for (const char *t = text; t < colon; t++)
		if (!is_alnum((unsigned char)*t) && *t != '-')
			return -1;
	return colon > text && colon[1] ? 0 : -1;
}

static int bad(struct mail_err *e, const char *why)
{
	return err_set(e, EX_DATAERR, 501, "5.1.3", "%s", why);
}

static int too_long(struct mail_err *e, const char *what)
{
	return err_set(e, EX_DATAERR, 501, "5.1.3", "%s too long", what);
}

/* A-d-l ":" — a source route, parsed and dropped (RFC 5321 §4.1.2, C). */
static int source_route(struct cursor *c)
{
	for (;;) {
		if (!at(c, '@'))
			return -1;
		c->i++;
		if (domain(c) < 0)
			return -1;
		if (at(c, ':')) {
			c->i++;
			return 0;
		}
		if (!at(c, ','))
			return -1;
		c->i++;
	}
}

int addr_parse(const char *s, size_t n, unsigned opts, struct mailbox *m, struct mail_err *e)
{
	struct cursor c = { (const unsigned char *)s, n, 0, 0 };
	int bracketed = n > 0 && s[0] == '<';
	memset(m, 0, sizeof *m);
	if (n > ADDR_PATH_MAX)
		return too_long(e, "path");
	if (!bracketed && !(opts & ADDR_ALLOW_BARE))
		return bad(e, "path must be enclosed in <>");
	if (bracketed) {
		if (n < 2 || s[n - 1] != '>')
			return bad(e, "unbalanced <>");
		c.i = 1;
		c.n = n - 1;
		if (c.n == 1) {
			if (!(opts & ADDR_ALLOW_NULL))
				return bad(e, "null address not allowed here");
			m->flags = MBOX_NULL;
			return 0;
		}
		if (at(&c, '@')) {
			if (source_route(&c) < 0)
				return bad(e, "bad source route");
			m->flags |= MBOX_ROUTE;
		}
	}
	if (c.i >= c.n)
		return bad(e, "empty address");

	size_t lstart = c.i;
	if (at(&c, '"')) {
		if (quoted_string(&c) < 0)
			return bad(e, "bad quoted local part");
		m->flags |= MBOX_QUOTED;
	} else if (dot_string(&c) < 0) {
		return bad(e, "bad local part");
	}
	size_t llen = c.i - lstart;
	if (llen > ADDR_LOCAL_MAX)
		return too_long(e, "local part");
	memcpy(m->local, s + lstart, llen);

	if (c.i == c.n) {
		if (!(opts & ADDR_ALLOW_NODOMAIN))
			return bad(e, "address lacks a domain");
		m->flags |= MBOX_NODOMAIN;
	} else {
		if (!at(&c, '@'))
			return bad(e, "bad character in address");
		c.i++;
		size_t dstart = c.i;
		if (at(&c, '[')) {
			if (address_literal(&c) < 0)
				return bad(e, "bad address literal");
			m->flags |= MBOX_LITERAL;
		} else if (domain(&c) < 0) {
			return bad(e, "bad domain");
		}
		if (c.i != c.n)
			return bad(e, "bad character in domain");
		size_t dlen = c.i - dstart;
		if (dlen > ADDR_DOMAIN_MAX)
			return too_long(e, "domain");
		memcpy(m->domain, s + dstart, dlen);
	}
	if (c.utf8)
		m->flags |= MBOX_UTF8;
	return 0;
}

int addr_format(const struct mailbox *m, char *out, size_t cap)
{
	if (cap == 0)
		return -1;
	if (m->flags & MBOX_NULL) {
		out[0] = '\0';
		return 0;
	}
	size_t ll = strlen(m->local), dl = strlen(m->domain);
	size_t need = ll + (dl ? 1 + dl : 0);
	if (need + 1 > cap)
		return -1;
	memcpy(out, m->local, ll);
	if (dl) {
		out[ll] = '@';
		memcpy(out + ll + 1, m->domain, dl);
	}
	out[need] = '\0';
	return (int)need;
}

int addr_qualify(struct mailbox *m, const char *dom)
{
	if (!(m->flags & MBOX_NODOMAIN))
		return 0;
	if (str_copy(m->domain, sizeof m->domain, dom, strlen(dom)) < 0)
		return -1;
	m->flags &= ~(unsigned)MBOX_NODOMAIN;
	return 0;
}

int addr_domain_eq(const char *a, const char *b)
{
	return idna_domain_eq(a, b);
}
