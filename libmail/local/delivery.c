/* delivery.c — local delivery to Maildir, mbox and programs; see delivery.h. */
#include "local/delivery.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/read_all.h"
#include "local/program.h"
#include "msg/header.h"
#include "store/maildir.h"
#include "store/maildirsize.h"
#include "store/mbox.h"

void delivery_opts_init(struct delivery_opts *o, const struct config *cfg)
{
	memset(o, 0, sizeof *o);
	o->sender = "";
	o->hop_limit = (int)config_num(cfg, CFG_HOP_LIMIT);
	o->lock_timeout = (int)config_num(cfg, CFG_LOCK_TIMEOUT);
	o->pipe_timeout = (int)config_num(cfg, CFG_PIPE_TIMEOUT);
	o->quota = config_num(cfg, CFG_MAILBOX_QUOTA);
	o->quota_defer = !strcasecmp(config_str(cfg, CFG_QUOTA_ACTION), "defer");
	o->default_user = config_str(cfg, CFG_DEFAULT_USER);
	o->detail_folders = (int)config_num(cfg, CFG_DETAIL_FOLDERS);
}

int message_read(int fd, long long max, struct buf *msg, char *postmark, size_t cap,
		 struct mail_err *e)
{
	buf_reset(msg);
	if (postmark && cap)
		postmark[0] = '\0';
	/* Past the limit (and the CRs that will go), stop reading: the size
	 * check below refuses it. */
	if (read_all(fd, msg, max > 0 ? (size_t)max + 65536 : 0) == READ_ALL_ERR)
		return errno == ENOMEM ? err_set(e, EX_TEMPFAIL, 451, "4.3.0", "message: out of memory")
				       : err_sys(e, "reading the message");
	char *p = msg->ptr ? msg->ptr : "";
	size_t n = msg->len, o = 0;
	if (memchr(p, '\0', n))
		return err_set(e, EX_DATAERR, 554, "5.6.0", "message: contains a NUL byte");
	size_t start = 0;
	if (n >= 5 && !memcmp(p, "From ", 5)) {
		/* An mbox postmark from a pipe ("From sender date"): not part of
		 * the message. */
		const char *nl = memchr(p, '\n', n);
		start = nl ? (size_t)(nl - p) + 1 : n;
		size_t w = strcspn(p + 5, " \t\r\n");
		if (postmark && cap && 5 + w <= n)
			str_copy(postmark, cap, p + 5, w);
	}
	for (size_t i = start; i < n; i++) {
		if (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n')
			continue;
		p[o++] = p[i];
	}
	msg->len = o;
	if (max > 0 && (long long)o > max)
		return err_set(e, EX_DATAERR, 552, "5.3.4", "message: larger than %lld bytes", max);
	return 0;
}

static int value_is(const struct header *h, const char *want)
{
	const char *v = h->value;
	size_t n = h->value_len;
	while (n && (*v == ' ' || *v == '\t' || *v == '\n')) {
		v++;
		n--;
	}
	while (n && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\n'))
		n--;
	if (n >= 2 && v[0] == '<' && v[n - 1] == '>') {
		v++;
		n -= 2;
	}
	return strlen(want) == n && !strncasecmp(v, want, n);
}

int message_check_loop(const char *p, size_t n, const char *rcpt, int hop_limit,
		       struct mail_err *e)
{
	size_t pos = 0;
	struct header h;
	int received = 0;
	while (hdr_next(p, n, &pos, &h) == 1) {
		if (hdr_name_is(&h, "Received"))
			received++;
		else if (rcpt && rcpt[0] && hdr_name_is(&h, "Delivered-To") && value_is(&h, rcpt))
			return err_set(e, EX_DATAERR, 554, "5.4.6",
				       "mail loop: the message was already delivered to %s", rcpt);
	}
	if (hop_limit > 0 && received > hop_limit)
		return err_set(e, EX_DATAERR, 554, "5.4.6",
			       "mail loop: %d Received: fields (the limit is %d)", received, hop_limit);
	return 0;
}

/* --- identity ---------------------------------------------------------- */

struct ident {
	uid_t uid;
	gid_t gid;
	int active;   /* effective ids were changed */
};

static int become(struct ident *id, uid_t uid, gid_t gid, struct mail_err *e)
{
	id->active = 0;
	if (geteuid() != 0 || uid == 0)
		return 0;
	struct passwd *pw = getpwuid(uid);
	if ((pw ? initgroups(pw->pw_name, gid) : setgroups(1, &gid)) < 0 || setegid(gid) < 0 ||
	    seteuid(uid) < 0) {
		err_sys(e, "cannot take the identity of uid %ld", (long)uid);
		if (seteuid(0) < 0 || setegid(0) < 0 || setgroups(0, NULL) < 0)
			_exit(EX_OSERR);
		return -1;
	}
	id->active = 1;
	return 0;
}

static void restore(struct ident *id)
{
	if (!id->active)
		return;
	if (seteuid(0) < 0 || setegid(0) < 0 || setgroups(0, NULL) < 0)
		_exit(EX_OSERR); /* never go on with a half-restored identity */
	id->active = 0;
}

/* Identity for a file or program named in aliases (or an include file). */
static int alias_identity(const struct delivery_opts *o, const struct dest *d, uid_t *uid,
			  gid_t *gid, struct mail_err *e)
{
	if (d->has_owner && d->owner != 0) {
		struct passwd *pw = getpwuid(d->owner);
		*uid = d->owner;
		*gid = pw ? pw->pw_gid : (gid_t)d->owner;
		return 0;
	}
	struct passwd *pw = getpwnam(o->default_user);
	if (!pw)
		return err_set(e, EX_TEMPFAIL, 451, "4.3.5", "default_user %s: no such user",
			       o->default_user);
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

/* --- targets ----------------------------------------------------------- */

static long long parts_size(const struct iovec *parts, int n)
{
	long long s = 0;
	for (int i = 0; i < n; i++)
		s += (long long)parts[i].iov_len;
	return s;
}

static int over_quota(const struct delivery_opts *o, long long used, long long size,
		      const char *path, struct mail_err *e)
{
	if (o->quota <= 0 || used + size <= o->quota)
		return 0;
	if (o->quota_defer)
		return err_set(e, EX_TEMPFAIL, 452, "4.2.2", "%s: mailbox full (quota %lld bytes)",
			       path, o->quota);
	return err_set(e, EX_CANTCREAT, 552, "5.2.2", "%s: mailbox full (quota %lld bytes)", path,
		       o->quota);
}

static int to_maildir(const struct delivery_opts *o, const char *path, const char *detail,
		      const struct iovec *parts, int nparts, char *where, size_t cap,
		      struct mail_err *e)
{
	struct maildir root, folder;
	if (maildir_open(&root, path, 1, e) < 0)
		return -1;
	struct maildir *m = &root;
	if (o->folder) {
		if (maildir_open_folder(&folder, &root, o->folder, 1, e) < 0) {
			maildir_close(&root);
			return -1;
		}
		m = &folder;
	} else {
		/* Only a folder the owner made: an address or a verdict never
		 * creates one, and anything odd there (a symlink) means the
		 * inbox. Junk first: a quarantined message stays out of the
		 * folders the owner sorts mail into. */
		const char *own = o->junk ? "Junk"
				  : o->detail_folders && detail && detail[0] && maildir_folder_valid(detail) ? detail
													    : NULL;
		struct mail_err ignored;
		if (own && maildir_open_folder(&folder, &root, own, 0, &ignored) == 0)
			m = &folder;
	}
	char name[MAILDIR_NAME_MAX];
	int rc = 0;
	if (o->quota > 0) {
		long long used = maildirsize_usage(&root, o->quota, e);
		rc = used < 0 ? -1 : over_quota(o, used, parts_size(parts, nparts), path, e);
	}
	if (rc == 0)
		rc = maildir_deliver(m, parts, nparts, name, sizeof name, e);
	/* The quota counts the inbox (as maildir_usage does), so only an
	 * inbox delivery changes maildirsize. */
	if (rc == 0 && m == &root)
		maildirsize_add(&root, parts_size(parts, nparts), 1);
	if (rc == 0 && where)
		snprintf(where, cap, "%s/new/%s", m->path, name);
	if (m == &folder)
		maildir_close(&folder);
	maildir_close(&root);
	return rc;
}

static int to_mbox(const struct delivery_opts *o, const char *path, const struct iovec *parts,
		   int nparts, char *where, size_t cap, struct mail_err *e)
{
	struct stat st;
	if (o->quota > 0 && over_quota(o, lstat(path, &st) == 0 ? st.st_size : 0,
				       parts_size(parts, nparts), path, e) < 0)
		return -1;
	if (mbox_deliver(path, o->sender, parts, nparts, 1, o->lock_timeout, e) < 0)
		return -1;
	if (where)
		str_copy(where, cap, path, strlen(path));
	return 0;
}

static int to_program(const struct delivery_opts *o, const struct dest *d, uid_t uid, gid_t gid,
		      const struct iovec *parts, int nparts, struct mail_err *e)
{
	char **argv;
	if (command_split(d->target, &argv, e) < 0)
		return err_wrap(e, "%s", d->origin);
	char sender[ADDR_TEXT_MAX + 16], rcpt[ADDR_TEXT_MAX + 16], local[ADDR_LOCAL_MAX + 16],
		domain[ADDR_DOMAIN_MAX + 16], ext[ADDR_LOCAL_MAX + 16];
	const char *at = strrchr(d->rcpt, '@');
	size_t ll = at ? (size_t)(at - d->rcpt) : strlen(d->rcpt);
	snprintf(sender, sizeof sender, "SENDER=%s", o->sender);
	snprintf(rcpt, sizeof rcpt, "RECIPIENT=%s", d->rcpt);
	snprintf(local, sizeof local, "LOCAL=%.*s", (int)ll, d->rcpt);
	snprintf(domain, sizeof domain, "DOMAIN=%s", at ? at + 1 : "");
	snprintf(ext, sizeof ext, "EXTENSION=%s", d->detail);
	char *env[] = { sender, rcpt, local, domain, ext, NULL };
	int rc = command_run(argv, env, parts, nparts, uid, gid, o->pipe_timeout, e);
	free(argv);
	return rc;
}

int delivery_to(const struct delivery_opts *o, const struct dest *d, const char *msg, size_t n,
		char *where, size_t cap, struct mail_err *e)
{
	if (d->kind == DEST_FORWARD)
		return err_set(e, EX_SOFTWARE, 451, "4.3.0", "%s: a forward is not local", d->target);
	if (message_check_loop(msg, n, d->rcpt, o->hop_limit, e) < 0)
		return -1;
	struct buf hdr = BUF_INIT;
	buf_addf(&hdr, "Return-Path: <%s>\n", o->sender);
	if (d->rcpt[0])
		buf_addf(&hdr, "Delivered-To: %s\n", d->rcpt);
	if (!buf_ok(&hdr)) {
		buf_free(&hdr);
		return err_set(e, EX_TEMPFAIL, 451, "4.3.0", "out of memory");
	}
	struct iovec parts[2] = { { hdr.ptr, hdr.len }, { (void *)msg, n } };
	uid_t uid = (uid_t)-1;
	gid_t gid = (gid_t)-1;
	int root = geteuid() == 0, rc = 0;
	if (root && d->kind == DEST_MAILBOX && path_owner(d->target, &uid, &gid) < 0)
		rc = target_err(e, "%s", d->target);
	else if (root && d->kind != DEST_MAILBOX)
		rc = alias_identity(o, d, &uid, &gid, e);
	if (rc == 0 && d->kind == DEST_PIPE) {
		rc = to_program(o, d, uid, gid, parts, 2, e);
		if (rc == 0 && where)
			snprintf(where, cap, "|%s", d->target);
	} else if (rc == 0) {
		struct ident id;
		rc = become(&id, root ? uid : 0, root ? gid : 0, e);
		if (rc == 0) {
			rc = d->maildir ? to_maildir(o, d->target, d->detail, parts, 2, where, cap, e)
					: to_mbox(o, d->target, parts, 2, where, cap, e);
			restore(&id);
		}
	}
	buf_free(&hdr);
	return rc;
}
