/* pop3d.c — the POP3 server: serves the Maildirs that deliver fills.
 *
 * Usage, options and exit codes: usage_text below, which --help prints
 * (tests/help.bats checks that it names every option the parser accepts).
 *
 * RFC 1939 (POP3), RFC 2449 (CAPA, RESP-CODES), RFC 2595 (STLS), RFC 5034
 * (AUTH PLAIN), RFC 3206 (SYS and AUTH response codes), RFC 8314 (implicit
 * TLS). APOP is not offered. Without -l/-s it speaks on stdin/stdout
 * (inetd, xinetd, tcpserver, systemd Accept=yes); the client is the IP
 * peer of fd 0 or $TCPREMOTEIP (libmail/net/peer.h). With -l (plain, STLS offered when
 * tls_cert is set) and -s (TLS from the first byte, "pop3s") it listens
 * itself, one process per session (pop3_server.h). -t asks implicit TLS in
 * inetd mode; -P expects a PROXY protocol v1/v2 header on every
 * connection. Users, passwords and mailboxes come from the users file;
 * only Maildir mailboxes are served (pop3_session.h, pop3_mailbox.h). Run as
 * root, a session reads the client's bytes before login as pop3_login_user
 * and becomes its mailbox's owner after it (login_split.h); with pop3_user
 * set, pop3d becomes that user as soon as its sockets and TLS key are open.
 *
 * Standalone, SIGTERM stops accepting (sessions finish) and SIGHUP reloads
 * the configuration for the sessions that start afterwards.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "net/anvil.h"
#include "net/inetd.h"
#include "net/tls_policy.h"
#include "login/login_app.h"
#include "login/login_split.h"
#include "pop3/pop3_mailbox.h"
#include "pop3/pop3_server.h"
#include "applets.h"

static const char usage_text[] =
	"Usage: pop3d [-l ADDR:PORT]... [-s ADDR:PORT]... [-t] [-P] [-C FILE]\n"
	"Serve the users' Maildirs over POP3 (RFC 1939).\n\n"
	"  -l ADDR:PORT  listen (STLS offered when tls_cert is set); repeatable\n"
	"  -s ADDR:PORT  listen with implicit TLS (pop3s, port 995); repeatable\n"
	"  -t            inetd mode with implicit TLS\n"
	"  -P            a PROXY protocol (v1/v2) header starts every connection\n"
	"  -C FILE       configuration file\n"
	"Without -l or -s: one session on stdin/stdout (inetd mode).\n\n"
	"Exit: 0 a session ended by QUIT, or a standalone server stopped by SIGTERM;\n"
	"64 usage; 69 a listener cannot be opened; 75 the users file cannot be read;\n"
	"76 an inetd session that ended otherwise (EOF, timeout, too many errors);\n"
	"77 permission denied (binding a privileged port); 78 bad configuration\n"
	"(TLS key or certificate).\n";

/* With pop3_user set, give up root once the sockets and the TLS key are
 * open: every session then runs as that user (virtual mailboxes that all
 * belong to it). */
static void drop_privileges(const struct config *cfg)
{
	struct mail_err e;
	err_clear(&e);
	if (login_become_service_user(cfg, CFG_POP3_USER, &e) < 0)
		die(e.ex, "%s", e.msg);
}

/* Still root (no pop3_user): every session is split, and what reads the
 * client's bytes before the login runs as pop3_login_user
 * (login_split.h). Read once at start. */
static void separate_sessions(struct pop3_server *srv, const struct config *cfg)
{
	struct mail_err e;
	err_clear(&e);
	if (geteuid() != 0)
		return;
	if (login_user_lookup(cfg, CFG_POP3_LOGIN_USER, &srv->login_uid, &srv->login_gid, &e) < 0)
		die(e.ex, "%s", e.msg);
	srv->separate = 1;
}

/* Server settings from a configuration: 0, or -1 with e (bad TLS files). */
static int apply(void *server, const struct config *cfg, struct mail_err *e)
{
	struct pop3_server *srv = server;
	const char *uidl = config_str(cfg, CFG_POP3_UIDL_FORMAT);
	if (!maildrop_uidl_format_valid(uidl))
		return err_set(e, EX_CONFIG, 0, "", "pop3_uidl_format \"%.100s\": only %%f, %%u, %%v and %%%% "
			       "(with a zero-padded width and x or X for hex) are known", uidl);
	struct tls_ctx *tls = NULL;
	const char *cert = config_str(cfg, CFG_TLS_CERT), *key = config_str(cfg, CFG_TLS_KEY);
	if (cert[0] && !(tls = tls_server_ctx_for(cfg, TLS_CLIENTS_USERS, cert, key[0] ? key : cert, e)))
		return -1;
	tls_ctx_free(srv->tls);
	srv->tls = tls;
	srv->cfg = cfg;
	srv->plaintext_auth = (int)config_num(cfg, CFG_POP3_PLAINTEXT_AUTH);
	srv->keep = (int)config_num(cfg, CFG_POP3_KEEP_MAIL);
	srv->uidl_format = uidl;
	srv->timeout_ms = (int)config_num(cfg, CFG_POP3_TIMEOUT) * 1000;
	srv->auth_delay_ms = 500;
	return 0;
}

/* One session on stdin/stdout. */
static int inetd_session(struct pop3_server *srv, const struct pop3_listen_opts *lo, struct login_app *app)
{
	const struct config *cfg = app->cfg;
	struct peer client;
	struct mail_err e;
	err_clear(&e);
	peer_of_stdin(&client, 0, getenv("TCPREMOTEIP"));
	inetd_stdio_guard();
	/* One process per connection: failed logins are counted across
	 * sessions in the spool's table (shared with smtpd). */
	srv->anvil = anvil_open_spool(config_str(cfg, CFG_SPOOL), POP3_ANVIL_ENTRIES, &e);
	if (!srv->anvil)
		log_warn(NULL, "pop3d: no limit on failed logins across sessions error=\"%s\"", LOG_QUOTED(e.msg));
	drop_privileges(cfg);
	separate_sessions(srv, cfg);
	int r;
	if (srv->separate) {
		signal(SIGPIPE, SIG_IGN); /* a client gone is an error, not a signal */
		r = pop3_separated_session(srv, lo, 0, 1, &client, login_app_load_users, app);
	} else {
		struct users users;
		if (users_load(&users, config_str(cfg, CFG_USERS), &e) < 0) {
			printf("-ERR [SYS/TEMP] the server is not available\r\n");
			die(EX_TEMPFAIL, "%s", e.msg);
		}
		srv->users = &users;
		r = pop3_session(srv, lo, 0, 1, &client, NULL);
		users_free(&users);
	}
	return r == 0 ? 0 : EX_PROTOCOL;
}

int pop3d_main(int argc, char **argv)
{
	cli_help_version(argc, argv, usage_text);
	struct login_cli o;
	memset(&o, 0, sizeof o);
	struct mail_err e;
	err_clear(&e);
	if (login_cli_parse(&o, "pop3d", argc, argv, &e) < 0)
		die(e.ex, "%s", e.msg);
	struct login_app app = { "pop3d", calloc(1, sizeof *app.cfg), o.config, apply };
	if (!app.cfg)
		die(EX_OSERR, "out of memory");
	cli_load_config(app.cfg, o.config);

	struct pop3_server srv;
	memset(&srv, 0, sizeof srv);
	if (apply(&srv, app.cfg, &e) < 0)
		die(EX_CONFIG, "%s", e.msg);
	if (login_cli_wants_tls(&o) && !srv.tls)
		die(EX_CONFIG, "implicit TLS needs tls_cert and tls_key in the configuration");

	int r = 0;
	if (o.nspecs == 0) {
		struct pop3_listen_opts inetd = { o.inetd_tls, o.proxy };
		r = inetd_session(&srv, &inetd, &app);
	} else {
		struct listener ls[DAEMON_MAX_LISTENERS];
		struct pop3_listen_opts lo[DAEMON_MAX_LISTENERS];
		if (login_cli_listen(&o, "pop3d", ls, &e) < 0)
			die(e.ex, "%s", e.msg);
		for (size_t i = 0; i < o.nspecs; i++)
			lo[i] = (struct pop3_listen_opts){ o.tls_spec[i], o.proxy };
		drop_privileges(app.cfg);
		separate_sessions(&srv, app.cfg);
		struct pop3_hooks hooks = { login_app_load_users, login_app_reload, &app };
		if (pop3_serve(&srv, ls, lo, o.nspecs, &hooks, &e) < 0)
			die(e.ex ? e.ex : EX_OSERR, "%s", e.msg);
	}
	tls_ctx_free(srv.tls);
	login_app_free(&app);
	return r;
}
