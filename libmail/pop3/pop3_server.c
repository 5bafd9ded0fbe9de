/* pop3_server.c — pop3d's sessions on the shared accept loop
 * (login/login_daemon.h); see pop3_server.h. */
#include "pop3/pop3_server.h"

#include "login/login_daemon.h"
#include "pop3/pop3_metrics.h"

static const struct login_daemon_proto pop3_proto = {
	.name = "pop3d",
	.session_name = "pop3",
	.max_sessions = CFG_POP3_MAX_SESSIONS,
	.max_per_ip = CFG_POP3_MAX_PER_IP,
	.metrics_file = CFG_POP3_METRICS_FILE,
	.busy_reply = "-ERR [SYS/TEMP] too many sessions, try again later\r\n",
	.per_ip_reply = "-ERR [SYS/TEMP] too many sessions from your address, try again later\r\n",
	.unavailable_reply = "-ERR [SYS/TEMP] the users file cannot be read, try again later\r\n",
	.anvil_entries = POP3_ANVIL_ENTRIES,
	.metric_defs = pop3d_metric_defs,
	.nmetrics = POP3D_M_COUNT,
	.m_active = POP3D_M_ACTIVE,
	.m_refused_max_sessions = POP3D_M_REFUSED_MAX_SESSIONS,
	.m_refused_per_ip = POP3D_M_REFUSED_PER_IP,
};

struct pop3_daemon {
	struct login_daemon d;   /* first: the loop's callbacks get it */
	const struct pop3_listen_opts *lo;
};

static int session(const struct login_daemon *d, size_t listener, int fd, const struct peer *client,
		   int timeout_ms, const struct users *users)
{
	const struct pop3_daemon *pd = (const struct pop3_daemon *)d;
	struct pop3_server mine = *(const struct pop3_server *)d->srv;
	mine.timeout_ms = timeout_ms;
	if (!users)
		return pop3_separated_session(&mine, &pd->lo[listener], fd, fd, client, d->load_users, d->ctx);
	mine.users = users;
	return pop3_session(&mine, &pd->lo[listener], fd, fd, client, NULL);
}

int pop3_serve(struct pop3_server *srv, struct listener *ls, const struct pop3_listen_opts *lo,
	       size_t n, const struct pop3_hooks *hooks, struct mail_err *e)
{
	struct pop3_daemon pd = {
		.d = {
			.proto = &pop3_proto, .srv = srv, .cfg = &srv->cfg, .timeout_ms = &srv->timeout_ms,
			.separate = &srv->separate, .anvil = &srv->anvil, .metrics = &srv->metrics,
			.session = session, .load_users = hooks->load_users, .reload = hooks->reload,
			.ctx = hooks->ctx,
		},
		.lo = lo,
	};
	return login_daemon_run(&pd.d, ls, n, e);
}
