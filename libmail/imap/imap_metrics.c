/* imap_metrics.c — imapd's metrics table; see imap_metrics.h. */
#include "imap/imap_metrics.h"

#define MESSAGES "postbox_imapd_messages_total"
#define MESSAGES_HELP "Messages fetched (a body or RFC822/BINARY item), appended (APPEND) and expunged (EXPUNGE, CLOSE, MOVE)."
#define REFUSALS "postbox_imapd_refusals_total"
#define REFUSALS_HELP "Commands and connections refused, by reason."
#define TLS "postbox_imapd_tls_handshakes_total"
#define TLS_HELP "TLS handshakes (STARTTLS and implicit TLS), by result."
#define AUTH "postbox_imapd_auth_total"
#define AUTH_HELP "Logins (LOGIN, AUTHENTICATE PLAIN): ok, failed (wrong credentials), locked (refused after auth_failure_limit)."

const struct metric_def imapd_metric_defs[IMAPD_M_COUNT] = {
	[IMAPD_M_SESSIONS] = { "postbox_imapd_sessions_total", METRIC_COUNTER, NULL, "Sessions started." },
	[IMAPD_M_ACTIVE] = { "postbox_imapd_sessions_active", METRIC_GAUGE, NULL, "Sessions running when the file was written." },
	[IMAPD_M_FETCHED] = { MESSAGES, METRIC_COUNTER, "action=\"fetched\"", MESSAGES_HELP },
	[IMAPD_M_APPENDED] = { MESSAGES, METRIC_COUNTER, "action=\"appended\"", MESSAGES_HELP },
	[IMAPD_M_EXPUNGED] = { MESSAGES, METRIC_COUNTER, "action=\"expunged\"", MESSAGES_HELP },
	[IMAPD_M_REFUSED_MAX_SESSIONS] = { REFUSALS, METRIC_COUNTER, "reason=\"max_sessions\"", REFUSALS_HELP },
	[IMAPD_M_REFUSED_PER_IP] = { REFUSALS, METRIC_COUNTER, "reason=\"max_sessions_per_ip\"", REFUSALS_HELP },
	[IMAPD_M_REFUSED_PLAINTEXT] = { REFUSALS, METRIC_COUNTER, "reason=\"plaintext\"", REFUSALS_HELP },
	[IMAPD_M_REFUSED_PROTOCOL] = { REFUSALS, METRIC_COUNTER, "reason=\"protocol\"", REFUSALS_HELP },
	[IMAPD_M_TLS_OK] = { TLS, METRIC_COUNTER, "result=\"ok\"", TLS_HELP },
	[IMAPD_M_TLS_FAILED] = { TLS, METRIC_COUNTER, "result=\"failed\"", TLS_HELP },
	[IMAPD_M_AUTH_OK] = { AUTH, METRIC_COUNTER, "result=\"ok\"", AUTH_HELP },
	[IMAPD_M_AUTH_FAILED] = { AUTH, METRIC_COUNTER, "result=\"failed\"", AUTH_HELP },
	[IMAPD_M_AUTH_LOCKED] = { AUTH, METRIC_COUNTER, "result=\"locked\"", AUTH_HELP },
};
