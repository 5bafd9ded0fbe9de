/* read_all.h — read what a descriptor holds, to its end, into a buf: the
 * one loop for files read whole (the users and aliases files, queue
 * envelopes, a message on stdin, smtp-chat's @FILE arguments).
 */
#ifndef POSTBOX_READ_ALL_H
#define POSTBOX_READ_ALL_H

#include <stddef.h>
#include <sys/types.h>

#include "base/buf.h"

enum { READ_ALL_OK = 0, READ_ALL_ERR = -1, READ_ALL_TOOBIG = -2 };

/* Append fd's bytes to b until end of file, retrying interrupted reads.
 * READ_ALL_OK at the end; READ_ALL_ERR with errno set on a read error or
 * when b cannot grow (ENOMEM, or EFBIG past b's own limit);
 * READ_ALL_TOOBIG as soon as b holds more than max bytes (max 0: no limit):
 * the rest of the input stays unread. */
int read_all(int fd, struct buf *b, size_t max);

/* The first cap-1 bytes of the small file dirfd/name (a link is not
 * followed, a FIFO does not block) as a string in buf: its length, or -1
 * when it cannot be opened or read. For one-line files such as a lock's
 * holder or a recorded boundary. */
ssize_t read_small_at(int dirfd, const char *name, char *buf, size_t cap);

#endif
