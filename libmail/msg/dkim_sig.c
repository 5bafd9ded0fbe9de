/* dkim_sig.c — DKIM-Signature fields and key records; see dkim_sig.h. */
#include "msg/dkim_sig.h"

#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "msg/dkim_tags.h"
#include "msg/mime.h"

const char *dkim_alg_name(enum dkim_alg a)
{
	switch (a) {
	case DKIM_RSA_SHA256: return "rsa-sha256";
	case DKIM_ED25519_SHA256: return "ed25519-sha256";
	case DKIM_RSA_SHA1: return "rsa-sha1";
	}
	return "?";
}

int dkim_base64_decode(const char *s, size_t n, unsigned char *out, size_t cap, size_t *len)
{
	struct buf text = BUF_INIT, bin = BUF_INIT;
	buf_init(&text, 4 * cap / 3 + 8);
	buf_init(&bin, cap);
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			buf_addc(&text, s[i]);
	int rc = -1;
	if (buf_ok(&text) && text.len % 4 == 0 && base64_decode(&bin, text.ptr ? text.ptr : "", text.len) == 0 &&
	    bin.len <= cap) {
		if (bin.len)
			memcpy(out, bin.ptr, bin.len);
		*len = bin.len;
		rc = 0;
	}
	buf_free(&text);
	buf_free(&bin);
	return rc;
}

/* A domain name as text: letters, digits, '-', '_', dots; not empty. */
static int copy_domain(const struct dkim_tag *t, char *out)
{
	if (!t || t->value_len == 0 || t->value_len >= DKIM_DOMAIN_MAX)
		return -1;
	for (size_t i = 0; i < t->value_len; i++) {
		char c = t->value[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
		      c == '_' || c == '.'))
			return -1;
	}
	return str_copy(out, DKIM_DOMAIN_MAX, t->value, t->value_len);
}

static int parse_number(const struct dkim_tag *t, long long *out)
{
	*out = -1;
	if (!t)
		return 0;
	if (t->value_len == 0 || t->value_len > 18)
		return -1;
	long long v = 0;
	for (size_t i = 0; i < t->value_len; i++) {
		if (t->value[i] < '0' || t->value[i] > '9')
			return -1;
		v = v * 10 + (t->value[i] - '0');
	}
	*out = v;
	return 0;
}

/* The items of a colon-separated list with FWS around them (h=, and a
 * key record's h=, s=, t=). */
struct colon_list {
	const char *p, *end;
	int done;
};

static int is_fws_char(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The next item into [*a, *z); 0 after the last. */
static int next_item(struct colon_list *l, const char **a, const char **z)
{
	if (l->done)
		return 0;
	const char *colon = memchr(l->p, ':', (size_t)(l->end - l->p));
	const char *stop = colon ? colon : l->end;
	*a = l->p;
	*z = stop;
	while (*a < *z && is_fws_char(**a))
		(*a)++;
	while (*z > *a && is_fws_char((*z)[-1]))
		(*z)--;
	if (colon)
		l->p = colon + 1;
	else
		l->done = 1;
	return 1;
}

/* h=: header field names. */
static int parse_h(const struct dkim_tag *t, struct dkim_sig *sig)
{
	struct colon_list l = { t->value, t->value + t->value_len, 0 };
	const char *a, *z;
	sig->nh = 0;
	while (next_item(&l, &a, &z)) {
		if (a == z || sig->nh == DKIM_H_MAX)
			return -1;
		for (const char *c = a; c < z; c++)
			if ((unsigned char)*c < 33 || (unsigned char)*c > 126)
				return -1;
		sig->h[sig->nh].name = a;
		sig->h[sig->nh].len = (size_t)(z - a);
		sig->nh++;
	}
	return 0;
}

int dkim_sig_h_is(const struct dkim_sig *sig, size_t i, const char *name, size_t len)
{
	return sig->h[i].len == len && !strncasecmp(sig->h[i].name, name, len);
}

/* Is sub the same domain as dom or under it (case-insensitive)? */
static int domain_within(const char *sub, const char *dom)
{
	size_t ls = strlen(sub), ld = strlen(dom);
	if (ls < ld || strcasecmp(sub + ls - ld, dom))
		return 0;
	return ls == ld || sub[ls - ld - 1] == '.';
}

#define FAIL(text) do { *why = (text); return -1; } while (0)

int dkim_sig_parse(const char *value, size_t n, struct dkim_sig *sig, const char **why)
{
	struct dkim_tags tags;
	memset(sig, 0, sizeof *sig);
	if (dkim_tags_parse(value, n, &tags) < 0)
		FAIL("malformed tag list");
	const struct dkim_tag *v = dkim_tags_get(&tags, "v"), *a = dkim_tags_get(&tags, "a"),
			      *b = dkim_tags_get(&tags, "b"), *bh = dkim_tags_get(&tags, "bh"),
			      *c = dkim_tags_get(&tags, "c"), *d = dkim_tags_get(&tags, "d"),
			      *h = dkim_tags_get(&tags, "h"), *i = dkim_tags_get(&tags, "i"),
			      *q = dkim_tags_get(&tags, "q"), *s = dkim_tags_get(&tags, "s");
	/* Who signed and how, first, so that even a refused signature can be
	 * named in results and logs. */
	int bad_d = d && copy_domain(d, sig->domain) < 0, bad_s = s && copy_domain(s, sig->selector) < 0;
	sig->has_alg = 1;
	if (dkim_tag_is(a, "rsa-sha256", 1))
		sig->alg = DKIM_RSA_SHA256;
	else if (dkim_tag_is(a, "ed25519-sha256", 1))
		sig->alg = DKIM_ED25519_SHA256;
	else if (dkim_tag_is(a, "rsa-sha1", 1))
		sig->alg = DKIM_RSA_SHA1;
	else
		sig->has_alg = 0;
	if (!v || !a || !b || !bh || !d || !h || !s)
		FAIL("a required tag (v a b bh d h s) is missing");
	if (!dkim_tag_is(v, "1", 0))
		FAIL("v= is not 1");
	if (!sig->has_alg)
		FAIL("unknown algorithm a=");
	if (!c || dkim_tag_is(c, "simple", 1) || dkim_tag_is(c, "simple/simple", 1)) {
		sig->header_relaxed = sig->body_relaxed = 0;
	} else if (dkim_tag_is(c, "relaxed", 1) || dkim_tag_is(c, "relaxed/simple", 1)) {
		sig->header_relaxed = 1;
	} else if (dkim_tag_is(c, "relaxed/relaxed", 1)) {
		sig->header_relaxed = sig->body_relaxed = 1;
	} else if (dkim_tag_is(c, "simple/relaxed", 1)) {
		sig->body_relaxed = 1;
	} else {
		FAIL("unknown canonicalization c=");
	}
	if (q && !(q->value_len >= 7 && !strncasecmp(q->value, "dns/txt", 7)))
		FAIL("q= is not dns/txt");
	if (bad_d)
		FAIL("d= is not a domain");
	if (bad_s)
		FAIL("s= is not a selector");
	if (parse_h(h, sig) < 0)
		FAIL("malformed h=");
	int has_from = 0;
	for (size_t k = 0; k < sig->nh; k++)
		has_from |= dkim_sig_h_is(sig, k, "from", 4);
	if (!has_from)
		FAIL("h= does not sign From");
	if (i) {
		const char *at = memchr(i->value, '@', i->value_len);
		if (!at)
			FAIL("i= has no @");
		struct dkim_tag dom = *i;
		dom.value = at + 1;
		dom.value_len = i->value_len - (size_t)(at + 1 - i->value);
		if (copy_domain(&dom, sig->auid_domain) < 0)
			FAIL("i= has no domain");
		if (!domain_within(sig->auid_domain, sig->domain))
			FAIL("i= is not within d=");
	}
	if (parse_number(dkim_tags_get(&tags, "l"), &sig->l) < 0 ||
	    parse_number(dkim_tags_get(&tags, "t"), &sig->t) < 0 ||
	    parse_number(dkim_tags_get(&tags, "x"), &sig->x) < 0)
		FAIL("l=, t= or x= is not a number");
	if (sig->x >= 0 && sig->t >= 0 && sig->x < sig->t)
		FAIL("x= is before t=");
	if (dkim_base64_decode(bh->value, bh->value_len, sig->bh, sizeof sig->bh, &sig->bh_len) < 0 ||
	    sig->bh_len == 0)
		FAIL("bh= is not base64");
	if (dkim_base64_decode(b->value, b->value_len, sig->b, sizeof sig->b, &sig->b_len) < 0 || sig->b_len == 0)
		FAIL("b= is not base64");
	sig->b_raw_start = b->raw_start;
	sig->b_raw_end = b->raw_end;
	return 0;
}

/* Does a colon-separated list hold item, or "*" when star? */
static int list_has(const struct dkim_tag *t, const char *item, int star)
{
	struct colon_list l = { t->value, t->value + t->value_len, 0 };
	const char *a, *z;
	size_t len = strlen(item);
	while (next_item(&l, &a, &z))
		if (((size_t)(z - a) == len && !strncasecmp(a, item, len)) || (star && z - a == 1 && *a == '*'))
			return 1;
	return 0;
}

int dkim_key_record_parse(const char *txt, size_t n, struct dkim_key_record *key, const char **why)
{
	struct dkim_tags tags;
	memset(key, 0, sizeof *key);
	if (dkim_tags_parse(txt, n, &tags) < 0)
		FAIL("malformed key record");
	const struct dkim_tag *v = dkim_tags_get(&tags, "v"), *k = dkim_tags_get(&tags, "k"),
			      *h = dkim_tags_get(&tags, "h"), *s = dkim_tags_get(&tags, "s"),
			      *t = dkim_tags_get(&tags, "t"), *p = dkim_tags_get(&tags, "p");
	/* §3.6.1: v= is optional, but when present it must be first and DKIM1. */
	if (v && (v != &tags.tag[0] || !dkim_tag_is(v, "DKIM1", 0)))
		FAIL("key record v= is not DKIM1 first");
	if (!k || dkim_tag_is(k, "rsa", 1))
		key->type = DKIM_KEY_RSA;
	else if (dkim_tag_is(k, "ed25519", 1))
		key->type = DKIM_KEY_ED25519;
	else
		FAIL("unknown key type k=");
	if (h && !list_has(h, "sha256", 0))
		FAIL("key record h= does not allow sha256");
	if (s && !list_has(s, "email", 1))
		FAIL("key record s= is not for email");
	if (t) {
		key->testing = list_has(t, "y", 0);
		key->strict = list_has(t, "s", 0);
	}
	if (!p)
		FAIL("key record has no p=");
	if (p->value_len == 0) {
		key->revoked = 1;
		return 0;
	}
	if (dkim_base64_decode(p->value, p->value_len, key->p, sizeof key->p, &key->p_len) < 0 || key->p_len == 0)
		FAIL("key record p= is not base64");
	return 0;
}
