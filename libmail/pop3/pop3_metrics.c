/* pop3_metrics.c — pop3d's metrics table; see pop3_metrics.h. */
#include "pop3/pop3_metrics.h"

#define REFUSALS "postbox_pop3d_refusals_total"
#define REFUSALS_HELP "Commands and connections refused, by reason."
#define TLS "postbox_pop3d_tls_handshakes_total"
#define TLS_HELP "TLS handshakes (STLS and implicit TLS), by result."
#define AUTH "postbox_pop3d_auth_total"
#define AUTH_HELP "Logins (USER/PASS, AUTH PLAIN): ok, failed (wrong credentials), locked (refused after auth_failure_limit)."

const struct metric_def pop3d_metric_defs[POP3D_M_COUNT] = {
	[POP3D_M_SESSIONS] = { "postbox_pop3d_sessions_total", METRIC_COUNTER, NULL, "Sessions started." },
	[POP3D_M_ACTIVE] = { "postbox_pop3d_sessions_active", METRIC_GAUGE, NULL, "Sessions running when the file was written." },
	[POP3D_M_RETRIEVED] = { "postbox_pop3d_messages_retrieved_total", METRIC_COUNTER, NULL, "Messages sent by RETR." },
	[POP3D_M_DELETED] = { "postbox_pop3d_messages_deleted_total", METRIC_COUNTER, NULL, "Messages removed (or kept as seen) by QUIT after DELE." },
	[POP3D_M_REFUSED_MAX_SESSIONS] = { REFUSALS, METRIC_COUNTER, "reason=\"max_sessions\"", REFUSALS_HELP },
	[POP3D_M_REFUSED_PER_IP] = { REFUSALS, METRIC_COUNTER, "reason=\"max_sessions_per_ip\"", REFUSALS_HELP },
	[POP3D_M_REFUSED_PLAINTEXT] = { REFUSALS, METRIC_COUNTER, "reason=\"plaintext\"", REFUSALS_HELP },
	[POP3D_M_REFUSED_IN_USE] = { REFUSALS, METRIC_COUNTER, "reason=\"in_use\"", REFUSALS_HELP },
	[POP3D_M_REFUSED_PROTOCOL] = { REFUSALS, METRIC_COUNTER, "reason=\"protocol\"", REFUSALS_HELP },
	[POP3D_M_TLS_OK] = { TLS, METRIC_COUNTER, "result=\"ok\"", TLS_HELP },
	[POP3D_M_TLS_FAILED] = { TLS, METRIC_COUNTER, "result=\"failed\"", TLS_HELP },
	[POP3D_M_AUTH_OK] = { AUTH, METRIC_COUNTER, "result=\"ok\"", AUTH_HELP },
	[POP3D_M_AUTH_FAILED] = { AUTH, METRIC_COUNTER, "result=\"failed\"", AUTH_HELP },
	[POP3D_M_AUTH_LOCKED] = { AUTH, METRIC_COUNTER, "result=\"locked\"", AUTH_HELP },
};
