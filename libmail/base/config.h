/* config.h — the one configuration file: `key = value` lines.
 *
 * Every key has a built-in default, so postbox runs with no file at all.
 * The file is `-C FILE`, else $POSTBOX_CONFIG, else CONFIG_DEFAULT_PATH
 * (which may be absent; a named file must exist). Unknown keys and bad
 * values are errors naming the file and line. Each value remembers where it
 * came from, for `postbox config`.
 *
 * To add a key: one enum entry here and one row in config.c's table.
 */
#ifndef POSTBOX_CONFIG_H
#define POSTBOX_CONFIG_H

#include <stddef.h>

#include "base/err.h"

#define CONFIG_DEFAULT_PATH "/etc/postbox/postbox.conf"

enum config_key {
	CFG_ALIASES,
	CFG_AUTH_CHECKS,
	CFG_AUTH_FAILURE_LIMIT,
	CFG_AUTH_LOCKOUT_TIME,
	CFG_DANE,
	CFG_DEFAULT_USER,
	CFG_DELAY_WARNING,
	CFG_DETAIL_FOLDERS,
	CFG_DKIM_KEYS,
	CFG_DMARC_ACTION,
	CFG_DNS_TIMEOUT,
	CFG_DOMAIN_CONCURRENCY,
	CFG_HOP_LIMIT,
	CFG_HOSTNAME,
	CFG_IMAP_LOGIN_USER,
	CFG_IMAP_MAX_PER_IP,
	CFG_IMAP_MAX_SESSIONS,
	CFG_IMAP_METRICS_FILE,
	CFG_IMAP_PLAINTEXT_AUTH,
	CFG_IMAP_TIMEOUT,
	CFG_IMAP_USER,
	CFG_IMMEDIATE_DELIVERY,
	CFG_LOCAL_DOMAINS,
	CFG_LOCK_TIMEOUT,
	CFG_MAILBOX_QUOTA,
	CFG_MAX_HEADER_SIZE,
	CFG_MAX_LINE_LENGTH,
	CFG_MAX_MESSAGE_SIZE,
	CFG_MAX_RECIPIENTS,
	CFG_MAX_SESSIONS,
	CFG_MAX_SESSIONS_PER_IP,
	CFG_METRICS_INTERVAL,
	CFG_PIPE_TIMEOUT,
	CFG_POP3_KEEP_MAIL,
	CFG_POP3_LOGIN_USER,
	CFG_POP3_MAX_PER_IP,
	CFG_POP3_MAX_SESSIONS,
	CFG_POP3_METRICS_FILE,
	CFG_POP3_PLAINTEXT_AUTH,
	CFG_POP3_TIMEOUT,
	CFG_POP3_UIDL_FORMAT,
	CFG_POP3_USER,
	CFG_QUEUE_LIFETIME,
	CFG_QUEUE_MINFREE,
	CFG_QUEUE_WORKERS,
	CFG_QUOTA_ACTION,
	CFG_RECIPIENT_DELIMITER,
	CFG_RELAY_NETWORKS,
	CFG_RESOLVER,
	CFG_RETRY_SCHEDULE,
	CFG_SMARTHOST,
	CFG_SMARTHOST_AUTH_FILE,
	CFG_SMARTHOST_CA_FILE,
	CFG_SMARTHOST_SENDER,
	CFG_SMARTHOST_TLS,
	CFG_SMARTHOST_VERIFY,
	CFG_SMTP_PORT,
	CFG_SMTPD_AUTH_MAX_FAILURES,
	CFG_SMTPD_AUTH_PLAINTEXT,
	CFG_SMTPD_CONNECTION_RATE_LIMIT,
	CFG_SMTPD_DATA_TIMEOUT,
	CFG_SMTPD_ERROR_SLEEP_TIME,
	CFG_SMTPD_FORBID_UNAUTH_PIPELINING,
	CFG_SMTPD_MAX_ERRORS,
	CFG_SMTPD_MESSAGE_RATE_LIMIT,
	CFG_SMTPD_METRICS_FILE,
	CFG_SMTPD_MIN_DATA_RATE,
	CFG_SMTPD_NULL_SENDER_LOGINS,
	CFG_SMTPD_REVERSE_DNS,
	CFG_SMTPD_SENDER_LOGIN_CHECK,
	CFG_SMTPD_SOFT_ERROR_LIMIT,
	CFG_SMTPD_TIMEOUT,
	CFG_SMTPD_TLS_PROFILE,
	CFG_SMTPD_USER,
	CFG_SMTPD_USER_MESSAGE_RATE_LIMIT,
	CFG_SMTPD_USER_RECIPIENT_RATE_LIMIT,
	CFG_SMTP_TIMEOUT,
	CFG_SPF_ACTION,
	CFG_SPOOL,
	CFG_SRS_DOMAIN,
	CFG_SRS_MAX_AGE,
	CFG_SRS_SECRET,
	CFG_STRESS_TIMEOUT,
	CFG_TLS_CERT,
	CFG_TLS_CIPHERS,
	CFG_TLS_KEY,
	CFG_TLS_PROTOCOLS,
	CFG_TLS_REQUIRED,
	CFG_USERS,
	CFG_NKEYS
};

enum config_type { CT_STRING, CT_LIST, CT_NUMBER, CT_SIZE, CT_DURATION, CT_BOOL, CT_PORT };

struct config_value {
	char *text;              /* as written (or the default), NUL-terminated */
	long long num;           /* parsed value for numbers, sizes, durations (s), bools */
	char origin[300];        /* "default", "built-in (computed)", "FILE:LINE" */
};

struct config {
	char path[4096];         /* the file read, or "" if none */
	struct config_value v[CFG_NKEYS];
};

/* Load defaults, then the file chosen as above (path may be NULL). */
int config_load(struct config *cfg, const char *path, struct mail_err *e);
void config_free(struct config *cfg);
/* Set one key as if read from `origin` (command-line overrides). */
int config_set(struct config *cfg, const char *key, const char *value, const char *origin,
	       struct mail_err *e);

const char *config_str(const struct config *cfg, enum config_key k);
long long config_num(const struct config *cfg, enum config_key k);
/* For CT_LIST keys: is `item` one of the comma/space separated entries
 * (case-insensitive)? */
int config_list_has(const struct config *cfg, enum config_key k, const char *item);

/* The first of local_domains, else the hostname: where a bare
 * <Postmaster> goes (RFC 5321 4.5.1) and the default SRS domain. out is
 * "" when it does not fit. Returns out. */
const char *config_primary_domain(const struct config *cfg, char *out, size_t cap);

/* For `postbox config`: the key's name, type and help line. */
const char *config_key_name(enum config_key k);
const char *config_key_help(enum config_key k);
/* The built-in default as written in the table; NULL when computed at load. */
const char *config_key_default(enum config_key k);

#endif
