/* login_daemon.c — pop3d's and imapd's sessions on the shared accept
 * loop; see login_daemon.h. */
#include "login/login_daemon.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"

/* In the child, which sees the parent's memory as it was at the fork:
 * the configuration in force and the shared tables. */
static int session(void *ctx, const struct listener *l, int fd, const struct peer *client)
{
	const struct login_daemon *d = ctx;
	const struct login_daemon_proto *p = d->proto;
	const struct config *cfg = *d->cfg;
	int timeout_ms = *d->timeout_ms;
	int stress_ms = (int)config_num(cfg, CFG_STRESS_TIMEOUT) * 1000;
	if (daemon_under_stress() && stress_ms > 0 && stress_ms < timeout_ms) {
		timeout_ms = stress_ms;
		log_info(NULL, "%s client=%s stress: timeout %d s", p->session_name, client->text, stress_ms / 1000);
	}
	size_t k = (size_t)(l - d->listeners);
	if (*d->separate)
		return d->session(d, k, fd, client, timeout_ms, NULL);
	struct users users;
	struct mail_err e;
	err_clear(&e);
	if (d->load_users(&users, d->ctx, &e) < 0) {
		log_err(NULL, "%s client=%s event=users-failed error=\"%s\"", p->session_name, client->text,
			LOG_QUOTED(e.msg));
		if (write(fd, p->unavailable_reply, strlen(p->unavailable_reply)) < 0) {
			/* the client is gone: nothing to tell */
		}
		return EX_TEMPFAIL;
	}
	int r = d->session(d, k, fd, client, timeout_ms, &users);
	users_free(&users);
	return r;
}

static void set_limits(const struct login_daemon *d, struct daemon_limits *lim)
{
	const struct config *cfg = *d->cfg;
	long long max = config_num(cfg, d->proto->max_sessions);
	lim->max_sessions = max > 0 ? max : 1;
	lim->max_per_ip = config_num(cfg, d->proto->max_per_ip);
	snprintf(lim->busy_reply, sizeof lim->busy_reply, "%s", d->proto->busy_reply);
	snprintf(lim->per_ip_reply, sizeof lim->per_ip_reply, "%s", d->proto->per_ip_reply);
}

/* SIGHUP: the caps follow the configuration the hook leaves in srv. */
static void reload(void *ctx, struct daemon_limits *lim)
{
	struct login_daemon *d = ctx;
	if (d->reload)
		d->reload(d->srv, d->ctx);
	set_limits(d, lim);
}

/* The parent's side of the metrics. */
static void refused(void *ctx, const struct peer *client, int per_ip)
{
	struct login_daemon *d = ctx;
	(void)client;
	tally_add(d->m.tally, per_ip ? d->proto->m_refused_per_ip : d->proto->m_refused_max_sessions, 1);
}

static long tick(void *ctx, size_t sessions, int stopping)
{
	struct login_daemon *d = ctx;
	const struct config *cfg = *d->cfg;
	tally_set(d->m.tally, d->proto->m_active, sessions);
	return server_metrics_tick(&d->m, config_str(cfg, d->proto->metrics_file),
				   config_num(cfg, CFG_METRICS_INTERVAL), stopping);
}

int login_daemon_run(struct login_daemon *d, struct listener *ls, size_t n, struct mail_err *e)
{
	const struct login_daemon_proto *p = d->proto;
	d->listeners = ls;
	/* Before the first fork, so that every session shares them. */
	*d->anvil = anvil_create(p->anvil_entries, e);
	if (!*d->anvil)
		log_warn(NULL, "%s: no limit on failed logins across sessions error=\"%s\"", p->name, LOG_QUOTED(e->msg));
	if (server_metrics_init(&d->m, p->metric_defs, p->nmetrics, e) < 0)
		log_warn(NULL, "%s: no metrics error=\"%s\"", p->name, LOG_QUOTED(e->msg));
	*d->metrics = d->m.tally;
	struct daemon_limits lim;
	memset(&lim, 0, sizeof lim);
	set_limits(d, &lim);
	/* No time limit on the drain: a session ends by itself, at the
	 * autologout at the latest. */
	const struct daemon_hooks h = {
		.session = session, .reload = reload, .refused = refused, .tick = tick, .ctx = d
	};
	int r = daemon_run(ls, n, &lim, &h, -1, e);
	anvil_destroy(*d->anvil);
	*d->anvil = NULL;
	server_metrics_free(&d->m);
	*d->metrics = NULL;
	return r;
}
