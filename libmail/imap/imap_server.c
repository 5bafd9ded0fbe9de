/* imap_server.c — imapd's sessions on the shared accept loop
 * (login/login_daemon.h); see imap_server.h. */
#include "imap/imap_server.h"

#include "imap/imap_metrics.h"
#include "login/login_daemon.h"

/* Client addresses whose failed logins are counted at once. */
#define IMAP_ANVIL_ENTRIES 2048

static const struct login_daemon_proto imap_proto = {
	.name = "imapd",
	.session_name = "imap",
	.max_sessions = CFG_IMAP_MAX_SESSIONS,
	.max_per_ip = CFG_IMAP_MAX_PER_IP,
	.metrics_file = CFG_IMAP_METRICS_FILE,
	.busy_reply = "* BYE [UNAVAILABLE] too many sessions, try again later\r\n",
	.per_ip_reply = "* BYE [UNAVAILABLE] too many sessions from your address, try again later\r\n",
	.unavailable_reply = "* BYE [UNAVAILABLE] the users file cannot be read, try again later\r\n",
	.anvil_entries = IMAP_ANVIL_ENTRIES,
	.metric_defs = imapd_metric_defs,
	.nmetrics = IMAPD_M_COUNT,
	.m_active = IMAPD_M_ACTIVE,
	.m_refused_max_sessions = IMAPD_M_REFUSED_MAX_SESSIONS,
	.m_refused_per_ip = IMAPD_M_REFUSED_PER_IP,
};

struct imap_daemon {
	struct login_daemon d;   /* first: the loop's callbacks get it */
	const struct imap_listen_opts *lo;
};

static int session(const struct login_daemon *d, size_t listener, int fd, const struct peer *client,
		   int timeout_ms, const struct users *users)
{
	const struct imap_daemon *id = (const struct imap_daemon *)d;
	struct imap_server mine = *(const struct imap_server *)d->srv;
	mine.timeout_ms = timeout_ms;
	if (!users)
		return imap_separated_session(&mine, &id->lo[listener], fd, fd, client, d->load_users, d->ctx);
	mine.users = users;
	return imap_session(&mine, &id->lo[listener], fd, fd, client, NULL);
}

int imap_serve(struct imap_server *srv, struct listener *ls, const struct imap_listen_opts *lo, size_t n,
	       const struct imap_hooks *hooks, struct mail_err *e)
{
	struct imap_daemon id = {
		.d = {
			.proto = &imap_proto, .srv = srv, .cfg = &srv->cfg, .timeout_ms = &srv->timeout_ms,
			.separate = &srv->separate, .anvil = &srv->anvil, .metrics = &srv->metrics,
			.session = session, .load_users = hooks->load_users, .reload = hooks->reload,
			.ctx = hooks->ctx,
		},
		.lo = lo,
	};
	return login_daemon_run(&id.d, ls, n, e);
}
