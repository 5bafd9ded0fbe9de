/* imap_selected.c — the selected mailbox: SELECT, EXAMINE, CLOSE,
 * UNSELECT, EXPUNGE (UID EXPUNGE, RFC 4315), IDLE (RFC 2177) and the
 * untagged updates that tell one session what others changed. */
#include <errno.h>
#include <malloc.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "base/log.h"
#include "imap/imap_state.h"
#include "msg/imap_mutf7.h"
#include "msg/imap_seq.h"
#include "msg/imap_string.h"
#include "store/folder_tree.h"

static const char system_flags[] = "\\Answered \\Flagged \\Deleted \\Seen \\Draft";

void imap_write_flags(struct imap_sess *s, size_t i, struct buf *out)
{
	const struct mailfolder_msg *m = &s->box.v[i];
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = { { MF_SEEN, "\\Seen" }, { MF_ANSWERED, "\\Answered" }, { MF_FLAGGED, "\\Flagged" },
		      { MF_DELETED, "\\Deleted" }, { MF_DRAFT, "\\Draft" } };
	const char *sep = "";
	buf_addc(out, '(');
	for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
		if (m->flags & names[k].bit) {
			buf_addf(out, "%s%s", sep, names[k].name);
			sep = " ";
		}
	}
	for (size_t k = 0; k < s->box.nkeywords; k++) {
		if (m->keywords & (1u << k) && s->box.keywords[k]) {
			buf_addf(out, "%s%s", sep, s->box.keywords[k]);
			sep = " ";
		}
	}
	if (m->recent && !s->rev2)   /* IMAP4rev2 has no \Recent (RFC 9051 §2.3.2) */
		buf_addf(out, "%s\\Recent", sep);
	buf_addc(out, ')');
}

void imap_send_flags_lists(struct imap_sess *s)
{
	struct buf kw = BUF_INIT;
	for (size_t k = 0; k < s->box.nkeywords; k++)
		if (s->box.keywords[k])
			buf_addf(&kw, " %s", s->box.keywords[k]);
	imap_untagged(s, "FLAGS (%s%s)", system_flags, buf_cstr(&kw));
	if (s->readonly)
		imap_untagged(s, "OK [PERMANENTFLAGS ()] read-only");
	else
		imap_untagged(s, "OK [PERMANENTFLAGS (%s%s%s)] flags and keywords kept", system_flags, buf_cstr(&kw),
			      s->box.nkeywords < MAILFOLDER_KEYWORDS_MAX ? " \\*" : "");
	buf_free(&kw);
}

static uint32_t count_recent(const struct mailfolder *f)
{
	struct mailfolder_counts c;
	mailfolder_counts(f, &c);
	return c.recent;
}

void imap_expunged(void *arg, uint32_t seq, uint32_t uid)
{
	struct imap_sess *s = arg;
	(void)uid;
	imap_untagged(s, "%u EXPUNGE", seq);
	s->exists--;
}

void imap_send_updates(struct imap_sess *s, int expunge_ok)
{
	if (s->state != IS_SELECTED)
		return;
	struct mail_err e;
	err_clear(&e);
	size_t keywords = s->box.nkeywords;
	if (mailfolder_sync(&s->box, &e) < 0) {
		log_warn(NULL, "imap user=%s event=sync-failed mailbox=%s error=\"%s\"", LOG_TOKEN(s->user),
			 LOG_TOKEN(s->box.name), LOG_QUOTED(e.msg));
		return;
	}
	if (expunge_ok)
		mailfolder_purge(&s->box, imap_expunged, s);
	if (s->box.nkeywords != keywords)
		imap_send_flags_lists(s);
	struct buf flags = BUF_INIT;
	/* (A lazy view is one no sync found changed: no flags to report.) */
	for (size_t i = 0; !s->box.lazy && i < s->box.n && i < s->exists; i++) {
		struct mailfolder_msg *m = &s->box.v[i];
		if (!m->changed || m->gone)
			continue;
		m->changed = 0;
		buf_reset(&flags);
		imap_write_flags(s, i, &flags);
		imap_untagged(s, "%zu FETCH (UID %u FLAGS %s)", i + 1, m->uid, buf_cstr(&flags));
	}
	buf_free(&flags);
	if (s->box.n != s->exists) {
		s->exists = (uint32_t)s->box.n;
		imap_untagged(s, "%u EXISTS", s->exists);
		s->recent_told = count_recent(&s->box);
		if (!s->rev2)
			imap_untagged(s, "%u RECENT", s->recent_told);
	}
}

uint32_t imap_folder_uidvalidity(struct mailfolder *f)
{
	struct mail_err e;
	err_clear(&e);
	if (!f->uidvalidity)
		mailfolder_sync(f, &e);
	return f->uidvalidity;
}

void imap_close_mailbox(struct imap_sess *s)
{
	if (s->box_open)
		mailfolder_close(&s->box);
	s->box_open = 0;
	imap_saved_clear(s);
	if (s->state == IS_SELECTED)
		s->state = IS_AUTH;
}

/* The mailbox name a client sent, as the on-disk name: mUTF-7 (or UTF-8
 * after ENABLE UTF8=ACCEPT) checked and converted, INBOX in any case
 * made INBOX, validated so that it cannot leave the Maildir. 0, or -1
 * after a tagged reply. */
int imap_mailbox_arg(struct imap_sess *s, const struct imap_arg *a, char *out, size_t cap)
{
	if (!a || !imap_arg_is_string(a) || strlen(a->s) != a->len) {
		imap_bad(s, "a mailbox name is expected");
		return -1;
	}
	struct buf name = BUF_INIT;
	int ok;
	if (s->utf8) {
		ok = imap_utf8_to_mutf7(a->s, a->len, &name) == 0;
	} else {
		struct buf check = BUF_INIT;
		ok = imap_mutf7_to_utf8(a->s, a->len, &check) == 0 && buf_add(&name, a->s, a->len) == 0;
		buf_free(&check);
	}
	const char *n = buf_cstr(&name);
	if (ok && folder_is_inbox(n))
		n = "INBOX";
	ok = ok && (folder_is_inbox(n) || folder_name_valid(n)) && strlen(n) < cap;
	if (ok)
		str_copy(out, cap, n, strlen(n));
	buf_free(&name);
	if (!ok) {
		imap_tagged(s, "NO", "[CANNOT] invalid mailbox name");
		return -1;
	}
	return 0;
}

/* The on-disk name as the client reads it. */
void imap_write_mailbox(struct imap_sess *s, const char *name, struct buf *out)
{
	if (s->utf8) {
		struct buf u = BUF_INIT;
		if (imap_mutf7_to_utf8(name, strlen(name), &u) == 0) {
			imap_write_astring(out, u.ptr ? u.ptr : "", u.len, 1);
			buf_free(&u);
			return;
		}
		buf_free(&u);
	}
	imap_write_astring(out, name, strlen(name), 0);
}

/* SELECT and EXAMINE (RFC 9051 §6.3.2, §6.3.3). */
void imap_cmd_select(struct imap_sess *s, const struct imap_command *c, int uid)
{
	(void)uid;
	char name[256];
	int examine = !strcasecmp(c->name, "EXAMINE");
	if (c->nargs != 1) {
		imap_bad(s, "usage: SELECT mailbox");
		return;
	}
	/* Any SELECT that is run closes the mailbox selected before, even
	 * one that fails (RFC 9051 §6.3.2: then no mailbox is selected),
	 * and with it the saved search result (RFC 5182). */
	if (s->state == IS_SELECTED) {
		imap_close_mailbox(s);
		imap_untagged(s, "OK [CLOSED] previous mailbox closed");
	}
	if (imap_mailbox_arg(s, c->args, name, sizeof name) < 0)
		return;
	struct mail_err e;
	err_clear(&e);
	s->readonly = examine;
	/* Lazy: an unchanged folder's counts come from its index's header;
	 * the messages are read by the first command that needs them. */
	if (mailfolder_open(&s->box, s->root, name, MAILFOLDER_LAZY | (examine ? MAILFOLDER_RDONLY : 0), &e) < 0 ||
	    mailfolder_sync(&s->box, &e) < 0) {
		mailfolder_close(&s->box);
		if (e.sys == ENOENT) {
			imap_tagged(s, "NO", "[NONEXISTENT] no such mailbox");
		} else {
			log_err(NULL, "imap user=%s event=select-failed mailbox=%s error=\"%s\"", LOG_TOKEN(s->user),
				LOG_TOKEN(name), LOG_QUOTED(e.msg));
			imap_tagged(s, "NO", "[SERVERBUG] cannot open the mailbox");
		}
		return;
	}
	s->box_open = 1;
	s->state = IS_SELECTED;
	s->exists = (uint32_t)s->box.n;
	struct mailfolder_counts counts;
	mailfolder_counts(&s->box, &counts);
	s->recent_told = counts.recent;
	for (size_t i = 0; !s->box.lazy && i < s->box.n; i++)
		s->box.v[i].changed = 0;
	imap_send_flags_lists(s);
	imap_untagged(s, "%u EXISTS", s->exists);
	/* IMAP4rev2 dropped RECENT and UNSEEN and wants the mailbox's LIST
	 * line instead (RFC 9051 §6.3.2). */
	if (s->rev2) {
		imap_list_selected(s, name);
	} else {
		imap_untagged(s, "%u RECENT", s->recent_told);
		if (counts.first_unseen)
			imap_untagged(s, "OK [UNSEEN %u] first unseen", counts.first_unseen);
	}
	imap_untagged(s, "OK [UIDVALIDITY %u] UIDs valid", s->box.uidvalidity);
	imap_untagged(s, "OK [UIDNEXT %u] predicted next UID", s->box.uidnext);
	imap_tagged(s, "OK", "[%s] %s completed", examine ? "READ-ONLY" : "READ-WRITE", examine ? "EXAMINE" : "SELECT");
}

/* CLOSE expunges silently (read-write only); UNSELECT does not. */
void imap_cmd_close(struct imap_sess *s, const struct imap_command *c, int uid)
{
	(void)uid;
	if (c->nargs) {
		imap_bad(s, "no arguments expected");
		return;
	}
	if (!strcasecmp(c->name, "CLOSE") && !s->readonly) {
		struct mail_err e;
		err_clear(&e);
		size_t gone = imap_gone_count(s);
		if (mailfolder_expunge(&s->box, NULL, &e) < 0)
			log_warn(NULL, "imap user=%s event=close-failed mailbox=%s error=\"%s\"", LOG_TOKEN(s->user),
				 LOG_TOKEN(s->box.name), LOG_QUOTED(e.msg));
		imap_count(s, IMAPD_M_EXPUNGED, imap_gone_count(s) - gone);
	}
	imap_close_mailbox(s);
	imap_tagged(s, "OK", "%s completed", c->name);
}

/* EXPUNGE, and UID EXPUNGE set (UIDPLUS): only the \Deleted messages of
 * the set. */
void imap_cmd_expunge(struct imap_sess *s, const struct imap_command *c, int uid)
{
	if (s->readonly) {
		imap_tagged(s, "NO", "[READ-ONLY] the mailbox is read-only");
		return;
	}
	unsigned char *pick = NULL;
	struct mail_err e;
	err_clear(&e);
	if (uid) {
		struct imap_seqset set = IMAP_SEQSET_INIT;
		if (c->nargs != 1) {
			imap_bad(s, "usage: UID EXPUNGE sequence-set");
			return;
		}
		if (imap_msgset_arg(s, c->args, 1, &set) < 0)
			return;
		pick = calloc(s->box.n ? s->box.n : 1, 1);
		if (!pick) {
			imap_seqset_free(&set);
			imap_tagged(s, "NO", "[SERVERBUG] out of memory");
			return;
		}
		for (size_t i = 0; i < s->box.n; i++)
			pick[i] = (unsigned char)imap_seqset_contains(&set, s->box.v[i].uid);
		imap_seqset_free(&set);
	} else if (c->nargs) {
		imap_bad(s, "EXPUNGE takes no arguments");
		return;
	}
	size_t gone = imap_gone_count(s);
	int r = mailfolder_expunge(&s->box, pick, &e);
	imap_count(s, IMAPD_M_EXPUNGED, imap_gone_count(s) - gone);
	free(pick);
	imap_send_updates(s, 1);
	if (r < 0) {
		log_err(NULL, "imap user=%s event=expunge-failed mailbox=%s error=\"%s\"", LOG_TOKEN(s->user),
			LOG_TOKEN(s->box.name), LOG_QUOTED(e.msg));
		imap_tagged(s, "NO", "[SERVERBUG] some messages could not be removed");
		return;
	}
	imap_tagged(s, "OK", "EXPUNGE completed");
}

/* --- IDLE -------------------------------------------------------------- */

void imap_cmd_idle(struct imap_sess *s, const struct imap_command *c, int uid)
{
	(void)uid;
	if (c->nargs) {
		imap_bad(s, "IDLE takes no arguments");
		return;
	}
	str_copy(s->sasl_tag, sizeof s->sasl_tag, s->tag, strlen(s->tag));
	s->want = WANT_DONE;
	imap_reader_want_line(&s->rd);
	imap_send_updates(s, 1);
	imap_continue(s, "idling");
}

void imap_idle_done(struct imap_sess *s, const char *line, size_t n)
{
	str_copy(s->tag, sizeof s->tag, s->sasl_tag, strlen(s->sasl_tag));
	if (n != 4 || strncasecmp(line, "DONE", 4)) {
		imap_bad(s, "expected DONE");
		return;
	}
	imap_tagged(s, "OK", "IDLE terminated");
}

/* Watch the directories a delivery or another session changes. */
static int watch(struct imap_sess *s)
{
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0)
		return -1;
	static const char *const subdirs[] = { "new", "cur" };
	char path[4200];
	for (size_t i = 0; i < 2; i++) {
		if (folder_is_inbox(s->box.name))
			snprintf(path, sizeof path, "%s/%s", s->root, subdirs[i]);
		else
			snprintf(path, sizeof path, "%s/.%s/%s", s->root, s->box.name, subdirs[i]);
		inotify_add_watch(fd, path, IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ONLYDIR);
	}
	return fd;
}

int imap_idle_wait(struct imap_sess *s)
{
	if (s->state != IS_SELECTED)
		return 0;
	int ino = watch(s);
	long long end = io_now_ms() + s->srv->timeout_ms;
	/* An idle session may wait for half an hour, a thousand of them at
	 * once: give back the heap the commands before freed. */
	malloc_trim(0);
	int rc = 0;
	for (;;) {
		if (s->io.buffered && s->io.buffered(&s->io) > 0)
			break;
		long long left = end - io_now_ms();
		if (left <= 0) {
			imap_untagged(s, "BYE autologout: idle for too long");
			imap_flush(s);
			rc = -1;
			break;
		}
		/* Without inotify, look every 5 s (RFC 2177 asks no more). */
		struct pollfd p[2] = { { .fd = s->io.rfd, .events = POLLIN }, { .fd = ino, .events = POLLIN } };
		int r = poll(p, ino >= 0 ? 2 : 1, (int)(left < 5000 ? left : 5000));
		if (r < 0 && errno != EINTR) {
			rc = -1;
			break;
		}
		if (r > 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR)))
			break;
		if (ino >= 0 && r > 0 && (p[1].revents & POLLIN)) {
			char ev[4096];
			while (read(ino, ev, sizeof ev) > 0)
				;
			/* A delivery is a write to tmp/ then a link into new/:
			 * the event comes when the file is complete. */
		} else if (ino >= 0 && r == 0) {
			continue;
		}
		imap_send_updates(s, 1);
		imap_flush(s);
		if (s->fatal) {
			rc = -1;
			break;
		}
	}
	if (ino >= 0)
		close(ino);
	return rc;
}
