/* smtp_metrics.h — what smtpd counts (net/server_metrics.h): sessions,
 * messages accepted, refusals by reason, TLS handshakes and AUTH
 * outcomes. Each enum value is a counter's index in the server's tally
 * and a row of smtpd_metric_defs, in the same order.
 *
 * Refusal reasons, each counted once per refused command or connection:
 *   max_sessions, max_sessions_per_ip  a cap of the accepting parent (421)
 *   rate_limit       a connection, message or recipient rate (421, 450)
 *   relay            RCPT to a remote domain without relay rights (554 5.7.1)
 *   recipient        an unknown local user or a routing local part (550)
 *   sender           an authenticated user's sender it does not own (553)
 *   auth_required    submission without TLS or AUTH first (530)
 *   size             SIZE= or the data past max_message_size (552 5.3.4)
 *   content          a message refused for what it holds (loop, bare LF...)
 *   storage          the spool full or failing (452, 451)
 *   protocol         a pipelining sync error or too many errors (554, 421)
 */
#ifndef POSTBOX_SMTP_METRICS_H
#define POSTBOX_SMTP_METRICS_H

#include "net/server_metrics.h"

enum smtpd_metric {
	SMTPD_M_SESSIONS,
	SMTPD_M_ACTIVE,
	SMTPD_M_MESSAGES,
	SMTPD_M_BYTES,
	SMTPD_M_REFUSED_MAX_SESSIONS,
	SMTPD_M_REFUSED_PER_IP,
	SMTPD_M_REFUSED_RATE,
	SMTPD_M_REFUSED_RELAY,
	SMTPD_M_REFUSED_RECIPIENT,
	SMTPD_M_REFUSED_SENDER,
	SMTPD_M_REFUSED_AUTH_REQUIRED,
	SMTPD_M_REFUSED_SIZE,
	SMTPD_M_REFUSED_CONTENT,
	SMTPD_M_REFUSED_STORAGE,
	SMTPD_M_REFUSED_PROTOCOL,
	SMTPD_M_TLS_OK,
	SMTPD_M_TLS_FAILED,
	SMTPD_M_AUTH_OK,
	SMTPD_M_AUTH_FAILED,
	SMTPD_M_AUTH_LOCKED,
	SMTPD_M_COUNT
};

extern const struct metric_def smtpd_metric_defs[SMTPD_M_COUNT];

#endif
