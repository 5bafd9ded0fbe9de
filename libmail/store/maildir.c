/* maildir.c — Maildir delivery; see maildir.h. */
#include "store/maildir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/io.h"

int target_err(struct mail_err *e, const char *fmt, ...)
{
	int saved = errno;
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	errno = saved;
	if (saved == ELOOP || saved == EMLINK)
		return err_set(e, EX_CANTCREAT, 550, "5.2.0", "%s: refused: a symbolic link", msg);
	err_sys(e, "%s", msg);
	switch (saved) {
	case EACCES:
	case EPERM:
	case EROFS:
		e->ex = EX_NOPERM;
		break;
	case ENOTDIR:
	case EISDIR:
	case EEXIST:
	case ENAMETOOLONG:
		e->ex = EX_CANTCREAT;
		e->smtp = 550;
		str_copy(e->status, sizeof e->status, "5.2.0", 5);
		break;
	default:
		break;
	}
	return -1;
}

static void reset(struct maildir *m)
{
	m->fd = m->tmp = m->new_ = m->cur = -1;
}

void maildir_close(struct maildir *m)
{
	int *fds[] = { &m->fd, &m->tmp, &m->new_, &m->cur };
	for (size_t i = 0; i < 4; i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

static int open_dir_at(int at, const char *name, int create)
{
	int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && create) {
		if (mkdirat(at, name, 0700) < 0 && errno != EEXIST)
			return -1;
		fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	return fd;
}

static int open_subdirs(struct maildir *m, int create, struct mail_err *e)
{
	static const char *const names[] = { "tmp", "new", "cur" };
	int *fds[] = { &m->tmp, &m->new_, &m->cur };
	for (size_t i = 0; i < 3; i++) {
		*fds[i] = open_dir_at(m->fd, names[i], create);
		if (*fds[i] < 0) {
			target_err(e, "%s/%s", m->path, names[i]);
			maildir_close(m);
			return -1;
		}
	}
	return 0;
}

/* mkdir -p of the parents, then the Maildir itself (last component opened
 * with O_NOFOLLOW). */
int maildir_open(struct maildir *m, const char *path, int create, struct mail_err *e)
{
	reset(m);
	size_t n = strlen(path);
	while (n > 1 && path[n - 1] == '/')
		n--;
	if (n == 0 || str_copy(m->path, sizeof m->path, path, n) < 0)
		return err_set(e, EX_CANTCREAT, 550, "5.2.0", "maildir: bad path");
	/* The Maildir is there nearly always: its parents are made only when
	 * it is not (a SELECT or a delivery spends no mkdir on them). */
	m->fd = open(m->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (m->fd < 0 && create && errno == ENOENT) {
		char tmp[sizeof m->path];
		memcpy(tmp, m->path, n + 1);
		mode_t old = umask(077);
		for (char *p = tmp + 1; *p; p++) {
			if (*p != '/')
				continue;
			*p = '\0';
			if (mkdir(tmp, 0700) < 0 && errno != EEXIST) {
				umask(old);
				return target_err(e, "cannot create %s", tmp);
			}
			*p = '/';
		}
		if (mkdir(m->path, 0700) < 0 && errno != EEXIST) {
			umask(old);
			return target_err(e, "cannot create %s", m->path);
		}
		umask(old);
		m->fd = open(m->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (m->fd < 0)
		return target_err(e, "%s", m->path);
	mode_t old = umask(077);
	int r = open_subdirs(m, create, e);
	umask(old);
	return r;
}

int maildir_folder_valid(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 200 || name[0] == '.' || name[n - 1] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (c == '.' && name[i + 1] == '.')
			return 0;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == ' ' || c == '.'))
			return 0;
	}
	return 1;
}

int maildir_open_folder(struct maildir *m, const struct maildir *root, const char *name,
			int create, struct mail_err *e)
{
	reset(m);
	if (!maildir_folder_valid(name))
		return err_set(e, EX_CANTCREAT, 550, "5.2.0", "%s: bad folder name \"%.100s\"",
			       root->path, name);
	return maildir_open_dotdir(m, root, name, create, e);
}

int maildir_open_dotdir(struct maildir *m, const struct maildir *root, const char *name, int create,
			struct mail_err *e)
{
	reset(m);
	char dot[256];
	if ((size_t)snprintf(dot, sizeof dot, ".%s", name) >= sizeof dot)
		return err_set(e, EX_CANTCREAT, 550, "5.2.0", "%s: folder name too long", root->path);
	snprintf(m->path, sizeof m->path, "%s/%s", root->path, dot);
	mode_t old = umask(077);
	m->fd = open_dir_at(root->fd, dot, create);
	if (m->fd < 0) {
		umask(old);
		return target_err(e, "%s", m->path);
	}
	int r = open_subdirs(m, create, e);
	if (r == 0 && create) {
		int fd = openat(m->fd, "maildirfolder", O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0)
			close(fd);
	}
	umask(old);
	return r;
}

/* The host part of unique names: '/' and ':' are written \057 and \072
 * as maildir(5) asks; ',' (our field separator) as \054. */
static void host_part(char *out, size_t cap)
{
	char host[256] = "localhost";
	gethostname(host, sizeof host - 1);
	host[sizeof host - 1] = '\0';
	size_t o = 0;
	for (const char *p = host; *p && o + 5 < cap; p++) {
		if (*p == '/' || *p == ':' || *p == ',')
			o += (size_t)snprintf(out + o, cap - o, "\\%03o", (unsigned char)*p);
		else if ((unsigned char)*p > 0x20 && (unsigned char)*p < 0x7f)
			out[o++] = *p;
	}
	out[o] = '\0';
}

void maildir_unique_name(char *out, size_t cap, long long size, long long crlf_size)
{
	static unsigned counter;
	static char host[128];
	if (!host[0])
		host_part(host, sizeof host);
	struct timeval tv;
	gettimeofday(&tv, NULL);
	unsigned rnd = 0;
	if (getrandom(&rnd, sizeof rnd, GRND_NONBLOCK) != (ssize_t)sizeof rnd)
		rnd = (unsigned)tv.tv_usec ^ ((unsigned)getpid() << 16);
	snprintf(out, cap, "%lld.M%06ldP%ldQ%uR%08x.%s,S=%lld,W=%lld", (long long)tv.tv_sec,
		 (long)tv.tv_usec, (long)getpid(), ++counter, rnd, host, size, crlf_size);
}

int maildir_deliver(struct maildir *m, const struct iovec *parts, int nparts, char *name,
		    size_t cap, struct mail_err *e)
{
	long long size = 0, lines = 0;
	for (int i = 0; i < nparts; i++) {
		const char *p = parts[i].iov_base;
		size += (long long)parts[i].iov_len;
		for (const char *q = p; (q = memchr(q, '\n', (size_t)(p + parts[i].iov_len - q))); q++)
			lines++;
	}
	char tmpname[MAILDIR_NAME_MAX];
	int fd = -1;
	for (int tries = 0; fd < 0; tries++) {
		maildir_unique_name(tmpname, sizeof tmpname, size, size + lines);
		fd = openat(m->tmp, tmpname, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    0600);
		if (fd < 0 && (errno != EEXIST || tries > 5))
			return target_err(e, "%s/tmp", m->path);
	}
	for (int i = 0; i < nparts; i++) {
		if (write_all(fd, parts[i].iov_base, parts[i].iov_len) < 0) {
			err_sys(e, "%s/tmp/%s", m->path, tmpname);
			goto fail;
		}
	}
	if (fsync(fd) < 0) {
		err_sys(e, "fsync %s/tmp/%s", m->path, tmpname);
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		err_sys(e, "close %s/tmp/%s", m->path, tmpname);
		goto fail;
	}
	fd = -1;
	/* The commit point: link() into new/ never replaces an existing
	 * name, so a clash is an error here, not a lost message. */
	if (linkat(m->tmp, tmpname, m->new_, tmpname, 0) < 0) {
		target_err(e, "link into %s/new", m->path);
		goto fail;
	}
	if (fsync(m->new_) < 0) {
		/* The entry may or may not be durable: take it back and let the
		 * sender retry (a duplicate is acceptable, a loss is not). */
		err_sys(e, "fsync %s/new", m->path);
		unlinkat(m->new_, tmpname, 0);
		goto fail;
	}
	unlinkat(m->tmp, tmpname, 0);
	if (str_copy(name, cap, tmpname, strlen(tmpname)) < 0)
		name[0] = '\0';
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlinkat(m->tmp, tmpname, 0);
	return -1;
}

/* The ,S=NNN field of a Maildir name, or -1. */
static long long size_field(const char *name)
{
	const char *s = strstr(name, ",S=");
	if (!s)
		return -1;
	char *end;
	long long v = strtoll(s + 3, &end, 10);
	return end == s + 3 || (*end && *end != ',' && *end != ':') ? -1 : v;
}

static int usage_of(int dirfd, long long *total, long long *count)
{
	int fd = dup(dirfd);
	if (fd < 0)
		return -1;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -1;
	}
	rewinddir(d);
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		long long s = size_field(de->d_name);
		struct stat st;
		if (s < 0 && fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
			s = st.st_size;
		if (s > 0)
			*total += s;
		(*count)++;
	}
	closedir(d);
	return 0;
}

long long maildir_usage(const struct maildir *m, long long *count, struct mail_err *e)
{
	long long total = 0, n = 0;
	if (usage_of(m->new_, &total, &n) < 0 || usage_of(m->cur, &total, &n) < 0)
		return err_sys(e, "%s: cannot list", m->path);
	if (count)
		*count = n;
	return total;
}

/* The owner of path, or of its nearest existing parent. */
int path_owner(const char *path, uid_t *uid, gid_t *gid)
{
	char p[4096];
	if (str_copy(p, sizeof p, path, strlen(path)) < 0)
		return -1;
	for (;;) {
		size_t n = strlen(p);
		while (n > 1 && p[n - 1] == '/')
			p[--n] = '\0';
		struct stat st;
		if (lstat(p, &st) == 0) {
			*uid = st.st_uid;
			*gid = st.st_gid;
			return 0;
		}
		char *slash = strrchr(p, '/');
		if (!slash || errno != ENOENT)
			return -1;
		if (slash == p)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
}
