/* read_all.c — one read loop for whole files; see read_all.h. */
#include "base/read_all.h"

#include <errno.h>
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
