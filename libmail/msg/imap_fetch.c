/* imap_fetch.c — the FETCH item list; see imap_fetch.h. */
#include "msg/imap_fetch.h"

#include <string.h>
#include <strings.h>

#include "msg/imap_string.h"

static const struct {
	const char *name;
	enum imap_fetch_att att;
	int sets_seen;
} simple[] = {
	{"FLAGS", IMAP_FA_FLAGS, 0},
	{"INTERNALDATE", IMAP_FA_INTERNALDATE, 0},
	{"RFC822.SIZE", IMAP_FA_RFC822_SIZE, 0},
	{"ENVELOPE", IMAP_FA_ENVELOPE, 0},
	{"BODY", IMAP_FA_BODY, 0},
	{"BODYSTRUCTURE", IMAP_FA_BODYSTRUCTURE, 0},
	{"UID", IMAP_FA_UID, 0},
	{"RFC822", IMAP_FA_RFC822, 1},
	{"RFC822.HEADER", IMAP_FA_RFC822_HEADER, 0},
	{"RFC822.TEXT", IMAP_FA_RFC822_TEXT, 1},
	{"MODSEQ", IMAP_FA_MODSEQ, 0},
};

static int add(struct imap_fetch *f, const struct imap_fetch_item *it, struct imap_err *e)
{
	if (f->n >= IMAP_FETCH_ITEMS_MAX)
		return imap_err_set(e, "LIMIT", "Too many fetch items");
	f->items[f->n++] = *it;
	if (it->att == IMAP_FA_UID)
		f->has_uid = 1;
	return 0;
}

static int add_simple(struct imap_fetch *f, enum imap_fetch_att att, struct imap_err *e)
{
	struct imap_fetch_item it = {.att = att};
	return add(f, &it, e);
}

static int macro(struct imap_fetch *f, const struct imap_arg *a, struct imap_err *e)
{
	int all = imap_arg_atom_is(a, "ALL"), fast = imap_arg_atom_is(a, "FAST"),
	    full = imap_arg_atom_is(a, "FULL");
	if (!all && !fast && !full)
		return 0;
	if (add_simple(f, IMAP_FA_FLAGS, e) < 0 || add_simple(f, IMAP_FA_INTERNALDATE, e) < 0 ||
	    add_simple(f, IMAP_FA_RFC822_SIZE, e) < 0)
		return -1;
	if ((all || full) && add_simple(f, IMAP_FA_ENVELOPE, e) < 0)
		return -1;
	if (full && add_simple(f, IMAP_FA_BODY, e) < 0)
		return -1;
	return 1;
}

/* "<origin.count>" at s[0..n) (n may be 0: no partial). */
static int partial(const char *s, size_t n, struct imap_fetch_item *it, struct imap_err *e)
{
	if (n == 0)
		return 0;
	size_t i = 1;
	uint64_t v[2] = {0, 0};
	if (s[0] != '<')
		goto bad;
	for (int k = 0; k < 2; k++) {
		size_t start = i;
		while (i < n && s[i] >= '0' && s[i] <= '9') {
			v[k] = v[k] * 10 + (uint64_t)(s[i] - '0');
			if (v[k] > UINT32_MAX) /* number (RFC 9051): 32 bits */
				goto bad;
			i++;
		}
		if (i == start || i >= n || s[i] != (k == 0 ? '.' : '>'))
			goto bad;
		i++;
	}
	if (i != n || v[1] == 0)
		goto bad;
	it->partial = 1;
	it->origin = v[0];
	it->count = v[1];
	return 0;
bad:
	return imap_err_set(e, "", "Invalid partial fetch");
}

/* BODY[..., BODY.PEEK[..., BINARY[..., BINARY.PEEK[..., BINARY.SIZE[... */
static int section_item(const struct imap_arg **ap, struct imap_fetch *f, struct imap_err *e)
{
	const struct imap_arg *a = *ap;
	const char *s = a->s, *br = memchr(a->s, '[', a->len);
	size_t pre = (size_t)(br - s);
	struct imap_fetch_item it = {0};
	static const struct {
		const char *name;
		enum imap_fetch_att att;
		int peek;
	} kinds[] = {{"BODY", IMAP_FA_BODY_SECTION, 0}, {"BODY.PEEK", IMAP_FA_BODY_SECTION, 1},
		     {"BINARY", IMAP_FA_BINARY, 0}, {"BINARY.PEEK", IMAP_FA_BINARY, 1},
		     {"BINARY.SIZE", IMAP_FA_BINARY_SIZE, 1}};
	size_t k = 0;
	while (k < sizeof kinds / sizeof kinds[0] &&
	       (strlen(kinds[k].name) != pre || strncasecmp(s, kinds[k].name, pre)))
		k++;
	if (k == sizeof kinds / sizeof kinds[0])
		return imap_err_set(e, "", "Invalid fetch item");
	it.att = kinds[k].att;
	it.peek = kinds[k].peek;
	const char *sec = br + 1, *end = s + a->len;
	const char *close = memchr(sec, ']', (size_t)(end - sec));
	const char *tail;
	size_t tail_len;
	if (close) {
		if (imap_section_parse(sec, (size_t)(close - sec), &it.section, e) < 0)
			return -1;
		if (it.section.kind == IMAP_SEC_HEADER_FIELDS ||
		    it.section.kind == IMAP_SEC_HEADER_FIELDS_NOT)
			return imap_err_set(e, "", "Missing header field list");
		tail = close + 1;
		tail_len = (size_t)(end - tail);
	} else {
		/* "BODY[HEADER.FIELDS" (names) "]<partial>" */
		const struct imap_arg *list = a->next, *rest = list ? list->next : NULL;
		if (imap_section_parse(sec, (size_t)(end - sec), &it.section, e) < 0)
			return -1;
		if ((it.section.kind != IMAP_SEC_HEADER_FIELDS &&
		     it.section.kind != IMAP_SEC_HEADER_FIELDS_NOT) ||
		    !list || list->type != IMAP_ARG_LIST || list->len == 0 || !rest ||
		    rest->type != IMAP_ARG_ATOM || !rest->adjacent || rest->len == 0 || rest->s[0] != ']')
			return imap_err_set(e, "", "Invalid header field list");
		if (list->len > IMAP_SECTION_FIELDS_MAX)
			return imap_err_set(e, "LIMIT", "Too many header fields");
		for (const struct imap_arg *h = list->child; h; h = h->next)
			if (!imap_arg_is_string(h) || h->len == 0 || memchr(h->s, ':', h->len))
				return imap_err_set(e, "", "Invalid header field name");
		it.section.fields = list->child;
		it.section.nfields = list->len;
		tail = rest->s + 1;
		tail_len = rest->len - 1;
		*ap = rest;
	}
	if (it.att != IMAP_FA_BODY_SECTION &&
	    (it.section.kind != IMAP_SEC_ALL))
		return imap_err_set(e, "", "Invalid BINARY section");
	if (it.att == IMAP_FA_BINARY_SIZE && tail_len)
		return imap_err_set(e, "", "Invalid fetch item");
	if (partial(tail, tail_len, &it, e) < 0)
		return -1;
	if (!it.peek && it.att != IMAP_FA_BINARY_SIZE)
		f->sets_seen = 1;
	return add(f, &it, e);
}

static int item(const struct imap_arg **ap, struct imap_fetch *f, struct imap_err *e)
{
	const struct imap_arg *a = *ap;
	if (a->type != IMAP_ARG_ATOM)
		return imap_err_set(e, "", "Invalid fetch item");
	if (memchr(a->s, '[', a->len))
		return section_item(ap, f, e);
	for (size_t k = 0; k < sizeof simple / sizeof simple[0]; k++)
		if (imap_arg_atom_is(a, simple[k].name)) {
			f->sets_seen |= simple[k].sets_seen;
			return add_simple(f, simple[k].att, e);
		}
	return imap_err_set(e, "", "Invalid fetch item");
}

static int modifiers(const struct imap_arg *m, struct imap_fetch *f, struct imap_err *e)
{
	if (!m)
		return 0;
	if (m->type != IMAP_ARG_LIST || m->next)
		return imap_err_set(e, "", "Invalid fetch modifiers");
	for (const struct imap_arg *a = m->child; a; a = a->next) {
		if (imap_arg_atom_is(a, "VANISHED")) {
			f->vanished = 1;
			continue;
		}
		if (!imap_arg_atom_is(a, "CHANGEDSINCE") || !a->next || a->next->type != IMAP_ARG_ATOM)
			return imap_err_set(e, "", "Invalid fetch modifier");
		a = a->next;
		uint64_t v = 0;
		for (size_t i = 0; i < a->len; i++) {
			if (a->s[i] < '0' || a->s[i] > '9' || v > (UINT64_MAX >> 1) / 10)
				return imap_err_set(e, "", "Invalid CHANGEDSINCE");
			v = v * 10 + (uint64_t)(a->s[i] - '0');
		}
		if (!a->len || a->len > 19)
			return imap_err_set(e, "", "Invalid CHANGEDSINCE");
		f->changedsince = v;
	}
	if (f->vanished && !f->changedsince)
		return imap_err_set(e, "", "VANISHED needs CHANGEDSINCE");
	return 0;
}

int imap_fetch_parse(const struct imap_arg *att, struct imap_fetch *out, struct imap_err *e)
{
	memset(out, 0, sizeof *out);
	if (!att)
		return imap_err_set(e, "", "Missing fetch items");
	if (att->type == IMAP_ARG_LIST) {
		if (!att->child)
			return imap_err_set(e, "", "Empty fetch item list");
		for (const struct imap_arg *a = att->child; a; a = a->next)
			if (item(&a, out, e) < 0)
				return -1;
		return modifiers(att->next, out, e);
	}
	int m = macro(out, att, e);
	if (m < 0)
		return -1;
	if (m == 0 && item(&att, out, e) < 0)
		return -1;
	return modifiers(att->next, out, e);
}

static void section_name(struct buf *out, const struct imap_section *sec)
{
	for (size_t i = 0; i < sec->nparts; i++)
		buf_addf(out, "%s%u", i ? "." : "", sec->part[i]);
	static const char *const kinds[] = {"", "HEADER", "HEADER.FIELDS", "HEADER.FIELDS.NOT",
					    "TEXT", "MIME"};
	if (sec->kind != IMAP_SEC_ALL)
		buf_addf(out, "%s%s", sec->nparts ? "." : "", kinds[sec->kind]);
	if (sec->kind == IMAP_SEC_HEADER_FIELDS || sec->kind == IMAP_SEC_HEADER_FIELDS_NOT) {
		buf_adds(out, " (");
		size_t k = 0;
		for (const struct imap_arg *a = sec->fields; a && k < sec->nfields; a = a->next, k++) {
			if (k)
				buf_addc(out, ' ');
			/* upper-cased, as Dovecot answers; quoted when not an atom */
			struct buf name = BUF_INIT;
			for (size_t i = 0; i < a->len; i++)
				buf_addc(&name, a->s[i] >= 'a' && a->s[i] <= 'z' ? (char)(a->s[i] - 32) : a->s[i]);
			imap_write_astring(out, name.ptr ? name.ptr : "", name.len, 0);
			buf_free(&name);
		}
		buf_addc(out, ')');
	}
}

int imap_fetch_item_name(struct buf *out, const struct imap_fetch_item *it)
{
	static const char *const names[] = {
		[IMAP_FA_FLAGS] = "FLAGS", [IMAP_FA_INTERNALDATE] = "INTERNALDATE",
		[IMAP_FA_RFC822_SIZE] = "RFC822.SIZE", [IMAP_FA_ENVELOPE] = "ENVELOPE",
		[IMAP_FA_BODY] = "BODY", [IMAP_FA_BODYSTRUCTURE] = "BODYSTRUCTURE",
		[IMAP_FA_UID] = "UID", [IMAP_FA_RFC822] = "RFC822",
		[IMAP_FA_RFC822_HEADER] = "RFC822.HEADER", [IMAP_FA_RFC822_TEXT] = "RFC822.TEXT",
		[IMAP_FA_BODY_SECTION] = "BODY", [IMAP_FA_BINARY] = "BINARY",
		[IMAP_FA_BINARY_SIZE] = "BINARY.SIZE", [IMAP_FA_MODSEQ] = "MODSEQ",
	};
	buf_adds(out, names[it->att]);
	if (it->att == IMAP_FA_BODY_SECTION || it->att == IMAP_FA_BINARY ||
	    it->att == IMAP_FA_BINARY_SIZE) {
		buf_addc(out, '[');
		section_name(out, &it->section);
		buf_addc(out, ']');
		if (it->partial)
			buf_addf(out, "<%llu>", (unsigned long long)it->origin);
	}
	return buf_ok(out);
}
