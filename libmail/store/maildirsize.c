/* maildirsize.c — the Maildir++ quota file; see maildirsize.h. */
#include "store/maildirsize.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "base/io.h"
#include "base/log.h"

#define NAME "maildirsize"

/* A decimal number with an optional '-' at p[*i]; -1 if none. */
static int number(const char *p, size_t n, size_t *i, long long *v)
{
	int neg = 0;
	size_t k = *i;
	if (k < n && p[k] == '-') {
		neg = 1;
		k++;
	}
	size_t start = k;
	long long x = 0;
	while (k < n && p[k] >= '0' && p[k] <= '9') {
		if (x > (1LL << 53))
			return -1;
		x = x * 10 + (p[k] - '0');
		k++;
	}
	if (k == start)
		return -1;
	*v = neg ? -x : x;
	*i = k;
	return 0;
}

int maildirsize_parse(const char *p, size_t n, long long *quota, long long *bytes,
		      long long *count)
{
	const char *nl = memchr(p, '\n', n);
	if (!nl)
		return -1;
	/* The definition: comma-separated NUMBER followed by S or C. */
	*quota = -1;
	size_t i = 0, end = (size_t)(nl - p);
	while (i < end) {
		long long v;
		if (p[i] == '-' || number(p, end, &i, &v) < 0 || i >= end)
			return -1;
		if (p[i] == 'S')
			*quota = v;
		else if (p[i] != 'C')
			return -1;
		i++;
		if (i < end && (p[i++] != ',' || i == end))
			return -1;
	}
	*bytes = *count = 0;
	for (i = end + 1; i < n;) {
		long long b, c;
		while (i < n && p[i] == ' ')
			i++;
		if (number(p, n, &i, &b) < 0 || i >= n || p[i] != ' ')
			return -1;
		while (i < n && p[i] == ' ')
			i++;
		if (number(p, n, &i, &c) < 0)
			return -1;
		while (i < n && p[i] == ' ')
			i++;
		if (i >= n || p[i] != '\n') /* a torn last line */
			return -1;
		i++;
		*bytes += b;
		*count += c;
	}
	return 0;
}

/* Is the open file fd safe to use for Maildir m: a regular file with one
 * link, owned by the Maildir's owner? Fills *st. */
static int safe_file(const struct maildir *m, int fd, struct stat *st)
{
	struct stat dir;
	if (fstat(fd, st) < 0 || fstat(m->fd, &dir) < 0)
		return 0;
	return S_ISREG(st->st_mode) && st->st_nlink == 1 && st->st_uid == dir.st_uid;
}

/* The usage from the file, or -1 when it must be recalculated (why says
 * which reason, for the log). */
static long long read_file(const struct maildir *m, long long quota, const char **why)
{
	int fd = openat(m->fd, NAME, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		*why = errno == ENOENT ? NULL : strerror(errno);
		return -1;
	}
	struct stat st;
	char buf[MAILDIRSIZE_MAX + 1];
	ssize_t r = -1;
	if (!safe_file(m, fd, &st))
		*why = "not a regular file of the Maildir's owner";
	else if (st.st_size > MAILDIRSIZE_MAX)
		*why = NULL; /* the ordinary rule: too long, recalculate */
	else if (st.st_mtime < time(NULL) - MAILDIRSIZE_MAX_AGE)
		*why = NULL;
	else if ((r = read(fd, buf, sizeof buf)) < 0)
		*why = strerror(errno);
	close(fd);
	if (r < 0)
		return -1;
	long long q, bytes, count;
	if (r > MAILDIRSIZE_MAX || maildirsize_parse(buf, (size_t)r, &q, &bytes, &count) < 0 ||
	    bytes < 0 || count < 0) {
		*why = r > MAILDIRSIZE_MAX ? NULL : "unparsable";
		return -1;
	}
	if (q != quota) {
		*why = NULL; /* the quota changed: recalculate */
		return -1;
	}
	return bytes;
}

/* Write the file anew: tmp/ name, fsync, owner, rename over the old one. */
static int rewrite(const struct maildir *m, long long quota, long long bytes, long long count)
{
	char tmp[128], text[128];
	struct timeval tv;
	gettimeofday(&tv, NULL);
	snprintf(tmp, sizeof tmp, "%lld.M%06ldP%ld.maildirsize", (long long)tv.tv_sec,
		 (long)tv.tv_usec, (long)getpid());
	int len = snprintf(text, sizeof text, "%lldS\n%lld %lld\n", quota, bytes, count);
	int fd = openat(m->tmp, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	struct stat dir;
	int ok = fstat(m->fd, &dir) == 0 && write_all(fd, text, (size_t)len) == 0 &&
		 fchmod(fd, 0600) == 0;
	/* The owner must be the Maildir's (or the file is not trusted when
	 * read); the group is followed where we may. */
	if (ok && geteuid() != dir.st_uid)
		ok = fchown(fd, dir.st_uid, dir.st_gid) == 0;
	else if (ok && getegid() != dir.st_gid && fchown(fd, (uid_t)-1, dir.st_gid) < 0)
		errno = 0;
	ok = ok && fsync(fd) == 0;
	if (close(fd) < 0)
		ok = 0;
	if (ok && renameat(m->tmp, tmp, m->fd, NAME) == 0) {
		fsync(m->fd);
		return 0;
	}
	int saved = errno;
	unlinkat(m->tmp, tmp, 0);
	errno = saved;
	return -1;
}

long long maildirsize_usage(const struct maildir *m, long long quota, struct mail_err *e)
{
	const char *why = NULL;
	long long used = read_file(m, quota, &why);
	if (used >= 0)
		return used;
	if (why)
		log_warn(NULL, "maildir=%s/%s error=\"%s\" action=scan", m->path, NAME, LOG_QUOTED(why));
	long long count;
	used = maildir_usage(m, &count, e);
	if (used < 0)
		return -1;
	if (rewrite(m, quota, used, count) < 0)
		log_warn(NULL, "maildir=%s/%s error=\"cannot rewrite: %s\"", m->path, NAME,
			 strerror(errno));
	return used;
}

void maildirsize_add(const struct maildir *m, long long bytes, long long count)
{
	int fd = openat(m->fd, NAME, O_WRONLY | O_APPEND | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT)
			log_warn(NULL, "maildir=%s/%s error=\"%s\"", m->path, NAME, strerror(errno));
		return;
	}
	struct stat st;
	char line[64];
	int len = snprintf(line, sizeof line, "%lld %lld\n", bytes, count);
	if (!safe_file(m, fd, &st))
		log_warn(NULL, "maildir=%s/%s error=\"not a regular file of the Maildir's owner\"",
			 m->path, NAME);
	else if (write(fd, line, (size_t)len) != len)
		log_warn(NULL, "maildir=%s/%s error=\"append: %s\"", m->path, NAME, strerror(errno));
	close(fd);
}
