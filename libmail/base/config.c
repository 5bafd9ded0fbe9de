/* config.c — the key table, defaults and the file parser; see config.h. */
#include "base/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/buf.h"

struct key_def {
	const char *name;
	enum config_type type;
	const char *def;         /* NULL: computed at load time */
	const char *help;
};

/* Indexed by enum config_key; keep both in the same (sorted) order. */
static const struct key_def keys[CFG_NKEYS] = {
	[CFG_ALIASES] = { "aliases", CT_STRING, "", "aliases file in /etc/aliases syntax (empty: none)" },
	[CFG_AUTH_CHECKS] = { "auth_checks", CT_BOOL, "yes", "smtpd: check SPF, DKIM and DMARC of mail from the Internet (MTA listeners, no AUTH, outside relay_networks) and add an Authentication-Results field" },
	[CFG_AUTH_FAILURE_LIMIT] = { "auth_failure_limit", CT_NUMBER, "10", "smtpd, pop3d: failed logins from one client address, across sessions, after which its logins are refused for auth_lockout_time (0: no limit)" },
	[CFG_AUTH_LOCKOUT_TIME] = { "auth_lockout_time", CT_DURATION, "15m", "smtpd, pop3d: failed logins are remembered until this long passes without one" },
	[CFG_DANE] = { "dane", CT_BOOL, "yes", "check MX certificates against DNSSEC-validated TLSA records (RFC 7672)" },
	[CFG_DEFAULT_USER] = { "default_user", CT_STRING, "nobody", "identity for files and programs named in a root-owned aliases file" },
	[CFG_DELAY_WARNING] = { "delay_warning", CT_DURATION, "0", "warn the sender once when mail is still undelivered after this long (0: never)" },
	[CFG_DETAIL_FOLDERS] = { "detail_folders", CT_BOOL, "no", "deliver user+detail into the Maildir++ folder .detail when it exists" },
	[CFG_DKIM_KEYS] = { "dkim_keys", CT_STRING, "", "file of DKIM signing keys: lines DOMAIN SELECTOR KEYFILE [ALGORITHM]; mail from those domains is signed as it is queued" },
	[CFG_DMARC_ACTION] = { "dmarc_action", CT_STRING, "tag", "smtpd: tag (only the Authentication-Results field) or enforce (DMARC failures under p=reject get 550 5.7.1; under p=quarantine go to the Maildir++ folder .Junk when it exists)" },
	[CFG_DNS_TIMEOUT] = { "dns_timeout", CT_DURATION, "5s", "wait for one DNS answer (per try; two tries per nameserver)" },
	[CFG_DOMAIN_CONCURRENCY] = { "domain_concurrency", CT_NUMBER, "0", "most deliveries at once to one remote domain, over all runners (0: queue_workers only)" },
	[CFG_HOP_LIMIT] = { "hop_limit", CT_NUMBER, "50", "most Received: fields before a message is refused as a loop" },
	[CFG_HOSTNAME] = { "hostname", CT_STRING, NULL, "this host's name in greetings, Received and Message-ID" },
	[CFG_IMAP_LOGIN_USER] = { "imap_login_user", CT_STRING, "nobody", "imapd run as root: the unprivileged user that reads and parses everything a client sends before its login" },
	[CFG_IMAP_MAX_PER_IP] = { "imap_max_per_ip", CT_NUMBER, "20", "imapd: most sessions from one client address (a mail client opens several)" },
	[CFG_IMAP_MAX_SESSIONS] = { "imap_max_sessions", CT_NUMBER, "500", "imapd: most sessions at once (standalone)" },
	[CFG_IMAP_METRICS_FILE] = { "imap_metrics_file", CT_STRING, "", "imapd (standalone): file its counters are written to in the Prometheus text format, replaced atomically every metrics_interval (empty: none)" },
	[CFG_IMAP_PLAINTEXT_AUTH] = { "imap_plaintext_auth", CT_BOOL, "no", "imapd: allow LOGIN and AUTHENTICATE without TLS (no: LOGINDISABLED before STARTTLS)" },
	[CFG_IMAP_TIMEOUT] = { "imap_timeout", CT_DURATION, "30m", "imapd: autologout of an idle session (RFC 9051: at least 30m); a started command gets 60 s for its line" },
	[CFG_IMAP_USER] = { "imap_user", CT_STRING, "", "imapd: run as this user once listening (its own mailboxes only); empty: become each mailbox's owner" },
	[CFG_IMMEDIATE_DELIVERY] = { "immediate_delivery", CT_BOOL, "no", "sendmail and smtpd start a delivery attempt for each message right after queueing it" },
	[CFG_LOCAL_DOMAINS] = { "local_domains", CT_LIST, NULL, "domains delivered here" },
	[CFG_LOCK_TIMEOUT] = { "lock_timeout", CT_DURATION, "30s", "how long deliver waits for an mbox lock before deferring" },
	[CFG_MAILBOX_QUOTA] = { "mailbox_quota", CT_SIZE, "0", "largest mailbox deliver fills (0: no quota)" },
	[CFG_MAX_HEADER_SIZE] = { "max_header_size", CT_SIZE, "1M", "largest header section of a message (552 5.3.4 past it; 0: no limit)" },
	[CFG_MAX_LINE_LENGTH] = { "max_line_length", CT_NUMBER, "1000", "longest text line in octets, CRLF included (RFC 5321 4.5.3.1.6)" },
	[CFG_MAX_MESSAGE_SIZE] = { "max_message_size", CT_SIZE, "64M", "largest message accepted (K, M, G suffixes)" },
	[CFG_MAX_RECIPIENTS] = { "max_recipients", CT_NUMBER, "1000", "most recipients of one message" },
	[CFG_MAX_SESSIONS] = { "max_sessions", CT_NUMBER, "1000", "smtpd: most concurrent sessions (past it: 421 4.7.0)" },
	[CFG_MAX_SESSIONS_PER_IP] = { "max_sessions_per_ip", CT_NUMBER, "20", "smtpd: most concurrent sessions from one client address" },
	[CFG_METRICS_INTERVAL] = { "metrics_interval", CT_DURATION, "5s", "smtpd, pop3d, imapd: how often the metrics files are rewritten" },
	[CFG_PIPE_TIMEOUT] = { "pipe_timeout", CT_DURATION, "10m", "longest run of a program that mail is delivered to" },
	[CFG_POP3_KEEP_MAIL] = { "pop3_keep_mail", CT_BOOL, "no", "pop3d: DELE keeps the message in cur/ as seen instead of removing it" },
	[CFG_POP3_LOGIN_USER] = { "pop3_login_user", CT_STRING, "nobody", "pop3d run as root: the unprivileged user that reads and parses everything a client sends before its login" },
	[CFG_POP3_MAX_PER_IP] = { "pop3_max_per_ip", CT_NUMBER, "20", "pop3d: most sessions from one client address" },
	[CFG_POP3_MAX_SESSIONS] = { "pop3_max_sessions", CT_NUMBER, "200", "pop3d: most sessions at once (standalone)" },
	[CFG_POP3_METRICS_FILE] = { "pop3_metrics_file", CT_STRING, "", "pop3d (standalone): file its counters are written to in the Prometheus text format, replaced atomically every metrics_interval (empty: none)" },
	[CFG_POP3_PLAINTEXT_AUTH] = { "pop3_plaintext_auth", CT_BOOL, "no", "pop3d: allow USER/PASS and AUTH without TLS" },
	[CFG_POP3_TIMEOUT] = { "pop3_timeout", CT_DURATION, "10m", "pop3d: autologout: deadline for a whole command line (RFC 1939: at least 10m)" },
	[CFG_POP3_UIDL_FORMAT] = { "pop3_uidl_format", CT_STRING, "%f", "pop3d: the UIDL of a message, as Dovecot's pop3_uidl_format: %f the file name's base, %u the IMAP UID, %v the UIDVALIDITY (Dovecot's default is %08Xu%08Xv); a UIDL Dovecot saved in dovecot-uidlist wins" },
	[CFG_POP3_USER] = { "pop3_user", CT_STRING, "", "pop3d: run as this user once listening (its own mailboxes only); empty: become each mailbox's owner" },
	[CFG_QUEUE_LIFETIME] = { "queue_lifetime", CT_DURATION, "5d", "undelivered mail bounces after this long in the queue" },
	[CFG_QUEUE_MINFREE] = { "queue_minfree", CT_SIZE, "0", "smtpd: free space the spool must keep, checked at MAIL (452 4.3.1); 0: 1.5 x max_message_size" },
	[CFG_QUEUE_WORKERS] = { "queue_workers", CT_NUMBER, "4", "processes delivering in parallel during one queue run (1-64)" },
	[CFG_QUOTA_ACTION] = { "quota_action", CT_STRING, "reject", "over quota: reject (552 5.2.2) or defer (452 4.2.2)" },
	[CFG_RECIPIENT_DELIMITER] = { "recipient_delimiter", CT_STRING, "+", "separates user and extension: user+detail@domain (empty: none)" },
	[CFG_RELAY_NETWORKS] = { "relay_networks", CT_LIST, "127.0.0.0/8, ::1/128", "client networks allowed to relay" },
	[CFG_RESOLVER] = { "resolver", CT_STRING, "", "nameserver ADDR[:PORT] instead of resolv.conf" },
	[CFG_RETRY_SCHEDULE] = { "retry_schedule", CT_STRING, "5m, 10m, 20m, 40m, 1h", "waits between delivery attempts; the last one repeats" },
	[CFG_SMARTHOST] = { "smarthost", CT_LIST, "", "relay all outgoing mail through [host]:port, tried in order" },
	[CFG_SMARTHOST_AUTH_FILE] = { "smarthost_auth_file", CT_STRING, "", "file with \"USER PASSWORD\" for AUTH at the smarthost, readable only by its owner" },
	[CFG_SMARTHOST_CA_FILE] = { "smarthost_ca_file", CT_STRING, "", "CA certificates for the smarthost (empty: the system's)" },
	[CFG_SMARTHOST_SENDER] = { "smarthost_sender", CT_STRING, "", "envelope sender replacing local-domain senders when relaying through the smarthost" },
	[CFG_SMARTHOST_TLS] = { "smarthost_tls", CT_STRING, "auto", "auto (implicit TLS on port 465, else STARTTLS), starttls, implicit or none" },
	[CFG_SMARTHOST_VERIFY] = { "smarthost_verify", CT_BOOL, "yes", "check the smarthost's certificate and name" },
	[CFG_SMTP_PORT] = { "smtp_port", CT_PORT, "25", "port of outgoing MX connections" },
	[CFG_SMTPD_AUTH_MAX_FAILURES] = { "smtpd_auth_max_failures", CT_NUMBER, "5", "smtpd: failed AUTH attempts before the session is ended with 421" },
	[CFG_SMTPD_AUTH_PLAINTEXT] = { "smtpd_auth_plaintext", CT_BOOL, "no", "smtpd: offer AUTH without TLS (passwords in clear)" },
	[CFG_SMTPD_CONNECTION_RATE_LIMIT] = { "smtpd_connection_rate_limit", CT_NUMBER, "60", "smtpd: new sessions per client address per minute, past which 421 4.7.0 (0: no limit; relay_networks exempt)" },
	[CFG_SMTPD_DATA_TIMEOUT] = { "smtpd_data_timeout", CT_DURATION, "3m", "smtpd: deadline for each block of message data (RFC 5321 4.5.3.2.6), pushed back by smtpd_min_data_rate" },
	[CFG_SMTPD_ERROR_SLEEP_TIME] = { "smtpd_error_sleep_time", CT_DURATION, "1s", "smtpd: past smtpd_soft_error_limit, each reply waits this long times the errors over the limit" },
	[CFG_SMTPD_FORBID_UNAUTH_PIPELINING] = { "smtpd_forbid_unauth_pipelining", CT_BOOL, "yes", "smtpd: end sessions that send before a reply they must wait for (554 5.5.0, RFC 2920 3.1)" },
	[CFG_SMTPD_MAX_ERRORS] = { "smtpd_max_errors", CT_NUMBER, "20", "smtpd: error replies before a session is ended with 421" },
	[CFG_SMTPD_MESSAGE_RATE_LIMIT] = { "smtpd_message_rate_limit", CT_NUMBER, "100", "smtpd: MAIL commands per client address per minute, past which 450 4.7.1 (0: no limit; relay_networks exempt)" },
	[CFG_SMTPD_METRICS_FILE] = { "smtpd_metrics_file", CT_STRING, "", "smtpd (standalone): file its counters are written to in the Prometheus text format, replaced atomically every metrics_interval (empty: none)" },
	[CFG_SMTPD_MIN_DATA_RATE] = { "smtpd_min_data_rate", CT_NUMBER, "500", "smtpd: bytes/s of DATA or BDAT that keep pushing smtpd_data_timeout back; slower, the block's deadline runs out (0: a deadline per read)" },
	[CFG_SMTPD_NULL_SENDER_LOGINS] = { "smtpd_null_sender_logins", CT_LIST, "", "smtpd: logins that may send with the null sender <> while smtpd_sender_login_check is on (Postfix: smtpd_null_access_maps)" },
	[CFG_SMTPD_REVERSE_DNS] = { "smtpd_reverse_dns", CT_BOOL, "no", "smtpd: look up the client's name (PTR, confirmed forward) for Received" },
	[CFG_SMTPD_SENDER_LOGIN_CHECK] = { "smtpd_sender_login_check", CT_BOOL, "yes", "smtpd: an authenticated user may send only as addresses that resolve to them" },
	[CFG_SMTPD_SOFT_ERROR_LIMIT] = { "smtpd_soft_error_limit", CT_NUMBER, "10", "smtpd: error replies before each further reply is delayed (0: never)" },
	[CFG_SMTPD_TIMEOUT] = { "smtpd_timeout", CT_DURATION, "5m", "smtpd: deadline for a whole command line, from the first wait for it (RFC 5321 4.5.3.2.7)" },
	[CFG_SMTPD_TLS_PROFILE] = { "smtpd_tls_profile", CT_STRING, "intermediate", "smtpd: TLS 1.2 ciphers of MTA listeners when tls_ciphers is empty: intermediate (adds DHE-RSA for old senders) or modern" },
	[CFG_SMTPD_USER] = { "smtpd_user", CT_STRING, "", "smtpd started as root runs as this user (empty: the spool's owner)" },
	[CFG_SMTPD_USER_MESSAGE_RATE_LIMIT] = { "smtpd_user_message_rate_limit", CT_NUMBER, "200", "smtpd: messages per authenticated user per hour, past which 450 4.7.1 (0: no limit)" },
	[CFG_SMTPD_USER_RECIPIENT_RATE_LIMIT] = { "smtpd_user_recipient_rate_limit", CT_NUMBER, "1000", "smtpd: recipients per authenticated user per hour, past which 450 4.7.1 (0: no limit)" },
	[CFG_SMTP_TIMEOUT] = { "smtp_timeout", CT_DURATION, "5m", "outgoing SMTP: wait for a connection or one reply at most this long" },
	[CFG_SPF_ACTION] = { "spf_action", CT_STRING, "tag", "smtpd: tag (only the Authentication-Results field) or reject (an SPF fail of the sender or of the HELO name gets 550 5.7.23 at MAIL FROM)" },
	[CFG_SPOOL] = { "spool", CT_STRING, NULL, "the queue directory" },
	[CFG_SRS_DOMAIN] = { "srs_domain", CT_STRING, "", "domain of the SRS addresses forwarded mail is sent from; one of local_domains (empty: the first of local_domains)" },
	[CFG_SRS_MAX_AGE] = { "srs_max_age", CT_DURATION, "21d", "an SRS address older than this (counted in whole days) is refused at RCPT with 550 5.7.1" },
	[CFG_SRS_SECRET] = { "srs_secret", CT_STRING, "", "SRS secret for forwarded mail, or a file of secrets (a path starting with /; one a line, the first signs, all verify); empty: forwards keep their sender" },
	[CFG_STRESS_TIMEOUT] = { "stress_timeout", CT_DURATION, "10s", "smtpd, pop3d, imapd: a session that starts with the server at 80% of its session cap or more gets this timeout instead of the usual ones (0: no stress mode)" },
	[CFG_TLS_CERT] = { "tls_cert", CT_STRING, "", "PEM certificate chain for servers" },
	[CFG_TLS_CIPHERS] = { "tls_ciphers", CT_STRING, "", "servers: TLS 1.2 cipher list in OpenSSL syntax (empty: ECDHE with AES-GCM or ChaCha20 only; MTA listeners: smtpd_tls_profile)" },
	[CFG_TLS_KEY] = { "tls_key", CT_STRING, "", "PEM private key for servers" },
	[CFG_TLS_PROTOCOLS] = { "tls_protocols", CT_LIST, "TLSv1.2, TLSv1.3", "servers: TLS versions accepted (TLSv1, TLSv1.1, TLSv1.2, TLSv1.3; the range from lowest to highest named)" },
	[CFG_TLS_REQUIRED] = { "tls_required", CT_LIST, "", "destination domains that outgoing mail reaches only over STARTTLS" },
	[CFG_USERS] = { "users", CT_STRING, "", "users file: address, password hash, mailbox (empty: none)" },
};

const char *config_key_name(enum config_key k)
{
	return keys[k].name;
}

const char *config_key_default(enum config_key k)
{
	return keys[k].def;
}

const char *config_key_help(enum config_key k)
{
	return keys[k].help;
}

static int parse_suffixed(const char *s, const char *suffixes, const long long *mult, long long *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || v < 0)
		return -1;
	if (*end) {
		const char *hit = strchr(suffixes, tolower((unsigned char)*end));
		if (!hit || end[1])
			return -1;
		long long m = mult[hit - suffixes];
		if (v > __LONG_LONG_MAX__ / m)
			return -1;
		v *= m;
	}
	*out = v;
	return 0;
}

static int parse_value(enum config_type t, const char *s, long long *out)
{
	static const long long size_mult[] = { 1024LL, 1024LL * 1024, 1024LL * 1024 * 1024 };
	static const long long time_mult[] = { 1, 60, 3600, 86400 };
	*out = 0;
	switch (t) {
	case CT_STRING:
	case CT_LIST:
		return 0;
	case CT_NUMBER:
		return parse_suffixed(s, "", NULL, out);
	case CT_PORT:
		return parse_suffixed(s, "", NULL, out) < 0 || *out < 1 || *out > 65535 ? -1 : 0;
	case CT_SIZE:
		return parse_suffixed(s, "kmg", size_mult, out);
	case CT_DURATION:
		return parse_suffixed(s, "smhd", time_mult, out);
	case CT_BOOL:
		if (!strcasecmp(s, "yes") || !strcasecmp(s, "true") || !strcasecmp(s, "on") || !strcmp(s, "1"))
			*out = 1;
		else if (strcasecmp(s, "no") && strcasecmp(s, "false") && strcasecmp(s, "off") && strcmp(s, "0"))
			return -1;
		return 0;
	}
	return -1;
}

static int set_value(struct config *cfg, enum config_key k, const char *value, const char *origin,
		     struct mail_err *e)
{
	long long num;
	if (strpbrk(value, "\r\n") || parse_value(keys[k].type, value, &num) < 0)
		return err_set(e, EX_CONFIG, 451, "4.3.5", "%s: bad value for %s: \"%s\"", origin,
			       keys[k].name, value);
	char *copy = strdup(value);
	if (!copy)
		return err_sys(e, "%s", origin);
	free(cfg->v[k].text);
	cfg->v[k].text = copy;
	cfg->v[k].num = num;
	str_copy(cfg->v[k].origin, sizeof cfg->v[k].origin, origin, strlen(origin));
	return 0;
}

static int find_key(const char *name, size_t n)
{
	for (int k = 0; k < CFG_NKEYS; k++)
		if (strlen(keys[k].name) == n && !strncmp(keys[k].name, name, n))
			return k;
	return -1;
}

int config_set(struct config *cfg, const char *key, const char *value, const char *origin,
	       struct mail_err *e)
{
	int k = find_key(key, strlen(key));
	if (k < 0)
		return err_set(e, EX_CONFIG, 451, "4.3.5", "%s: unknown key \"%s\"", origin, key);
	return set_value(cfg, (enum config_key)k, value, origin, e);
}

static int computed_defaults(struct config *cfg, struct mail_err *e)
{
	char host[256] = "localhost";
	struct buf b = BUF_INIT;
	int r = 0;
	if (gethostname(host, sizeof host - 1) < 0 || !host[0])
		str_copy(host, sizeof host, "localhost", 9);
	host[sizeof host - 1] = '\0';
	r |= set_value(cfg, CFG_HOSTNAME, host, "built-in (gethostname)", e);

	buf_addf(&b, "localhost, %s", host);
	r |= set_value(cfg, CFG_LOCAL_DOMAINS, buf_cstr(&b), "built-in (localhost and hostname)", e);

	/* root gets the system spool; anyone else a private one under $HOME,
	 * so that postbox works on a laptop with no configuration at all. */
	buf_reset(&b);
	const char *home = getenv("HOME");
	const char *why = "built-in (root)";
	if (geteuid() == 0) {
		buf_adds(&b, "/var/spool/postbox");
	} else if (home && home[0] == '/') {
		buf_addf(&b, "%s/.postbox/spool", home);
		why = "built-in ($HOME)";
	} else {
		buf_addf(&b, "/tmp/postbox-%u/spool", (unsigned)geteuid());
		why = "built-in (no $HOME)";
	}
	if (!buf_ok(&b))
		r = err_set(e, EX_OSERR, 451, "4.3.0", "out of memory");
	else
		r |= set_value(cfg, CFG_SPOOL, buf_cstr(&b), why, e);
	buf_free(&b);
	return r ? -1 : 0;
}

static char *trim(char *s, char **end)
{
	while (*s == ' ' || *s == '\t')
		s++;
	char *t = *end;
	while (t > s && (t[-1] == ' ' || t[-1] == '\t' || t[-1] == '\r' || t[-1] == '\n'))
		t--;
	*t = '\0';
	*end = t;
	return s;
}

static int parse_file(struct config *cfg, FILE *f, const char *path, struct mail_err *e)
{
	char line[4096], origin[sizeof cfg->v[0].origin];
	int lineno = 0;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		snprintf(origin, sizeof origin, "%s:%d", path, lineno);
		size_t len = strlen(line);
		if (len == sizeof line - 1 && line[len - 1] != '\n')
			return err_set(e, EX_CONFIG, 451, "4.3.5", "%s: line too long", origin);
		char *end = line + len;
		char *s = trim(line, &end);
		if (!*s || *s == '#')
			continue;
		char *eq = strchr(s, '=');
		if (!eq)
			return err_set(e, EX_CONFIG, 451, "4.3.5", "%s: expected \"key = value\"", origin);
		char *kend = eq;
		while (kend > s && (kend[-1] == ' ' || kend[-1] == '\t'))
			kend--;
		*kend = '\0';
		char *vend = end;
		char *value = trim(eq + 1, &vend);
		if (config_set(cfg, s, value, origin, e) < 0)
			return -1;
	}
	if (ferror(f))
		return err_sys(e, "%s", path);
	return 0;
}

int config_load(struct config *cfg, const char *path, struct mail_err *e)
{
	memset(cfg, 0, sizeof *cfg);
	for (int k = 0; k < CFG_NKEYS; k++)
		if (keys[k].def && set_value(cfg, (enum config_key)k, keys[k].def, "default", e) < 0)
			return -1;
	if (computed_defaults(cfg, e) < 0)
		return -1;

	int must_exist = 1;
	if (!path || !*path)
		path = getenv("POSTBOX_CONFIG");
	if (!path || !*path) {
		path = CONFIG_DEFAULT_PATH;
		must_exist = 0;
	}
	FILE *f = fopen(path, "re");
	if (!f) {
		if (!must_exist && errno == ENOENT)
			return 0;
		err_sys(e, "%s", path);
		e->ex = EX_CONFIG;
		return -1;
	}
	str_copy(cfg->path, sizeof cfg->path, path, strlen(path));
	int r = parse_file(cfg, f, path, e);
	fclose(f);
	return r;
}

void config_free(struct config *cfg)
{
	for (int k = 0; k < CFG_NKEYS; k++) {
		free(cfg->v[k].text);
		cfg->v[k].text = NULL;
	}
}

const char *config_str(const struct config *cfg, enum config_key k)
{
	return cfg->v[k].text ? cfg->v[k].text : "";
}

long long config_num(const struct config *cfg, enum config_key k)
{
	return cfg->v[k].num;
}

const char *config_primary_domain(const struct config *cfg, char *out, size_t cap)
{
	const char *list = config_str(cfg, CFG_LOCAL_DOMAINS);
	list += strspn(list, ", \t");
	size_t len = strcspn(list, ", \t");
	if (!len) {
		list = config_str(cfg, CFG_HOSTNAME);
		len = strlen(list);
	}
	if (str_copy(out, cap, list, len) < 0)
		out[0] = '\0';
	return out;
}

int config_list_has(const struct config *cfg, enum config_key k, const char *item)
{
	const char *s = config_str(cfg, k);
	size_t n = strlen(item);
	while (*s) {
		while (*s == ',' || *s == ' ' || *s == '\t')
			s++;
		size_t len = strcspn(s, ", \t");
		if (len && len == n && !strncasecmp(s, item, n))
			return 1;
		s += len;
	}
	return 0;
}
