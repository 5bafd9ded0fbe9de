/* smtp_setup.c — the stdio session of sendmail -bs; see smtp_setup.h. */
#include "smtp/smtp_setup.h"

#include <stdlib.h>
#include <string.h>

#include "net/cidr.h"
#include "net/peer.h"
#include "net/tls_policy.h"
#include "smtp/smtp_tables.h"

int smtp_server_tls_setup(const struct config *cfg, struct tls_ctx **mta, struct tls_ctx **users,
			  struct mail_err *e)
{
	const char *cert = config_str(cfg, CFG_TLS_CERT), *key = config_str(cfg, CFG_TLS_KEY);
	*mta = NULL;
	if (users)
		*users = NULL;
	if (net_list_valid(config_str(cfg, CFG_RELAY_NETWORKS), e) < 0)
		return -1;
	if (!cert[0] && !key[0])
		return 0;
	if (!key[0])
		key = cert;
	if (!(*mta = tls_server_ctx_for(cfg, TLS_CLIENTS_MTAS, cert, key, e)) ||
	    (users && !(*users = tls_server_ctx_for(cfg, TLS_CLIENTS_USERS, cert, key, e)))) {
		tls_ctx_free(*mta);
		*mta = NULL;
		if (e->ex != EX_OSERR)
			e->ex = EX_CONFIG;
		return -1;
	}
	return 0;
}

int smtp_stdio_session(const struct config *cfg, const char *tcpremoteip, struct smtp_queued *queued,
		       struct mail_err *e)
{
	struct smtp_server srv;
	struct smtp_tables tables;
	struct spool spool;
	struct peer client;
	struct smtp_listen_opts lo = { .role = SMTP_ROLE_MTA };
	memset(&srv, 0, sizeof srv);
	if (smtp_server_tls_setup(cfg, &srv.tls, NULL, e) < 0)
		return -1;
	if (smtp_tables_load(&tables, cfg, e) < 0) {
		if (!e->ex)
			e->ex = EX_CONFIG;
		tls_ctx_free(srv.tls);
		return -1;
	}
	smtp_tables_bind(&tables, &srv);
	if (spool_open(&spool, config_str(cfg, CFG_SPOOL), 1, e) < 0) {
		e->ex = EX_UNAVAILABLE;
		smtp_tables_free(&tables);
		tls_ctx_free(srv.tls);
		return -1;
	}
	srv.cfg = cfg;
	srv.spool = &spool;
	srv.queued = queued;
	peer_of_stdin(&client, 0, tcpremoteip);
	struct io_fd_modes saved;
	io_fds_nonblocking(&saved, 0, 1);
	int r = smtp_session(&srv, &lo, 0, 1, &client);
	io_fds_restore(&saved);
	spool_close(&spool);
	smtp_tables_free(&tables);
	tls_ctx_free(srv.tls);
	return r;
}
