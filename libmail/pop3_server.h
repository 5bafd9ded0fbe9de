/* pop3_server.h — pop3d's standalone mode: listeners and one process per
 * session.
 *
 * pop3_listen() binds "ADDR:PORT" ("[v6]:PORT" too) with a large backlog.
 * pop3_serve() accepts on every listener, forks one child per connection
 * (the child loads the users file afresh, so new users need no restart,
 * and runs pop3_session), and enforces the caps: past max_sessions in all,
 * or max_per_ip from one address, the client gets "-ERR [SYS/TEMP]" and is
 * closed at once. SIGTERM stops accepting; the sessions run to their end.
 * The parent keeps its privileges so that each session can become its
 * mailbox's owner after login.
 */
#ifndef POSTBOX_POP3_SERVER_H
#define POSTBOX_POP3_SERVER_H

#include <stddef.h>

#include "err.h"
#include "pop3_session.h"

struct pop3_listener {
	int fd;
	char name[128];
	struct pop3_listen_opts opts;
};

int pop3_listen(const char *spec, struct pop3_listener *l, struct mail_err *e);

/* Load the users file for a session (called in the child). */
typedef int (*pop3_users_fn)(struct users *u, void *ctx, struct mail_err *e);

/* Serve until SIGTERM; returns 0 then, -1 on a fatal error. */
int pop3_serve(struct pop3_server *srv, struct pop3_listener *l, size_t n, long max_sessions,
	       long max_per_ip, pop3_users_fn load_users, void *ctx, struct mail_err *e);

/* The peer address of fd as text ("local" when it is not a socket). */
void peer_name(int fd, char *out, size_t cap);

#endif
