/* login_app.c — pop3d's and imapd's command line and reload; see
 * login_app.h. */
#include "login/login_app.h"

#include <stdlib.h>
#include <unistd.h>

#include "base/log.h"

int login_cli_parse(struct login_cli *o, const char *name, int argc, char **argv, struct mail_err *e)
{
	int c;
	while ((c = getopt(argc, argv, "C:l:s:tP")) != -1) {
		switch (c) {
		case 'C': o->config = optarg; break;
		case 'l':
		case 's':
			if (o->nspecs == DAEMON_MAX_LISTENERS)
				return err_set(e, EX_USAGE, 0, "", "at most %d listeners", DAEMON_MAX_LISTENERS);
			o->tls_spec[o->nspecs] = c == 's';
			o->specs[o->nspecs++] = optarg;
			break;
		case 't': o->inetd_tls = 1; break;
		case 'P': o->proxy = 1; break;
		default: return err_set(e, EX_USAGE, 0, "", "see %s --help", name);
		}
	}
	if (optind != argc)
		return err_set(e, EX_USAGE, 0, "", "unexpected argument \"%s\"", argv[optind]);
	return 0;
}

int login_cli_wants_tls(const struct login_cli *o)
{
	int want = o->inetd_tls;
	for (size_t i = 0; i < o->nspecs; i++)
		want |= o->tls_spec[i];
	return want;
}

int login_cli_listen(const struct login_cli *o, const char *name, struct listener *ls, struct mail_err *e)
{
	for (size_t i = 0; i < o->nspecs; i++) {
		if (listener_open(&ls[i], o->specs[i], e) < 0)
			return -1;
		if (ls[i].opts[0])
			return err_set(e, EX_USAGE, 0, "", "%s: expected ADDR:PORT (-s for TLS, -P for PROXY)",
				       o->specs[i]);
		ls[i].no_ip_cap = o->proxy; /* every peer is the proxy: as in smtpd */
		log_info(NULL, "%s listening on %s%s%s", name, ls[i].addr, o->tls_spec[i] ? " (TLS)" : "",
			 o->proxy ? " (PROXY)" : "");
	}
	return 0;
}

int login_app_load_users(struct users *u, void *ctx, struct mail_err *e)
{
	const struct login_app *app = ctx;
	return users_load(u, config_str(app->cfg, CFG_USERS), e);
}

void login_app_reload(void *srv, void *ctx)
{
	struct login_app *app = ctx;
	struct config *next = calloc(1, sizeof *next);
	struct mail_err e;
	err_clear(&e);
	if (!next || config_load(next, app->path, &e) < 0 || app->apply(srv, next, &e) < 0) {
		log_err(NULL, "%s event=reload-failed action=keep-running-configuration error=\"%s\"", app->name,
			LOG_QUOTED(next ? e.msg : "out of memory"));
		if (next)
			config_free(next);
		free(next);
		return;
	}
	config_free(app->cfg);
	free(app->cfg);
	app->cfg = next;
	log_info(NULL, "%s reloaded %s", app->name, next->path[0] ? next->path : "(defaults)");
}

void login_app_free(struct login_app *app)
{
	if (app->cfg)
		config_free(app->cfg);
	free(app->cfg);
	app->cfg = NULL;
}
