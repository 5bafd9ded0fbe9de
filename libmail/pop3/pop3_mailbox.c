/* pop3_mailbox.c — a Maildir served over POP3; see pop3_mailbox.h. */
#include "pop3/pop3_mailbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/lazy_ssl.h"

#include "store/maildirsize.h"
#include "msg/pop3_cmd.h"

static size_t uid_part_len(const char *name)
{
	const char *colon = strchr(name, ':');
	return colon ? (size_t)(colon - name) : strlen(name);
}

void maildrop_uid(const char *name, char *uid, size_t cap)
{
	size_t n = uid_part_len(name);
	int printable = n > 0;
	for (size_t i = 0; i < n; i++)
		printable &= (unsigned char)name[i] >= 0x21 && (unsigned char)name[i] <= 0x7e;
	if (printable && n <= MAILDROP_UID_MAX && n < cap) {
		memcpy(uid, name, n);
		uid[n] = '\0';
		return;
	}
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_Digest(name, n, md, &mdlen, EVP_sha256(), NULL);
	size_t o = 0;
	for (unsigned i = 0; i < mdlen && o + 3 <= cap; i++)
		o += (size_t)snprintf(uid + o, cap - o, "%02x", md[i]);
	uid[o] = '\0';
}

/* ,K=NNN in the name (before the flags), or -1. */
static long long size_field(const char *name, char key)
{
	size_t n = uid_part_len(name);
	for (size_t i = 0; i + 3 < n; i++) {
		if (name[i] != ',' || name[i + 1] != key || name[i + 2] != '=')
			continue;
		long long v = 0;
		size_t k = i + 3;
		if (k >= n || name[k] < '0' || name[k] > '9')
			return -1;
		for (; k < n && name[k] >= '0' && name[k] <= '9'; k++)
			v = v * 10 + (name[k] - '0');
		return k == n || name[k] == ',' ? v : -1;
	}
	return -1;
}

static int trashed(const char *name)
{
	const char *info = strstr(name, ":2,");
	return info && strchr(info + 3, 'T') != NULL;
}

/* What RETR adds after a file that does not end in a newline: the line is
 * closed before the terminating dot (CRLF, or only LF after a final CR), so
 * LIST and STAT count it too (RFC 1939: the exact size). */
static long long unterminated_tail(char last)
{
	return last == '\n' ? 0 : last == '\r' ? 1 : 2;
}

/* The size RETR sends: LFs become CRLF, plus the closing of a last line. */
static long long size_by_reading(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -1;
	char buf[65536];
	long long size = 0;
	int cr = 0;
	char last = '\n';
	ssize_t r;
	while ((r = read(fd, buf, sizeof buf)) > 0) {
		size += pop3_crlf_size(buf, (size_t)r, &cr);
		last = buf[r - 1];
	}
	close(fd);
	return r < 0 ? -1 : size + unterminated_tail(last);
}

/* W= is the CRLF size of the file as written; a file that does not end in a
 * newline gets its tail added (one byte read, not the whole file). */
static long long size_from_name(int dirfd, const char *name, long long w)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -1;
	struct stat st;
	char last = '\n';
	int ok = fstat(fd, &st) == 0 && (st.st_size == 0 || pread(fd, &last, 1, st.st_size - 1) == 1);
	close(fd);
	return ok ? w + unterminated_tail(last) : -1;
}

static int list_dir(struct maildrop *d, int dirfd, int in_cur, size_t *cap, struct mail_err *e)
{
	int fd = dup(dirfd);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	if (!dir) {
		if (fd >= 0)
			close(fd);
		return err_sys(e, "%s: cannot list", d->md.path);
	}
	rewinddir(dir);
	struct dirent *de;
	int rc = 0;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.' || (de->d_type != DT_REG && de->d_type != DT_UNKNOWN))
			continue;
		if (in_cur && trashed(de->d_name))
			continue;
		long long size = size_field(de->d_name, 'W');
		size = size >= 0 ? size_from_name(dirfd, de->d_name, size) : size_by_reading(dirfd, de->d_name);
		if (size < 0)
			continue; /* gone meanwhile, or not a readable file */
		if (d->n == *cap) {
			size_t c = *cap ? *cap * 2 : 64;
			struct maildrop_msg *v = realloc(d->v, c * sizeof *v);
			if (!v) {
				rc = err_sys(e, "%s: listing", d->md.path);
				break;
			}
			d->v = v;
			*cap = c;
		}
		struct maildrop_msg *m = &d->v[d->n];
		memset(m, 0, sizeof *m);
		if (!(m->name = strdup(de->d_name))) {
			rc = err_sys(e, "%s: listing", d->md.path);
			break;
		}
		m->in_cur = in_cur;
		m->size = size;
		m->disk_size = size_field(m->name, 'S');
		maildrop_uid(m->name, m->uid, sizeof m->uid);
		d->n++;
	}
	closedir(dir);
	return rc;
}

/* Oldest first: Maildir names start with the delivery time in seconds. */
static int cmp_msg(const void *a, const void *b)
{
	const char *x = ((const struct maildrop_msg *)a)->name;
	const char *y = ((const struct maildrop_msg *)b)->name;
	unsigned long long tx = strtoull(x, NULL, 10), ty = strtoull(y, NULL, 10);
	if (tx != ty)
		return tx < ty ? -1 : 1;
	return strcmp(x, y);
}

int maildrop_open(struct maildrop *d, const char *path, struct mail_err *e)
{
	memset(d, 0, sizeof *d);
	if (lazylib_load(LAZYLIB_OPENSSL, e) < 0) /* maildrop_uid's digest */
		return -1;
	if (maildir_open(&d->md, path, 0, e) < 0) {
		if (e->sys == ENOENT) {
			d->md.fd = d->md.tmp = d->md.new_ = d->md.cur = -1;
			return 0; /* nothing delivered yet: an empty maildrop */
		}
		return -1;
	}
	d->exists = 1;
	if (flock(d->md.fd, LOCK_EX | LOCK_NB) < 0) {
		int busy = errno == EWOULDBLOCK;
		err_sys(e, "%s: lock", d->md.path);
		maildir_close(&d->md);
		return busy ? MAILDROP_IN_USE : -1;
	}
	size_t cap = 0;
	if (list_dir(d, d->md.new_, 0, &cap, e) < 0 || list_dir(d, d->md.cur, 1, &cap, e) < 0) {
		maildrop_close(d);
		return -1;
	}
	if (d->n > 1)
		qsort(d->v, d->n, sizeof *d->v, cmp_msg);
	return 0;
}

/* Where message i is now: its listed place, the other directory, or a
 * renamed (flagged) version in cur/. Fills dirfd and name. */
static int locate(struct maildrop *d, size_t i, int *dirfd, char *name, size_t cap)
{
	const struct maildrop_msg *m = &d->v[i];
	int first = m->in_cur ? d->md.cur : d->md.new_, other = m->in_cur ? d->md.new_ : d->md.cur;
	struct stat st;
	if (fstatat(first, m->name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		*dirfd = first;
		return str_copy(name, cap, m->name, strlen(m->name));
	}
	if (fstatat(other, m->name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		*dirfd = other;
		return str_copy(name, cap, m->name, strlen(m->name));
	}
	size_t base = uid_part_len(m->name);
	int fd = dup(d->md.cur);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	if (!dir) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	rewinddir(dir);
	struct dirent *de;
	int rc = -1;
	while ((de = readdir(dir))) {
		if (!strncmp(de->d_name, m->name, base) && de->d_name[base] == ':') {
			*dirfd = d->md.cur;
			rc = str_copy(name, cap, de->d_name, strlen(de->d_name));
			break;
		}
	}
	closedir(dir);
	if (rc < 0)
		errno = ENOENT;
	return rc;
}

int maildrop_open_msg(struct maildrop *d, size_t i, struct mail_err *e)
{
	char name[MAILDIR_NAME_MAX + 64];
	int dirfd;
	if (i >= d->n) {
		errno = ENOENT;
		return err_sys(e, "message %zu", i + 1);
	}
	/* The common case first, in one system call: the file is where it
	 * was listed. */
	const struct maildrop_msg *m = &d->v[i];
	int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK;
	int fd = openat(m->in_cur ? d->md.cur : d->md.new_, m->name, flags);
	if (fd >= 0 || errno != ENOENT)
		return fd >= 0 ? fd : err_sys(e, "message %zu", i + 1);
	if (locate(d, i, &dirfd, name, sizeof name) < 0) {
		errno = ENOENT;
		return err_sys(e, "message %zu", i + 1);
	}
	fd = openat(dirfd, name, flags);
	if (fd < 0)
		return err_sys(e, "message %zu", i + 1);
	return fd;
}

/* name with S added to its flags, into out. */
static void seen_name(const char *name, char *out, size_t cap)
{
	const char *info = strstr(name, ":2,");
	if (!info) {
		snprintf(out, cap, "%s:2,S", name);
		return;
	}
	if (strchr(info + 3, 'S')) {
		snprintf(out, cap, "%s", name);
		return;
	}
	/* Flags stay in ASCII order, as maildir(5) asks. */
	size_t pre = (size_t)(info + 3 - name);
	const char *f = info + 3;
	size_t k = 0;
	while (f[k] && f[k] < 'S')
		k++;
	snprintf(out, cap, "%.*s%.*sS%s", (int)pre, name, (int)k, f, f + k);
}

int maildrop_commit(struct maildrop *d, int keep, struct mail_err *e)
{
	int failed = 0, touched_new = 0, touched_cur = 0;
	long long gone_bytes = 0, gone = 0;
	for (size_t i = 0; i < d->n; i++) {
		if (!d->v[i].deleted)
			continue;
		char name[MAILDIR_NAME_MAX + 64], seen[MAILDIR_NAME_MAX + 72];
		int dirfd;
		if (locate(d, i, &dirfd, name, sizeof name) < 0)
			continue; /* already gone: that is what was asked */
		int r;
		if (keep) {
			seen_name(name, seen, sizeof seen);
			r = renameat(dirfd, name, d->md.cur, seen);
			touched_cur = 1;
		} else {
			/* The size maildir_usage() counts: ,S= or the file's. */
			long long size = d->v[i].disk_size;
			struct stat st;
			if (size < 0)
				size = fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 ? st.st_size : 0;
			r = unlinkat(dirfd, name, 0);
			if (r == 0) {
				gone_bytes += size;
				gone++;
			}
		}
		if (r < 0 && errno != ENOENT) {
			failed = 1;
			err_sys(e, "%s: %s", d->md.path, name);
		}
		touched_new |= dirfd == d->md.new_;
		touched_cur |= dirfd == d->md.cur;
	}
	if ((touched_new && fsync(d->md.new_) < 0) || (touched_cur && fsync(d->md.cur) < 0)) {
		failed = 1;
		err_sys(e, "%s: fsync", d->md.path);
	}
	if (gone)
		maildirsize_add(&d->md, -gone_bytes, -gone);
	return failed ? -1 : 0;
}

void maildrop_close(struct maildrop *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i].name);
	free(d->v);
	d->v = NULL;
	d->n = 0;
	if (d->exists)
		maildir_close(&d->md); /* closing the directory drops the lock */
	d->exists = 0;
}
