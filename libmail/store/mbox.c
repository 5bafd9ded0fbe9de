/* mbox.c — mbox delivery; see mbox.h. */
#include "store/mbox.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/io.h"
#include "store/maildir.h"

#define DOTLOCK_STALE_S 300
#define CHUNK (64 * 1024)

static int is_from_line(const char *p, size_t n)
{
	size_t i = 0;
	while (i < n && p[i] == '>')
		i++;
	return n - i >= 5 && !memcmp(p + i, "From ", 5);
}

int mbox_escape(struct buf *out, const char *p, size_t n, int *bol)
{
	size_t i = 0;
	while (i < n) {
		const char *nl = memchr(p + i, '\n', n - i);
		size_t end = nl ? (size_t)(nl - p) + 1 : n;
		if (*bol && is_from_line(p + i, end - i))
			buf_addc(out, '>');
		buf_add(out, p + i, end - i);
		*bol = nl != NULL;
		i = end;
	}
	return buf_ok(out) ? 0 : -1;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* 1 locked, 0 skipped (directory not writable), -1 error/timeout. */
static int dotlock(const char *path, char *lockpath, size_t cap, time_t deadline,
		   struct mail_err *e)
{
	char tmp[4200];
	unsigned rnd = 0;
	if (getrandom(&rnd, sizeof rnd, GRND_NONBLOCK) != (ssize_t)sizeof rnd)
		rnd = (unsigned)time(NULL);
	if ((size_t)snprintf(lockpath, cap, "%s.lock", path) >= cap ||
	    (size_t)snprintf(tmp, sizeof tmp, "%s.lk%08x.%ld", path, rnd, (long)getpid()) >= sizeof tmp) {
		errno = ENAMETOOLONG;
		return target_err(e, "%s", path);
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == EACCES || errno == EPERM || errno == EROFS)
			return 0; /* no write access to the directory: fcntl only */
		return target_err(e, "dotlock %s", lockpath);
	}
	close(fd);
	int got = 0;
	for (;;) {
		struct stat st;
		if (link(tmp, lockpath) == 0 || (stat(tmp, &st) == 0 && st.st_nlink == 2)) {
			got = 1;
			break;
		}
		if (errno != EEXIST) {
			target_err(e, "dotlock %s", lockpath);
			break;
		}
		if (lstat(lockpath, &st) == 0 && time(NULL) - st.st_mtime > DOTLOCK_STALE_S)
			unlink(lockpath);
		if (time(NULL) >= deadline) {
			err_set(e, EX_TEMPFAIL, 451, "4.2.0", "%s: mailbox is locked (%s)", path,
				lockpath);
			break;
		}
		sleep_ms(100);
	}
	unlink(tmp);
	return got ? 1 : -1;
}

static int fcntl_lock(int fd, const char *path, time_t deadline, struct mail_err *e)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };
	while (fcntl(fd, F_SETLK, &fl) < 0) {
		if (errno != EACCES && errno != EAGAIN && errno != EINTR)
			return target_err(e, "fcntl lock %s", path);
		if (time(NULL) >= deadline)
			return err_set(e, EX_TEMPFAIL, 451, "4.2.0", "%s: mailbox is locked", path);
		sleep_ms(50);
	}
	return 0;
}

static int same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

static int check_target(int fd, const char *path, const struct stat *before, struct mail_err *e)
{
	struct stat st, now;
	if (fstat(fd, &st) < 0)
		return target_err(e, "%s", path);
	if (!S_ISREG(st.st_mode))
		return err_set(e, EX_CANTCREAT, 550, "5.2.0", "%s: refused: not a regular file", path);
	if (st.st_nlink == 0)
		return err_set(e, EX_CANTCREAT, 550, "5.2.0",
			       "%s: refused: the file was replaced while being opened", path);
	if (st.st_nlink != 1)
		return err_set(e, EX_CANTCREAT, 550, "5.2.0", "%s: refused: it has %ld hard links",
			       path, (long)st.st_nlink);
	if ((before && !same_file(before, &st)) || lstat(path, &now) < 0 || !same_file(&now, &st))
		return err_set(e, EX_CANTCREAT, 550, "5.2.0",
			       "%s: refused: the file was replaced while being opened", path);
	return 0;
}

/* Write one part, escaped, in CHUNK-sized runs of whole lines. */
static int write_escaped(int fd, const char *p, size_t n, struct buf *b, int *bol)
{
	size_t i = 0;
	while (i < n) {
		size_t end = n - i > CHUNK ? i + CHUNK : n;
		if (end < n) {
			const char *nl = memchr(p + end, '\n', n - end);
			end = nl ? (size_t)(nl - p) + 1 : n;
		}
		buf_reset(b);
		if (mbox_escape(b, p + i, end - i, bol) < 0 || write_all(fd, b->ptr, b->len) < 0)
			return -1;
		i = end;
	}
	return 0;
}

static int append(int fd, off_t old, const char *sender, const struct iovec *parts, int nparts)
{
	char sep[2] = "";
	size_t nsep = 0;
	if (old >= 2) {
		if (pread(fd, sep, 2, old - 2) != 2)
			return -1;
		nsep = sep[1] != '\n' ? 2 : sep[0] != '\n' ? 1 : 0;
	} else if (old == 1) {
		nsep = 1;
	}
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < nsep; i++)
		buf_addc(&b, '\n');
	char date[64];
	time_t now = time(NULL);
	struct tm tm;
	strftime(date, sizeof date, "%a %b %e %H:%M:%S %Y", localtime_r(&now, &tm));
	buf_adds(&b, "From ");
	if (!sender[0])
		buf_adds(&b, "MAILER-DAEMON");
	for (const char *s = sender; *s; s++)
		buf_addc(&b, *s == ' ' || *s == '\t' ? '_' : *s);
	buf_addf(&b, " %s\n", date);
	int rc = buf_ok(&b) && write_all(fd, b.ptr, b.len) == 0 ? 0 : -1;
	int bol = 1;
	for (int i = 0; rc == 0 && i < nparts; i++)
		rc = write_escaped(fd, parts[i].iov_base, parts[i].iov_len, &b, &bol);
	if (rc == 0)
		rc = write_all(fd, bol ? "\n" : "\n\n", bol ? 1 : 2);
	buf_free(&b);
	return rc;
}

/* mkdir -p of the directories above path (mode 0700 under the umask). */
static int make_parents(const char *path)
{
	char p[4096];
	if (str_copy(p, sizeof p, path, strlen(path)) < 0)
		return -1;
	char *slash = strrchr(p, '/');
	if (!slash || slash == p)
		return -1;
	*slash = '\0';
	for (char *q = p + 1; *q; q++) {
		if (*q != '/')
			continue;
		*q = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			return -1;
		*q = '/';
	}
	return mkdir(p, 0700) < 0 && errno != EEXIST ? -1 : 0;
}

int mbox_deliver(const char *path, const char *sender, const struct iovec *parts, int nparts,
		 int create, int lock_timeout_s, struct mail_err *e)
{
	time_t deadline = time(NULL) + (lock_timeout_s > 0 ? lock_timeout_s : 0);
	struct stat before;
	int existed, fd = -1;
	int flags = O_RDWR | O_APPEND | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
	/* Twice at most: another delivery may create the file between our
	 * lstat and our O_EXCL create. */
	for (int tries = 0; fd < 0 && tries < 2; tries++) {
		existed = lstat(path, &before) == 0;
		if (existed && S_ISLNK(before.st_mode))
			return err_set(e, EX_CANTCREAT, 550, "5.2.0", "%s: refused: a symbolic link",
				       path);
		mode_t old_mask = umask(077);
		fd = open(path, flags | (!existed && create ? O_CREAT | O_EXCL : 0), 0600);
		if (fd < 0 && errno == ENOENT && create && make_parents(path) == 0)
			fd = open(path, flags | O_CREAT | O_EXCL, 0600);
		umask(old_mask);
		if (fd < 0 && (existed || errno != EEXIST))
			break;
	}
	if (fd < 0)
		return target_err(e, "%s", path);
	char lockpath[4200];
	int dl = 0, rc = -1;
	if (check_target(fd, path, existed ? &before : NULL, e) < 0)
		goto out;
	if ((dl = dotlock(path, lockpath, sizeof lockpath, deadline, e)) < 0)
		goto out;
	if (fcntl_lock(fd, path, deadline, e) < 0)
		goto out;
	/* Checked again under the locks: a mail reader may have rewritten
	 * (renamed over) the mbox while we waited. */
	if (check_target(fd, path, NULL, e) < 0)
		goto out;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		target_err(e, "%s", path);
		goto out;
	}
	if (append(fd, st.st_size, sender, parts, nparts) < 0 || fsync(fd) < 0) {
		err_sys(e, "%s", path);
		/* Never leave half a message: back to the old size. */
		if (ftruncate(fd, st.st_size) == 0)
			fsync(fd);
		goto out;
	}
	rc = 0;
out:
	if (close(fd) < 0 && rc == 0)
		rc = err_sys(e, "close %s", path);
	if (dl > 0)
		unlink(lockpath);
	return rc;
}
