/* daemon.h — a standalone TCP server: listeners, fork per session, caps.
 *
 * The model is the simplest that holds the load asked of it: one process
 * per session, forked (not exec'd) from a parent that only accepts,
 * counts and reaps. A forked session shares the parent's pages until it
 * writes them, so an idle session costs little private memory.
 *
 * Caps: past max_sessions in total, or max_per_ip from one client address,
 * the parent writes `busy_reply` (e.g. "421 4.7.0 ...\r\n", "-ERR ...\r\n")
 * itself and closes. SIGTERM closes the listeners and waits for the
 * sessions to end; SIGHUP calls the reload hook (which may change the
 * limits). A session's exit status reaches the parent through the ended
 * hook; refusals through the refused hook, and the tick hook does the
 * parent's periodic work. State that every session must share (failed logins, rates) lives
 * in a table mapped before the first fork (anvil.h). Used by smtpd and
 * pop3d.
 */
#ifndef POSTBOX_DAEMON_H
#define POSTBOX_DAEMON_H

#include <stddef.h>

#include "base/err.h"
#include "net/peer.h"

#define DAEMON_MAX_LISTENERS 16

struct listener {
	int fd;
	char addr[128];          /* as given: "127.0.0.1:25", "[::1]:587" */
	char opts[64];           /* what followed the first comma, or "" */
	int no_ip_cap;           /* behind a proxy every peer is the proxy:
	                          * max_per_ip does not apply */
};

struct daemon_limits {
	long long max_sessions;
	long long max_per_ip;
	char busy_reply[200];    /* written when a cap is reached */
	char per_ip_reply[200];
};

/* Split "ADDR:PORT[,OPTS]" ("[v6]:PORT" for IPv6), bind and listen
 * (backlog 1024, close-on-exec, nonblocking). -1 with e on failure:
 * e->ex is EX_USAGE for a malformed spec, EX_NOPERM when the port may not
 * be bound (EACCES), EX_UNAVAILABLE for any other system error. */
int listener_open(struct listener *l, const char *spec, struct mail_err *e);

struct daemon_hooks {
	/* Run one session in a child; its return value is the child's exit
	 * code. The child starts with a copy of the parent's memory. */
	int (*session)(void *ctx, const struct listener *l, int fd, const struct peer *client);
	/* SIGHUP, in the parent (may be NULL). */
	void (*reload)(void *ctx, struct daemon_limits *lim);
	/* A session's process has ended, in the parent: client as it was
	 * accepted, wstatus as waitpid() gave it (may be NULL). */
	void (*ended)(void *ctx, const struct peer *client, int wstatus);
	/* A client refused by a cap, in the parent: per_ip is 1 for
	 * max_per_ip, 0 for max_sessions (may be NULL). */
	void (*refused)(void *ctx, const struct peer *client, int per_ip);
	/* Periodic work in the parent (writing the metrics file): called
	 * when the milliseconds it last returned have passed, and once more,
	 * with stopping set, when the server has stopped; sessions is how
	 * many run now (may be NULL). */
	long (*tick)(void *ctx, size_t sessions, int stopping);
	void *ctx;
};

/* Serve until SIGTERM (or SIGINT), then wait for the sessions (at most
 * `drain_s` seconds; when drain_s < 0, for as long as they last, unless a
 * second SIGTERM or SIGINT comes) and return 0. -1 with e on a fatal
 * error. */
int daemon_run(struct listener *ls, size_t n, struct daemon_limits *lim, const struct daemon_hooks *h,
	       int drain_s, struct mail_err *e);

/* In a session's process: did the server have at least 80% of
 * max_sessions busy (this session included) when it started? Then it is
 * under stress and the session should get short timeouts (Postfix's
 * stress mode): a flood of slow clients then cannot hold the sessions a
 * legitimate client needs. 0 outside daemon_run. */
int daemon_under_stress(void);

#endif
