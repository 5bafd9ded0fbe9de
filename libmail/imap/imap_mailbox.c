/* imap_mailbox.c — the mailbox commands: CREATE, DELETE, RENAME,
 * SUBSCRIBE, UNSUBSCRIBE, LIST, LSUB, STATUS, APPEND (with UIDPLUS's
 * APPENDUID), on store/folder_tree.h, store/subscriptions.h and
 * store/mailfolder.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/config.h"
#include "base/log.h"
#include "imap/imap_state.h"
#include "msg/imap_binconv.h"
#include "msg/imap_date.h"
#include "msg/imap_mutf7.h"
#include "msg/imap_string.h"
#include "store/folder_tree.h"
#include "store/subscriptions.h"

#define PATTERN_MAX 1024

/* A failed store call as a tagged NO with the response code that fits. */
static void store_failed(struct imap_sess *s, const char *what, const struct mail_err *e)
{
	switch (e->sys) {
	case ENOENT: imap_tagged(s, "NO", "[NONEXISTENT] no such mailbox"); return;
	case EEXIST: imap_tagged(s, "NO", "[ALREADYEXISTS] the mailbox exists"); return;
	case EPERM: imap_tagged(s, "NO", "[CANNOT] %s is not allowed on INBOX", what); return;
	case EINVAL: imap_tagged(s, "NO", "[CANNOT] invalid mailbox name"); return;
	case ENOSPC: imap_tagged(s, "NO", "[OVERQUOTA] no space left"); return;
	case EDQUOT: imap_tagged(s, "NO", "[OVERQUOTA] the mailbox is full"); return;
	default:
		log_err(NULL, "imap user=%s command=%s error=\"%s\"", LOG_TOKEN(s->user), what, LOG_QUOTED(e->msg));
		imap_tagged(s, "NO", "[SERVERBUG] %s failed", what);
	}
}

/* A name with the hierarchy separator at its end means the same name
 * (RFC 9051 §6.3.4: CREATE "A." creates A). */
static void strip_separator(char *name)
{
	size_t n = strlen(name);
	if (n > 1 && name[n - 1] == '.')
		name[n - 1] = '\0';
}

static int name_arg(struct imap_sess *s, const struct imap_arg *a, char *out, size_t cap, int strip)
{
	if (!a || !imap_arg_is_string(a)) {
		imap_bad(s, "a mailbox name is expected");
		return -1;
	}
	struct imap_arg copy = *a;
	char tmp[256];
	if (strip && a->len < sizeof tmp && a->len > 1 && a->s[a->len - 1] == '.') {
		str_copy(tmp, sizeof tmp, a->s, a->len);
		strip_separator(tmp);
		copy.s = tmp;
		copy.len = strlen(tmp);
	}
	return imap_mailbox_arg(s, &copy, out, cap);
}

void imap_cmd_create(struct imap_sess *s, const struct imap_command *c, int uid)
{
	(void)uid;
	char name[256];
	if (c->nargs != 1) {
		imap_bad(s, "usage: CREATE mailbox");
		return;
	}
	if (name_arg(s, c->args, name, sizeof name, 1) < 0)
		return;
	struct mail_err e;
	err_clear(&e);
	if (folder_is_inbox(name)) {
		imap_tagged(s, "NO", "[ALREADYEXISTS] INBOX always exists");
		return;
	}
	if (folder_create(s->root, name, &e) < 0) {
		store_failed(s, "CREATE", &e);
		return;
	}
	imap_tagged(s, "OK", "CREATE completed");
}

void imap_cmd_delete(struct imap_sess *s, const struct imap_command *c, int uid)
{
	(void)uid;
	char name[256];
	if (c->nargs != 1) {
		imap_bad(s, "usage: DELETE mailbox");
		return;
	}
	if (name_arg(s, c->args, name, sizeof name, 0) < 0)
		return;
	struct mail_err e;
	err_clear(&e);
	if (s->state == IS_SELECTED && !strcmp(s->box.name, name)) {
		imap_close_mailbox(s);
		imap_untagged(s, "BYE the selected mailbox was deleted");
		s->fatal = 1;
	}
	if (folder_delete(s->root, name, &e) < 0) {
		store_failed(s, "DELETE", &e);
		return;
	}
	imap_tagged(s, "OK", "DELETE completed");
}

void imap_cmd_rename(struct imap_sess *s, const struct imap_command *c, int uid)
{
	(void)uid;
	char from[256], to[256];
	if (c->nargs != 2) {
		imap_bad(s, "usage: RENAME from to");
		return;
	}
	if (name_arg(s, c->args, from, sizeof from, 0) < 0 || name_arg(s, c->args->next, to, sizeof to, 1) < 0)
		return;
	struct mail_err e;
	err_clear(&e);
	if (folder_rename(s->root, from, to, &e) < 0) {
		store_failed(s, "RENAME", &e);
		return;
	}
	imap_tagged(s, "OK", "RENAME completed");
}

void imap_cmd_subscribe(struct imap_sess *s, const struct imap_command *c, int uid)
{
	(void)uid;
	char name[256];
	int on = !strcasecmp(c->name, "SUBSCRIBE");
	if (c->nargs != 1) {
		imap_bad(s, "usage: SUBSCRIBE mailbox");
		return;
	}
	if (name_arg(s, c->args, name, sizeof name, 1) < 0)
		return;
	struct mail_err e;
	err_clear(&e);
	if (subscriptions_set(s->root, name, on, &e) < 0) {
		store_failed(s, c->name, &e);
		return;
	}
	imap_tagged(s, "OK", "%s completed", on ? "SUBSCRIBE" : "UNSUBSCRIBE");
}

static char lower_ascii(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* LIST's wildcards: '*' matches anything, '%' anything but the separator.
 * Dynamic programming over pattern x name: no backtracking blow-up. */
static int pattern_match(const char *p, size_t np, const char *n, int icase)
{
	size_t nn = strlen(n);
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

static void list_attrs(unsigned a, struct buf *out)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = { { FOLDER_NOSELECT, "\\Noselect" }, { FOLDER_HAS_CHILDREN, "\\HasChildren" },
		      { FOLDER_HAS_NO_CHILDREN, "\\HasNoChildren" }, { FOLDER_SENT, "\\Sent" },
		      { FOLDER_DRAFTS, "\\Drafts" }, { FOLDER_TRASH, "\\Trash" }, { FOLDER_JUNK, "\\Junk" },
		      { FOLDER_ARCHIVE, "\\Archive" } };
	const char *sep = "";
	for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
		if (a & names[k].bit) {
			buf_addf(out, "%s%s", sep, names[k].name);
			sep = " ";
		}
	}
}

/* LSUB: the subscribed names that match (existing or not, RFC 3501
 * §6.3.9); a name that does not match but whose ancestor does (with '%')
 * brings that ancestor as \Noselect when it is not subscribed itself. */
static void lsub_names(struct imap_sess *s, const struct subscriptions *subs, const char *p, size_t np)
{
	struct buf line = BUF_INIT, told = BUF_INIT;
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
		/* each name once */
		buf_addc(&told, '\n');
		const char *seen = strstr(buf_cstr(&told), name);
		if (seen && seen[-1] == '\n' && seen[strlen(name)] == '\n')
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
}

#define LIST_PATTERNS_MAX 16

static int write_status(struct imap_sess *s, const char *name, const struct mailfolder_status *st,
			const struct imap_arg *items, struct buf *out);

/* What a LIST asks beyond RFC 3501: RFC 5258's selection options
 * SUBSCRIBED, SPECIAL-USE (RFC 6154), REMOTE and RECURSIVEMATCH (nothing
 * to do here: no remote mailboxes, and parents are listed by pattern),
 * several patterns, and the return options SUBSCRIBED, CHILDREN and
 * SPECIAL-USE (always given anyway) and STATUS (RFC 5819). */
struct list_opts {
	int sel_subscribed, sel_special, ret_subscribed;
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
						    NULL };
	memset(o, 0, sizeof *o);
	int recursive = 0;
	const struct imap_arg *a = c->args;
	if (a && a->type == IMAP_ARG_LIST) {
		for (const struct imap_arg *x = a->child; x; x = x->next) {
			int k = list_option(x, sel);
			if (k < 0)
				return -1;
			o->sel_subscribed |= k == 0;
			o->sel_special |= k == 1;
			recursive |= k == 3;
		}
		/* RECURSIVEMATCH only qualifies another option (RFC 5258 §3). */
		if (recursive && !o->sel_subscribed && !o->sel_special)
			return -1;
		a = a->next;
	}
	if (!a || !imap_arg_is_string(a))
		return -1;
	o->ref = a;
	a = a->next;
	if (a && a->type == IMAP_ARG_LIST) {
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
	return 0;
}

/* reference + pattern as an on-disk pattern (mUTF-7), or -1. */
static int list_pattern(struct imap_sess *s, const struct imap_arg *ref, const struct imap_arg *pat,
			struct buf *out)
{
	if (s->utf8) {
		imap_utf8_to_mutf7(ref->s, ref->len, out);
		imap_utf8_to_mutf7(pat->s, pat->len, out);
	} else {
		buf_add(out, ref->s, ref->len);
		buf_add(out, pat->s, pat->len);
	}
	return buf_ok(out) && out->len <= PATTERN_MAX ? 0 : -1;
}

/* One mailbox LIST names, with its STATUS when asked for (RFC 5819: after
 * the LIST line; a mailbox it cannot read gets none). */
static void list_one(struct imap_sess *s, const struct folder_entry *f, const struct list_opts *o,
		     struct buf *line)
{
	buf_reset(line);
	buf_adds(line, "LIST (");
	list_attrs(f->attrs, line);
	if ((o->ret_subscribed || o->sel_subscribed) && (f->attrs & FOLDER_SUBSCRIBED))
		buf_adds(line, line->ptr[line->len - 1] == '(' ? "\\Subscribed" : " \\Subscribed");
	buf_adds(line, ") \".\" ");
	imap_write_mailbox(s, f->name, line);
	imap_untagged(s, "%s", buf_cstr(line));
	struct mailfolder_status st;
	struct mail_err e;
	err_clear(&e);
	if (!o->status || (f->attrs & FOLDER_NOSELECT) || mailfolder_status(s->root, f->name, &st, &e) < 0)
		return;
	buf_reset(line);
	if (write_status(s, f->name, &st, o->status, line) == 0)
		imap_untagged(s, "%s", buf_cstr(line));
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
	if (!lsub && o.npats == 1 && o.pats[0]->len == 0 && c->nargs == 2) {
		imap_untagged(s, "LIST (\\Noselect) \".\" \"\"");
		imap_tagged(s, "OK", "LIST completed");
		return;
	}
	struct buf pattern[LIST_PATTERNS_MAX];
	int bad = 0;
	for (size_t k = 0; k < o.npats; k++) {
		pattern[k] = (struct buf)BUF_INIT;
		if (list_pattern(s, o.ref, o.pats[k], &pattern[k]) < 0)
			bad = 1;
	}
	struct mail_err e;
	err_clear(&e);
	struct folder_list l = { 0, 0 };
	struct subscriptions subs = { 0, 0 };
	if (bad) {
		imap_tagged(s, "NO", "[CANNOT] invalid pattern");
	} else if (folder_list(s->root, &l, &e) < 0 || (lsub && subscriptions_read(s->root, &subs, &e) < 0)) {
		store_failed(s, c->name, &e);
	} else if (lsub) {
		lsub_names(s, &subs, buf_cstr(&pattern[0]), pattern[0].len);
		imap_tagged(s, "OK", "LSUB completed");
	} else {
		struct buf line = BUF_INIT;
		for (size_t i = 0; i < l.n; i++) {
			const char *name = l.v[i].name;
			int match = 0;
			for (size_t k = 0; k < o.npats && !match; k++)
				match = pattern_match(buf_cstr(&pattern[k]), pattern[k].len, name, folder_is_inbox(name));
			if (!match || (o.sel_subscribed && !(l.v[i].attrs & FOLDER_SUBSCRIBED)) ||
			    (o.sel_special && !(l.v[i].attrs & FOLDER_SPECIAL_USE)))
				continue;
			list_one(s, &l.v[i], &o, &line);
		}
		buf_free(&line);
		imap_tagged(s, "OK", "LIST completed");
	}
	for (size_t k = 0; k < o.npats; k++)
		buf_free(&pattern[k]);
	folder_list_free(&l);
	subscriptions_free(&subs);
}

/* "STATUS name (items...)" for the items list `items`: 0, or -1 (an
 * unknown item, out nothing sent). */
static int write_status(struct imap_sess *s, const char *name, const struct mailfolder_status *st,
			const struct imap_arg *items, struct buf *out)
{
	buf_adds(out, "STATUS ");
	imap_write_mailbox(s, name, out);
	buf_adds(out, " (");
	for (const struct imap_arg *a = items->child; a; a = a->next) {
		const char *sep = a == items->child ? "" : " ";
		if (imap_arg_atom_is(a, "MESSAGES"))
			buf_addf(out, "%sMESSAGES %u", sep, st->messages);
		else if (imap_arg_atom_is(a, "RECENT"))
			buf_addf(out, "%sRECENT %u", sep, st->recent);
		else if (imap_arg_atom_is(a, "UIDNEXT"))
			buf_addf(out, "%sUIDNEXT %u", sep, st->uidnext);
		else if (imap_arg_atom_is(a, "UIDVALIDITY"))
			buf_addf(out, "%sUIDVALIDITY %u", sep, st->uidvalidity);
		else if (imap_arg_atom_is(a, "UNSEEN"))
			buf_addf(out, "%sUNSEEN %u", sep, st->unseen);
		else if (imap_arg_atom_is(a, "SIZE"))
			buf_addf(out, "%sSIZE %lld", sep, st->size);
		else
			return -1;
	}
	buf_adds(out, ")");
	return 0;
}

/* STATUS mailbox (items) (RFC 9051 §6.3.11). */
void imap_cmd_status(struct imap_sess *s, const struct imap_command *c, int uid)
{
	(void)uid;
	char name[256];
	if (c->nargs != 2 || c->args->next->type != IMAP_ARG_LIST || !c->args->next->len) {
		imap_bad(s, "usage: STATUS mailbox (items)");
		return;
	}
	if (name_arg(s, c->args, name, sizeof name, 0) < 0)
		return;
	struct mailfolder_status st;
	struct mail_err e;
	err_clear(&e);
	if (mailfolder_status(s->root, name, &st, &e) < 0) {
		store_failed(s, "STATUS", &e);
		return;
	}
	struct buf out = BUF_INIT;
	if (write_status(s, name, &st, c->args->next, &out) < 0) {
		buf_free(&out);
		imap_bad(s, "unknown STATUS item");
		return;
	}
	imap_untagged(s, "%s", buf_cstr(&out));
	buf_free(&out);
	imap_tagged(s, "OK", "STATUS completed");
}

int imap_open_target(struct imap_sess *s, const char *name, struct mailfolder *dst, struct mail_err *e)
{
	int r = mailfolder_open(dst, s->root, name, 0, e);
	if (s->srv->cfg)
		dst->quota = config_num(s->srv->cfg, CFG_MAILBOX_QUOTA);
	return r;
}

/* APPEND mailbox [(flags)] [date-time] literal. The literal was streamed
 * into s->literal (imap_session.c) within max_append. */
void imap_cmd_append(struct imap_sess *s, const struct imap_command *c, int uid)
{
	(void)uid;
	char name[256];
	const struct imap_arg *a = c->args, *flags = NULL, *date = NULL;
	if (c->nargs < 2 || c->nargs > 4) {
		imap_bad(s, "usage: APPEND mailbox [(flags)] [date-time] message");
		return;
	}
	const struct imap_arg *box = a;
	a = a->next;
	if (a->type == IMAP_ARG_LIST) {
		flags = a;
		a = a->next;
	}
	if (a && a->next && a->type == IMAP_ARG_QUOTED) {
		date = a;
		a = a->next;
	}
	if (!a || a->next || a->type != IMAP_ARG_LITERAL) {
		imap_bad(s, "usage: APPEND mailbox [(flags)] [date-time] message");
		return;
	}
	if (s->literal_refused) {
		s->literal_refused = 0;
		imap_tagged(s, "NO", "[TOOBIG] the message is too large");
		return;
	}
	const char *data = a->streamed ? s->literal.ptr : a->s;
	size_t len = a->streamed ? s->literal.len : a->len;
	time_t when = 0;
	int zone;
	if (date && imap_datetime_parse(date->s, date->len, &when, &zone) < 0) {
		imap_bad(s, "invalid date-time");
		return;
	}
	if (imap_mailbox_arg(s, box, name, sizeof name) < 0)
		return;
	if (len == 0) {
		imap_tagged(s, "NO", "an empty message is not a message");
		return;
	}
	struct mailfolder dst;
	struct mail_err e;
	err_clear(&e);
	if (imap_open_target(s, name, &dst, &e) < 0) {
		mailfolder_close(&dst);
		if (e.sys == ENOENT)
			imap_tagged(s, "NO", "[TRYCREATE] no such mailbox");
		else
			store_failed(s, "APPEND", &e);
		return;
	}
	unsigned fl = 0;
	uint32_t kw = 0, new_uid = 0;
	if (flags && imap_flags_arg(s, &dst, flags, 1, &fl, &kw) < 0) {
		mailfolder_close(&dst);
		return;
	}
	/* A literal8 (BINARY): binary parts are stored base64-encoded. */
	struct buf converted = BUF_INIT;
	if (a->binary && imap_binary_to_base64(data, len, &converted) > 0) {
		data = converted.ptr;
		len = converted.len;
	}
	int r = mailfolder_append(&dst, data ? data : "", len, fl, kw, when, &new_uid, &e);
	buf_free(&converted);
	uint32_t validity = r == 0 ? imap_folder_uidvalidity(&dst) : 0;
	mailfolder_close(&dst);
	buf_reset(&s->literal);
	if (r < 0) {
		store_failed(s, "APPEND", &e);
		return;
	}
	if (s->state == IS_SELECTED)
		imap_send_updates(s, 1);
	imap_count(s, IMAPD_M_APPENDED, 1);
	imap_tagged(s, "OK", "[APPENDUID %u %u] APPEND completed", validity, new_uid);
}
