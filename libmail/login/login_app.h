/* login_app.h — what pop3d's and imapd's applets share around their
 * sessions: the command line (-l, -s, -t, -P, -C), the listeners it
 * names, and the configuration in force with its reload on SIGHUP.
 *
 * The options: -l ADDR:PORT listens (STARTTLS/STLS offered when tls_cert
 * is set), -s ADDR:PORT listens with implicit TLS, both repeatable up to
 * DAEMON_MAX_LISTENERS; -t asks implicit TLS in inetd mode; -P expects a
 * PROXY header on every connection; -C FILE names the configuration.
 * Without -l or -s the server runs one session on stdin/stdout (inetd).
 *
 * struct login_app holds the configuration in force. Its reload (a
 * login_daemon reload hook) loads the file again and hands it to the
 * protocol's apply(); a configuration that does not load, or that apply()
 * refuses (TLS files), leaves the running one in place and is logged.
 */
#ifndef POSTBOX_LOGIN_APP_H
#define POSTBOX_LOGIN_APP_H

#include <stddef.h>

#include "base/config.h"
#include "base/err.h"
#include "net/daemon.h"
#include "store/users.h"

struct login_cli {
	const char *config;                      /* -C, or NULL */
	const char *specs[DAEMON_MAX_LISTENERS]; /* -l and -s, in order */
	int tls_spec[DAEMON_MAX_LISTENERS];      /* 1: that one was -s */
	size_t nspecs;
	int inetd_tls;                           /* -t */
	int proxy;                               /* -P */
};

/* Parse the options of `name` ("imapd"): 0, or -1 with e (EX_USAGE). */
int login_cli_parse(struct login_cli *o, const char *name, int argc, char **argv, struct mail_err *e);

/* Whether any session is to start with TLS (-s or -t). */
int login_cli_wants_tls(const struct login_cli *o);

/* Open the listeners of -l and -s into ls[0..o->nspecs) and log each:
 * 0, or -1 with e (listener_open's exit codes; EX_USAGE for options after
 * the port). */
int login_cli_listen(const struct login_cli *o, const char *name, struct listener *ls, struct mail_err *e);

struct login_app {
	const char *name;        /* "imapd": log lines */
	struct config *cfg;      /* in force; owned (heap) */
	const char *path;        /* -C FILE, or NULL for the default */
	/* The protocol's: the server's settings from cfg (srv: the server);
	 * -1 with e when cfg cannot be served with (TLS files). */
	int (*apply)(void *srv, const struct config *cfg, struct mail_err *e);
};

/* login_load_users_fn: the users file of the configuration in force
 * (ctx: the struct login_app). */
int login_app_load_users(struct users *u, void *ctx, struct mail_err *e);

/* SIGHUP (ctx: the struct login_app). */
void login_app_reload(void *srv, void *ctx);

/* Free the configuration in force. */
void login_app_free(struct login_app *app);

#endif
