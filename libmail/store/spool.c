/* spool.c — the queue directory and its commit protocol; see spool.h. */
#include "store/spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "base/crc32.h"
#include "base/io.h"
#include "base/read_all.h"
#include "base/log.h"

#define ENVELOPE_FILE_MAX (64L * 1024 * 1024)

static int path_in(char *out, size_t cap, const struct spool *s, const char *sub, const char *name)
{
	int n = snprintf(out, cap, "%s/%s%s%s", s->dir, sub, name ? "/" : "", name ? name : "");
	if (n < 0 || (size_t)n >= cap) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

static int fname(char *out, size_t cap, const char *id, const char *suffix)
{
	int n = snprintf(out, cap, "%s%s", id, suffix);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* mkdir -p for the spool's parents (a laptop's ~/.postbox/spool). */
static int make_dirs(const char *dir)
{
	char path[sizeof ((struct spool *)0)->dir];
	if (str_copy(path, sizeof path, dir, strlen(dir)) < 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *p = path + 1;; p++) {
		if (*p != '/' && *p)
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST)
			return -1;
		if (!c)
			return 0;
		*p = c;
	}
}

int spool_open(struct spool *s, const char *dir, int create, struct mail_err *e)
{
	static const char *const subdirs[] = { "tmp", "queue", "corrupt", "incoming" };
	char path[sizeof s->dir + 16];
	memset(s, 0, sizeof *s);
	s->queue_fd = -1;
	if (!dir[0] || str_copy(s->dir, sizeof s->dir, dir, strlen(dir)) < 0)
		return err_set(e, EX_CONFIG, 451, "4.3.5", "spool: bad directory name");
	if (create) {
		mode_t old = umask(077);
		int r = make_dirs(dir);
		for (size_t i = 0; r == 0 && i < sizeof subdirs / sizeof *subdirs; i++) {
			if (path_in(path, sizeof path, s, subdirs[i], NULL) < 0)
				r = -1;
			else if (mkdir(path, 0700) < 0 && errno != EEXIST)
				r = -1;
		}
		/* Others may reach incoming/ (and nothing else) to submit: the
		 * spool is traversable, incoming/ is sticky and world-writable
		 * like /tmp, and its files are 0600. */
		if (r == 0 && path_in(path, sizeof path, s, "incoming", NULL) == 0) {
			struct stat st;
			if (stat(path, &st) == 0 && st.st_uid == geteuid() && (st.st_mode & 07777) != 01777)
				r = chmod(path, 01777);
			if (r == 0 && stat(s->dir, &st) == 0 && st.st_uid == geteuid() &&
			    (st.st_mode & 0711) != 0711)
				r = chmod(s->dir, (st.st_mode & 07777) | 0711);
		}
		umask(old);
		if (r < 0)
			return err_sys(e, "spool: cannot create %s", s->dir);
	}
	if (path_in(path, sizeof path, s, "queue", NULL) < 0)
		return err_sys(e, "spool: %s", s->dir);
	struct stat st;
	if (stat(s->dir, &st) < 0)
		return err_sys(e, "spool: %s", s->dir);
	s->owner = st.st_uid;
	s->queue_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->queue_fd < 0 && errno == EACCES && !spool_trusted(s, getuid()))
		return 0; /* an unprivileged user: only incoming/ is theirs */
	if (s->queue_fd < 0)
		return err_sys(e, "spool: %s", path);
	return 0;
}

int spool_trusted(const struct spool *s, uid_t uid)
{
	return uid == 0 || uid == s->owner;
}

void spool_close(struct spool *s)
{
	if (s->queue_fd >= 0)
		close(s->queue_fd);
	s->queue_fd = -1;
}

void spool_new_id(char *id, size_t cap)
{
	static unsigned counter;
	struct timeval tv;
	gettimeofday(&tv, NULL);
	unsigned long long usec = (unsigned long long)tv.tv_sec * 1000000ULL + (unsigned long long)tv.tv_usec;
	/* 13 hex digits of microseconds keep the ids sortable until the year
	 * 4253; the pid and a per-process counter make them unique. */
	if (counter == 0)
		snprintf(id, cap, "%013llx-%x", usec, (unsigned)getpid());
	else
		snprintf(id, cap, "%013llx-%x-%x", usec, (unsigned)getpid(), counter);
	counter++;
}

int spool_id_valid(const char *id)
{
	size_t n = strlen(id);
	if (n < 15 || n >= QID_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f') ||
		      (id[i] == '-' && i >= 13)))
			return 0;
	return id[13] == '-';
}

static int tmp_path(char *out, size_t cap, struct spool *s, const char *id, const char *suffix)
{
	char name[QID_MAX + 32];
	if (fname(name, sizeof name, id, suffix) < 0)
		return -1;
	return path_in(out, cap, s, "tmp", name);
}

/* The temp file of a transaction: tmp/ID.msg, or incoming/.ID.msg. */
static int tx_path(char *out, size_t cap, const struct spool_tx *tx, const char *suffix)
{
	char name[QID_MAX + 32];
	int n = snprintf(name, sizeof name, "%s%s%s", tx->prefix, tx->id, suffix);
	if (n < 0 || (size_t)n >= sizeof name)
		return -1;
	return path_in(out, cap, tx->spool, tx->area, name);
}

/* Where O_TMPFILE works (Linux 3.11 and later on ext4, xfs, btrfs, tmpfs)
 * the message and its envelope have no name until the commit links them
 * into place: a crash leaves nothing to clean up, and creating them takes
 * no lock on a shared directory, which matters when many sessions receive
 * at once. Linking goes through /proc/self/fd, as linkat(AT_EMPTY_PATH)
 * would need a capability. Elsewhere the temp files are named (tmp/ID.msg,
 * or dot files in incoming/) and renamed into place; so are they, for the
 * rest of the process, once such a link was refused (adopt_named). */
static int anonymous_ok = -1;

static int open_anonymous(int dirfd)
{
	if (anonymous_ok < 0)
		anonymous_ok = access("/proc/self/fd", X_OK) == 0;
	return anonymous_ok ? openat(dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600) : -1;
}

/* Give an anonymous file its name; like link(), never over an existing one. */
static int link_anonymous(int fd, int dirfd, const char *name)
{
	char path[32];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	return linkat(AT_FDCWD, path, dirfd, name, AT_SYMLINK_FOLLOW);
}

static int begin(struct spool *s, struct spool_tx *tx, struct mail_err *e)
{
	char path[sizeof s->dir + 64];
	spool_new_id(tx->id, sizeof tx->id);
	tx->fd = open_anonymous(tx->commit_fd);
	if (tx->fd >= 0) {
		tx->anonymous = 1;
		return 0;
	}
	for (int tries = 0; tries < 5; tries++) {
		if (tries)
			spool_new_id(tx->id, sizeof tx->id);
		if (tx_path(path, sizeof path, tx, ".msg") < 0)
			return err_sys(e, "spool: %s", s->dir);
		tx->fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (tx->fd >= 0)
			return 0;
		if (errno != EEXIST)
			break;
	}
	return err_sys(e, "spool: cannot create %s", path);
}

int spool_begin(struct spool *s, struct spool_tx *tx, struct mail_err *e)
{
	memset(tx, 0, sizeof *tx);
	tx->spool = s;
	tx->area = "tmp";
	tx->prefix = "";
	tx->commit_fd = s->queue_fd;
	tx->fd = -1;
	if (s->queue_fd < 0)
		return err_set(e, EX_NOPERM, 451, "4.3.0", "spool: %s/queue: Permission denied", s->dir);
	return begin(s, tx, e);
}

int spool_begin_incoming(struct spool *s, struct spool_tx *tx, struct mail_err *e)
{
	char path[sizeof s->dir + 16];
	memset(tx, 0, sizeof *tx);
	tx->spool = s;
	tx->area = "incoming";
	tx->prefix = ".";
	tx->fd = -1;
	if (path_in(path, sizeof path, s, "incoming", NULL) < 0)
		return err_sys(e, "spool: %s", s->dir);
	tx->commit_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (tx->commit_fd < 0)
		return err_sys(e, "spool: %s", path);
	if (begin(s, tx, e) < 0) {
		close(tx->commit_fd);
		tx->commit_fd = -1;
		return -1;
	}
	return 0;
}

static void tx_release(struct spool_tx *tx)
{
	if (tx->commit_fd >= 0 && tx->commit_fd != tx->spool->queue_fd)
		close(tx->commit_fd);
	tx->commit_fd = -1;
}

static int write_failed(const struct spool_tx *tx, struct mail_err *e)
{
	return err_sys(e, "spool: write %s/%s/%s%s.msg", tx->spool->dir, tx->area, tx->prefix, tx->id);
}

int spool_write(struct spool_tx *tx, const void *p, size_t n, struct mail_err *e)
{
	if (write_all(tx->fd, p, n) < 0)
		return write_failed(tx, e);
	tx->size += (long long)n;
	tx->crc = crc32_update(tx->crc, p, n);
	return 0;
}

int spool_write2(struct spool_tx *tx, const void *a, size_t na, const void *b, size_t nb, struct mail_err *e)
{
	if (write_all2(tx->fd, a, na, b, nb) < 0)
		return write_failed(tx, e);
	tx->size += (long long)(na + nb);
	tx->crc = crc32_update(crc32_update(tx->crc, a, na), b, nb);
	return 0;
}

void spool_abort(struct spool_tx *tx)
{
	char path[sizeof tx->spool->dir + 64];
	if (!tx->spool)
		return;
	if (tx->fd >= 0)
		close(tx->fd);
	tx->fd = -1;
	if (!tx->anonymous && tx_path(path, sizeof path, tx, ".msg") == 0)
		unlink(path);
	if (!tx->anonymous && tx_path(path, sizeof path, tx, ".env") == 0)
		unlink(path);
	tx_release(tx);
}

int spool_prepend(struct spool_tx *tx, const void *prefix, size_t n, struct mail_err *e)
{
	return spool_replace_head(tx, prefix, n, 0, e);
}

/* A message this small is rewritten in its own file, from memory: a
 * second temp file per message would cost a file creation, which is what
 * limits the accept rate (see "The spool" in the README). */
#define SPOOL_REWRITE_IN_PLACE_MAX (256 * 1024)

static int replace_in_place(struct spool_tx *tx, const void *head, size_t n, size_t old_len, struct mail_err *e)
{
	size_t rest = (size_t)tx->size - old_len, got = 0;
	char *body = malloc(rest ? rest : 1);
	if (!body)
		return err_sys(e, "spool: %s", tx->id);
	while (got < rest) {
		ssize_t r = pread(tx->fd, body + got, rest - got, (off_t)(old_len + got));
		if (r <= 0) {
			free(body);
			return err_sys(e, "spool: read back %s/%s/%s%s.msg", tx->spool->dir, tx->area, tx->prefix, tx->id);
		}
		got += (size_t)r;
	}
	tx->size = 0;
	tx->crc = 0;
	int rc = -1;
	if (lseek(tx->fd, 0, SEEK_SET) < 0 || ftruncate(tx->fd, 0) < 0)
		err_sys(e, "spool: rewrite %s/%s/%s%s.msg", tx->spool->dir, tx->area, tx->prefix, tx->id);
	else if (spool_write(tx, head, n, e) == 0 && spool_write(tx, body, rest, e) == 0)
		rc = 0;
	free(body);
	return rc;
}

int spool_replace_head(struct spool_tx *tx, const void *head, size_t n, size_t old_len, struct mail_err *e)
{
	if ((long long)old_len > tx->size)
		return err_set(e, EX_SOFTWARE, 451, "4.3.0", "spool: %s: replacing %zu bytes of %lld", tx->id, old_len,
			       tx->size);
	if (tx->size <= SPOOL_REWRITE_IN_PLACE_MAX)
		return replace_in_place(tx, head, n, old_len, e);
	struct spool_tx nt = *tx;
	nt.size = 0;
	nt.crc = 0;
	char old_path[sizeof tx->spool->dir + 64], new_path[sizeof tx->spool->dir + 64];
	if (begin(tx->spool, &nt, e) < 0)
		return -1;
	int rc = spool_write(&nt, head, n, e);
	char chunk[65536];
	for (long long off = (long long)old_len; rc == 0 && off < tx->size;) {
		ssize_t r = pread(tx->fd, chunk, sizeof chunk, off);
		if (r <= 0) {
			rc = err_sys(e, "spool: read back %s/%s/%s%s.msg", tx->spool->dir, tx->area, tx->prefix, tx->id);
			break;
		}
		rc = spool_write(&nt, chunk, (size_t)r, e);
		off += r;
	}
	/* The new file takes the old one's place and id (a Received field
	 * may already name it). A named temp file is renamed over the old. */
	if (rc == 0 && !nt.anonymous &&
	    (tx_path(old_path, sizeof old_path, tx, ".msg") < 0 || tx_path(new_path, sizeof new_path, &nt, ".msg") < 0 ||
	     rename(new_path, old_path) < 0))
		rc = err_sys(e, "spool: rename %s", new_path);
	if (rc < 0) {
		nt.commit_fd = -1; /* shared with tx, which keeps it */
		spool_abort(&nt);
		return -1;
	}
	close(tx->fd);
	memcpy(nt.id, tx->id, sizeof nt.id);
	*tx = nt;
	return 0;
}

/* Write a whole file durably at path: O_EXCL create, write, fsync, close. */
static int write_durable(const char *path, const struct buf *b, struct mail_err *e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_sys(e, "spool: cannot create %s", path);
	if (write_all(fd, b->ptr, b->len) < 0 || fsync(fd) < 0) {
		err_sys(e, "spool: write %s", path);
		close(fd);
		unlink(path);
		return -1;
	}
	if (close(fd) < 0) {
		err_sys(e, "spool: close %s", path);
		unlink(path);
		return -1;
	}
	return 0;
}

static int sync_dir(struct spool *s, int fd, const char *sub, struct mail_err *e)
{
	if (fsync(fd) < 0)
		return err_sys(e, "spool: fsync %s/%s", s->dir, sub);
	return 0;
}

static int sync_queue(struct spool *s, struct mail_err *e)
{
	return sync_dir(s, s->queue_fd, "queue", e);
}

static const char *commit_dir_name(const struct spool_tx *tx)
{
	return tx->area[0] == 't' ? "queue" : tx->area;
}

/* Errors of a link through /proc that say "not here" rather than "not now". */
static int link_refused(int err)
{
	return err == ENOENT || err == EPERM || err == EACCES || err == EXDEV || err == EOPNOTSUPP ||
	       err == EINVAL;
}

static int commit_named(struct spool_tx *tx, const struct buf *env_text, struct mail_err *e);

/* The message could not be linked into place (some /proc or security
 * policy refuses it): copy it into a named temp file, fsynced, and commit
 * that way; later messages of this process start out named. */
static int adopt_named(struct spool_tx *tx, const struct buf *env_text, struct mail_err *e)
{
	char path[sizeof tx->spool->dir + 64], chunk[65536];
	ssize_t n;
	off_t off = 0;
	anonymous_ok = 0;
	if (tx_path(path, sizeof path, tx, ".msg") < 0)
		return err_sys(e, "spool: %s", tx->spool->dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_sys(e, "spool: cannot create %s", path);
	while ((n = pread(tx->fd, chunk, sizeof chunk, off)) > 0 && write_all(fd, chunk, (size_t)n) == 0)
		off += n;
	if (n != 0 || fsync(fd) < 0) {
		err_sys(e, "spool: copy into %s", path);
		close(fd);
		unlink(path);
		return -1;
	}
	log_warn(tx->id, "spool=%s event=named-files reason=\"cannot link through /proc/self/fd\"",
		 tx->spool->dir);
	close(tx->fd);
	tx->fd = fd;
	tx->anonymous = 0;
	return commit_named(tx, env_text, e);
}

/* Anonymous files: write and fsync the envelope, link the message, then
 * the envelope (the commit point), then fsync the directory. */
static int commit_anonymous(struct spool_tx *tx, const struct buf *env_text, struct mail_err *e)
{
	struct spool *s = tx->spool;
	char msg_name[QID_MAX + 8], env_name[QID_MAX + 8];
	int dir = tx->commit_fd;
	fname(msg_name, sizeof msg_name, tx->id, ".msg");
	fname(env_name, sizeof env_name, tx->id, ".env");
	int env_fd = open_anonymous(dir);
	if (env_fd < 0)
		return err_sys(e, "spool: envelope of %s in %s/%s", tx->id, s->dir, commit_dir_name(tx));
	if (write_all(env_fd, env_text->ptr, env_text->len) < 0 || fsync(env_fd) < 0) {
		err_sys(e, "spool: write envelope of %s in %s/%s", tx->id, s->dir, commit_dir_name(tx));
		close(env_fd);
		return -1;
	}
	if (link_anonymous(tx->fd, dir, msg_name) < 0) {
		int err = errno;
		close(env_fd);
		if (link_refused(err))
			return adopt_named(tx, env_text, e);
		errno = err;
		return err_sys(e, "spool: link %s/%s/%s", s->dir, commit_dir_name(tx), msg_name);
	}
	/* The commit point: once ID.env is in place, the message exists. */
	if (link_anonymous(env_fd, dir, env_name) < 0) {
		err_sys(e, "spool: link %s/%s/%s", s->dir, commit_dir_name(tx), env_name);
		close(env_fd);
		unlinkat(dir, msg_name, 0);
		return -1;
	}
	close(env_fd); /* fsynced already: close can no longer lose it */
	if (sync_dir(s, dir, commit_dir_name(tx), e) < 0) {
		/* Not durable, so not promised: take it back; the sender retries. */
		unlinkat(dir, env_name, 0);
		unlinkat(dir, msg_name, 0);
		return -1;
	}
	close(tx->fd);
	tx->fd = -1;
	return 0;
}

/* Named temp files: close the message, write the envelope durably beside
 * it, link the message into place, rename the envelope (the commit point),
 * fsync the directory. */
static int commit_named(struct spool_tx *tx, const struct buf *env_text, struct mail_err *e)
{
	struct spool *s = tx->spool;
	char msg_tmp[sizeof s->dir + 64], env_tmp[sizeof s->dir + 64], name[QID_MAX + 8];
	int dir = tx->commit_fd;
	if (tx_path(msg_tmp, sizeof msg_tmp, tx, ".msg") < 0 || tx_path(env_tmp, sizeof env_tmp, tx, ".env") < 0)
		return err_sys(e, "spool: %s", s->dir);
	int fd = tx->fd;
	tx->fd = -1;
	if (close(fd) < 0)
		return err_sys(e, "spool: close %s", msg_tmp);
	if (write_durable(env_tmp, env_text, e) < 0)
		return -1;
	fname(name, sizeof name, tx->id, ".msg");
	if (linkat(AT_FDCWD, msg_tmp, dir, name, 0) < 0)
		return err_sys(e, "spool: link %s into %s", msg_tmp, commit_dir_name(tx));
	/* One name per message before the commit: pickup refuses an
	 * incoming/ file with two links (it could be someone else's). */
	unlink(msg_tmp);
	fname(name, sizeof name, tx->id, ".env");
	/* The commit point: once ID.env is in place, the message exists. */
	if (renameat(AT_FDCWD, env_tmp, dir, name) < 0) {
		err_sys(e, "spool: rename %s", env_tmp);
		fname(name, sizeof name, tx->id, ".msg");
		unlinkat(dir, name, 0);
		return -1;
	}
	if (sync_dir(s, dir, commit_dir_name(tx), e) < 0) {
		unlinkat(dir, name, 0);
		fname(name, sizeof name, tx->id, ".msg");
		unlinkat(dir, name, 0);
		return -1;
	}
	return 0;
}

int spool_commit(struct spool_tx *tx, struct envelope *env, struct mail_err *e)
{
	struct buf b = BUF_INIT;
	int r = -1;
	str_copy(env->id, sizeof env->id, tx->id, strlen(tx->id));
	env->size = tx->size;
	env->has_size = 1;
	env->crc = tx->crc;
	env->has_crc = 1;
	if (!env->arrival)
		env->arrival = (long long)time(NULL);
	if (fsync(tx->fd) < 0)
		err_sys(e, "spool: fsync the message %s", tx->id);
	else if (envelope_write(env, &b) < 0)
		err_sys(e, "spool: envelope of %s", tx->id);
	else
		r = tx->anonymous ? commit_anonymous(tx, &b, e) : commit_named(tx, &b, e);
	buf_free(&b);
	if (r < 0)
		spool_abort(tx);
	else
		tx_release(tx);
	return r;
}

static int cmp_ids(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void spool_ids_free(char **ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

int spool_list(struct spool *s, char ***ids_out, size_t *n_out, struct mail_err *e)
{
	int fd = dup(s->queue_fd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	char **ids = NULL;
	size_t n = 0, cap = 0;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return err_sys(e, "spool: %s/queue", s->dir);
	}
	rewinddir(d);
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (len < 5 || strcmp(de->d_name + len - 4, ".env"))
			continue;
		char id[QID_MAX];
		if (str_copy(id, sizeof id, de->d_name, len - 4) < 0 || !spool_id_valid(id))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			char **grown = realloc(ids, cap * sizeof *ids);
			if (!grown)
				goto oom;
			ids = grown;
		}
		if (!(ids[n] = strdup(id)))
			goto oom;
		n++;
	}
	closedir(d);
	if (n > 1)
		qsort(ids, n, sizeof *ids, cmp_ids);
	*ids_out = ids;
	*n_out = n;
	return 0;
oom:
	closedir(d);
	spool_ids_free(ids, n);
	return err_sys(e, "spool: listing %s/queue", s->dir);
}

int spool_read_envelope(struct spool *s, const char *id, struct envelope *env, struct mail_err *e)
{
	char name[QID_MAX + 8];
	struct buf b = BUF_INIT;
	struct stat st;
	envelope_init(env);
	if (!spool_id_valid(id) || fname(name, sizeof name, id, ".env") < 0)
		return err_set(e, EX_USAGE, 501, "5.5.4", "bad queue id \"%s\"", id);
	int fd = openat(s->queue_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, "spool: %s/queue/%s", s->dir, name);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > ENVELOPE_FILE_MAX) {
		close(fd);
		return err_set(e, EX_DATAERR, 451, "4.3.0", "spool: %s/queue/%s: not a regular envelope file",
			       s->dir, name);
	}
	if (buf_reserve(&b, (size_t)st.st_size) < 0) {
		close(fd);
		return err_sys(e, "spool: %s/queue/%s", s->dir, name);
	}
	int r = read_all(fd, &b, ENVELOPE_FILE_MAX);
	if (r == READ_ALL_ERR) {
		err_sys(e, "spool: read %s/queue/%s", s->dir, name);
		goto fail;
	}
	if (r == READ_ALL_TOOBIG) {
		err_set(e, EX_DATAERR, 451, "4.3.0", "spool: %s/queue/%s: too large", s->dir, name);
		goto fail;
	}
	close(fd);
	if (envelope_parse(b.ptr, b.len, env, e) < 0) {
		buf_free(&b);
		return err_wrap(e, "spool: %s/queue/%s", s->dir, name);
	}
	buf_free(&b);
	if (strcmp(env->id, id)) {
		envelope_free(env);
		return err_set(e, EX_DATAERR, 451, "4.3.0", "spool: %s/queue/%s: holds id %s", s->dir,
			       name, env->id);
	}
	return 0;
fail:
	close(fd);
	buf_free(&b);
	return -1;
}

int spool_rewrite_envelope(struct spool *s, const struct envelope *env, struct mail_err *e)
{
	char path[sizeof s->dir + 64], suffix[32], name[QID_MAX + 8];
	struct buf b = BUF_INIT;
	snprintf(suffix, sizeof suffix, ".env.%d", (int)getpid());
	if (tmp_path(path, sizeof path, s, env->id, suffix) < 0 || fname(name, sizeof name, env->id, ".env") < 0)
		return err_sys(e, "spool: %s", s->dir);
	unlink(path); /* a leftover of a crashed process with our pid */
	if (envelope_write(env, &b) < 0) {
		buf_free(&b);
		return err_sys(e, "spool: envelope of %s", env->id);
	}
	int r = write_durable(path, &b, e);
	buf_free(&b);
	if (r < 0)
		return -1;
	if (renameat(AT_FDCWD, path, s->queue_fd, name) < 0) {
		err_sys(e, "spool: rename %s into queue", path);
		unlink(path);
		return -1;
	}
	return sync_queue(s, e);
}

int spool_open_message(struct spool *s, const char *id, struct mail_err *e)
{
	char name[QID_MAX + 8];
	if (!spool_id_valid(id) || fname(name, sizeof name, id, ".msg") < 0)
		return err_set(e, EX_USAGE, 501, "5.5.4", "bad queue id \"%s\"", id);
	int fd = openat(s->queue_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, "spool: %s/queue/%s", s->dir, name);
	return fd;
}

int spool_lock(struct spool *s, const char *id, int *fd_out, struct mail_err *e)
{
	int fd = spool_open_message(s, id, e);
	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int saved = errno;
		close(fd);
		if (saved == EWOULDBLOCK)
			return 0;
		errno = saved;
		return err_sys(e, "spool: lock %s/queue/%s.msg", s->dir, id);
	}
	*fd_out = fd;
	return 1;
}

int spool_remove(struct spool *s, const char *id, struct mail_err *e)
{
	char name[QID_MAX + 8];
	if (!spool_id_valid(id))
		return err_set(e, EX_USAGE, 501, "5.5.4", "bad queue id \"%s\"", id);
	fname(name, sizeof name, id, ".env");
	if (unlinkat(s->queue_fd, name, 0) < 0 && errno != ENOENT)
		return err_sys(e, "spool: remove %s/queue/%s", s->dir, name);
	fname(name, sizeof name, id, ".msg");
	if (unlinkat(s->queue_fd, name, 0) < 0 && errno != ENOENT)
		return err_sys(e, "spool: remove %s/queue/%s", s->dir, name);
	return sync_queue(s, e);
}

/* Move queue/NAME to corrupt/NAME if it exists. */
static int move_to_corrupt(struct spool *s, int corrupt_fd, const char *name)
{
	if (renameat(s->queue_fd, name, corrupt_fd, name) < 0 && errno != ENOENT)
		return -1;
	return 0;
}

int spool_quarantine(struct spool *s, const char *id, const char *why, struct mail_err *e)
{
	char path[sizeof s->dir + 16], name[QID_MAX + 8];
	if (strchr(id, '/') || !id[0] || id[0] == '.')
		return err_set(e, EX_USAGE, 501, "5.5.4", "bad queue entry name \"%s\"", id);
	if (path_in(path, sizeof path, s, "corrupt", NULL) < 0)
		return err_sys(e, "spool: %s", s->dir);
	int cfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cfd < 0)
		return err_sys(e, "spool: %s", path);
	int r = 0;
	if (fname(name, sizeof name, id, ".env") < 0 || move_to_corrupt(s, cfd, name) < 0 ||
	    fname(name, sizeof name, id, ".msg") < 0 || move_to_corrupt(s, cfd, name) < 0 ||
	    move_to_corrupt(s, cfd, id) < 0) {
		r = err_sys(e, "spool: move %s to %s", id, path);
	} else {
		struct buf b = BUF_INIT;
		buf_addf(&b, "%s\n", why);
		fname(name, sizeof name, id, ".why");
		int fd = openat(cfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0) {
			if (write_all(fd, b.ptr, b.len) < 0 || fsync(fd) < 0)
				r = err_sys(e, "spool: write %s/%s", path, name);
			close(fd);
		}
		buf_free(&b);
		if (fsync(cfd) < 0 || fsync(s->queue_fd) < 0)
			r = err_sys(e, "spool: fsync %s", path);
	}
	close(cfd);
	return r;
}

static int older_than(int dirfd, const char *name, time_t cutoff)
{
	struct stat st;
	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_mtime < cutoff;
}

/* NAME is ID.msg and ID.env does not exist beside it. */
static int lacks_envelope(int dirfd, const char *name)
{
	char id[QID_MAX], env_name[QID_MAX + 8];
	size_t len = strlen(name);
	struct stat st;
	if (len <= 4 || strcmp(name + len - 4, ".msg") || str_copy(id, sizeof id, name, len - 4) < 0 ||
	    !spool_id_valid(id) || fname(env_name, sizeof env_name, id, ".env") < 0)
		return 0;
	return fstatat(dirfd, env_name, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT;
}

int spool_recover(struct spool *s, long long max_age, struct mail_err *e)
{
	char path[sizeof s->dir + 16];
	time_t cutoff = time(NULL) - (time_t)max_age;
	if (path_in(path, sizeof path, s, "tmp", NULL) < 0)
		return err_sys(e, "spool: %s", s->dir);
	DIR *d = opendir(path);
	if (!d)
		return err_sys(e, "spool: %s", path);
	struct dirent *de;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && older_than(dirfd(d), de->d_name, cutoff))
			unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);

	/* Unfinished submissions of users in incoming/: dot files, and a
	 * message whose envelope never came (a crash between the two links). */
	if (path_in(path, sizeof path, s, "incoming", NULL) == 0 && (d = opendir(path))) {
		while ((de = readdir(d)))
			if (((de->d_name[0] == '.' && de->d_name[1] && de->d_name[1] != '.') ||
			     lacks_envelope(dirfd(d), de->d_name)) &&
			    older_than(dirfd(d), de->d_name, cutoff))
				unlinkat(dirfd(d), de->d_name, 0);
		closedir(d);
	}

	int fd = dup(s->queue_fd);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return err_sys(e, "spool: %s/queue", s->dir);
	}
	rewinddir(d);
	while ((de = readdir(d))) {
		char id[QID_MAX], name[QID_MAX + 8];
		size_t len = strlen(de->d_name);
		if (de->d_name[0] == '.')
			continue;
		int is_msg = len > 4 && !strcmp(de->d_name + len - 4, ".msg");
		int is_env = len > 4 && !strcmp(de->d_name + len - 4, ".env");
		if ((!is_msg && !is_env) || str_copy(id, sizeof id, de->d_name, len - 4) < 0 ||
		    !spool_id_valid(id)) {
			spool_quarantine(s, de->d_name, "not a queue file name", NULL);
			continue;
		}
		if (is_msg) {
			/* A message without an envelope was never committed (or its
			 * removal was cut short): nothing was promised for it. */
			if (lacks_envelope(s->queue_fd, de->d_name) && older_than(s->queue_fd, de->d_name, cutoff))
				unlinkat(s->queue_fd, de->d_name, 0);
		} else {
			fname(name, sizeof name, id, ".msg");
			struct stat st;
			if (fstatat(s->queue_fd, name, &st, 0) < 0 && errno == ENOENT)
				spool_quarantine(s, id, "envelope without message", NULL);
		}
	}
	closedir(d);
	return 0;
}
