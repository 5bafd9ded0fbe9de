/* imap_list.c — LIST (RFC 9051 §6.3.9, with RFC 5258 LIST-EXTENDED, RFC
 * 6154 SPECIAL-USE and RFC 5819 LIST-STATUS) and LSUB (RFC 3501 §6.3.9),
 * on store/folder_tree.h and store/subscriptions.h.
 *
 * LIST answers from a set of candidate names: every mailbox folder_list
 * gives (a parent without a Maildir of its own among them), plus, under
 * the SUBSCRIBED selection option, subscribed names that have no mailbox,
 * plus, under RECURSIVEMATCH, the parents of whatever meets the selection.
 * Each candidate is tested once against the patterns and the selection;
 * RECURSIVEMATCH's CHILDINFO is carried up from children to parents.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/array.h"
#include "imap/imap_state.h"
#include "msg/imap_mutf7.h"
#include "store/folder_tree.h"
#include "store/subscriptions.h"

#define PATTERN_MAX 1024
#define LIST_PATTERNS_MAX 16

static char lower_ascii(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* LIST's wildcards: '*' matches anything, '%' anything but the separator.
 * Dynamic programming over pattern x name: no backtracking blow-up. */
static int pattern_match_text(const char *p, size_t np, const char *n, int icase)
{
	size_t nn = strlen(n), literal = 0;
	for (size_t i = 0; i < np; i++)
		literal += p[i] != '*' && p[i] != '%';
	if (literal > nn)
		return 0; /* each of them takes one character of the name */
	unsigned char *next = calloc(nn + 1, 1), *row = calloc(nn + 1, 1);
	if (!next || !row) {
		free(next);
		free(row);
		return 0;
	}
	next[nn] = 1; /* empty pattern matches the empty rest */
	for (size_t i = np; i-- > 0;) {
		for (size_t j = nn + 1; j-- > 0;) {
			char pc = p[i];
			if (pc == '*')
				row[j] = next[j] || (j < nn && row[j + 1]);
			else if (pc == '%')
				row[j] = next[j] || (j < nn && n[j] != '.' && row[j + 1]);
			else
				row[j] = j < nn && (icase ? (lower_ascii(pc) == lower_ascii(n[j])) : pc == n[j]) &&
					 next[j + 1];
		}
		unsigned char *t = next;
		next = row;
		row = t;
		memset(row, 0, nn + 1);
	}
	int r = next[0];
	free(next);
	free(row);
	return r;
}

/* Does the pattern (UTF-8, see list_pattern) match the on-disk name?
 * Both are compared in UTF-8: in modified UTF-7 a wildcard cannot stand
 * for part of a shift sequence ("ä*" is "&AOQ-*", "äö" is "&AOQA9g-").
 * A name on disk that is not valid modified UTF-7 (made by another
 * program) is compared as it is. */
static int pattern_match(const char *p, size_t np, const char *name, int icase)
{
	struct buf u = BUF_INIT;
	int r = imap_mutf7_to_utf8(name, strlen(name), &u) == 0 && buf_ok(&u)
			? pattern_match_text(p, np, buf_cstr(&u), icase)
			: pattern_match_text(p, np, name, icase);
	buf_free(&u);
	return r;
}

/* LSUB: the subscribed names that match (existing or not, RFC 3501
 * §6.3.9); a name that does not match but whose ancestor does (with '%')
 * brings that ancestor as \Noselect when it is not subscribed itself. */
static void lsub_names(struct imap_sess *s, const struct subscriptions *subs, const char *p, size_t np)
{
	struct buf line = BUF_INIT, told = BUF_INIT, needle = BUF_INIT;
	buf_addc(&told, '\n'); /* "\nA\nB\n": the names answered */
	for (size_t i = 0; i < subs->n; i++) {
		const char *name = subs->v[i];
		int inbox = folder_is_inbox(name);
		char parent[256];
		const char *noselect = "";
		if (!pattern_match(p, np, name, inbox)) {
			/* the longest ancestor that matches */
			size_t len = strlen(name);
			int found = 0;
			while (!found && len > 0) {
				while (len > 0 && name[len - 1] != '.')
					len--;
				if (len <= 1 || len > sizeof parent)
					break;
				str_copy(parent, sizeof parent, name, len - 1);
				len--;
				found = pattern_match(p, np, parent, 0) && !subscriptions_has(subs, parent);
			}
			if (!found)
				continue;
			name = parent;
			noselect = "\\Noselect";
		}
		/* each name once (a whole line of told: "B" is not in "\nAB\n") */
		buf_reset(&needle);
		buf_addf(&needle, "\n%s\n", name);
		if (strstr(buf_cstr(&told), buf_cstr(&needle)))
			continue;
		buf_adds(&told, name);
		buf_addc(&told, '\n');
		buf_reset(&line);
		buf_addf(&line, "LSUB (%s) \".\" ", noselect);
		imap_write_mailbox(s, name, &line);
		imap_untagged(s, "%s", buf_cstr(&line));
	}
	buf_free(&line);
	buf_free(&told);
	buf_free(&needle);
}

/* What a LIST asks beyond RFC 3501: RFC 5258's selection options
 * SUBSCRIBED, SPECIAL-USE (RFC 6154), REMOTE (no remote mailboxes here)
 * and RECURSIVEMATCH, several patterns, and the return options
 * SUBSCRIBED, CHILDREN and SPECIAL-USE (both always given anyway) and
 * STATUS (RFC 5819). `extended`: the command used any of that syntax, or
 * the session is IMAP4rev2, so a name without a mailbox is \NonExistent
 * rather than RFC 3501's \Noselect. */
struct list_opts {
	int sel_subscribed, sel_special, recursive, ret_subscribed, extended;
	const struct imap_arg *status;   /* the STATUS items, or NULL */
	const struct imap_arg *ref;
	const struct imap_arg *pats[LIST_PATTERNS_MAX];
	size_t npats;
};

static int list_option(const struct imap_arg *a, const char *const *words)
{
	for (int k = 0; words[k]; k++)
		if (imap_arg_atom_is(a, words[k]))
			return k;
	return -1;
}

/* LIST [(selection)] reference (pattern | (patterns)) [RETURN (options)]:
 * 0, or -1 (a usage error). */
static int list_args(const struct imap_command *c, struct list_opts *o)
{
	static const char *const sel[] = { "SUBSCRIBED", "SPECIAL-USE", "REMOTE", "RECURSIVEMATCH", NULL };
	static const char *const ret[] = { "SUBSCRIBED", "CHILDREN", "SPECIAL-USE", "STATUS", NULL };
	static const char *const status_items[] = { "MESSAGES", "RECENT", "UIDNEXT", "UIDVALIDITY", "UNSEEN", "SIZE",
						    "DELETED", NULL };
	memset(o, 0, sizeof *o);
	const struct imap_arg *a = c->args;
	if (a && a->type == IMAP_ARG_LIST) {
		o->extended = 1;
		for (const struct imap_arg *x = a->child; x; x = x->next) {
			int k = list_option(x, sel);
			if (k < 0)
				return -1;
			o->sel_subscribed |= k == 0;
			o->sel_special |= k == 1;
			o->recursive |= k == 3;
		}
		/* RECURSIVEMATCH only qualifies another option (RFC 5258 §3). */
		if (o->recursive && !o->sel_subscribed && !o->sel_special)
			return -1;
		a = a->next;
	}
	if (!a || !imap_arg_is_string(a))
		return -1;
	o->ref = a;
	a = a->next;
	if (a && a->type == IMAP_ARG_LIST) {
		o->extended = 1;
		for (const struct imap_arg *x = a->child; x; x = x->next) {
			if (!imap_arg_is_string(x) || o->npats == LIST_PATTERNS_MAX)
				return -1;
			o->pats[o->npats++] = x;
		}
	} else if (a && imap_arg_is_string(a)) {
		o->pats[o->npats++] = a;
	}
	if (!o->npats)
		return -1;
	a = a->next;
	if (a) {
		if (!imap_arg_atom_is(a, "RETURN") || !a->next || a->next->type != IMAP_ARG_LIST || a->next->next)
			return -1;
		o->extended = 1;
		for (const struct imap_arg *x = a->next->child; x; x = x->next) {
			int k = list_option(x, ret);
			if (k < 0)
				return -1;
			o->ret_subscribed |= k == 0;
			if (k == 3) {
				x = x->next;
				if (!x || x->type != IMAP_ARG_LIST || !x->len)
					return -1;
				for (const struct imap_arg *item = x->child; item; item = item->next)
					if (list_option(item, status_items) < 0)
						return -1;
				o->status = x;
			}
		}
	}
	/* The SUBSCRIBED selection implies the SUBSCRIBED return option. */
	o->ret_subscribed |= o->sel_subscribed;
	return 0;
}

/* reference + pattern in UTF-8 (pattern_match compares there): as sent
 * after ENABLE UTF8=ACCEPT or IMAP4rev2, checked as a mailbox name is;
 * else converted from modified UTF-7. -1 when invalid or too long. */
/* The reference and pattern joined, in UTF-8. Returns 1 for a pattern
 * that is not valid modified UTF-7 (UTF-8 after ENABLE): no mailbox name
 * can match it, so it lists nothing, and the LIST is still OK, as
 * Dovecot answers it (imaptest's "atoms" asks for OK). */
static int list_pattern(struct imap_sess *s, const struct imap_arg *ref, const struct imap_arg *pat,
			struct buf *out)
{
	const struct imap_arg *parts[2] = { ref, pat };
	for (int k = 0; k < 2; k++) {
		if (strlen(parts[k]->s) != parts[k]->len)
			return -1;
		if (s->utf8) {
			struct buf check = BUF_INIT;
			int ok = imap_utf8_to_mutf7(parts[k]->s, parts[k]->len, &check) == 0;
			buf_free(&check);
			if (!ok)
				return 1;
			if (buf_add(out, parts[k]->s, parts[k]->len) < 0)
				return -1;
		} else if (imap_mutf7_to_utf8(parts[k]->s, parts[k]->len, out) < 0) {
			return 1;
		}
	}
	if (!buf_ok(out) || out->len > PATTERN_MAX)
		return -1;
	/* A run of wildcards matches what one does: "*" when it holds a "*"
	 * ("%*" is "*"), else "%". So a pattern of many costs what one does. */
	size_t w = 0;
	for (size_t i = 0; i < out->len;) {
		char c = out->ptr[i];
		if (c == '*' || c == '%') {
			for (; i < out->len && (out->ptr[i] == '*' || out->ptr[i] == '%'); i++)
				c = out->ptr[i] == '*' ? '*' : c;
		} else {
			i++;
		}
		out->ptr[w++] = c;
	}
	out->len = w;
	return 0;
}

/* One name LIST may answer with. */
struct list_cand {
	char *name;                      /* on-disk name, owned */
	unsigned attrs;                  /* FOLDER_*; FOLDER_NOSELECT: no mailbox */
	unsigned char matched;           /* by one of the patterns */
	unsigned char selected;          /* meets the selection options */
	unsigned char childinfo;         /* a descendant is selected but not matched */
};

struct list_cands {
	struct list_cand *v;
	size_t n, cap;
};

/* INBOX first, then by bytes: folder_list's order, in which a name's
 * descendants follow it. */
static int name_cmp(const char *a, const char *b)
{
	int ia = folder_is_inbox(a), ib = folder_is_inbox(b);
	return ia || ib ? ib - ia : strcmp(a, b);
}

static int cand_cmp(const void *a, const void *b)
{
	return name_cmp(((const struct list_cand *)a)->name, ((const struct list_cand *)b)->name);
}

static int cand_add(struct list_cands *cs, const char *name, size_t len, unsigned attrs)
{
	if (cs->n == cs->cap) {
		struct list_cand *v = array_grow(cs->v, &cs->cap, sizeof *v, 32);
		if (!v)
			return -1;
		cs->v = v;
	}
	char *copy = malloc(len + 1);
	if (!copy)
		return -1;
	memcpy(copy, name, len);
	copy[len] = '\0';
	cs->v[cs->n++] = (struct list_cand){ .name = copy, .attrs = attrs };
	return 0;
}

/* The candidate named `name` among v[0..n) (sorted), or NULL. */
static struct list_cand *cand_find(struct list_cand *v, size_t n, const char *name)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = name_cmp(name, v[mid].name);
		if (!c)
			return &v[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static void cands_free(struct list_cands *cs)
{
	for (size_t i = 0; i < cs->n; i++)
		free(cs->v[i].name);
	free(cs->v);
}

/* The length of name's parent ("A.B" of "A.B.C"), 0 for a top level. */
static size_t parent_len(const char *name)
{
	const char *dot = strrchr(name, '.');
	return dot ? (size_t)(dot - name) : 0;
}

/* Sort, and fold duplicates (names without a mailbox, added twice: as a
 * subscribed name and as a parent; their attributes join). */
static void cands_sort(struct list_cands *cs)
{
	if (cs->n > 1)
		qsort(cs->v, cs->n, sizeof cs->v[0], cand_cmp);
	size_t out = 0;
	for (size_t i = 0; i < cs->n; i++) {
		if (out && !name_cmp(cs->v[out - 1].name, cs->v[i].name)) {
			cs->v[out - 1].attrs |= cs->v[i].attrs;
			free(cs->v[i].name);
			continue;
		}
		cs->v[out++] = cs->v[i];
	}
	cs->n = out;
}

/* A name without a mailbox that folder_list did not give: it has no
 * mailbox below it either (folder_list gives every parent of one). */
#define NO_MAILBOX (FOLDER_NOSELECT | FOLDER_HAS_NO_CHILDREN)

/* Under RECURSIVEMATCH: the parents of candidate i that are not
 * candidates yet (a mailbox's parents all are: folder_list gives them). */
static int add_parents(struct list_cands *cs, size_t existing, size_t i)
{
	char parent[256];
	size_t len = strlen(cs->v[i].name);
	if (len >= sizeof parent)
		return 0;
	memcpy(parent, cs->v[i].name, len + 1);
	while ((len = parent_len(parent)) > 0) {
		parent[len] = '\0';
		if (cand_find(cs->v, existing, parent))
			return 0;
		if (cand_add(cs, parent, len, NO_MAILBOX) < 0)
			return -1;
	}
	return 0;
}

static int meets_selection(const struct list_opts *o, unsigned attrs)
{
	if (o->sel_subscribed && !(attrs & FOLDER_SUBSCRIBED))
		return 0;
	if (o->sel_special && ((attrs & FOLDER_NOSELECT) || !(attrs & FOLDER_SPECIAL_USE)))
		return 0;
	return 1;
}

/* The candidates: every mailbox, the subscribed names without one (under
 * SUBSCRIBED), the parents of selected names (under RECURSIVEMATCH); each
 * marked matched / selected / childinfo. */
static int list_candidates(struct imap_sess *s, const struct list_opts *o, struct buf *pattern,
			   struct list_cands *cs, struct mail_err *e)
{
	struct folder_list l = { 0, 0 };
	struct subscriptions subs = { 0, 0 };
	int r = -1;
	if (folder_list(s->root, &l, e) < 0 || (o->sel_subscribed && subscriptions_read(s->root, &subs, e) < 0))
		goto done;
	for (size_t i = 0; i < l.n; i++)
		if (cand_add(cs, l.v[i].name, strlen(l.v[i].name), l.v[i].attrs) < 0)
			goto nomem;
	/* folder_list's order is ours: look names up before adding more. */
	size_t existing = cs->n;
	for (size_t i = 0; i < subs.n; i++)
		if (!cand_find(cs->v, existing, subs.v[i]) &&
		    cand_add(cs, subs.v[i], strlen(subs.v[i]), NO_MAILBOX | FOLDER_SUBSCRIBED) < 0)
			goto nomem;
	size_t known = cs->n;
	for (size_t i = 0; o->recursive && i < known; i++)
		if (meets_selection(o, cs->v[i].attrs) && add_parents(cs, existing, i) < 0)
			goto nomem;
	cands_sort(cs);
	for (size_t i = 0; i < cs->n; i++) {
		struct list_cand *c = &cs->v[i];
		for (size_t k = 0; k < o->npats && !c->matched; k++)
			c->matched = pattern_match(buf_cstr(&pattern[k]), pattern[k].len, c->name, folder_is_inbox(c->name));
		c->selected = meets_selection(o, c->attrs);
	}
	/* RECURSIVEMATCH: a name gets CHILDINFO when a descendant meets the
	 * selection but is not itself returned (RFC 5258 §3.5; a child that
	 * the patterns return speaks for itself). Children follow their
	 * parent, so walking backwards has seen all of them. */
	for (size_t i = cs->n; o->recursive && i-- > 0;) {
		struct list_cand *c = &cs->v[i];
		size_t len = parent_len(c->name);
		char parent[256];
		if (!len || len >= sizeof parent || !((c->selected && !c->matched) || c->childinfo))
			continue;
		str_copy(parent, sizeof parent, c->name, len);
		struct list_cand *p = cand_find(cs->v, i, parent);
		if (p)
			p->childinfo = 1;
	}
	r = 0;
	goto done;
nomem:
	errno = ENOMEM;
	err_sys(e, "listing the mailboxes of %s", s->root);
done:
	folder_list_free(&l);
	subscriptions_free(&subs);
	return r;
}

static void list_attrs(const struct list_opts *o, const struct list_cand *c, struct buf *out)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = { { FOLDER_HAS_CHILDREN, "\\HasChildren" }, { FOLDER_HAS_NO_CHILDREN, "\\HasNoChildren" },
		      { FOLDER_SENT, "\\Sent" }, { FOLDER_DRAFTS, "\\Drafts" }, { FOLDER_TRASH, "\\Trash" },
		      { FOLDER_JUNK, "\\Junk" }, { FOLDER_ARCHIVE, "\\Archive" }, { FOLDER_SUBSCRIBED, "\\Subscribed" } };
	unsigned a = c->attrs;
	if (!o->ret_subscribed)
		a &= ~FOLDER_SUBSCRIBED;
	const char *sep = "";
	if (a & FOLDER_NOSELECT) {
		buf_adds(out, o->extended ? "\\NonExistent" : "\\Noselect");
		sep = " ";
	}
	for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
		if (a & names[k].bit) {
			buf_addf(out, "%s%s", sep, names[k].name);
			sep = " ";
		}
	}
}

/* One LIST response, with CHILDINFO when due and the mailbox's STATUS
 * when asked for (RFC 5819: after the LIST line; a name without a
 * mailbox, or one it cannot read, gets none). */
static void list_one(struct imap_sess *s, const struct list_opts *o, const struct list_cand *c, struct buf *line)
{
	buf_reset(line);
	buf_adds(line, "LIST (");
	list_attrs(o, c, line);
	buf_adds(line, ") \".\" ");
	imap_write_mailbox(s, c->name, line);
	if (o->recursive && c->childinfo)
		buf_addf(line, " (\"CHILDINFO\" (%s%s%s))", o->sel_subscribed ? "\"SUBSCRIBED\"" : "",
			 o->sel_subscribed && o->sel_special ? " " : "", o->sel_special ? "\"SPECIAL-USE\"" : "");
	imap_untagged(s, "%s", buf_cstr(line));
	struct mailfolder_status st;
	struct mail_err e;
	err_clear(&e);
	if (!o->status || (c->attrs & FOLDER_NOSELECT) || mailfolder_status(s->root, c->name, &st, &e) < 0)
		return;
	buf_reset(line);
	if (imap_write_status(s, c->name, &st, o->status, line) == 0)
		imap_untagged(s, "%s", buf_cstr(line));
}

static void list_mailboxes(struct imap_sess *s, const struct list_opts *o, struct buf *pattern)
{
	struct list_cands cs = { 0, 0, 0 };
	struct mail_err e;
	err_clear(&e);
	if (list_candidates(s, o, pattern, &cs, &e) < 0) {
		imap_store_failed(s, "LIST", &e);
		cands_free(&cs);
		return;
	}
	struct buf line = BUF_INIT;
	for (size_t i = 0; i < cs.n; i++) {
		struct list_cand *c = &cs.v[i];
		if (!c->matched || !(c->selected || (o->recursive && c->childinfo)))
			continue;
		list_one(s, o, c, &line);
	}
	buf_free(&line);
	cands_free(&cs);
	imap_tagged(s, "OK", "LIST completed");
}

void imap_list_selected(struct imap_sess *s, const char *name)
{
	struct list_opts o = { .extended = 1 };
	struct list_cand c = { .name = (char *)name, .attrs = folder_special_use(name) };
	struct folder_list l = { 0, 0 };
	struct mail_err e;
	err_clear(&e);
	/* The attributes "MUST be accurate": children come from the tree; a
	 * failed listing still names the mailbox, with what its name says. */
	if (folder_list(s->root, &l, &e) == 0) {
		for (size_t i = 0; i < l.n; i++)
			if (!name_cmp(l.v[i].name, name))
				c.attrs = l.v[i].attrs & ~FOLDER_SUBSCRIBED;
	}
	folder_list_free(&l);
	struct buf line = BUF_INIT;
	list_one(s, &o, &c, &line);
	buf_free(&line);
}

/* LIST (RFC 9051 §6.3.9 with the options above), LSUB reference pattern
 * (RFC 3501 §6.3.9). */
void imap_cmd_list(struct imap_sess *s, const struct imap_command *c, int uid)
{
	(void)uid;
	int lsub = !strcasecmp(c->name, "LSUB");
	struct list_opts o;
	if (lsub ? c->nargs != 2 || !imap_arg_is_string(c->args) || !imap_arg_is_string(c->args->next)
		 : list_args(c, &o) < 0) {
		imap_bad(s, lsub ? "usage: LSUB reference pattern"
				 : "usage: LIST [(options)] reference pattern|(patterns) [RETURN (options)]");
		return;
	}
	if (lsub) {
		memset(&o, 0, sizeof o);
		o.ref = c->args;
		o.pats[o.npats++] = c->args->next;
	}
	o.extended |= s->rev2;
	if (!lsub && o.npats == 1 && o.pats[0]->len == 0 && c->nargs == 2) {
		imap_untagged(s, "LIST (\\Noselect) \".\" \"\"");
		imap_tagged(s, "OK", "LIST completed");
		return;
	}
	struct buf pattern[LIST_PATTERNS_MAX];
	int bad = 0;
	size_t n = 0;
	for (size_t k = 0; k < o.npats; k++) {
		pattern[n] = (struct buf)BUF_INIT;
		int rc = list_pattern(s, o.ref, o.pats[k], &pattern[n]);
		if (rc < 0)
			bad = 1;
		if (rc == 0)
			o.pats[n++] = o.pats[k];
		else
			buf_free(&pattern[n]);
	}
	o.npats = n;
	if (bad) {
		imap_tagged(s, "NO", "[CANNOT] invalid pattern");
	} else if (n == 0) {
		imap_tagged(s, "OK", lsub ? "LSUB completed" : "LIST completed");
	} else if (lsub) {
		struct subscriptions subs = { 0, 0 };
		struct mail_err e;
		err_clear(&e);
		if (subscriptions_read(s->root, &subs, &e) < 0) {
			imap_store_failed(s, "LSUB", &e);
		} else {
			lsub_names(s, &subs, buf_cstr(&pattern[0]), pattern[0].len);
			imap_tagged(s, "OK", "LSUB completed");
		}
		subscriptions_free(&subs);
	} else {
		list_mailboxes(s, &o, pattern);
	}
	for (size_t k = 0; k < o.npats; k++)
		buf_free(&pattern[k]);
}
