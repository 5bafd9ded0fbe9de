/* imap_metrics.h — what imapd counts (net/server_metrics.h): sessions,
 * messages fetched, appended and expunged, refusals by reason, TLS
 * handshakes and login outcomes. Each enum value is a counter's index in
 * the server's tally and a row of imapd_metric_defs, in the same order;
 * the families are pop3d's with "imapd" for "pop3d" where they mean the
 * same (pop3/pop3_metrics.h).
 *
 * Refusal reasons:
 *   max_sessions, max_sessions_per_ip  a cap of the accepting parent
 *   plaintext   LOGIN or AUTHENTICATE before TLS when that is not allowed
 *   protocol    too many errors, or too many failed logins: the session
 *               is ended with BYE
 * Logins: ok (the password was right), failed (it was not), locked
 * (refused unchecked after auth_failure_limit).
 * Messages: fetched counts the messages a FETCH sent a body section or
 * RFC822/BINARY item of (headers-only fetches are not counted), appended
 * those APPEND stored, expunged those EXPUNGE, CLOSE and MOVE removed.
 */
#ifndef POSTBOX_IMAP_METRICS_H
#define POSTBOX_IMAP_METRICS_H

#include "net/server_metrics.h"

enum imapd_metric {
	IMAPD_M_SESSIONS,
	IMAPD_M_ACTIVE,
	IMAPD_M_FETCHED,
	IMAPD_M_APPENDED,
	IMAPD_M_EXPUNGED,
	IMAPD_M_REFUSED_MAX_SESSIONS,
	IMAPD_M_REFUSED_PER_IP,
	IMAPD_M_REFUSED_PLAINTEXT,
	IMAPD_M_REFUSED_PROTOCOL,
	IMAPD_M_TLS_OK,
	IMAPD_M_TLS_FAILED,
	IMAPD_M_AUTH_OK,
	IMAPD_M_AUTH_FAILED,
	IMAPD_M_AUTH_LOCKED,
	IMAPD_M_COUNT
};

extern const struct metric_def imapd_metric_defs[IMAPD_M_COUNT];

#endif
