/* imapd.c — the IMAP server: serves the Maildirs that deliver fills, with
 * their Maildir++ folders, to mail clients.
 *
 * Usage, options and exit codes: usage_text below, which --help prints
 * (tests/help.bats checks that it names every option the parser accepts).
 *
 * RFC 9051 (IMAP4rev2) / RFC 3501 (IMAP4rev1), RFC 8314 (implicit TLS); the
 * extensions advertised are listed in libmail/imap/imap_basic.c. Modes and
 * privileges are pop3d's: without -l/-s it speaks on stdin/stdout
 * (inetd, xinetd, tcpserver, systemd Accept=yes); with -l (plain,
 * STARTTLS offered when tls_cert is set) and -s (TLS from the first byte,
 * "imaps") it listens itself, one process per session (imap_server.h).
 * -t asks implicit TLS in inetd mode; -P expects a PROXY protocol v1/v2
 * header on every connection. Run as root, a session reads the client's
 * bytes before login as imap_login_user and becomes its mailbox's owner
 * after it (login/login_split.h); with imap_user set, imapd becomes that
 * user as soon as its sockets and TLS key are open.
 *
 * Standalone, SIGTERM stops accepting (sessions finish) and SIGHUP reloads
 * the configuration for the sessions that start afterwards.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "imap/imap_server.h"
#include "login/login_app.h"
#include "login/login_split.h"
#include "net/inetd.h"
#include "net/tls_policy.h"
#include "applets.h"

static const char usage_text[] =
	"Usage: imapd [-l ADDR:PORT]... [-s ADDR:PORT]... [-t] [-P] [-C FILE]\n"
	"Serve the users' Maildirs and their folders over IMAP (RFC 9051, RFC 3501).\n\n"
	"  -l ADDR:PORT  listen (STARTTLS offered when tls_cert is set); repeatable\n"
	"  -s ADDR:PORT  listen with implicit TLS (imaps, port 993); repeatable\n"
	"  -t            inetd mode with implicit TLS\n"
	"  -P            a PROXY protocol (v1/v2) header starts every connection\n"
	"  -C FILE       configuration file\n"
	"Without -l or -s: one session on stdin/stdout (inetd mode).\n\n"
	"Exit: 0 a session ended by LOGOUT, or a standalone server stopped by SIGTERM;\n"
	"64 usage; 69 a listener cannot be opened; 75 the users file cannot be read;\n"
	"76 an inetd session that ended otherwise (EOF, timeout, too many errors);\n"
	"77 permission denied (binding a privileged port); 78 bad configuration\n"
	"(TLS key or certificate, imap_user, imap_login_user).\n";

/* Server settings from a configuration: 0, or -1 with e (bad TLS files). */
static int apply(void *server, const struct config *cfg, struct mail_err *e)
{
	struct imap_server *srv = server;
	struct tls_ctx *tls = NULL;
	const char *cert = config_str(cfg, CFG_TLS_CERT), *key = config_str(cfg, CFG_TLS_KEY);
	if (cert[0] && !(tls = tls_server_ctx_for(cfg, TLS_CLIENTS_USERS, cert, key[0] ? key : cert, e)))
		return -1;
	tls_ctx_free(srv->tls);
	srv->tls = tls;
	srv->cfg = cfg;
	srv->plaintext_auth = (int)config_num(cfg, CFG_IMAP_PLAINTEXT_AUTH);
	srv->timeout_ms = (int)config_num(cfg, CFG_IMAP_TIMEOUT) * 1000;
	srv->auth_delay_ms = 500;
	srv->max_append = config_num(cfg, CFG_MAX_MESSAGE_SIZE);
	return 0;
}

/* imap_user: give up root once listening. Else, still root: split every
 * session (login_split.h), the login process running as imap_login_user. */
static void set_privileges(struct imap_server *srv, const struct config *cfg)
{
	struct mail_err e;
	err_clear(&e);
	if (login_become_service_user(cfg, CFG_IMAP_USER, &e) < 0)
		die(e.ex, "%s", e.msg);
	if (geteuid() != 0)
		return;
	if (login_user_lookup(cfg, CFG_IMAP_LOGIN_USER, &srv->login_uid, &srv->login_gid, &e) < 0)
		die(e.ex, "%s", e.msg);
	srv->separate = 1;
}

static int inetd_session(struct imap_server *srv, struct imap_listen_opts *lo, struct login_app *app)
{
	const struct config *cfg = app->cfg;
	struct peer client;
	struct mail_err e;
	err_clear(&e);
	peer_of_stdin(&client, 0, getenv("TCPREMOTEIP"));
	inetd_stdio_guard();
	set_privileges(srv, cfg);
	int r;
	if (srv->separate) {
		signal(SIGPIPE, SIG_IGN); /* a client gone is an error, not a signal */
		r = imap_separated_session(srv, lo, 0, 1, &client, login_app_load_users, app);
	} else {
		struct users users;
		if (users_load(&users, config_str(cfg, CFG_USERS), &e) < 0) {
			printf("* BYE [UNAVAILABLE] the server is not available\r\n");
			die(EX_TEMPFAIL, "%s", e.msg);
		}
		srv->users = &users;
		r = imap_session(srv, lo, 0, 1, &client, NULL);
		users_free(&users);
	}
	return r == 0 ? 0 : EX_PROTOCOL;
}

int imapd_main(int argc, char **argv)
{
	cli_help_version(argc, argv, usage_text);
	struct login_cli o;
	memset(&o, 0, sizeof o);
	struct mail_err e;
	err_clear(&e);
	if (login_cli_parse(&o, "imapd", argc, argv, &e) < 0)
		die(e.ex, "%s", e.msg);
	struct login_app app = { "imapd", calloc(1, sizeof *app.cfg), o.config, apply };
	if (!app.cfg)
		die(EX_OSERR, "out of memory");
	cli_load_config(app.cfg, o.config);

	struct imap_server srv;
	memset(&srv, 0, sizeof srv);
	if (apply(&srv, app.cfg, &e) < 0)
		die(EX_CONFIG, "%s", e.msg);
	if (login_cli_wants_tls(&o) && !srv.tls)
		die(EX_CONFIG, "implicit TLS needs tls_cert and tls_key in the configuration");

	int r = 0;
	if (o.nspecs == 0) {
		struct imap_listen_opts inetd = { o.inetd_tls, o.proxy };
		r = inetd_session(&srv, &inetd, &app);
	} else {
		struct listener ls[DAEMON_MAX_LISTENERS];
		struct imap_listen_opts lo[DAEMON_MAX_LISTENERS];
		if (login_cli_listen(&o, "imapd", ls, &e) < 0)
			die(e.ex, "%s", e.msg);
		for (size_t i = 0; i < o.nspecs; i++)
			lo[i] = (struct imap_listen_opts){ o.tls_spec[i], o.proxy };
		set_privileges(&srv, app.cfg);
		struct imap_hooks hooks = { login_app_load_users, login_app_reload, &app };
		if (imap_serve(&srv, ls, lo, o.nspecs, &hooks, &e) < 0)
			die(e.ex ? e.ex : EX_OSERR, "%s", e.msg);
	}
	tls_ctx_free(srv.tls);
	login_app_free(&app);
	return r;
}
