/* file_replace.c — see file_replace.h. */
#include "base/file_replace.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "base/io.h"

#define IOV_PARTS 8

/* All of iov[0..n) to fd (a copy: writev_all uses its vector up). */
static int write_parts(int fd, const struct iovec *iov, int n)
{
	struct iovec v[IOV_PARTS];
	if (n > IOV_PARTS) {
		errno = EINVAL;
		return -1;
	}
	for (int i = 0; i < n; i++)
		v[i] = iov[i];
	return writev_all(fd, v, n);
}

int file_replace(int dirfd, const char *name, const struct iovec *iov, int iovcnt)
{
	char tmp[256], proc[32];
	if (snprintf(tmp, sizeof tmp, "%s.%ld.tmp", name, (long)getpid()) >= (int)sizeof tmp) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* Ours from a writer of this pid that died (or a failed link). */
	unlinkat(dirfd, tmp, 0);
	static int proc_ok = -1;
	if (proc_ok < 0)
		proc_ok = access("/proc/self/fd", X_OK) == 0;
	int fd = proc_ok ? openat(dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600) : -1;
	int anonymous = fd >= 0;
	if (!anonymous)
		fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	int ok = write_parts(fd, iov, iovcnt) == 0;
	if (ok && anonymous) {
		/* linkat(AT_EMPTY_PATH) would need a capability; the /proc
		 * link does not (as the spool's commit does it). */
		snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
		ok = linkat(AT_FDCWD, proc, dirfd, tmp, AT_SYMLINK_FOLLOW) == 0;
	}
	int saved = errno;
	if (close(fd) < 0 && ok) {
		ok = 0;
		saved = errno;
	}
	if (ok && renameat(dirfd, tmp, dirfd, name) == 0)
		return 0;
	if (ok)
		saved = errno;
	unlinkat(dirfd, tmp, 0);
	errno = saved;
	return -1;
}
