/* imap_server.c — imapd's sessions on the shared accept loop; see imap_server.h. */
#include "imap/imap_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"

/* Client addresses whose failed logins are counted at once. */
#define IMAP_ANVIL_ENTRIES 2048

struct imap_daemon {
	struct imap_server *srv;
	const struct listener *ls;
	const struct imap_listen_opts *lo;
	const struct imap_hooks *hooks;
};

/* In the child, which sees the parent's memory as it was at the fork. */
static int session(void *ctx, const struct listener *l, int fd, const struct peer *client)
{
	static const char unavailable[] = "* BYE [UNAVAILABLE] the users file cannot be read, try again later\r\n";
	struct imap_daemon *d = ctx;
	struct imap_server mine = *d->srv;
	const struct imap_listen_opts *lo = &d->lo[l - d->ls];
	int stress_ms = (int)config_num(mine.cfg, CFG_STRESS_TIMEOUT) * 1000;
	if (daemon_under_stress() && stress_ms > 0 && stress_ms < mine.timeout_ms) {
		mine.timeout_ms = stress_ms;
		log_info(NULL, "imap client=%s stress: timeout %d s", client->text, stress_ms / 1000);
	}
	/* Separated, the users file is read after the login process is
	 * forked, in the root process only. */
	if (mine.separate)
		return imap_separated_session(&mine, lo, fd, fd, client, d->hooks->load_users, d->hooks->ctx);
	struct users users;
	struct mail_err e;
	err_clear(&e);
	if (d->hooks->load_users(&users, d->hooks->ctx, &e) < 0) {
		log_err(NULL, "imap client=%s event=users-failed error=\"%s\"", client->text, LOG_QUOTED(e.msg));
		if (write(fd, unavailable, sizeof unavailable - 1) < 0) {
			/* the client is gone: nothing to tell */
		}
		return EX_TEMPFAIL;
	}
	mine.users = &users;
	return imap_session(&mine, lo, fd, fd, client, NULL);
}

static void set_limits(const struct config *cfg, struct daemon_limits *lim)
{
	long long max = config_num(cfg, CFG_IMAP_MAX_SESSIONS);
	lim->max_sessions = max > 0 ? max : 1;
	lim->max_per_ip = config_num(cfg, CFG_IMAP_MAX_PER_IP);
	snprintf(lim->busy_reply, sizeof lim->busy_reply, "* BYE [UNAVAILABLE] too many sessions, try again later\r\n");
	snprintf(lim->per_ip_reply, sizeof lim->per_ip_reply,
		 "* BYE [UNAVAILABLE] too many sessions from your address, try again later\r\n");
}

static void reload(void *ctx, struct daemon_limits *lim)
{
	struct imap_daemon *d = ctx;
	if (d->hooks->reload)
		d->hooks->reload(d->srv, d->hooks->ctx);
	set_limits(d->srv->cfg, lim);
}

int imap_serve(struct imap_server *srv, struct listener *ls, const struct imap_listen_opts *lo, size_t n,
	       const struct imap_hooks *hooks, struct mail_err *e)
{
	struct imap_daemon d = { srv, ls, lo, hooks };
	/* Before the first fork, so that every session shares it. */
	srv->anvil = anvil_create(IMAP_ANVIL_ENTRIES, e);
	if (!srv->anvil)
		log_warn(NULL, "imapd: no limit on failed logins across sessions: error=\"%s\"", LOG_QUOTED(e->msg));
	struct daemon_limits lim;
	memset(&lim, 0, sizeof lim);
	set_limits(srv->cfg, &lim);
	const struct daemon_hooks h = { .session = session, .reload = reload, .ctx = &d };
	int r = daemon_run(ls, n, &lim, &h, -1, e);
	anvil_destroy(srv->anvil);
	srv->anvil = NULL;
	return r;
}
