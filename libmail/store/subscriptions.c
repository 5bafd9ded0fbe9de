/* subscriptions.c — Dovecot's subscriptions file; see subscriptions.h. */
#include "store/subscriptions.h"

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
#include "store/folder_tree.h"

#define SUBS_FILE "subscriptions"
#define SUBS_MAX (1u << 20)

void subscriptions_free(struct subscriptions *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof *s);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add(struct subscriptions *s, const char *p, size_t n)
{
	char **v = realloc(s->v, (s->n + 1) * sizeof *v);
	if (!v)
		return -1;
	s->v = v;
	if (!(v[s->n] = strndup(p, n)))
		return -1;
	s->n++;
	return 0;
}

/* Version 2 lines write the hierarchy separator as TAB; ours is '.'. */
static int parse(struct subscriptions *s, const char *p, size_t n)
{
	size_t pos = 0;
	int v2 = n >= 4 && memcmp(p, "V\t2\n", 4) == 0;
	if (v2)
		pos = 4;
	while (pos < n) {
		const char *nl = memchr(p + pos, '\n', n - pos);
		size_t len = nl ? (size_t)(nl - (p + pos)) : n - pos;
		char name[256];
		if (len > 0 && len < sizeof name) {
			memcpy(name, p + pos, len);
			name[len] = '\0';
			for (size_t i = 0; v2 && i < len; i++)
				if (name[i] == '\t')
					name[i] = '.';
			if ((folder_is_inbox(name) || folder_name_valid(name)) && !subscriptions_has(s, name) &&
			    add(s, name, len) < 0)
				return -1;
		}
		pos += len + 1;
	}
	if (s->n > 1) /* an empty list has no array: qsort(NULL, 0) is undefined */
		qsort(s->v, s->n, sizeof *s->v, by_name);
	return 0;
}

static int read_file(int dirfd, const char *root, struct subscriptions *s, struct mail_err *e)
{
	memset(s, 0, sizeof *s);
	int fd = openat(dirfd, SUBS_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOENT ? 0 : err_sys(e, "%s/%s", root, SUBS_FILE);
	struct buf b = BUF_INIT;
	int r = read_all(fd, &b, SUBS_MAX);
	close(fd);
	if (r == READ_ALL_ERR || parse(s, b.ptr ? b.ptr : "", b.len) < 0) {
		buf_free(&b);
		subscriptions_free(s);
		return err_sys(e, "%s/%s", root, SUBS_FILE);
	}
	buf_free(&b);
	return 0;
}

int subscriptions_read(const char *root, struct subscriptions *s, struct mail_err *e)
{
	memset(s, 0, sizeof *s);
	int dirfd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0)
		return errno == ENOENT ? 0 : err_sys(e, "%s", root);
	int r = read_file(dirfd, root, s, e);
	close(dirfd);
	return r;
}

int subscriptions_has(const struct subscriptions *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], name) == 0 || (folder_is_inbox(name) && folder_is_inbox(s->v[i])))
			return 1;
	return 0;
}

int subscriptions_set(const char *root, const char *name, int on, struct mail_err *e)
{
	if (!folder_is_inbox(name) && !folder_name_valid(name)) {
		errno = EINVAL;
		err_sys(e, "%s: invalid mailbox name \"%.100s\"", root, name);
		e->ex = EX_DATAERR;
		return -1;
	}
	int dirfd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0)
		return err_sys(e, "%s", root);
	struct dotlock l;
	struct subscriptions s;
	if (dotlock_take(&l, dirfd, root, SUBS_FILE, 120, 10000, e) < 0) {
		close(dirfd);
		return -1;
	}
	int rc = read_file(dirfd, root, &s, e);
	if (rc == 0 && subscriptions_has(&s, name) == !!on) {
		dotlock_release(&l);   /* nothing to change */
		goto done;
	}
	if (rc == 0 && on)
		rc = add(&s, name, strlen(name));
	struct buf b = BUF_INIT;
	buf_adds(&b, "V\t2\n\n");
	for (size_t i = 0; rc == 0 && i < s.n; i++) {
		if (!on && (strcmp(s.v[i], name) == 0 || (folder_is_inbox(name) && folder_is_inbox(s.v[i]))))
			continue;
		for (const char *p = s.v[i]; *p; p++)
			buf_addc(&b, *p == '.' ? '\t' : *p);
		buf_addc(&b, '\n');
	}
	if (rc < 0 || !buf_ok(&b)) {
		dotlock_release(&l);
		rc = err_sys(e, "%s/%s", root, SUBS_FILE);
	} else {
		rc = dotlock_replace(&l, root, SUBS_FILE, b.ptr, b.len, e);
	}
	buf_free(&b);
done:
	subscriptions_free(&s);
	close(dirfd);
	return rc;
}
