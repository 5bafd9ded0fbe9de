/* imap_server.h — imapd's standalone mode on the accept loop pop3d uses
 * too (login/login_daemon.h, itself on net/daemon.h: listeners, fork per
 * session, caps, reaping, SIGTERM, SIGHUP, metrics).
 *
 * As pop3_server.h: caps from imap_max_sessions and imap_max_per_ip (read
 * again after each reload; past them "* BYE [UNAVAILABLE] ..." and the
 * connection is closed), each session's child loads the users file
 * afresh, failed logins are counted per client address in a table every
 * session shares (anvil.h), stress mode shortens the timeout, and SIGTERM
 * waits for the sessions to end (autologout ends idle ones), and the
 * counters of imap_metrics.h go to imap_metrics_file.
 */
#ifndef POSTBOX_IMAP_SERVER_H
#define POSTBOX_IMAP_SERVER_H

#include <stddef.h>

#include "base/err.h"
#include "imap/imap_session.h"
#include "net/daemon.h"

struct imap_hooks {
	/* Load the users file for a session (called in the child). */
	int (*load_users)(struct users *u, void *ctx, struct mail_err *e);
	/* SIGHUP: reload the configuration into srv (may be NULL). */
	void (*reload)(void *srv, void *ctx);
	void *ctx;
};

/* Serve on ls[0..n) (lo[i]: the options of listener i) until SIGTERM;
 * returns 0 then, -1 with e on a fatal error. */
int imap_serve(struct imap_server *srv, struct listener *ls, const struct imap_listen_opts *lo, size_t n,
	       const struct imap_hooks *hooks, struct mail_err *e);

#endif
