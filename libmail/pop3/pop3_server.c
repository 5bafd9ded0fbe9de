/* pop3_server.c — pop3d's sessions on the shared accept loop; see pop3_server.h. */
#include "pop3/pop3_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/log.h"
#include "pop3/pop3_metrics.h"

/* Client addresses whose failed logins are counted at once. */

struct pop3_daemon {
	struct pop3_server *srv;
	const struct listener *ls;
	const struct pop3_listen_opts *lo;
	const struct pop3_hooks *hooks;
	struct server_metrics metrics;
};

/* In the child, which sees the parent's memory as it was at the fork:
 * the current configuration and the shared table of failed logins. */
static int session(void *ctx, const struct listener *l, int fd, const struct peer *client)
{
	static const char unavailable[] = "-ERR [SYS/TEMP] the users file cannot be read, try again later\r\n";
	struct pop3_daemon *d = ctx;
	struct pop3_server mine = *d->srv;
	const struct pop3_listen_opts *lo = &d->lo[l - d->ls];
	int stress_ms = (int)config_num(mine.cfg, CFG_STRESS_TIMEOUT) * 1000;
	if (daemon_under_stress() && stress_ms > 0 && stress_ms < mine.timeout_ms) {
		mine.timeout_ms = stress_ms;
		log_info(NULL, "pop3 client=%s stress: timeout %d s", client->text, stress_ms / 1000);
	}
	/* Separated, the users file is read after the login process is
	 * forked, in the root process only. */
	if (mine.separate)
		return pop3_separated_session(&mine, lo, fd, fd, client, d->hooks->load_users, d->hooks->ctx);
	struct users users;
	struct mail_err e;
	err_clear(&e);
	if (d->hooks->load_users(&users, d->hooks->ctx, &e) < 0) {
		log_err(NULL, "pop3 client=%s event=users-failed error=\"%s\"", client->text, LOG_QUOTED(e.msg));
		if (write(fd, unavailable, sizeof unavailable - 1) < 0) {
			/* the client is gone: nothing to tell */
		}
		return EX_TEMPFAIL;
	}
	mine.users = &users;
	return pop3_session(&mine, lo, fd, fd, client, NULL);
}

static void set_limits(const struct config *cfg, struct daemon_limits *lim)
{
	long long max = config_num(cfg, CFG_POP3_MAX_SESSIONS);
	lim->max_sessions = max > 0 ? max : 1;
	lim->max_per_ip = config_num(cfg, CFG_POP3_MAX_PER_IP);
	snprintf(lim->busy_reply, sizeof lim->busy_reply,
		 "-ERR [SYS/TEMP] too many sessions, try again later\r\n");
	snprintf(lim->per_ip_reply, sizeof lim->per_ip_reply,
		 "-ERR [SYS/TEMP] too many sessions from your address, try again later\r\n");
}

/* SIGHUP: the caps follow the configuration the hook leaves in srv. */
static void reload(void *ctx, struct daemon_limits *lim)
{
	struct pop3_daemon *d = ctx;
	if (d->hooks->reload)
		d->hooks->reload(d->srv, d->hooks->ctx);
	set_limits(d->srv->cfg, lim);
}

/* The parent's side of the metrics (pop3_metrics.h). */
static void refused(void *ctx, const struct peer *client, int per_ip)
{
	struct pop3_daemon *d = ctx;
	(void)client;
	tally_add(d->metrics.tally, per_ip ? POP3D_M_REFUSED_PER_IP : POP3D_M_REFUSED_MAX_SESSIONS, 1);
}

static long tick(void *ctx, size_t sessions, int stopping)
{
	struct pop3_daemon *d = ctx;
	tally_set(d->metrics.tally, POP3D_M_ACTIVE, sessions);
	return server_metrics_tick(&d->metrics, config_str(d->srv->cfg, CFG_POP3_METRICS_FILE),
				   config_num(d->srv->cfg, CFG_METRICS_INTERVAL), stopping);
}

int pop3_serve(struct pop3_server *srv, struct listener *ls, const struct pop3_listen_opts *lo,
	       size_t n, const struct pop3_hooks *hooks, struct mail_err *e)
{
	struct pop3_daemon *d = calloc(1, sizeof *d);
	if (!d)
		return err_sys(e, "pop3d");
	d->srv = srv;
	d->ls = ls;
	d->lo = lo;
	d->hooks = hooks;
	/* Before the first fork, so that every session shares it. */
	srv->anvil = anvil_create(POP3_ANVIL_ENTRIES, e);
	if (!srv->anvil)
		log_warn(NULL, "pop3d: no limit on failed logins across sessions error=\"%s\"", LOG_QUOTED(e->msg));
	if (server_metrics_init(&d->metrics, pop3d_metric_defs, POP3D_M_COUNT, e) < 0)
		log_warn(NULL, "pop3d: no metrics error=\"%s\"", LOG_QUOTED(e->msg));
	srv->metrics = d->metrics.tally;
	struct daemon_limits lim;
	memset(&lim, 0, sizeof lim);
	set_limits(srv->cfg, &lim);
	/* No time limit on the drain: a session ends by itself, at the
	 * autologout at the latest, and deletes nothing unless it QUITs. */
	const struct daemon_hooks h = {
		.session = session, .reload = reload, .refused = refused, .tick = tick, .ctx = d
	};
	int r = daemon_run(ls, n, &lim, &h, -1, e);
	anvil_destroy(srv->anvil);
	srv->anvil = NULL;
	server_metrics_free(&d->metrics);
	srv->metrics = NULL;
	free(d);
	return r;
}
