/* login_daemon.h — the standalone mode of a mail-reading server (pop3d,
 * imapd) on the accept loop smtpd uses too (net/daemon.h: listeners, fork
 * per session, caps, reaping, SIGTERM, SIGHUP), written once for both.
 *
 * What the protocols share, and this file does: the caps are
 * proto->max_sessions (0 means one at a time) and proto->max_per_ip from
 * the configuration in force, read again after each reload; past them the
 * client gets the protocol's refusal and is closed at once, and the
 * refusal is counted. Each session's child loads the users file afresh
 * (so new users need no restart) unless the session is split
 * (login_split.h: the root process of the split loads it itself), and
 * under stress (daemon_under_stress) gets stress_timeout instead of the
 * protocol's autologout when that is shorter. Failed logins are counted
 * per client address in a table every session shares (anvil.h) and the
 * metrics in a tally (net/server_metrics.h), both made before the first
 * fork; the parent writes the metrics file named by proto->metrics_file
 * every metrics_interval with the number of sessions running. SIGTERM
 * stops accepting and waits for every session to end, however long
 * (autologout ends the idle ones; a second SIGTERM stops the wait).
 *
 * The protocol supplies the rest through struct login_daemon: where its
 * server keeps the configuration, the timeout, the split flag, the table
 * and the tally, and how to run one session.
 */
#ifndef POSTBOX_LOGIN_DAEMON_H
#define POSTBOX_LOGIN_DAEMON_H

#include <stddef.h>

#include "base/config.h"
#include "base/err.h"
#include "base/tally.h"
#include "login/login_split.h"
#include "net/anvil.h"
#include "net/daemon.h"
#include "net/peer.h"
#include "net/server_metrics.h"
#include "store/users.h"

/* What differs between the protocols, as constants. */
struct login_daemon_proto {
	const char *name;                /* "pop3d": the server's log lines */
	const char *session_name;        /* "pop3": a session's log lines */
	enum config_key max_sessions, max_per_ip, metrics_file;
	const char *busy_reply;          /* past max_sessions (with CRLF) */
	const char *per_ip_reply;        /* past max_per_ip (with CRLF) */
	const char *unavailable_reply;   /* the users file cannot be read */
	size_t anvil_entries;            /* slots of the failed-login table */
	const struct metric_def *metric_defs;
	size_t nmetrics;
	size_t m_active, m_refused_max_sessions, m_refused_per_ip; /* indexes */
};

struct login_daemon {
	const struct login_daemon_proto *proto;
	void *srv;                       /* the protocol's server */
	/* Fields of *srv the loop reads or sets. */
	const struct config *const *cfg; /* the configuration in force */
	const int *timeout_ms;           /* the autologout */
	const int *separate;             /* sessions are split (login_split.h) */
	struct anvil **anvil;            /* set before the first fork */
	struct tally **metrics;          /* set before the first fork */
	/* Run one session in the child: timeout_ms is the autologout to use,
	 * users the users file loaded, or NULL when the session is split (then
	 * the root process calls load_users itself). Returns the child's exit
	 * code. */
	int (*session)(const struct login_daemon *d, size_t listener, int fd, const struct peer *client,
		       int timeout_ms, const struct users *users);
	/* The applet's: load the users file (login_app.h), and on SIGHUP
	 * reload the configuration into srv (may be NULL). */
	login_load_users_fn load_users;
	void (*reload)(void *srv, void *ctx);
	void *ctx;
	/* private */
	struct server_metrics m;
	const struct listener *listeners;
};

/* Serve on ls[0..n) until SIGTERM; returns 0 then, -1 with e on a fatal
 * error. */
int login_daemon_run(struct login_daemon *d, struct listener *ls, size_t n, struct mail_err *e);

#endif
