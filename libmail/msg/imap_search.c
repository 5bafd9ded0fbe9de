/* imap_search.c — the SEARCH program parser; see imap_search.h.
 *
 * Recursive descent over the command's argument tree, with the nesting
 * of NOT, OR and parentheses counted against IMAP_SEARCH_DEPTH and every
 * node against max_nodes, so "NOT NOT NOT ..." or a megabyte of "OR" can
 * neither exhaust the stack nor the heap.
 */
#include "msg/imap_search.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "msg/imap_date.h"

struct parser {
	struct imap_search *s;
	size_t max_nodes;
	struct imap_err *e;
};

static long new_node(struct parser *p, enum imap_search_key key)
{
	struct imap_search *s = p->s;
	if (s->n >= p->max_nodes)
		return imap_err_set(p->e, "LIMIT", "Search program too large");
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		if (cap > p->max_nodes)
			cap = p->max_nodes;
		struct imap_search_node *nn = realloc(s->nodes, cap * sizeof *nn);
		if (!nn)
			return imap_err_set(p->e, "LIMIT", "Out of memory");
		s->nodes = nn;
		s->cap = cap;
	}
	memset(&s->nodes[s->n], 0, sizeof s->nodes[0]);
	s->nodes[s->n].key = key;
	return (long)s->n++;
}

/* Append child c to node parent. */
static void link_child(struct imap_search *s, uint32_t parent, uint32_t c)
{
	struct imap_search_node *pn = &s->nodes[parent];
	if (!pn->count) {
		pn->first = c;
	} else {
		uint32_t k = pn->first;
		while (s->nodes[k].next)
			k = s->nodes[k].next;
		s->nodes[k].next = c;
	}
	pn->count++;
}

static const struct {
	const char *word;
	enum imap_search_key key;
} flag_keys[] = {
	{"ALL", IMAP_SK_ALL},           {"ANSWERED", IMAP_SK_ANSWERED},
	{"DELETED", IMAP_SK_DELETED},   {"DRAFT", IMAP_SK_DRAFT},
	{"FLAGGED", IMAP_SK_FLAGGED},   {"NEW", IMAP_SK_NEW},
	{"OLD", IMAP_SK_OLD},           {"RECENT", IMAP_SK_RECENT},
	{"SEEN", IMAP_SK_SEEN},         {"UNANSWERED", IMAP_SK_UNANSWERED},
	{"UNDELETED", IMAP_SK_UNDELETED}, {"UNDRAFT", IMAP_SK_UNDRAFT},
	{"UNFLAGGED", IMAP_SK_UNFLAGGED}, {"UNSEEN", IMAP_SK_UNSEEN},
};

static const struct {
	const char *word;
	enum imap_search_key key;
} date_keys[] = {
	{"BEFORE", IMAP_SK_BEFORE},         {"ON", IMAP_SK_ON},
	{"SINCE", IMAP_SK_SINCE},           {"SENTBEFORE", IMAP_SK_SENTBEFORE},
	{"SENTON", IMAP_SK_SENTON},         {"SENTSINCE", IMAP_SK_SENTSINCE},
};

static const char *const header_keys[] = {"BCC", "CC", "FROM", "SUBJECT", "TO"};

/* The next argument, which must be a string (astring). */
static const struct imap_arg *string_arg(struct parser *p, const struct imap_arg **a)
{
	const struct imap_arg *v = (*a)->next;
	if (!imap_arg_is_string(v)) {
		imap_err_set(p->e, "", "Missing search argument");
		return NULL;
	}
	*a = v;
	return v;
}

static int number_arg(const struct imap_arg *v, uint64_t *out)
{
	if (!v || v->type != IMAP_ARG_ATOM || v->len == 0 || v->len > 19)
		return -1;
	uint64_t n = 0;
	for (size_t i = 0; i < v->len; i++) {
		if (v->s[i] < '0' || v->s[i] > '9')
			return -1;
		n = n * 10 + (uint64_t)(v->s[i] - '0');
	}
	*out = n;
	return 0;
}

static int is_seqset_start(const struct imap_arg *a)
{
	return a->type == IMAP_ARG_ATOM && a->len &&
	       ((a->s[0] >= '0' && a->s[0] <= '9') || a->s[0] == '*' || a->s[0] == '$');
}

static long key(struct parser *p, const struct imap_arg **a, int depth);

/* Keys from a up to the end of its list, as children of node parent. */
static int keys(struct parser *p, const struct imap_arg *a, uint32_t parent, int depth)
{
	for (; a; a = a->next) {
		long c = key(p, &a, depth);
		if (c < 0)
			return -1;
		link_child(p->s, parent, (uint32_t)c);
	}
	return 0;
}

/* One search key at *a; *a is left at its last argument. */
static long key(struct parser *p, const struct imap_arg **a, int depth)
{
	const struct imap_arg *k = *a;
	if (depth > IMAP_SEARCH_DEPTH)
		return imap_err_set(p->e, "LIMIT", "Search program nested too deep");
	if (k->type == IMAP_ARG_LIST) {
		if (!k->child)
			return imap_err_set(p->e, "", "Empty search list");
		long n = new_node(p, IMAP_SK_AND);
		if (n < 0 || keys(p, k->child, (uint32_t)n, depth + 1) < 0)
			return -1;
		return n;
	}
	if (k->type != IMAP_ARG_ATOM)
		return imap_err_set(p->e, "", "Invalid search key");
	for (size_t i = 0; i < sizeof flag_keys / sizeof flag_keys[0]; i++)
		if (imap_arg_atom_is(k, flag_keys[i].word))
			return new_node(p, flag_keys[i].key);
	for (size_t i = 0; i < sizeof date_keys / sizeof date_keys[0]; i++)
		if (imap_arg_atom_is(k, date_keys[i].word)) {
			const struct imap_arg *v = string_arg(p, a);
			long day;
			if (!v)
				return -1;
			if (imap_date_parse(v->s, v->len, &day) < 0)
				return imap_err_set(p->e, "", "Invalid search date");
			long n = new_node(p, date_keys[i].key);
			if (n >= 0)
				p->s->nodes[n].day = day;
			return n;
		}
	for (size_t i = 0; i < sizeof header_keys / sizeof header_keys[0]; i++)
		if (imap_arg_atom_is(k, header_keys[i])) {
			const struct imap_arg *v = string_arg(p, a);
			if (!v)
				return -1;
			long n = new_node(p, IMAP_SK_HEADER);
			if (n >= 0) {
				struct imap_search_node *nd = &p->s->nodes[n];
				nd->name = k->s;
				nd->name_len = k->len;
				nd->str = v->s;
				nd->str_len = v->len;
			}
			return n;
		}
	if (imap_arg_atom_is(k, "HEADER")) {
		const struct imap_arg *name = string_arg(p, a);
		const struct imap_arg *v = name ? string_arg(p, a) : NULL;
		if (!v)
			return -1;
		long n = new_node(p, IMAP_SK_HEADER);
		if (n >= 0) {
			struct imap_search_node *nd = &p->s->nodes[n];
			nd->name = name->s;
			nd->name_len = name->len;
			nd->str = v->s;
			nd->str_len = v->len;
		}
		return n;
	}
	if (imap_arg_atom_is(k, "BODY") || imap_arg_atom_is(k, "TEXT")) {
		const struct imap_arg *v = string_arg(p, a);
		if (!v)
			return -1;
		long n = new_node(p, imap_arg_atom_is(k, "BODY") ? IMAP_SK_BODY : IMAP_SK_TEXT);
		if (n >= 0) {
			p->s->nodes[n].str = v->s;
			p->s->nodes[n].str_len = v->len;
		}
		return n;
	}
	if (imap_arg_atom_is(k, "KEYWORD") || imap_arg_atom_is(k, "UNKEYWORD")) {
		const struct imap_arg *v = k->next;
		if (!v || v->type != IMAP_ARG_ATOM || v->s[0] == '\\')
			return imap_err_set(p->e, "", "Invalid keyword");
		*a = v;
		long n = new_node(p, imap_arg_atom_is(k, "KEYWORD") ? IMAP_SK_KEYWORD : IMAP_SK_UNKEYWORD);
		if (n >= 0) {
			p->s->nodes[n].name = v->s;
			p->s->nodes[n].name_len = v->len;
		}
		return n;
	}
	if (imap_arg_atom_is(k, "LARGER") || imap_arg_atom_is(k, "SMALLER")) {
		uint64_t v;
		if (number_arg(k->next, &v) < 0)
			return imap_err_set(p->e, "", "Invalid size");
		*a = k->next;
		long n = new_node(p, imap_arg_atom_is(k, "LARGER") ? IMAP_SK_LARGER : IMAP_SK_SMALLER);
		if (n >= 0)
			p->s->nodes[n].number = v;
		return n;
	}
	if (imap_arg_atom_is(k, "MODSEQ")) {
		const struct imap_arg *v = k->next;
		/* optional entry-name entry-type-req (RFC 7162 §3.1.5), ignored */
		if (v && v->type == IMAP_ARG_QUOTED && v->next && v->next->next)
			v = v->next->next;
		uint64_t num;
		if (number_arg(v, &num) < 0)
			return imap_err_set(p->e, "", "Invalid MODSEQ");
		*a = v;
		long n = new_node(p, IMAP_SK_MODSEQ);
		if (n >= 0)
			p->s->nodes[n].number = num;
		return n;
	}
	if (imap_arg_atom_is(k, "NOT") || imap_arg_atom_is(k, "OR")) {
		int or = imap_arg_atom_is(k, "OR");
		long n = new_node(p, or ? IMAP_SK_OR : IMAP_SK_NOT);
		if (n < 0)
			return -1;
		for (int i = 0; i < 1 + or; i++) {
			if (!(*a)->next)
				return imap_err_set(p->e, "", "Missing search key");
			*a = (*a)->next;
			long c = key(p, a, depth + 1);
			if (c < 0)
				return -1;
			link_child(p->s, (uint32_t)n, (uint32_t)c);
		}
		return n;
	}
	int uid = imap_arg_atom_is(k, "UID");
	if (uid) {
		k = k->next;
		if (!k || k->type != IMAP_ARG_ATOM)
			return imap_err_set(p->e, "", "Missing UID set");
		*a = k;
	} else if (!is_seqset_start(k)) {
		return imap_err_set(p->e, "", "Unknown search key");
	}
	long n = new_node(p, uid ? IMAP_SK_UID : IMAP_SK_SEQSET);
	if (n < 0)
		return -1;
	return imap_seqset_parse(k->s, k->len, IMAP_SEQ_RANGES_MAX, 1, &p->s->nodes[n].set, p->e) < 0
		       ? -1
		       : n;
}

int imap_search_parse(const struct imap_arg *args, size_t max_nodes, struct imap_search *out,
		      struct imap_err *e)
{
	*out = (struct imap_search)IMAP_SEARCH_INIT;
	struct parser p = {out, max_nodes ? max_nodes : IMAP_SEARCH_NODES_MAX, e};
	const struct imap_arg *a = args;
	if (imap_arg_atom_is(a, "RETURN")) {
		a = a->next;
		if (!a || a->type != IMAP_ARG_LIST)
			return imap_err_set(e, "", "Invalid RETURN options");
		static const struct {
			const char *word;
			unsigned bit;
		} opts[] = {{"MIN", IMAP_SEARCH_RET_MIN}, {"MAX", IMAP_SEARCH_RET_MAX},
			    {"ALL", IMAP_SEARCH_RET_ALL}, {"COUNT", IMAP_SEARCH_RET_COUNT},
			    {"SAVE", IMAP_SEARCH_RET_SAVE}};
		for (const struct imap_arg *o = a->child; o; o = o->next) {
			size_t i = 0;
			while (i < sizeof opts / sizeof opts[0] && !imap_arg_atom_is(o, opts[i].word))
				i++;
			if (i == sizeof opts / sizeof opts[0])
				return imap_err_set(e, "", "Unknown RETURN option");
			out->ret |= opts[i].bit;
		}
		if (!out->ret)
			out->ret = IMAP_SEARCH_RET_ALL;
		out->esearch = 1;
		a = a->next;
	}
	if (imap_arg_atom_is(a, "CHARSET")) {
		a = a->next;
		if (!imap_arg_is_string(a))
			return imap_err_set(e, "", "Missing charset");
		if ((a->len == 5 && !strncasecmp(a->s, "UTF-8", 5)))
			out->utf8 = 1;
		else if (!(a->len == 8 && !strncasecmp(a->s, "US-ASCII", 8)))
			return imap_err_set(e, "BADCHARSET", "Unsupported charset");
		a = a->next;
	}
	if (!a)
		return imap_err_set(e, "", "Missing search keys");
	long root = new_node(&p, IMAP_SK_AND);
	if (root < 0 || keys(&p, a, 0, 1) < 0) {
		imap_search_free(out);
		return -1;
	}
	return 0;
}

void imap_search_free(struct imap_search *s)
{
	for (size_t i = 0; i < s->n; i++)
		imap_seqset_free(&s->nodes[i].set);
	free(s->nodes);
	s->nodes = NULL;
	s->n = s->cap = 0;
}

void imap_search_resolve(struct imap_search *s, uint32_t max_seq, uint32_t max_uid)
{
	for (size_t i = 0; i < s->n; i++) {
		if (s->nodes[i].key == IMAP_SK_SEQSET)
			imap_seqset_resolve(&s->nodes[i].set, max_seq);
		else if (s->nodes[i].key == IMAP_SK_UID)
			imap_seqset_resolve(&s->nodes[i].set, max_uid);
	}
}

unsigned imap_search_needs(const struct imap_search *s)
{
	unsigned need = 0;
	for (size_t i = 0; i < s->n; i++) {
		switch (s->nodes[i].key) {
		case IMAP_SK_HEADER:
			need |= IMAP_SEARCH_NEED_HEADER;
			break;
		case IMAP_SK_SENTBEFORE:
		case IMAP_SK_SENTON:
		case IMAP_SK_SENTSINCE:
			need |= IMAP_SEARCH_NEED_HEADER | IMAP_SEARCH_NEED_DATE;
			break;
		case IMAP_SK_BEFORE:
		case IMAP_SK_ON:
		case IMAP_SK_SINCE:
			need |= IMAP_SEARCH_NEED_DATE;
			break;
		case IMAP_SK_BODY:
		case IMAP_SK_TEXT:
			need |= IMAP_SEARCH_NEED_BODY;
			break;
		case IMAP_SK_SEQSET:
		case IMAP_SK_UID:
			if (s->nodes[i].set.saved)
				need |= IMAP_SEARCH_NEED_SAVED;
			break;
		default:
			break;
		}
	}
	return need;
}
