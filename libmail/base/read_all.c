/* read_all.c — one read loop for whole files; see read_all.h. */
#include "base/read_all.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

int read_all(int fd, struct buf *b, size_t max)
{
	char chunk[65536];
	for (;;) {
		ssize_t r = read(fd, chunk, sizeof chunk);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return READ_ALL_ERR;
		if (r == 0)
			return READ_ALL_OK;
		if (buf_add(b, chunk, (size_t)r) < 0)
			return READ_ALL_ERR;
		if (max && b->len > max)
			return READ_ALL_TOOBIG;
	}
}

ssize_t read_small_at(int dirfd, const char *name, char *buf, size_t cap)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 || cap == 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	ssize_t n;
	do
		n = read(fd, buf, cap - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}
