/* smtpd.c — the ESMTP server: MTA (25), submission (587), implicit TLS (465).
 *
 * Usage, options and exit codes: usage_text below, which --help prints
 * (tests/help.bats checks that it names every option the parser accepts).
 *
 * Standards: RFC 5321 (SMTP), 1870 (SIZE), 2920 (PIPELINING), 6152
 * (8BITMIME), 6531 (SMTPUTF8), 2034/3463 (ENHANCEDSTATUSCODES), 3461 (DSN),
 * 3030 (CHUNKING), 3207 (STARTTLS), 4954 (AUTH), 8314 (implicit TLS).
 * The protocol engine is libmail/smtp_server.h; the process model is
 * libmail/net/daemon.h. In inetd mode the client is the IP peer of fd 0,
 * else $TCPREMOTEIP (tcpserver), else, when fd 0 is not a socket, a local
 * user (trusted like sendmail -bs); a UNIX socket is no one we know and
 * may not relay (libmail/net/peer.h).
 *
 * Started as root (standalone or under a super-server), smtpd binds,
 * reads the TLS keys and the users file, then runs as smtpd_user (or the
 * owner of the spool directory when that is not root).
 * SIGTERM: stop accepting, let sessions finish. SIGHUP: reload the
 * configuration and the certificates (all of them, or, if one fails to
 * load, none: the old ones stay and the failure is logged).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/dkim_keyring.h"
#include "smtp/smtp_sender_checks.h"
#include "net/daemon.h"
#include "net/inetd.h"
#include "base/log.h"
#include "net/cidr.h"
#include "net/tls_policy.h"
#include "queue/queue_run.h"
#include "smtp/smtp_metrics.h"
#include "smtp/smtp_server.h"
#include "smtp/smtp_tables.h"
#include "applets.h"

static const char usage_text[] =
	"Usage: smtpd [-C FILE] [-o OPTS]               serve one session on stdin/stdout\n"
	"       smtpd [-C FILE] -l ADDR:PORT[,OPTS]...  listen (repeatable; [::1]:25 for IPv6)\n"
	"Receive mail by ESMTP and commit it to the postbox spool.\n\n"
	"  -o OPTS   this inetd session's options, as a listener's\n"
	"  -C FILE   configuration file\n\n"
	"OPTS (comma-separated): mta (default) | submission, tls (implicit TLS),\n"
	"proxy (PROXY protocol header first), cert=FILE[,key=FILE] (this listener's\n"
	"certificate, key defaulting to FILE; else tls_cert/tls_key).\n"
	"Signals: TERM stops accepting and lets sessions finish; HUP reloads the configuration.\n\n"
	"Exit: 0 after SIGTERM or a session ended by QUIT; 1 a session that ended\n"
	"otherwise (EOF, timeout, too many errors); 64 usage (also a listener option\n"
	"too long); 69 the spool or a listener unavailable; 71 cannot drop\n"
	"privileges; 78 bad configuration (or certificate).\n";

/* A listener's own certificate ("" when it uses tls_cert/tls_key). */
struct listener_cert {
	char cert[PATH_MAX];
	char key[PATH_MAX];      /* "" means the key is in the cert file */
	struct tls_ctx *tls;
};

/* tls_cert/tls_key loaded once per kind of listener: MTA listeners and
 * the others accept different ciphers (net/tls_policy.h). Both NULL when
 * there is no certificate. */
struct server_tls {
	struct tls_ctx *mta;
	struct tls_ctx *users;
};

/* Client addresses and users counted at once (about 170 bytes each). */
#define ANVIL_ENTRIES 4096

struct smtpd {
	const char *config_path;
	struct config cfg;
	struct server_tls tls;
	struct spool spool;
	struct smtp_server srv;
	struct smtp_tables *tables;
	struct listener ls[DAEMON_MAX_LISTENERS];
	struct smtp_listen_opts lopts[DAEMON_MAX_LISTENERS];
	struct listener_cert lc[DAEMON_MAX_LISTENERS];
	size_t nls;
	struct dkim_keyring keys;   /* signs authenticated submissions */
	struct smtp_sender_checks checks; /* SPF, DKIM, DMARC of mail from the Internet */
	struct server_metrics metrics;  /* smtp_metrics.h, standalone only */
};

enum { OPTS_OK = 0, OPTS_UNKNOWN = -1, OPTS_TOOLONG = -2, OPTS_KEYONLY = -3 };

/* Listener options; c receives cert= and key= (never truncated). */
static int parse_opts(const char *text, struct smtp_listen_opts *o, struct listener_cert *c)
{
	memset(o, 0, sizeof *o);
	o->role = SMTP_ROLE_MTA;
	c->cert[0] = c->key[0] = '\0';
	c->tls = NULL;
	while (*text) {
		size_t len = strcspn(text, ",");
		if (len > 5 && !strncmp(text, "cert=", 5)) {
			if (str_copy(c->cert, sizeof c->cert, text + 5, len - 5) < 0)
				return OPTS_TOOLONG;
		} else if (len > 4 && !strncmp(text, "key=", 4)) {
			if (str_copy(c->key, sizeof c->key, text + 4, len - 4) < 0)
				return OPTS_TOOLONG;
		} else if (len == 3 && !strncmp(text, "mta", 3))
			o->role = SMTP_ROLE_MTA;
		else if (len == 10 && !strncmp(text, "submission", 10))
			o->role = SMTP_ROLE_SUBMISSION;
		else if (len == 3 && !strncmp(text, "tls", 3))
			o->implicit_tls = 1;
		else if (len == 5 && !strncmp(text, "proxy", 5))
			o->proxy = 1;
		else if (len)
			return OPTS_UNKNOWN;
		text += len + (text[len] == ',');
	}
	return c->key[0] && !c->cert[0] ? OPTS_KEYONLY : OPTS_OK;
}

/* What a bad option means, for die(). */
static const char *opts_problem(int r)
{
	return r == OPTS_TOOLONG ? "cert= or key= path too long"
	       : r == OPTS_KEYONLY ? "key= needs cert="
				   : "expected mta, submission, tls, proxy, cert=FILE or key=FILE";
}

static enum tls_clients tls_clients_of(enum smtp_role role)
{
	return role == SMTP_ROLE_MTA ? TLS_CLIENTS_MTAS : TLS_CLIENTS_USERS;
}

/* The context a listener of this role uses when it has no certificate of its own. */
static struct tls_ctx *server_tls_for(const struct server_tls *t, enum smtp_role role)
{
	return role == SMTP_ROLE_MTA ? t->mta : t->users;
}

static void server_tls_free(struct server_tls *t)
{
	tls_ctx_free(t->mta);
	tls_ctx_free(t->users);
	t->mta = t->users = NULL;
}

/* Load a listener's own certificate into *out (NULL when it has none),
 * with the TLS policy of its role. -1 with e (EX_CONFIG) naming the
 * listener and the file. */
static int load_listener_cert(const struct config *cfg, const struct listener_cert *c,
			      enum smtp_role role, const char *name, struct tls_ctx **out, struct mail_err *e)
{
	*out = NULL;
	if (!c->cert[0])
		return 0;
	*out = tls_server_ctx_for(cfg, tls_clients_of(role), c->cert, c->key[0] ? c->key : c->cert, e);
	if (!*out) {
		char msg[sizeof e->msg];
		str_copy(msg, sizeof msg, e->msg, strlen(e->msg));
		return err_set(e, EX_CONFIG, 0, "", "listener %s: %s", name, msg);
	}
	return 0;
}

/* The TLS contexts and everything else that comes from the configuration. */
static int setup_server(const struct config *cfg, struct server_tls *tls, struct mail_err *e)
{
	const char *cert = config_str(cfg, CFG_TLS_CERT), *key = config_str(cfg, CFG_TLS_KEY);
	tls->mta = tls->users = NULL;
	if (net_list_valid(config_str(cfg, CFG_RELAY_NETWORKS), e) < 0)
		return -1;
	if (cert[0] || key[0]) {
		if (!key[0])
			key = cert;
		if (!(tls->mta = tls_server_ctx_for(cfg, TLS_CLIENTS_MTAS, cert, key, e)) ||
		    !(tls->users = tls_server_ctx_for(cfg, TLS_CLIENTS_USERS, cert, key, e))) {
			server_tls_free(tls);
			e->ex = EX_CONFIG;
			return -1;
		}
	}
	return 0;
}

static void set_limits(const struct config *cfg, struct daemon_limits *lim)
{
	const char *host = config_str(cfg, CFG_HOSTNAME);
	lim->max_sessions = config_num(cfg, CFG_MAX_SESSIONS);
	lim->max_per_ip = config_num(cfg, CFG_MAX_SESSIONS_PER_IP);
	snprintf(lim->busy_reply, sizeof lim->busy_reply,
		 "421 4.7.0 %s Error: too many sessions, try again later\r\n", host);
	snprintf(lim->per_ip_reply, sizeof lim->per_ip_reply,
		 "421 4.7.0 %s Error: too many sessions from your address\r\n", host);
}

static void reload(void *ctx, struct daemon_limits *lim)
{
	struct smtpd *d = ctx;
	struct config fresh;
	struct mail_err e;
	struct server_tls tls = { 0 };
	if (config_load(&fresh, d->config_path, &e) < 0) {
		log_err(NULL, "event=reload-failed error=\"%s\"", LOG_QUOTED(e.msg));
		return;
	}
	if (setup_server(&fresh, &tls, &e) < 0) {
		log_err(NULL, "event=reload-failed error=\"%s\"", LOG_QUOTED(e.msg));
		config_free(&fresh);
		return;
	}
	struct tls_ctx *ltls[DAEMON_MAX_LISTENERS] = { 0 };
	for (size_t i = 0; i < d->nls; i++) {
		if (load_listener_cert(&fresh, &d->lc[i], d->lopts[i].role, d->ls[i].addr, &ltls[i], &e) < 0) {
			log_err(NULL, "event=reload-failed error=\"%s\"", LOG_QUOTED(e.msg));
			for (size_t j = 0; j < i; j++)
				tls_ctx_free(ltls[j]);
			server_tls_free(&tls);
			config_free(&fresh);
			return;
		}
	}
	struct smtp_tables *tables = malloc(sizeof *tables);
	struct dkim_keyring keys = { 0 };
	struct smtp_sender_checks checks;
	int checking = -1;
	if (!tables || smtp_tables_load(tables, &fresh, &e) < 0 || dkim_keyring_load(&keys, config_str(&fresh, CFG_DKIM_KEYS), &e) < 0 ||
	    (checking = smtp_sender_checks_load(&checks, &fresh, &e)) < 0) {
		log_err(NULL, "event=reload-failed error=\"%s\"", LOG_QUOTED(tables ? e.msg : "out of memory"));
		if (tables)
			smtp_tables_free(tables);
		free(tables);
		dkim_keyring_free(&keys);
		for (size_t i = 0; i < d->nls; i++)
			tls_ctx_free(ltls[i]);
		server_tls_free(&tls);
		config_free(&fresh);
		return;
	}
	dkim_keyring_free(&d->keys);
	d->keys = keys;
	if (d->srv.checks)
		smtp_sender_checks_free(&d->checks);
	d->checks = checks;
	d->srv.checks = checking ? &d->checks : NULL;
	config_free(&d->cfg);
	d->cfg = fresh;
	server_tls_free(&d->tls);
	d->tls = tls;
	for (size_t i = 0; i < d->nls; i++) {
		tls_ctx_free(d->lc[i].tls);
		d->lc[i].tls = ltls[i];
	}
	d->srv.cfg = &d->cfg;
	smtp_tables_free(d->tables);
	free(d->tables);
	d->tables = tables;
	tables->resolver.cfg = &d->cfg;
	smtp_tables_bind(tables, &d->srv);
	set_limits(&d->cfg, lim);
	log_info(NULL, "event=reloaded config=%s", LOG_TOKEN(d->cfg.path[0] ? d->cfg.path : "(defaults)"));
}

/* A session's descriptors must never block past the io deadlines (a TLS
 * record that arrives in halves would otherwise hang SSL_read). */
static void nonblocking_if_socket(int fd)
{
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode)) {
		int fl = fcntl(fd, F_GETFL);
		if (fl >= 0)
			fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	}
}

/* One session; with immediate_delivery, its messages are handed to a
 * queue runner when it is over (queue_run.h), without a new queue scan. */
static int run_session(struct smtpd *d, const struct smtp_listen_opts *o, int rfd, int wfd,
		       const struct peer *client)
{
	static struct smtp_queued queued;
	d->srv.queued = config_num(&d->cfg, CFG_IMMEDIATE_DELIVERY) ? &queued : NULL;
	int r = smtp_session(&d->srv, o, rfd, wfd, client);
	queue_kick_session(&d->cfg, d->srv.queued);
	return r;
}

static int session(void *ctx, const struct listener *l, int fd, const struct peer *client)
{
	struct smtpd *d = ctx;
	size_t i = (size_t)(l - d->ls);
	/* In the session's own process: its listener's certificate, else the
	 * configured one, with the policy of the listener's role. */
	d->srv.tls = d->lc[i].tls ? d->lc[i].tls : server_tls_for(&d->tls, d->lopts[i].role);
	d->srv.stress = daemon_under_stress();
	nonblocking_if_socket(fd);
	return run_session(d, &d->lopts[i], fd, fd, client);
}

/* The parent's side of the metrics (smtp_metrics.h): the caps' refusals
 * and, every metrics_interval, the file. */
static void refused(void *ctx, const struct peer *client, int per_ip)
{
	struct smtpd *d = ctx;
	(void)client;
	tally_add(d->metrics.tally, per_ip ? SMTPD_M_REFUSED_PER_IP : SMTPD_M_REFUSED_MAX_SESSIONS, 1);
}

static long tick(void *ctx, size_t sessions, int stopping)
{
	struct smtpd *d = ctx;
	tally_set(d->metrics.tally, SMTPD_M_ACTIVE, sessions);
	return server_metrics_tick(&d->metrics, config_str(&d->cfg, CFG_SMTPD_METRICS_FILE),
				   config_num(&d->cfg, CFG_METRICS_INTERVAL), stopping);
}

/* Run as smtpd_user, or as the spool's owner when that is not root. */
static void drop_privileges(struct smtpd *d)
{
	if (geteuid() != 0)
		return;
	const char *name = config_str(&d->cfg, CFG_SMTPD_USER);
	struct passwd *pw = NULL;
	struct stat st;
	if (name[0]) {
		pw = getpwnam(name);
		if (!pw)
			die(EX_CONFIG, "smtpd_user \"%s\": no such user", name);
	} else if (stat(config_str(&d->cfg, CFG_SPOOL), &st) == 0 && st.st_uid != 0) {
		pw = getpwuid(st.st_uid);
		if (!pw)
			die(EX_CONFIG, "%s: owner uid %u has no passwd entry", config_str(&d->cfg, CFG_SPOOL),
			    (unsigned)st.st_uid);
	}
	if (!pw) {
		log_warn(NULL, "event=running-as-root reason=\"spool owned by root and smtpd_user not set\"");
		return;
	}
	if (pw->pw_uid == 0)
		return;
	if (setgroups(0, NULL) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0)
		die(EX_OSERR, "cannot drop privileges to %s: %s", pw->pw_name, strerror(errno));
	if (setuid(0) == 0)
		die(EX_OSERR, "privileges were not dropped (setuid(0) succeeded)");
	log_info(NULL, "event=privileges-dropped user=%s uid=%u", pw->pw_name, (unsigned)pw->pw_uid);
}

static int inetd_session(struct smtpd *d, const struct smtp_listen_opts *o)
{
	struct peer client;
	peer_of_stdin(&client, 0, getenv("TCPREMOTEIP"));
	inetd_stdio_guard();
	nonblocking_if_socket(0);
	nonblocking_if_socket(1);
	return run_session(d, o, 0, 1, &client);
}

int smtpd_main(int argc, char **argv)
{
	static struct smtpd d;
	const char *specs[DAEMON_MAX_LISTENERS];
	const char *inetd_opts = "";
	struct mail_err e;
	struct daemon_limits lim;
	size_t nspecs = 0;
	cli_help_version(argc, argv, usage_text);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if ((!strcmp(a, "-C") || !strcmp(a, "-l") || !strcmp(a, "-o")) && i + 1 >= argc)
			die(EX_USAGE, "option %s needs a value", a);
		if (!strcmp(a, "-C"))
			d.config_path = argv[++i];
		else if (!strcmp(a, "-o"))
			inetd_opts = argv[++i];
		else if (!strcmp(a, "-l") && nspecs < DAEMON_MAX_LISTENERS)
			specs[nspecs++] = argv[++i];
		else if (!strcmp(a, "-l"))
			die(EX_USAGE, "at most %d listeners", DAEMON_MAX_LISTENERS);
		else
			die(EX_USAGE, "unknown argument %s (see --help)", a);
	}
	cli_load_config(&d.cfg, d.config_path);
	memset(&e, 0, sizeof e);
	if (setup_server(&d.cfg, &d.tls, &e) < 0)
		die(e.ex ? e.ex : EX_CONFIG, "%s", e.msg);
	d.tables = malloc(sizeof *d.tables);
	if (!d.tables)
		die(EX_OSERR, "out of memory");
	if (smtp_tables_load(d.tables, &d.cfg, &e) < 0)
		die(e.ex ? e.ex : EX_CONFIG, "%s", e.msg);
	smtp_tables_bind(d.tables, &d.srv);
	struct smtp_listen_opts inetd_o;
	struct listener_cert inetd_c;
	if (!nspecs) {
		/* -o cert=: this session's certificate, read before privileges go. */
		int r = parse_opts(inetd_opts, &inetd_o, &inetd_c);
		if (r != OPTS_OK)
			die(EX_USAGE, "-o %s: %s", inetd_opts, opts_problem(r));
		struct tls_ctx *own;
		if (load_listener_cert(&d.cfg, &inetd_c, inetd_o.role, "-o", &own, &e) < 0)
			die(EX_CONFIG, "%s", e.msg);
		d.srv.tls = own ? own : server_tls_for(&d.tls, inetd_o.role);
	}
	for (size_t i = 0; i < nspecs; i++) {
		/* The options are read from the argument itself: paths do not
		 * fit struct listener's opts, so only ADDR:PORT goes there. */
		const char *comma = strchr(specs[i], ',');
		char addr[sizeof d.ls[i].addr];
		size_t alen = comma ? (size_t)(comma - specs[i]) : strlen(specs[i]);
		if (str_copy(addr, sizeof addr, specs[i], alen) < 0)
			die(EX_USAGE, "%s: listener address too long", specs[i]);
		int r = parse_opts(comma ? comma + 1 : "", &d.lopts[i], &d.lc[i]);
		if (r != OPTS_OK)
			die(EX_USAGE, "-l %s: %s", specs[i], opts_problem(r));
		if (load_listener_cert(&d.cfg, &d.lc[i], d.lopts[i].role, addr, &d.lc[i].tls, &e) < 0)
			die(EX_CONFIG, "%s", e.msg);
		if (d.lopts[i].implicit_tls && !d.tls.mta && !d.lc[i].tls)
			die(EX_CONFIG, "%s: implicit TLS needs tls_cert and tls_key, or cert=", specs[i]);
		if (listener_open(&d.ls[i], addr, &e) < 0)
			die(e.ex == EX_USAGE ? EX_USAGE : EX_UNAVAILABLE, "%s", e.msg);
		d.ls[i].no_ip_cap = d.lopts[i].proxy;
		d.nls++;
	}
	/* Read like the TLS key: before the privileges go. */
	cli_load_dkim_keys(&d.keys, &d.cfg);
	d.srv.dkim = &d.keys;
	int checking = smtp_sender_checks_load(&d.checks, &d.cfg, &e);
	if (checking < 0)
		die(e.ex, "%s", e.msg);
	d.srv.checks = checking ? &d.checks : NULL;
	/* Under a super-server each connection is a process of its own: the
	 * limits across sessions (rates, failed logins) need the table in
	 * the spool, opened while still root so that smtpd_user keeps the
	 * mapping. */
	if (!nspecs) {
		d.srv.anvil = anvil_open_spool(config_str(&d.cfg, CFG_SPOOL), ANVIL_ENTRIES, &e);
		if (!d.srv.anvil)
			log_warn(NULL, "event=no-rate-limits error=\"%s\"", LOG_QUOTED(e.msg));
	}
	/* Under a super-server too: the key and the users file are read. */
	drop_privileges(&d);
	if (spool_open(&d.spool, config_str(&d.cfg, CFG_SPOOL), 1, &e) < 0)
		die(EX_UNAVAILABLE, "%s", e.msg);
	d.srv.cfg = &d.cfg;
	d.srv.spool = &d.spool;
	if (!nspecs)
		return inetd_session(&d, &inetd_o);
	set_limits(&d.cfg, &lim);
	/* Before the first fork: every session shares it (failed logins and
	 * rates per client address and per user). */
	d.srv.anvil = anvil_create(ANVIL_ENTRIES, &e);
	if (!d.srv.anvil)
		log_warn(NULL, "event=no-rate-limits error=\"%s\"", LOG_QUOTED(e.msg));
	/* The same for the counters; a server without them still serves. */
	if (server_metrics_init(&d.metrics, smtpd_metric_defs, SMTPD_M_COUNT, &e) < 0)
		log_warn(NULL, "event=no-metrics error=\"%s\"", LOG_QUOTED(e.msg));
	d.srv.metrics = d.metrics.tally;
	const struct daemon_hooks hooks = {
		.session = session, .reload = reload, .refused = refused, .tick = tick, .ctx = &d
	};
	if (daemon_run(d.ls, d.nls, &lim, &hooks, (int)config_num(&d.cfg, CFG_SMTPD_TIMEOUT), &e) < 0)
		die(EX_OSERR, "%s", e.msg);
	return 0;
}
