/* pop3_mailbox.c — a Maildir served over POP3 through the mailbox layer;
 * see pop3_mailbox.h. */
#include "pop3/pop3_mailbox.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/lazy_ssl.h"
#include "store/maildir_name.h"

/* A UIDL as RFC 1939 allows it (1..70 of 0x21..0x7e), else the hex
 * SHA-256 of what it would have been: as stable, and short enough. */
static void uidl_finish(const char *s, size_t n, char *uid, size_t cap)
{
	int printable = n > 0;
	for (size_t i = 0; i < n; i++)
		printable &= (unsigned char)s[i] >= 0x21 && (unsigned char)s[i] <= 0x7e;
	if (printable && n <= MAILDROP_UID_MAX && n < cap) {
		memcpy(uid, s, n);
		uid[n] = '\0';
		return;
	}
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_Digest(s, n, md, &mdlen, EVP_sha256(), NULL);
	size_t o = 0;
	for (unsigned i = 0; i < mdlen && o + 3 <= cap; i++)
		o += (size_t)snprintf(uid + o, cap - o, "%02x", md[i]);
	uid[o] = '\0';
}

void maildrop_uid(const char *name, char *uid, size_t cap)
{
	uidl_finish(name, maildir_name_base_len(name), uid, cap);
}

/* One "%[0][width][xX](u|v|f|%)" at fmt (after the '%'): its length, and
 * what it says in *pad, *width, *hex and *var. 0: not one we know. */
static size_t uidl_var(const char *fmt, int *pad, int *width, char *hex, char *var)
{
	size_t i = 0;
	*pad = fmt[i] == '0';
	i += (size_t)*pad;
	*width = 0;
	while (fmt[i] >= '0' && fmt[i] <= '9' && *width < 100)
		*width = *width * 10 + (fmt[i++] - '0');
	*hex = fmt[i] == 'x' || fmt[i] == 'X' ? fmt[i++] : 0;
	*var = fmt[i];
	if (*var != 'u' && *var != 'v' && *var != 'f' && *var != '%')
		return 0;
	if ((*var == 'f' || *var == '%') && (*hex || *width))
		return 0;
	return i + 1;
}

int maildrop_uidl_format_valid(const char *fmt)
{
	size_t n = strlen(fmt);
	if (n == 0 || n > 100)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (fmt[i] != '%')
			continue;
		int pad, width;
		char hex, var;
		size_t k = uidl_var(fmt + i + 1, &pad, &width, &hex, &var);
		if (!k)
			return 0;
		i += k;
	}
	return 1;
}

void maildrop_uidl(const char *fmt, uint32_t imap_uid, uint32_t uidvalidity, const char *name,
		   char *uid, size_t cap)
{
	struct buf b = BUF_INIT;
	for (const char *p = fmt; *p; p++) {
		int pad, width;
		char hex, var;
		size_t k = *p == '%' ? uidl_var(p + 1, &pad, &width, &hex, &var) : 0;
		if (!k) {
			buf_addc(&b, *p);
			continue;
		}
		p += k;
		if (var == 'f')
			buf_add(&b, name, maildir_name_base_len(name));
		else if (var == '%')
			buf_addc(&b, '%');
		else
			buf_addf(&b, hex ? (pad ? "%0*x" : "%*x") : (pad ? "%0*u" : "%*u"),
				 width, var == 'u' ? imap_uid : uidvalidity);
	}
	uidl_finish(b.ptr ? b.ptr : "", buf_ok(&b) ? b.len : 0, uid, cap);
	buf_free(&b);
}

/* What RETR adds after a file that does not end in a newline: the line is
 * closed before the terminating dot (CRLF, or only LF after a final CR), so
 * LIST and STAT count it too (RFC 1939: the exact size). */
static long long unterminated_tail(int fd, long long disk_size)
{
	char last = '\n';
	if (disk_size > 0 && pread(fd, &last, 1, disk_size - 1) != 1)
		return -1;
	return last == '\n' ? 0 : last == '\r' ? 1 : 2;
}

int maildrop_open(struct maildrop *d, const char *path, const char *uidl_format, struct mail_err *e)
{
	memset(d, 0, sizeof *d);
	d->f.md.fd = d->f.md.tmp = d->f.md.new_ = d->f.md.cur = -1;
	d->f.rootfd = -1;
	const char *fmt = uidl_format && *uidl_format ? uidl_format : MAILDROP_UIDL_DEFAULT;
	if (lazylib_load(LAZYLIB_OPENSSL, e) < 0) /* the digest of long UIDLs */
		return -1;
	/* Nothing delivered yet: an empty maildrop, and no Maildir made. */
	struct stat st;
	if (stat(path, &st) < 0 && errno == ENOENT)
		return 0;
	if (mailfolder_open(&d->f, path, "INBOX", MAILFOLDER_LEAVE_NEW, e) < 0)
		return -1;
	d->exists = 1;
	if (flock(d->f.md.fd, LOCK_EX | LOCK_NB) < 0) {
		int busy = errno == EWOULDBLOCK;
		err_sys(e, "%s: lock", d->f.md.path);
		maildrop_close(d);
		return busy ? MAILDROP_IN_USE : -1;
	}
	if (mailfolder_sync(&d->f, e) < 0) {
		maildrop_close(d);
		return -1;
	}
	if (!(d->v = calloc(d->f.n + 1, sizeof *d->v))) {
		err_sys(e, "%s: listing", d->f.md.path);
		maildrop_close(d);
		return -1;
	}
	for (size_t i = 0; i < d->f.n; i++) {
		const struct mailfolder_msg *fm = &d->f.v[i];
		if (fm->flags & MF_DELETED)
			continue;
		int fd = mailfolder_open_msg(&d->f, i, e);
		long long tail = fd >= 0 ? unterminated_tail(fd, fm->disk_size) : -1;
		if (fd >= 0)
			close(fd);
		if (tail < 0)
			continue;   /* gone meanwhile, or not a readable file */
		struct maildrop_msg *m = &d->v[d->n++];
		m->at = i;
		m->size = fm->size + tail;
		m->disk_size = fm->disk_size;
		if (fm->pop3_uidl)
			uidl_finish(fm->pop3_uidl, strlen(fm->pop3_uidl), m->uid, sizeof m->uid);
		else
			maildrop_uidl(fmt, fm->uid, d->f.uidvalidity, fm->name, m->uid, sizeof m->uid);
	}
	return 0;
}

int maildrop_open_msg(struct maildrop *d, size_t i, struct mail_err *e)
{
	if (i >= d->n) {
		errno = ENOENT;
		return err_sys(e, "message %zu", i + 1);
	}
	return mailfolder_open_msg(&d->f, d->v[i].at, e);
}

int maildrop_commit(struct maildrop *d, int keep, struct mail_err *e)
{
	unsigned char *pick = calloc(d->f.n + 1, 1);
	if (!pick)
		return err_sys(e, "%s", d->f.md.path);
	int failed = 0;
	for (size_t i = 0; i < d->n; i++) {
		if (!d->v[i].deleted)
			continue;
		size_t at = d->v[i].at;
		pick[at] = 1;
		if (!keep)
			continue;
		struct mail_err one;
		err_clear(&one);
		/* Gone already (expunged over IMAP) is what was asked. */
		if (mailfolder_store_delta(&d->f, at, MF_SEEN, 0, 0, 0, &one) < 0 &&
		    one.sys != ENOENT) {
			if (!failed)
				*e = one;
			failed = 1;
		}
	}
	if (keep && fsync(d->f.md.cur) < 0 && !failed) {
		failed = 1;
		err_sys(e, "%s: fsync", d->f.md.path);
	}
	if (!keep && mailfolder_remove_set(&d->f, pick, e) < 0)
		failed = 1;
	free(pick);
	return failed ? -1 : 0;
}

void maildrop_close(struct maildrop *d)
{
	free(d->v);
	d->v = NULL;
	d->n = 0;
	if (d->exists)
		mailfolder_close(&d->f); /* closing the directory drops the lock */
	d->exists = 0;
}
