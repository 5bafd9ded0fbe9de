/* imap_mailbox.c — the mailbox commands: CREATE, DELETE, RENAME,
 * SUBSCRIBE, UNSUBSCRIBE, STATUS, on store/folder_tree.h,
 * store/subscriptions.h and store/mailfolder.h (LIST in imap_list.c,
 * APPEND in imap_append.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/config.h"
#include "base/log.h"
#include "imap/imap_state.h"
#include "store/folder_tree.h"
#include "store/subscriptions.h"

void imap_store_failed(struct imap_sess *s, const char *what, const struct mail_err *e)
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
		imap_store_failed(s, "CREATE", &e);
		return;
	}
	imap_tagged(s, "OK", "CREATE completed");
}

/* Is name a parent without a mailbox of its own? DELETE of one is the
 * error RFC 9051 §6.3.4 names (HASCHILDREN, §7.1), not NONEXISTENT. */
static int has_children(const char *root, const char *name)
{
	struct folder_list l = { 0, 0 };
	struct mail_err e;
	err_clear(&e);
	size_t n = strlen(name);
	int found = 0;
	if (folder_list(root, &l, &e) == 0)
		for (size_t i = 0; i < l.n && !found; i++)
			found = !strncmp(l.v[i].name, name, n) && l.v[i].name[n] == '.';
	folder_list_free(&l);
	return found;
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
		if (e.sys == ENOENT && has_children(s->root, name))
			imap_tagged(s, "NO", "[HASCHILDREN] only the mailboxes below this name exist");
		else
			imap_store_failed(s, "DELETE", &e);
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
		imap_store_failed(s, "RENAME", &e);
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
		imap_store_failed(s, c->name, &e);
		return;
	}
	imap_tagged(s, "OK", "%s completed", on ? "SUBSCRIBE" : "UNSUBSCRIBE");
}

/* "STATUS name (items...)" for the items list `items`: 0, or -1 (an
 * unknown item, out nothing sent). */
int imap_write_status(struct imap_sess *s, const char *name, const struct mailfolder_status *st,
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
		else if (imap_arg_atom_is(a, "DELETED"))
			buf_addf(out, "%sDELETED %u", sep, st->deleted);
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
		imap_store_failed(s, "STATUS", &e);
		return;
	}
	struct buf out = BUF_INIT;
	if (imap_write_status(s, name, &st, c->args->next, &out) < 0) {
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
