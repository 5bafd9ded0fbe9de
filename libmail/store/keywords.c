/* keywords.c — dovecot-keywords; see keywords.h. */
#include "store/keywords.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/read_all.h"
#include "store/dotlock.h"

#define KEYWORDS_FILE "dovecot-keywords"

void keywords_free(struct keywords *k)
{
	for (int i = 0; i < KEYWORDS_MAX; i++) {
		free(k->name[i]);
		k->name[i] = NULL;
	}
}

/* An IMAP flag keyword: atom characters, no '\\' (RFC 9051 flag-keyword). */
static int keyword_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > KEYWORD_LEN_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= 0x20 || c >= 0x7f || strchr("(){%*\"\\]", c))
			return 0;
	}
	return 1;
}

void keywords_parse(struct keywords *k, const char *p, size_t n)
{
	keywords_free(k);
	size_t pos = 0;
	while (pos < n) {
		const char *nl = memchr(p + pos, '\n', n - pos);
		size_t len = nl ? (size_t)(nl - (p + pos)) : n - pos;
		const char *line = p + pos;
		pos += len + 1;
		size_t i = 0;
		int idx = 0;
		while (i < len && i < 3 && line[i] >= '0' && line[i] <= '9')
			idx = idx * 10 + (line[i++] - '0');
		if (i == 0 || i >= len || line[i] != ' ' || idx >= KEYWORDS_MAX || k->name[idx])
			continue;
		char *name = strndup(line + i + 1, len - i - 1);
		if (name && keyword_valid(name))
			k->name[idx] = name;
		else
			free(name);
	}
}

static int read_file(struct keywords *k, int dirfd, const char *path, int force, struct mail_err *e)
{
	int fd = openat(dirfd, KEYWORDS_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (errno != ENOENT)
			return err_sys(e, "%s/%s", path, KEYWORDS_FILE);
		keywords_free(k);
		k->size = -1;
		return 0;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		keywords_free(k);
		k->size = -1;
		return 0;
	}
	long long ns = (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
	if (!force && (unsigned long long)st.st_ino == k->ino && st.st_size == k->size && ns == k->mtime_ns) {
		close(fd);
		return 0;
	}
	struct buf b = BUF_INIT;
	int r = read_all(fd, &b, 64 * 1024);
	close(fd);
	if (r == READ_ALL_ERR) {
		buf_free(&b);
		return err_sys(e, "%s/%s", path, KEYWORDS_FILE);
	}
	keywords_parse(k, b.ptr ? b.ptr : "", b.len);
	buf_free(&b);
	k->ino = (unsigned long long)st.st_ino;
	k->size = st.st_size;
	k->mtime_ns = ns;
	return 0;
}

int keywords_refresh(struct keywords *k, int dirfd, const char *path, struct mail_err *e)
{
	return read_file(k, dirfd, path, 0, e);
}

static int lookup(const struct keywords *k, const char *name)
{
	for (int i = 0; i < KEYWORDS_MAX; i++)
		if (k->name[i] && strcasecmp(k->name[i], name) == 0)
			return i;
	return -1;
}

int keywords_index(struct keywords *k, int dirfd, const char *path, const char *name, int create,
		   struct mail_err *e)
{
	if (!keyword_valid(name)) {
		errno = EINVAL;
		err_sys(e, "invalid keyword \"%.100s\"", name);
		e->ex = EX_DATAERR;
		return -1;
	}
	int i = lookup(k, name);
	if (i >= 0)
		return i;
	if (read_file(k, dirfd, path, 0, e) < 0)
		return -1;
	if ((i = lookup(k, name)) >= 0 || !create) {
		if (i < 0) {
			errno = ENOENT;
			err_sys(e, "keyword \"%.100s\"", name);
		}
		return i;
	}
	struct dotlock l;
	if (dotlock_take(&l, dirfd, path, KEYWORDS_FILE, 120, 10000, e) < 0)
		return -1;
	if (read_file(k, dirfd, path, 1, e) < 0) {
		dotlock_release(&l);
		return -1;
	}
	if ((i = lookup(k, name)) >= 0) {
		dotlock_release(&l);
		return i;
	}
	for (i = 0; i < KEYWORDS_MAX && k->name[i]; i++)
		;
	if (i == KEYWORDS_MAX) {
		dotlock_release(&l);
		errno = ENOSPC;
		err_sys(e, "%s: all 26 keyword letters are in use", path);
		e->ex = EX_UNAVAILABLE;
		return -1;
	}
	if (!(k->name[i] = strdup(name))) {
		dotlock_release(&l);
		return err_sys(e, "%s", path);
	}
	struct buf b = BUF_INIT;
	for (int j = 0; j < KEYWORDS_MAX; j++)
		if (k->name[j])
			buf_addf(&b, "%d %s\n", j, k->name[j]);
	int r = buf_ok(&b) ? dotlock_replace(&l, path, KEYWORDS_FILE, b.ptr, b.len, e)
			   : (dotlock_release(&l), err_sys(e, "%s", path));
	buf_free(&b);
	if (r < 0) {
		free(k->name[i]);
		k->name[i] = NULL;
		return -1;
	}
	return i;
}
