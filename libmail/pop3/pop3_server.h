/* pop3_server.h — pop3d's standalone mode: what is POP3's own on top of
 * the accept loop imapd uses too (login/login_daemon.h, itself on
 * net/daemon.h: listeners, fork per session, caps, reaping, SIGTERM,
 * SIGHUP, metrics).
 *
 * pop3_serve() runs daemon_run() on listeners opened with listener_open().
 * The caps are pop3_max_sessions (0 means one at a time) and
 * pop3_max_per_ip from srv->cfg, read again after each reload; past them
 * the client gets "-ERR [SYS/TEMP] too many sessions..." and is closed at
 * once. Each session's child loads the users file afresh (so new users
 * need no restart) and runs pop3_session. SIGTERM stops accepting; the
 * parent then waits for every session to end, however long (autologout
 * ends the idle ones; a second SIGTERM stops the wait). SIGHUP reloads the
 * configuration (hooks->reload) for the sessions that start afterwards;
 * the listeners stay. Failed logins are counted per client address in a
 * table every session shares (anvil.h, made before the first fork), so
 * reconnecting does not reset the growing delay and auth_failure_limit
 * holds across sessions.
 * The parent keeps its privileges so that each session can become its
 * mailbox's owner after login.
 */
#ifndef POSTBOX_POP3_SERVER_H
#define POSTBOX_POP3_SERVER_H

/* Slots of the failed-login table (net/anvil.h). */
#define POP3_ANVIL_ENTRIES 2048

#include <stddef.h>

#include "net/daemon.h"
#include "base/err.h"
#include "pop3/pop3_session.h"

struct pop3_hooks {
	/* Load the users file for a session (called in the child). */
	int (*load_users)(struct users *u, void *ctx, struct mail_err *e);
	/* SIGHUP: reload the configuration into srv (may be NULL). */
	void (*reload)(void *srv, void *ctx);
	void *ctx;
};

/* Serve on ls[0..n) (lo[i]: the options of listener i) until SIGTERM;
 * returns 0 then, -1 with e on a fatal error. */
int pop3_serve(struct pop3_server *srv, struct listener *ls, const struct pop3_listen_opts *lo,
	       size_t n, const struct pop3_hooks *hooks, struct mail_err *e);

#endif
