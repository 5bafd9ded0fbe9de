/* folder_tree.c — list, create, delete, rename Maildir++ folders; see folder_tree.h. */
#include "store/folder_tree.h"

#include "base/array.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/maildir.h"
#include "store/subscriptions.h"

int folder_is_inbox(const char *name)
{
	return strcasecmp(name, "INBOX") == 0;
}

int folder_name_valid(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 200 || name[0] == '.' || name[n - 1] == '.' || name[0] == '~')
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c < 0x20 || c > 0x7e || c == '/' || c == '\\')
			return 0;
		if (c == '.' && name[i + 1] == '.')
			return 0;
	}
	return 1;
}

unsigned folder_special_use(const char *name)
{
	static const struct {
		const char *name;
		unsigned attr;
	} uses[] = {
		{ "Sent", FOLDER_SENT },           { "Sent Messages", FOLDER_SENT },
		{ "Sent Items", FOLDER_SENT },     { "Drafts", FOLDER_DRAFTS },
		{ "Trash", FOLDER_TRASH },         { "Deleted Messages", FOLDER_TRASH },
		{ "Junk", FOLDER_JUNK },           { "Spam", FOLDER_JUNK },
		{ "Archive", FOLDER_ARCHIVE },
	};
	for (size_t i = 0; i < sizeof uses / sizeof uses[0]; i++)
		if (strcasecmp(name, uses[i].name) == 0)
			return uses[i].attr;
	return 0;
}

static int bad_name(const char *root, const char *name, struct mail_err *e)
{
	errno = EINVAL;
	err_sys(e, "%s: invalid mailbox name \"%.100s\"", root, name);
	e->ex = EX_DATAERR;
	return -1;
}

static int err_errno(struct mail_err *e, int code, const char *root, const char *name)
{
	errno = code;
	return err_sys(e, "%s: mailbox \"%.100s\"", root, name);
}

/* ---- LIST ---- */

static int add_entry(struct folder_list *l, size_t *cap, const char *name, size_t n, unsigned attrs)
{
	if (l->n == *cap) {
		struct folder_entry *v = array_grow(l->v, cap, sizeof *v, 32);
		if (!v)
			return -1;
		l->v = v;
	}
	if (!(l->v[l->n].name = strndup(name, n)))
		return -1;
	l->v[l->n].attrs = attrs;
	l->n++;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	const struct folder_entry *x = a, *y = b;
	return strcmp(x->name, y->name);
}

static long find(const struct folder_list *l, const char *name, size_t n)
{
	for (size_t i = 0; i < l->n; i++)
		if (strncmp(l->v[i].name, name, n) == 0 && l->v[i].name[n] == '\0')
			return (long)i;
	return -1;
}

int folder_list(const char *root, struct folder_list *out, struct mail_err *e)
{
	memset(out, 0, sizeof *out);
	size_t cap = 0;
	if (add_entry(out, &cap, "INBOX", 5, 0) < 0)
		return err_sys(e, "%s: list", root);
	DIR *dir = opendir(root);
	if (!dir && errno != ENOENT) {
		folder_list_free(out);
		return err_sys(e, "%s: cannot list", root);
	}
	struct dirent *de;
	while (dir && (de = readdir(dir))) {
		const char *name = de->d_name + 1;
		if (de->d_name[0] != '.' || !folder_name_valid(name) || folder_is_inbox(name))
			continue;
		struct stat st;
		if (fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
			continue;
		if (add_entry(out, &cap, name, strlen(name), 0) < 0) {
			closedir(dir);
			folder_list_free(out);
			return err_sys(e, "%s: list", root);
		}
	}
	if (dir)
		closedir(dir);
	/* Parents without a directory of their own ("A" of ".A.B"). */
	for (size_t i = 1, n = out->n; i < n; i++) {
		const char *nm = out->v[i].name;
		for (const char *dot = strchr(nm, '.'); dot; dot = strchr(dot + 1, '.')) {
			if (find(out, nm, (size_t)(dot - nm)) >= 0)
				continue;
			if (add_entry(out, &cap, nm, (size_t)(dot - nm), FOLDER_NOSELECT) < 0) {
				folder_list_free(out);
				return err_sys(e, "%s: list", root);
			}
		}
	}
	qsort(out->v + 1, out->n - 1, sizeof *out->v, by_name);
	struct subscriptions subs;
	if (subscriptions_read(root, &subs, e) < 0) {
		folder_list_free(out);
		return -1;
	}
	for (size_t i = 0; i < out->n; i++) {
		struct folder_entry *f = &out->v[i];
		size_t n = strlen(f->name);
		int children = 0;
		for (size_t j = 1; j < out->n && !children; j++)
			children = strncmp(out->v[j].name, f->name, n) == 0 && out->v[j].name[n] == '.';
		f->attrs |= children ? FOLDER_HAS_CHILDREN : FOLDER_HAS_NO_CHILDREN;
		if (subscriptions_has(&subs, f->name))
			f->attrs |= FOLDER_SUBSCRIBED;
		if (i > 0)
			f->attrs |= folder_special_use(f->name);
	}
	subscriptions_free(&subs);
	return 0;
}

void folder_list_free(struct folder_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	memset(l, 0, sizeof *l);
}

/* ---- CREATE, DELETE, RENAME ---- */

static int exists_at(int dirfd, const char *name)
{
	char dot[256];
	snprintf(dot, sizeof dot, ".%s", name);
	struct stat st;
	return fstatat(dirfd, dot, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

int folder_create(const char *root, const char *name, struct mail_err *e)
{
	if (folder_is_inbox(name))
		return err_errno(e, EEXIST, root, name);
	if (!folder_name_valid(name))
		return bad_name(root, name, e);
	struct maildir top, m;
	if (maildir_open(&top, root, 1, e) < 0)
		return -1;
	if (exists_at(top.fd, name)) {
		maildir_close(&top);
		return err_errno(e, EEXIST, root, name);
	}
	int r = maildir_open_dotdir(&m, &top, name, 1, e);
	if (r == 0 && fsync(top.fd) < 0)
		r = err_sys(e, "fsync %s", root);
	maildir_close(&m);
	maildir_close(&top);
	return r;
}

/* rm -r of the directory `name` in dirfd (no symlink is followed). */
static int remove_tree(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	DIR *dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return -1;
	}
	struct dirent *de;
	int rc = 0;
	while ((de = readdir(dir))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		struct stat st;
		if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode) ? remove_tree(fd, de->d_name) < 0 || unlinkat(fd, de->d_name, AT_REMOVEDIR) < 0
					: unlinkat(fd, de->d_name, 0) < 0)
			rc = -1;
	}
	closedir(dir);
	return rc;
}

int folder_delete(const char *root, const char *name, struct mail_err *e)
{
	if (folder_is_inbox(name)) {
		err_errno(e, EPERM, root, name);
		e->ex = EX_NOPERM;
		return -1;
	}
	if (!folder_name_valid(name))
		return bad_name(root, name, e);
	int dirfd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0)
		return err_sys(e, "%s", root);
	char dot[256], hidden[64];
	snprintf(dot, sizeof dot, ".%s", name);
	/* Out of sight first: a name starting ".." is never a folder. */
	snprintf(hidden, sizeof hidden, "..deleted.%ld.%ld", (long)getpid(), (long)time(NULL));
	int rc = 0;
	struct stat st;
	if (fstatat(dirfd, dot, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
		rc = err_errno(e, ENOENT, root, name);
	else if (renameat(dirfd, dot, dirfd, hidden) < 0)
		rc = err_sys(e, "%s: rename %s", root, dot);
	else if (remove_tree(dirfd, hidden) < 0 || unlinkat(dirfd, hidden, AT_REMOVEDIR) < 0)
		rc = err_sys(e, "%s: remove %s", root, hidden);
	if (rc == 0)
		fsync(dirfd);
	close(dirfd);
	return rc;
}

/* The folder and its children: ".from" and ".from.*". */
static int family(const char *root, const char *from, struct folder_list *out, struct mail_err *e)
{
	struct folder_list all;
	if (folder_list(root, &all, e) < 0)
		return -1;
	memset(out, 0, sizeof *out);
	size_t cap = 0, n = strlen(from);
	for (size_t i = 1; i < all.n; i++) {
		const char *nm = all.v[i].name;
		if ((all.v[i].attrs & FOLDER_NOSELECT) || strncmp(nm, from, n) != 0 ||
		    (nm[n] != '\0' && nm[n] != '.'))
			continue;
		if (add_entry(out, &cap, nm, strlen(nm), 0) < 0) {
			folder_list_free(&all);
			folder_list_free(out);
			return err_sys(e, "%s: list", root);
		}
	}
	folder_list_free(&all);
	return 0;
}

static int rename_inbox(const char *root, const char *to, struct mail_err *e);

int folder_rename(const char *root, const char *from, const char *to, struct mail_err *e)
{
	if (!folder_name_valid(to) || folder_is_inbox(to))
		return folder_is_inbox(to) ? err_errno(e, EEXIST, root, to) : bad_name(root, to, e);
	if (folder_is_inbox(from))
		return rename_inbox(root, to, e);
	if (!folder_name_valid(from))
		return bad_name(root, from, e);
	struct folder_list fam;
	if (family(root, from, &fam, e) < 0)
		return -1;
	int dirfd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0) {
		folder_list_free(&fam);
		return err_sys(e, "%s", root);
	}
	int rc = 0;
	size_t fl = strlen(from);
	char target[512];
	if (fam.n == 0)
		rc = err_errno(e, ENOENT, root, from);
	/* Check every target first: nothing is renamed if one is taken. */
	for (size_t i = 0; rc == 0 && i < fam.n; i++) {
		int n = snprintf(target, sizeof target, "%s%s", to, fam.v[i].name + fl);
		if (n < 0 || (size_t)n >= sizeof target || !folder_name_valid(target))
			rc = bad_name(root, target, e);
		else if (exists_at(dirfd, target))
			rc = err_errno(e, EEXIST, root, target);
	}
	for (size_t i = 0; rc == 0 && i < fam.n; i++) {
		char a[512], b[512];
		snprintf(a, sizeof a, ".%s", fam.v[i].name);
		snprintf(b, sizeof b, ".%s%s", to, fam.v[i].name + fl);
		if (renameat(dirfd, a, dirfd, b) < 0)
			rc = err_sys(e, "%s: rename %s to %s", root, a, b);
		struct subscriptions subs;
		if (rc == 0 && subscriptions_read(root, &subs, e) == 0) {
			if (subscriptions_has(&subs, fam.v[i].name)) {
				subscriptions_set(root, fam.v[i].name, 0, e);
				subscriptions_set(root, b + 1, 1, e);
			}
			subscriptions_free(&subs);
		}
	}
	if (rc == 0)
		fsync(dirfd);
	close(dirfd);
	folder_list_free(&fam);
	return rc;
}

/* RENAME INBOX: its messages move into a new folder (rename() of each
 * file, same file system); INBOX stays, empty. */
static int rename_inbox(const char *root, const char *to, struct mail_err *e)
{
	if (folder_create(root, to, e) < 0)
		return -1;
	struct maildir top, dst;
	if (maildir_open(&top, root, 0, e) < 0)
		return -1;
	if (maildir_open_dotdir(&dst, &top, to, 0, e) < 0) {
		maildir_close(&top);
		return -1;
	}
	int rc = 0;
	int from_dirs[2] = { top.new_, top.cur }, to_dirs[2] = { dst.new_, dst.cur };
	for (int d = 0; d < 2 && rc == 0; d++) {
		int fd = dup(from_dirs[d]);
		DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
		if (!dir) {
			if (fd >= 0)
				close(fd);
			rc = err_sys(e, "%s: cannot list", root);
			break;
		}
		rewinddir(dir);
		struct dirent *de;
		while ((de = readdir(dir))) {
			if (de->d_name[0] == '.')
				continue;
			if (renameat(from_dirs[d], de->d_name, to_dirs[d], de->d_name) < 0 && errno != ENOENT) {
				rc = err_sys(e, "%s: move %s", root, de->d_name);
				break;
			}
		}
		closedir(dir);
	}
	if (rc == 0 && (fsync(dst.new_) < 0 || fsync(dst.cur) < 0 || fsync(top.new_) < 0 || fsync(top.cur) < 0))
		rc = err_sys(e, "fsync %s", root);
	maildir_close(&dst);
	maildir_close(&top);
	return rc;
}
