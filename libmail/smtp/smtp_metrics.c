/* smtp_metrics.c — smtpd's metrics table; see smtp_metrics.h. */
#include "smtp/smtp_metrics.h"

#define REFUSALS "postbox_smtpd_refusals_total"
#define REFUSALS_HELP "Commands and connections refused, by reason."
#define TLS "postbox_smtpd_tls_handshakes_total"
#define TLS_HELP "TLS handshakes (STARTTLS and implicit TLS), by result."
#define AUTH "postbox_smtpd_auth_total"
#define AUTH_HELP "AUTH attempts: ok, failed (wrong credentials), locked (refused after auth_failure_limit)."

const struct metric_def smtpd_metric_defs[SMTPD_M_COUNT] = {
	[SMTPD_M_SESSIONS] = { "postbox_smtpd_sessions_total", METRIC_COUNTER, NULL, "Sessions started." },
	[SMTPD_M_ACTIVE] = { "postbox_smtpd_sessions_active", METRIC_GAUGE, NULL, "Sessions running when the file was written." },
	[SMTPD_M_MESSAGES] = { "postbox_smtpd_messages_accepted_total", METRIC_COUNTER, NULL, "Messages committed to the queue (250 after DATA or BDAT LAST)." },
	[SMTPD_M_BYTES] = { "postbox_smtpd_accepted_bytes_total", METRIC_COUNTER, NULL, "Size of the messages committed to the queue." },
	[SMTPD_M_REFUSED_MAX_SESSIONS] = { REFUSALS, METRIC_COUNTER, "reason=\"max_sessions\"", REFUSALS_HELP },
	[SMTPD_M_REFUSED_PER_IP] = { REFUSALS, METRIC_COUNTER, "reason=\"max_sessions_per_ip\"", REFUSALS_HELP },
	[SMTPD_M_REFUSED_RATE] = { REFUSALS, METRIC_COUNTER, "reason=\"rate_limit\"", REFUSALS_HELP },
	[SMTPD_M_REFUSED_RELAY] = { REFUSALS, METRIC_COUNTER, "reason=\"relay\"", REFUSALS_HELP },
	[SMTPD_M_REFUSED_RECIPIENT] = { REFUSALS, METRIC_COUNTER, "reason=\"recipient\"", REFUSALS_HELP },
	[SMTPD_M_REFUSED_SENDER] = { REFUSALS, METRIC_COUNTER, "reason=\"sender\"", REFUSALS_HELP },
	[SMTPD_M_REFUSED_AUTH_REQUIRED] = { REFUSALS, METRIC_COUNTER, "reason=\"auth_required\"", REFUSALS_HELP },
	[SMTPD_M_REFUSED_SIZE] = { REFUSALS, METRIC_COUNTER, "reason=\"size\"", REFUSALS_HELP },
	[SMTPD_M_REFUSED_CONTENT] = { REFUSALS, METRIC_COUNTER, "reason=\"content\"", REFUSALS_HELP },
	[SMTPD_M_REFUSED_STORAGE] = { REFUSALS, METRIC_COUNTER, "reason=\"storage\"", REFUSALS_HELP },
	[SMTPD_M_REFUSED_PROTOCOL] = { REFUSALS, METRIC_COUNTER, "reason=\"protocol\"", REFUSALS_HELP },
	[SMTPD_M_TLS_OK] = { TLS, METRIC_COUNTER, "result=\"ok\"", TLS_HELP },
	[SMTPD_M_TLS_FAILED] = { TLS, METRIC_COUNTER, "result=\"failed\"", TLS_HELP },
	[SMTPD_M_AUTH_OK] = { AUTH, METRIC_COUNTER, "result=\"ok\"", AUTH_HELP },
	[SMTPD_M_AUTH_FAILED] = { AUTH, METRIC_COUNTER, "result=\"failed\"", AUTH_HELP },
	[SMTPD_M_AUTH_LOCKED] = { AUTH, METRIC_COUNTER, "result=\"locked\"", AUTH_HELP },
};
