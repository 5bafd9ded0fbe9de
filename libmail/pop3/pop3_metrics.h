/* pop3_metrics.h — what pop3d counts (net/server_metrics.h): sessions,
 * messages retrieved and deleted, refusals by reason, TLS handshakes and
 * login outcomes. Each enum value is a counter's index in the server's
 * tally and a row of pop3d_metric_defs, in the same order.
 *
 * Refusal reasons:
 *   max_sessions, max_sessions_per_ip  a cap of the accepting parent
 *   plaintext   USER, PASS or AUTH before TLS when that is not allowed
 *   in_use      the maildrop is locked by another session ([IN-USE])
 *   protocol    too many errors: the session is ended
 * Logins: ok (the password was right), failed (it was not), locked
 * (refused unchecked after auth_failure_limit).
 */
#ifndef POSTBOX_POP3_METRICS_H
#define POSTBOX_POP3_METRICS_H

#include "net/server_metrics.h"

enum pop3d_metric {
	POP3D_M_SESSIONS,
	POP3D_M_ACTIVE,
	POP3D_M_RETRIEVED,
	POP3D_M_DELETED,
	POP3D_M_REFUSED_MAX_SESSIONS,
	POP3D_M_REFUSED_PER_IP,
	POP3D_M_REFUSED_PLAINTEXT,
	POP3D_M_REFUSED_IN_USE,
	POP3D_M_REFUSED_PROTOCOL,
	POP3D_M_TLS_OK,
	POP3D_M_TLS_FAILED,
	POP3D_M_AUTH_OK,
	POP3D_M_AUTH_FAILED,
	POP3D_M_AUTH_LOCKED,
	POP3D_M_COUNT
};

extern const struct metric_def pop3d_metric_defs[POP3D_M_COUNT];

#endif
