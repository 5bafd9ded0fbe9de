/* pop3_server.h — pop3d's standalone mode: listeners and one process per
 * session.
 *
 * pop3_listen() binds "ADDR:PORT" ("[v6]:PORT" too) with a large backlog.
 * pop3_serve() accepts on every listener, forks one child per connection
 * (the child loads the users file afresh, so new users need no restart,
 * and runs pop3_session), and enforces the caps: past max_sessions in all,
 * or max_per_ip from one address, the client gets "-ERR [SYS/TEMP]" and is
 * closed at once. SIGTERM stops accepting; the sessions run to their end.
 * SIGHUP reloads the configuration (hooks->reload) for the sessions that
 * start afterwards; the listeners stay. Failed logins are remembered per
 * client address for 15 minutes and handed to the next session from it
 * (prior_failures), so reconnecting does not reset the growing delay.
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

struct pop3_hooks {
	/* Load the users file for a session (called in the child). */
	int (*load_users)(struct users *u, void *ctx, struct mail_err *e);
	/* SIGHUP: reload the configuration into srv (may be NULL). */
	void (*reload)(struct pop3_server *srv, void *ctx);
	void *ctx;
};

/* Serve until SIGTERM; returns 0 then, -1 on a fatal error. The caps are
 * read from srv->cfg (pop3_max_sessions, pop3_max_per_ip) before each
 * accept, so a reload changes them. */
int pop3_serve(struct pop3_server *srv, struct pop3_listener *l, size_t n,
	       const struct pop3_hooks *hooks, struct mail_err *e);

/* The peer address of fd as text ("local" when it is not a socket). */
void peer_name(int fd, char *out, size_t cap);

#endif
