/* dotlock.c — FILE.lock, as Dovecot takes it; see dotlock.h. */
#include "store/dotlock.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/read_all.h"

/* A lock written by a process of this host that no longer exists. */
static int holder_dead(int dirfd, const char *name)
{
	char text[300];
	if (read_small_at(dirfd, name, text, sizeof text) <= 0)
		return 0;
	char *colon = strchr(text, ':');
	if (!colon)
		return 0;
	*colon = '\0';
	char *end;
	long pid = strtol(text, &end, 10);
	if (*end || pid <= 0)
		return 0;
	char host[256] = "";
	gethostname(host, sizeof host - 1);
	size_t hl = strcspn(colon + 1, "\r\n");
	if (strlen(host) != hl || memcmp(host, colon + 1, hl) != 0)
		return 0;
	return kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

static int stale(int dirfd, const char *name, int stale_secs)
{
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	if (!S_ISREG(st.st_mode))
		return 0;
	return time(NULL) - st.st_mtime > stale_secs || holder_dead(dirfd, name);
}

int dotlock_take(struct dotlock *l, int dirfd, const char *path, const char *file, int stale_secs,
		 int timeout_ms, struct mail_err *e)
{
	l->dirfd = dirfd;
	l->name[0] = '\0';
	char name[sizeof l->name];
	if ((size_t)snprintf(name, sizeof name, "%s.lock", file) >= sizeof name)
		return err_set(e, EX_SOFTWARE, 451, "4.3.0", "%s/%s: lock name too long", path, file);
	char who[300];
	char host[256] = "localhost";
	gethostname(host, sizeof host - 1);
	host[sizeof host - 1] = '\0';
	int wl = snprintf(who, sizeof who, "%ld:%s", (long)getpid(), host);
	long waited = 0, step = 10;
	for (;;) {
		int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0) {
			/* The content is advice for breaking stale locks only. */
			if (write(fd, who, (size_t)wl) < 0)
				(void)0;
			close(fd);
			str_copy(l->name, sizeof l->name, name, strlen(name));
			return 0;
		}
		if (errno != EEXIST)
			return err_sys(e, "%s/%s: cannot lock", path, name);
		if (stale(dirfd, name, stale_secs)) {
			unlinkat(dirfd, name, 0);
			continue;
		}
		if (waited >= timeout_ms) {
			errno = EAGAIN;
			err_sys(e, "%s/%s: locked by another process", path, name);
			e->ex = EX_TEMPFAIL;
			return -1;
		}
		struct timespec ts = { 0, step * 1000000L };
		nanosleep(&ts, NULL);
		waited += step;
		if (step < 50)
			step += 10;
	}
}

void dotlock_release(struct dotlock *l)
{
	if (l->name[0])
		unlinkat(l->dirfd, l->name, 0);
	l->name[0] = '\0';
}

int dotlock_replace(struct dotlock *l, const char *path, const char *file, const char *data,
		    size_t n, struct mail_err *e)
{
	int fd = openat(l->dirfd, l->name, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
	int ok = fd >= 0 && write(fd, data, n) == (ssize_t)n && fsync(fd) == 0;
	if (fd >= 0)
		close(fd);
	/* The commit point: the whole new file replaces the old one. */
	if (!ok || renameat(l->dirfd, l->name, l->dirfd, file) < 0) {
		err_sys(e, "%s/%s: cannot write", path, file);
		dotlock_release(l);
		return -1;
	}
	fsync(l->dirfd);
	l->name[0] = '\0';
	return 0;
}
