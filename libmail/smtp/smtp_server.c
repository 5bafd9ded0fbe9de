/* smtp_server.c — one ESMTP session: the loop, the command table and the
 * verbs (RFC 5321, 1870, 2920, 3207, 3461, 6152, 6531, 2034); see
 * smtp_server.h. AUTH lives in smtp_server_auth.c, the message transfer in
 * smtp_transfer.c.
 */
#include "smtp/smtp_server.h"
#include "msg/idna.h"

#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/log.h"
#include "net/cidr.h"
#include "net/preamble.h"
#include "msg/smtp_data.h"
#include "smtp/smtp_session.h"

/* Command handlers return 0; a handler that ends the session sets quit. */
typedef int (*cmd_fn)(struct session *s, const char *arg, size_t n);

struct command {
	const char *verb;
	unsigned states;         /* where it is allowed; elsewhere 503 */
	cmd_fn fn;
	const char *wrong_state; /* the 503 text */
	int ends_group;          /* RFC 2920 §3.1: the client waits for its reply */
};

void smtpd_reply(struct session *s, const char *fmt, ...)
{
	va_list ap;
	size_t start = s->io.out.len;
	va_start(ap, fmt);
	buf_vaddf(&s->io.out, fmt, ap);
	va_end(ap);
	buf_adds(&s->io.out, "\r\n");
	/* Count what was said, not how it was formatted ("%d %s ..."). */
	char code = s->io.out.len > start ? s->io.out.ptr[start] : '\0';
	if (code == '4' || code == '5')
		s->errors++;
}

void smtpd_count(struct session *s, enum smtpd_metric m)
{
	tally_add(s->srv->metrics, m, 1);
}

int smtpd_flush(struct session *s)
{
	struct mail_err e;
	if (io_flush(&s->io, &e) < 0) {
		log_info(NULL, "client=%s event=write-failed error=\"%s\"", s->peer.text, LOG_QUOTED(e.msg));
		s->quit = 1;
		return -1;
	}
	return 0;
}

int smtpd_getline(struct session *s, size_t max, struct mail_err *e)
{
	io_deadline(&s->io, s->cmd_ms, 0);
	int got = io_getline(&s->io, &s->line, max, e);
	io_deadline(&s->io, 0, 0);
	return got;
}

void smtpd_reset_tx(struct session *s)
{
	envelope_free(&s->env);
	envelope_init(&s->env);
	memset(&s->mail, 0, sizeof s->mail);
	if (s->tx_open)
		spool_abort(&s->tx);
	s->tx_open = 0;
	s->tx_failed = 0;
	s->bdat_failed = 0;
	free(s->dec);
	s->dec = NULL;
	buf_reset(&s->data);
	smtpd_check_end(s);
	if (s->state & (ST_MAIL | ST_RCPT))
		s->state = ST_READY;
}

static int needs_no_arg(struct session *s, size_t n, const char *verb)
{
	if (n) {
		smtpd_reply(s, "501 5.5.4 Syntax: %s (no parameters)", verb);
		return 0;
	}
	return 1;
}

/* --- greeting and the simple verbs --- */

static int greet(struct session *s, const char *arg, size_t n, int esmtp)
{
	while (n && arg[n - 1] == ' ')
		n--;
	const char *sp = memchr(arg, ' ', n);
	size_t len = sp ? (size_t)(sp - arg) : n; /* some clients add text */
	if (!smtp_helo_valid(arg, len)) {
		smtpd_reply(s, "501 5.5.4 Syntax: %s hostname", esmtp ? "EHLO" : "HELO");
		return 0;
	}
	smtpd_reset_tx(s);
	memcpy(s->helo, arg, len);
	s->helo[len] = '\0';
	s->esmtp = esmtp;
	s->state = ST_READY;
	const char *host = config_str(s->cfg, CFG_HOSTNAME);
	if (!esmtp) {
		smtpd_reply(s, "250 %s", host);
		return 0;
	}
	int tls = tls_active(&s->io);
	const char *ext[12];
	char size[48];
	size_t k = 0;
	snprintf(size, sizeof size, "SIZE %lld", config_num(s->cfg, CFG_MAX_MESSAGE_SIZE));
	ext[k++] = "PIPELINING";
	ext[k++] = size;
	ext[k++] = "8BITMIME";
	ext[k++] = "SMTPUTF8";
	ext[k++] = "ENHANCEDSTATUSCODES";
	ext[k++] = "DSN";
	ext[k++] = "CHUNKING";
	if (s->srv->tls && !tls)
		ext[k++] = "STARTTLS";
	if (s->srv->auth && !s->user[0] && (tls || config_num(s->cfg, CFG_SMTPD_AUTH_PLAINTEXT)))
		ext[k++] = "AUTH PLAIN LOGIN";
	smtpd_reply(s, "250-%s Hello [%s]", host, s->peer.text);
	for (size_t i = 0; i < k; i++)
		smtpd_reply(s, "250%c%s", i + 1 == k ? ' ' : '-', ext[i]);
	return 0;
}

static int cmd_ehlo(struct session *s, const char *arg, size_t n)
{
	return greet(s, arg, n, 1);
}

static int cmd_helo(struct session *s, const char *arg, size_t n)
{
	return greet(s, arg, n, 0);
}

static int cmd_noop(struct session *s, const char *arg, size_t n)
{
	(void)arg;
	(void)n;
	smtpd_reply(s, "250 2.0.0 Ok");
	return 0;
}

static int cmd_rset(struct session *s, const char *arg, size_t n)
{
	(void)arg;
	if (needs_no_arg(s, n, "RSET")) {
		smtpd_reset_tx(s);
		smtpd_reply(s, "250 2.0.0 Ok");
	}
	return 0;
}

static int cmd_quit(struct session *s, const char *arg, size_t n)
{
	(void)arg;
	(void)n;
	smtpd_reply(s, "221 2.0.0 %s closing connection", config_str(s->cfg, CFG_HOSTNAME));
	s->quit = 2;
	return 0;
}

static int cmd_vrfy(struct session *s, const char *arg, size_t n)
{
	(void)arg;
	if (!n)
		smtpd_reply(s, "501 5.5.4 Syntax: VRFY address");
	else
		smtpd_reply(s, "252 2.5.0 Cannot VRFY user; send mail and delivery will be attempted");
	return 0;
}

static int cmd_expn(struct session *s, const char *arg, size_t n)
{
	(void)arg;
	(void)n;
	smtpd_reply(s, "502 5.5.1 EXPN is not available");
	return 0;
}

static int cmd_help(struct session *s, const char *arg, size_t n)
{
	(void)arg;
	(void)n;
	smtpd_reply(s, "214-2.0.0 Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP%s%s",
		   s->srv->tls ? " STARTTLS" : "", s->srv->auth ? " AUTH" : "");
	smtpd_reply(s, "214 2.0.0 See RFC 5321");
	return 0;
}

static int cmd_starttls(struct session *s, const char *arg, size_t n)
{
	(void)arg;
	struct mail_err e;
	if (!s->srv->tls) {
		smtpd_reply(s, "502 5.5.1 STARTTLS not available");
		return 0;
	}
	if (tls_active(&s->io)) {
		smtpd_reply(s, "503 5.5.1 TLS already active");
		return 0;
	}
	if (!needs_no_arg(s, n, "STARTTLS"))
		return 0;
	smtpd_reply(s, "220 2.0.0 Ready to start TLS");
	if (smtpd_flush(s) < 0)
		return 0;
	/* Anything the client sent after STARTTLS in plain text is an
	 * attacker's injection (CVE-2011-0411): tls_accept throws it away,
	 * and RFC 3207 §4.2 wipes all that was learnt before. */
	if (io_pending(&s->io))
		log_warn(NULL, "client=%s event=starttls-injection bytes=%zu discarded", s->peer.text,
			 io_pending(&s->io));
	if (tls_accept(&s->io, s->srv->tls, &e) < 0) {
		log_info(NULL, "client=%s event=tls-failed error=\"%s\"", s->peer.text, LOG_QUOTED(e.msg));
		smtpd_count(s, SMTPD_M_TLS_FAILED);
		s->quit = 1;
		return 0;
	}
	smtpd_count(s, SMTPD_M_TLS_OK);
	smtpd_reset_tx(s);
	s->state = ST_GREET;
	s->helo[0] = '\0';
	s->user[0] = '\0';
	s->esmtp = 0;
	log_info(NULL, "client=%s event=starttls version=%s cipher=%s", s->peer.text, tls_version(&s->io),
		 tls_cipher(&s->io));
	return 0;
}

/* --- the transaction: MAIL and RCPT --- */

/* Postfix's queue_minfree: a full spool is said at MAIL, before the client
 * sends the data. The margin is queue_minfree, by default room for one and
 * a half messages of the largest size, plus the SIZE= the client announced. */
static int spool_room(struct session *s, long long announced)
{
	struct mail_err e;
	long long margin = config_num(s->cfg, CFG_QUEUE_MINFREE);
	if (!margin)
		margin = config_num(s->cfg, CFG_MAX_MESSAGE_SIZE) / 2 * 3;
	if (!s->srv->spool || spool_has_room(s->srv->spool, margin + (announced > 0 ? announced : 0), &e) == 0)
		return 1;
	if (e.smtp != 452) {
		/* statvfs failed: the spool itself will say at DATA */
		log_warn(NULL, "client=%s event=spool-space-unknown error=\"%s\"", s->peer.text, LOG_QUOTED(e.msg));
		return 1;
	}
	log_warn(NULL, "client=%s event=spool-full error=\"%s\"", s->peer.text, LOG_QUOTED(e.msg));
	smtpd_count(s, SMTPD_M_REFUSED_STORAGE);
	smtpd_reply(s, "452 4.3.1 Insufficient system storage");
	return 0;
}

static int cmd_mail(struct session *s, const char *arg, size_t n)
{
	struct mailbox m;
	struct mail_err e;
	struct smtp_mail_params mp;
	char addr[ADDR_TEXT_MAX + 1];
	if (s->lo.role == SMTP_ROLE_SUBMISSION && !tls_active(&s->io)) {
		smtpd_count(s, SMTPD_M_REFUSED_AUTH_REQUIRED);
		smtpd_reply(s, "530 5.7.0 Must issue a STARTTLS command first");
		return 0;
	}
	if (s->lo.role == SMTP_ROLE_SUBMISSION && !s->user[0]) {
		smtpd_count(s, SMTPD_M_REFUSED_AUTH_REQUIRED);
		smtpd_reply(s, "530 5.7.0 Authentication required");
		return 0;
	}
	if (smtp_parse_mail(arg, n, &m, &mp, &e) < 0) {
		smtpd_reply(s, "%d %s %s", e.smtp, e.status, e.msg);
		return 0;
	}
	long long max = config_num(s->cfg, CFG_MAX_MESSAGE_SIZE);
	if (max && mp.size > max) {
		smtpd_count(s, SMTPD_M_REFUSED_SIZE);
		smtpd_reply(s, "552 5.3.4 Message size exceeds fixed limit of %lld octets", max);
		return 0;
	}
	if (mp.body == BODY_BINARYMIME) {
		smtpd_reply(s, "555 5.5.4 BINARYMIME is not supported");
		return 0;
	}
	if (!spool_room(s, mp.size))
		return 0;
	addr_format(&m, addr, sizeof addr);
	if (s->user[0] && s->srv->owns && s->srv->owns(s->srv->ctx, s->user, addr) != 1) {
		smtpd_count(s, SMTPD_M_REFUSED_SENDER);
		if (m.flags & MBOX_NULL)
			smtpd_reply(s, "553 5.7.1 The null sender <> is not allowed for user %s", s->user);
		else
			smtpd_reply(s, "553 5.7.1 Sender address <%s> is not owned by user %s", addr, s->user);
		return 0;
	}
	if (smtpd_rate_message(s) < 0)
		return 0;
	smtpd_reset_tx(s);
	s->mail = mp;
	str_copy(s->env.sender, sizeof s->env.sender, addr, strlen(addr));
	str_copy(s->env.client, sizeof s->env.client, s->peer.text, strlen(s->peer.text));
	str_copy(s->env.helo, sizeof s->env.helo, s->helo, strlen(s->helo));
	str_copy(s->env.auth, sizeof s->env.auth, s->user, strlen(s->user));
	str_copy(s->env.envid, sizeof s->env.envid, s->mail.envid, strlen(s->mail.envid));
	s->env.ret = s->mail.ret;
	s->env.body = s->mail.body;
	s->env.smtputf8 = s->mail.smtputf8;
	if (smtpd_check_mail(s) < 0) {
		smtpd_reset_tx(s);
		return 0;
	}
	s->state = ST_MAIL;
	smtpd_reply(s, "250 2.1.0 Ok");
	return 0;
}

/* Local parts that other mailers route onward: "a%b@here", "b!a@here",
 * "\"a@b\"@here". Never accepted, so they can never open a relay. */
static int routing_local_part(const struct mailbox *m)
{
	return strpbrk(m->local, "%!@") != NULL;
}

static int is_local_domain(const struct session *s, const struct mailbox *m)
{
	return !(m->flags & MBOX_LITERAL) && idna_list_has(config_str(s->cfg, CFG_LOCAL_DOMAINS), m->domain);
}

static int cmd_rcpt(struct session *s, const char *arg, size_t n)
{
	struct mailbox m;
	struct smtp_rcpt_params p;
	struct mail_err e;
	char addr[ADDR_TEXT_MAX + 1];
	if (smtp_parse_rcpt(arg, n, &m, &p, &e) < 0) {
		smtpd_reply(s, "%d %s %s", e.smtp, e.status, e.msg);
		return 0;
	}
	if ((m.flags & MBOX_UTF8) && !s->mail.smtputf8) {
		smtpd_reply(s, "553 5.6.7 Non-ASCII address needs MAIL FROM with SMTPUTF8");
		return 0;
	}
	char ascii[ADDR_DOMAIN_MAX + 1];
	if (!(m.flags & MBOX_LITERAL) && idna_to_ascii(m.domain, ascii, sizeof ascii) < 0) {
		/* Accepted, it could never be looked up nor delivered. */
		smtpd_reply(s, "553 5.1.2 %s: not a valid internationalised domain name (IDNA2008)", m.domain);
		return 0;
	}
	if ((long long)s->env.nrcpt >= config_num(s->cfg, CFG_MAX_RECIPIENTS)) {
		smtpd_reply(s, "452 4.5.3 Too many recipients");
		return 0;
	}
	if (!m.domain[0] && addr_qualify(&m, config_primary_domain(s->cfg, addr, sizeof addr)) < 0) {
		smtpd_reply(s, "451 4.3.0 <postmaster>: no primary domain to deliver it to");
		return 0;
	}
	addr_format(&m, addr, sizeof addr);
	if (is_local_domain(s, &m)) {
		if (routing_local_part(&m)) {
			smtpd_count(s, SMTPD_M_REFUSED_RECIPIENT);
			smtpd_reply(s, "550 5.7.1 <%s>: address form not accepted (%%, ! or @ in the local part)", addr);
			return 0;
		}
		err_clear(&e);
		int known = s->srv->local ? s->srv->local(s->srv->ctx, addr, &e) : 1;
		if (known < 0) {
			smtpd_reply(s, "451 4.3.0 <%s>: cannot look up the recipient now", addr);
			return 0;
		}
		if (!known) {
			smtpd_count(s, SMTPD_M_REFUSED_RECIPIENT);
			if (!strcmp(e.status, "5.7.1"))
				log_info(NULL, "client=%s event=srs-refused rcpt=<%s> reason=\"%s\"", s->peer.text,
					 LOG_TOKEN(addr), LOG_QUOTED(e.msg));
			smtpd_reply(s, "%d %s <%s>: %s", e.smtp ? e.smtp : 550, e.status[0] ? e.status : "5.1.1", addr,
				    e.msg[0] ? e.msg : "no such user here");
			return 0;
		}
	} else if (!s->relay_ok && !s->user[0]) {
		log_info(NULL, "client=%s event=relay-denied rcpt=<%s>", s->peer.text, LOG_TOKEN(addr));
		smtpd_count(s, SMTPD_M_REFUSED_RELAY);
		smtpd_reply(s, "554 5.7.1 <%s>: Relay access denied", addr);
		return 0;
	}
	for (size_t i = 0; i < s->env.nrcpt; i++) {
		if (!strcmp(s->env.rcpt[i].addr, addr)) {
			smtpd_reply(s, "250 2.1.5 Ok (duplicate recipient)");
			return 0;
		}
	}
	if (smtpd_rate_recipient(s) < 0)
		return 0;
	struct rcpt *r = envelope_add_rcpt(&s->env, addr);
	if (!r) {
		smtpd_reply(s, "452 4.3.1 Out of memory");
		return 0;
	}
	r->notify = p.notify;
	str_copy(r->orcpt, sizeof r->orcpt, p.orcpt, strlen(p.orcpt));
	if (m.flags & MBOX_UTF8)
		s->env.smtputf8 = 1;
	s->state = ST_RCPT;
	smtpd_reply(s, "250 2.1.5 Ok");
	return 0;
}

int smtpd_cmd_data(struct session *s, const char *arg, size_t n);
int smtpd_cmd_bdat(struct session *s, const char *arg, size_t n);

/* Sorted by how often they come, not by name: the loop is linear. */
static const struct command commands[] = {
	{ "RCPT", ST_MAIL | ST_RCPT, cmd_rcpt, "503 5.5.1 Need MAIL before RCPT", 0 },
	{ "MAIL", ST_READY, cmd_mail, NULL, 0 },
	{ "DATA", ST_MAIL | ST_RCPT, smtpd_cmd_data, "503 5.5.1 Need RCPT before DATA", 1 },
	{ "BDAT", ST_MAIL | ST_RCPT, smtpd_cmd_bdat, "503 5.5.1 Need RCPT before BDAT", 0 },
	{ "EHLO", ST_ANY, cmd_ehlo, NULL, 1 },
	{ "HELO", ST_ANY, cmd_helo, NULL, 1 },
	{ "RSET", ST_ANY, cmd_rset, NULL, 0 },
	{ "NOOP", ST_ANY, cmd_noop, NULL, 1 },
	{ "QUIT", ST_ANY, cmd_quit, NULL, 0 },
	{ "VRFY", ST_ANY, cmd_vrfy, NULL, 1 },
	{ "EXPN", ST_ANY, cmd_expn, NULL, 1 },
	{ "HELP", ST_ANY, cmd_help, NULL, 0 },
	{ "STARTTLS", ST_GREET | ST_READY, cmd_starttls, "503 5.5.1 STARTTLS not allowed during a mail transaction", 0 },
	{ "AUTH", ST_READY, smtpd_cmd_auth, NULL, 0 },
};

static void wrong_state(struct session *s, const struct command *c)
{
	if (s->state == ST_GREET)
		smtpd_reply(s, "503 5.5.1 Send EHLO or HELO first");
	else if (!strcmp(c->verb, "MAIL"))
		smtpd_reply(s, "503 5.5.1 Nested MAIL command");
	else if (!strcmp(c->verb, "AUTH"))
		smtpd_reply(s, "503 5.5.1 AUTH not allowed during a mail transaction");
	else
		smtpd_reply(s, "%s", c->wrong_state ? c->wrong_state : "503 5.5.1 Bad sequence of commands");
}

/* Did the client send more before the reply it must wait for? RFC 2920
 * §3.1: EHLO, HELO, DATA, VRFY, EXPN and NOOP end a group of pipelined
 * commands, and a client that did not get PIPELINING from EHLO waits for
 * every reply. Bytes already buffered behind such a command were sent
 * before our answer: a client out of step, or text smuggled past a DATA
 * that may be refused (run as commands, or taken for a message). Postfix
 * ends such sessions (smtpd_forbid_unauth_pipelining); so do we. QUIT has
 * nothing to smuggle; STARTTLS discards what follows it (cmd_starttls). */
static int out_of_step(const struct session *s, const struct command *c)
{
	/* A local user's program on a pipe (sendmail -bs) is trusted like
	 * sendmail itself and often writes a whole session at once. */
	if (!config_num(s->cfg, CFG_SMTPD_FORBID_UNAUTH_PIPELINING) || !io_pending(&s->io) ||
	    s->peer.kind == PEER_LOCAL)
		return 0;
	if (c && (c->fn == cmd_quit || c->fn == cmd_starttls))
		return 0;
	return !s->esmtp || (c && c->ends_group);
}

/* One command line: checks, the table, the handler. */
static void dispatch(struct session *s, int got)
{
	char verb[16];
	const char *arg;
	size_t n, arglen;
	if (got == IO_TOOLONG) {
		smtpd_reply(s, "500 5.5.2 Line too long (RFC 5321 4.5.3.1.4)");
		return;
	}
	n = s->line.len;
	if (n && s->line.ptr[n - 1] == '\n')
		n--;
	if (n && s->line.ptr[n - 1] == '\r')
		n--;
	if (memchr(s->line.ptr, '\0', n) || memchr(s->line.ptr, '\r', n)) {
		smtpd_reply(s, "500 5.5.2 NUL or bare CR in a command");
		return;
	}
	if (smtp_split_verb(s->line.ptr, n, verb, sizeof verb, &arg, &arglen) < 0) {
		smtpd_reply(s, "500 5.5.2 Syntax error, command unrecognized");
		return;
	}
	const struct command *c = NULL;
	for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
		if (!strcmp(commands[i].verb, verb))
			c = &commands[i];
	if (out_of_step(s, c)) {
		char sample[4 * 40 + 1];
		const char *p = "";
		struct mail_err e;
		size_t pending = io_pending(&s->io);
		io_peek(&s->io, &p, &e); /* what is buffered: no wait */
		log_warn(NULL, "client=%s event=protocol-sync-error after=%s pending=%zu input=\"%s\"", s->peer.text,
			 c ? c->verb : "unknown", pending, log_quoted(sample, sizeof sample, p, pending < 40 ? pending : 40));
		smtpd_count(s, SMTPD_M_REFUSED_PROTOCOL);
		smtpd_reply(s, "554 5.5.0 Error: SMTP protocol synchronization");
		s->quit = 1;
		return;
	}
	if (!c) {
		smtpd_reply(s, "500 5.5.1 Command unrecognized");
		return;
	}
	/* 512 octets (§4.5.3.1.4); MAIL and RCPT may grow by DSN's ENVID and
	 * ORCPT (RFC 3461 §5), AUTH by its initial response (RFC 4954 §4). */
	size_t limit = SMTP_CMD_MAX;
	if (c->fn == cmd_mail || c->fn == cmd_rcpt)
		limit = SMTP_CMD_MAX_DSN;
	else if (c->fn == smtpd_cmd_auth)
		limit = SMTP_AUTH_LINE_MAX;
	if (n + 2 > limit) {
		smtpd_reply(s, "500 5.5.2 Line too long (RFC 5321 4.5.3.1.4)");
		return;
	}
	if (!(c->states & (unsigned)s->state)) {
		wrong_state(s, c);
		return;
	}
	c->fn(s, arg, arglen);
}

/* The client's name for Received: its PTR name, kept only when that name
 * resolves back to the same address (so a PTR record alone cannot claim
 * a name). "" when there is none. */
static void reverse_name(const struct peer *p, char *out, size_t cap)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *fwd, *a;
	char host[NI_MAXHOST];
	out[0] = '\0';
	memset(&ss, 0, sizeof ss);
	if (p->family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		in->sin_family = AF_INET;
		memcpy(&in->sin_addr, p->addr, 4);
		len = sizeof *in;
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		in6->sin6_family = AF_INET6;
		memcpy(&in6->sin6_addr, p->addr, 16);
		len = sizeof *in6;
	}
	if (getnameinfo((struct sockaddr *)&ss, len, host, sizeof host, NULL, 0, NI_NAMEREQD) != 0 ||
	    !smtp_helo_valid(host, strlen(host)))
		return;
	if (getaddrinfo(host, NULL, &hints, &fwd) != 0)
		return;
	for (a = fwd; a; a = a->ai_next) {
		struct peer back;
		peer_from_sockaddr(&back, a->ai_addr, a->ai_addrlen);
		if (back.kind == PEER_IP && back.family == p->family &&
		    !memcmp(back.addr, p->addr, p->family == AF_INET ? 4 : 16))
			break;
	}
	if (a)
		str_copy(out, cap, host, strlen(host));
	freeaddrinfo(fwd);
}

/* Who the client is: its address, whether it may relay, its name. Relay
 * rights come from the peer's kind and address, never from its text: a
 * local user (peer.h) or an address inside relay_networks. */
static void set_client(struct session *s, const struct peer *client)
{
	struct mail_err e;
	s->peer = *client;
	s->relay_ok = 0;
	s->client_name[0] = '\0';
	if (client->kind == PEER_LOCAL) {
		s->relay_ok = 1;
		return;
	}
	if (client->kind != PEER_IP)
		return;
	int r = net_list_match_addr(config_str(s->cfg, CFG_RELAY_NETWORKS), client->family, client->addr, &e);
	if (r < 0)
		log_err(NULL, "client=%s event=relay-networks-failed error=\"%s\"", client->text, LOG_QUOTED(e.msg));
	s->relay_ok = r == 1;
	if (config_num(s->cfg, CFG_SMTPD_REVERSE_DNS))
		reverse_name(client, s->client_name, sizeof s->client_name);
}

static void session_init(struct session *s, const struct smtp_server *srv,
			 const struct smtp_listen_opts *lo, int rfd, int wfd, const struct peer *client)
{
	memset(s, 0, sizeof *s);
	s->srv = srv;
	s->cfg = srv->cfg;
	s->lo = *lo;
	set_client(s, client);
	s->cmd_ms = (int)config_num(s->cfg, CFG_SMTPD_TIMEOUT) * 1000;
	s->data_ms = (int)config_num(s->cfg, CFG_SMTPD_DATA_TIMEOUT) * 1000;
	int stress_ms = (int)config_num(s->cfg, CFG_STRESS_TIMEOUT) * 1000;
	if (srv->stress && stress_ms > 0) {
		s->cmd_ms = s->cmd_ms < stress_ms ? s->cmd_ms : stress_ms;
		s->data_ms = s->data_ms < stress_ms ? s->data_ms : stress_ms;
	}
	io_init(&s->io, rfd, wfd, s->cmd_ms, s->peer.text);
	buf_init(&s->line, 0);
	buf_init(&s->data, 0);
	envelope_init(&s->env);
	s->state = ST_GREET;
}

static void session_free(struct session *s)
{
	smtpd_reset_tx(s);
	smtpd_check_session_end(s);
	if (tls_active(&s->io))
		tls_end(&s->io);
	envelope_free(&s->env);
	buf_free(&s->line);
	buf_free(&s->data);
	io_free(&s->io);
}

/* Postfix's smtpd_soft_error_limit: past it, each reply waits
 * smtpd_error_sleep_time times the errors over the limit, so a client
 * probing with junk slows down long before smtpd_max_errors ends it. */
static void error_delay(struct session *s)
{
	long long soft = config_num(s->cfg, CFG_SMTPD_SOFT_ERROR_LIMIT);
	if (s->quit || soft <= 0 || s->errors <= soft)
		return;
	long long ms = config_num(s->cfg, CFG_SMTPD_ERROR_SLEEP_TIME) * 1000 * (s->errors - soft);
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int smtp_session(const struct smtp_server *srv, const struct smtp_listen_opts *lo, int rfd,
		 int wfd, const struct peer *client)
{
	struct session *s = malloc(sizeof *s);
	struct mail_err e;
	if (!s)
		return 1;
	session_init(s, srv, lo, rfd, wfd, client);
	smtpd_count(s, SMTPD_M_SESSIONS);
	const char *host = config_str(s->cfg, CFG_HOSTNAME);
	long long max_errors = config_num(s->cfg, CFG_SMTPD_MAX_ERRORS);
	/* Only a listener marked proxy trusts the header: the client it names
	 * replaces the balancer for relay checks and logs, the connect line
	 * included (so it comes after the header; the balancer is proxy=). */
	const struct preamble pre = { lo->proxy, lo->implicit_tls, srv->tls };
	struct peer real = s->peer, balancer = s->peer;
	int r = preamble_run(&s->io, &pre, &real, &e);
	int proxied = !peer_equal(&real, &s->peer);
	if (proxied)
		set_client(s, &real);
	log_info(NULL, "client=%s event=connect tls=%s role=%s%s%s%s", s->peer.text,
		 lo->implicit_tls ? "implicit" : "no", lo->role == SMTP_ROLE_SUBMISSION ? "submission" : "mta",
		 srv->stress ? " stress=yes" : "", proxied ? " proxy=" : "", proxied ? balancer.text : "");
	if (r != PREAMBLE_OK) {
		log_info(NULL, "client=%s event=%s error=\"%s\"", s->peer.text,
			 r == PREAMBLE_PROXY_FAILED ? "proxy-failed" : "tls-failed", LOG_QUOTED(e.msg));
		s->quit = 1;
	}
	if (lo->implicit_tls && r != PREAMBLE_PROXY_FAILED)
		smtpd_count(s, r == PREAMBLE_OK ? SMTPD_M_TLS_OK : SMTPD_M_TLS_FAILED);
	if (!s->quit)
		smtpd_rate_connection(s);
	if (!s->quit)
		smtpd_reply(s, "220 %s ESMTP postbox", host);
	while (!s->quit) {
		/* PIPELINING (RFC 2920): answer a whole group at once, when
		 * the client has nothing more in flight — or when the replies
		 * pile up, so that a client that never reads cannot make us
		 * buffer without bound. */
		if ((!io_pending(&s->io) || s->io.out.len > SMTP_REPLY_BUFFER) && smtpd_flush(s) < 0)
			break;
		int got = smtpd_getline(s, SMTP_AUTH_LINE_MAX, &e);
		if (got == IO_EOF) {
			s->quit = 1;
			break;
		}
		if (got == IO_ERR) {
			if (e.sys == ETIMEDOUT || e.smtp == 421)
				smtpd_reply(s, "421 4.4.2 %s Error: timeout exceeded", host);
			log_info(NULL, "client=%s event=read-failed error=\"%s\"", s->peer.text, LOG_QUOTED(e.msg));
			s->quit = 1;
			break;
		}
		dispatch(s, got);
		if (!s->quit && max_errors > 0 && s->errors >= max_errors) {
			smtpd_reply(s, "421 4.7.0 %s Error: too many errors", host);
			log_info(NULL, "client=%s event=too-many-errors errors=%d", s->peer.text, s->errors);
			smtpd_count(s, SMTPD_M_REFUSED_PROTOCOL);
			s->quit = 1;
		}
		error_delay(s);
	}
	smtpd_flush(s);
	int rc = s->quit == 2 ? 0 : 1;
	log_info(NULL, "client=%s event=disconnect errors=%d", s->peer.text, s->errors);
	session_free(s);
	free(s);
	return rc;
}
