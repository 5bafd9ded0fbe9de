/* sd_listen.h — listening sockets passed by systemd (sd_listen_fds(3)):
 * LISTEN_PID names this process and LISTEN_FDS counts the sockets from
 * fd 3 up. A daemon that is given one for an address it would bind uses
 * it instead, so socket activation works for the standalone servers too,
 * without linking libsystemd (the protocol is two variables). */
#ifndef POSTBOX_SD_LISTEN_H
#define POSTBOX_SD_LISTEN_H

#include <sys/socket.h>

/* The passed listening stream socket bound to exactly this address, or
 * -1. Each socket is handed out once. The first call reads and unsets
 * LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES, so the sessions' processes
 * and programs they run do not see them. */
int sd_listen_take(const struct sockaddr *sa, socklen_t len);

#endif
