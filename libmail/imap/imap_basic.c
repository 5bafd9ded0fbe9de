/* imap_basic.c — the commands of any state and the login: CAPABILITY,
 * NOOP, LOGOUT, ID (RFC 2971), STARTTLS, LOGIN, AUTHENTICATE PLAIN with
 * SASL-IR (RFC 4959), ENABLE (RFC 5161), NAMESPACE (RFC 2342). */
#include <string.h>
#include <strings.h>

#include "base/log.h"
#include "imap/imap_state.h"
#include "msg/pop3_cmd.h"

#define MAX_AUTH_FAILURES 3

/* What a logged-in session can do; only what is implemented is named, so
 * a client (and imaptest) never relies on a missing extension. */
static const char logged_in_caps[] =
	"IMAP4rev1 IMAP4rev2 SASL-IR LITERAL+ ID ENABLE IDLE NAMESPACE UNSELECT UIDPLUS MOVE CHILDREN SPECIAL-USE "
	"UTF8=ACCEPT ESEARCH SEARCHRES BINARY LIST-EXTENDED LIST-STATUS STATUS=SIZE MULTIAPPEND";

static int plaintext_ok(const struct imap_sess *s)
{
	return s->srv->plaintext_auth || tls_active(&s->io);
}

void imap_capabilities(struct imap_sess *s, struct buf *out)
{
	if (s->state != IS_NOT_AUTH) {
		buf_adds(out, logged_in_caps);
		return;
	}
	/* Before login, LITERAL- (RFC 7888): {N+} up to 4096 octets only. */
	buf_adds(out, "IMAP4rev1 IMAP4rev2 SASL-IR LITERAL- ID ENABLE");
	if (s->srv->tls && !tls_active(&s->io))
		buf_adds(out, " STARTTLS");
	buf_adds(out, plaintext_ok(s) ? " AUTH=PLAIN" : " LOGINDISABLED");
}

void imap_cmd_capability(struct imap_sess *s, const struct imap_command *c, int uid)
{
	(void)uid;
	if (c->nargs) {
		imap_bad(s, "CAPABILITY takes no arguments");
		return;
	}
	struct buf caps = BUF_INIT;
	imap_capabilities(s, &caps);
	imap_untagged(s, "CAPABILITY %s", buf_cstr(&caps));
	buf_free(&caps);
	imap_tagged(s, "OK", "CAPABILITY completed");
}

void imap_cmd_noop(struct imap_sess *s, const struct imap_command *c, int uid)
{
	(void)uid;
	if (c->nargs) {
		imap_bad(s, "no arguments expected");
		return;
	}
	if (s->state == IS_SELECTED)
		imap_send_updates(s, 1);
	imap_tagged(s, "OK", "%s completed", c->name);
}

void imap_cmd_logout(struct imap_sess *s, const struct imap_command *c, int uid)
{
	(void)c;
	(void)uid;
	imap_untagged(s, "BYE logging out");
	imap_tagged(s, "OK", "LOGOUT completed");
	s->logout = 1;
	if (s->user[0])
		log_info(NULL, "imap logout user=%s client=%s", LOG_TOKEN(s->user), s->peer.text);
}

/* RFC 2971: we say who we are; what the client says is only logged. */
void imap_cmd_id(struct imap_sess *s, const struct imap_command *c, int uid)
{
	(void)uid;
	if (c->nargs != 1 || (c->args->type != IMAP_ARG_LIST && !imap_arg_is_nil(c->args))) {
		imap_bad(s, "usage: ID (field value ...) or ID NIL");
		return;
	}
	imap_untagged(s, "ID (\"name\" \"postbox\")");
	imap_tagged(s, "OK", "ID completed");
}

void imap_cmd_starttls(struct imap_sess *s, const struct imap_command *c, int uid)
{
	(void)c;
	(void)uid;
	if (!s->srv->tls || tls_active(&s->io)) {
		imap_bad(s, "STARTTLS is not available");
		return;
	}
	imap_tagged(s, "OK", "Begin TLS negotiation now");
	imap_flush(s);
	struct mail_err e;
	err_clear(&e);
	/* tls_accept throws away whatever the client pipelined behind
	 * STARTTLS: those bytes came in the clear (RFC 9051 §11.1). */
	if (!s->fatal && tls_accept(&s->io, s->srv->tls, &e) < 0) {
		log_warn(NULL, "imap client=%s event=tls-failed error=\"%s\"", s->peer.text, LOG_QUOTED(e.msg));
		imap_count(s, IMAPD_M_TLS_FAILED, 1);
		s->fatal = 1;
	} else if (!s->fatal) {
		imap_count(s, IMAPD_M_TLS_OK, 1);
	}
}

static const char *tls_text(struct imap_sess *s)
{
	return tls_active(&s->io) ? tls_version(&s->io) : "no";
}

int imap_enter_authenticated(struct imap_sess *s, const struct user *u, const char *tls)
{
	struct mail_err e;
	err_clear(&e);
	if (login_take_owner(u->mailbox, &e) < 0) {
		log_err(NULL, "imap user=%s error=\"%s\"", LOG_TOKEN(u->address), LOG_QUOTED(e.msg));
		return -1;
	}
	str_copy(s->user, sizeof s->user, u->address, strlen(u->address));
	str_copy(s->root, sizeof s->root, u->mailbox, strlen(u->mailbox));
	s->state = IS_AUTH;
	/* After login, LITERAL+: APPEND may send its message at once. */
	s->rd.lim.nonsync_max = (size_t)s->srv->max_append;
	log_info(NULL, "imap login user=%s client=%s tls=%s", LOG_TOKEN(s->user), s->peer.text, tls);
	return 0;
}

/* The login process answers for the root process too: the capabilities
 * are the logged-in ones in both. */
static void logged_in(struct imap_sess *s)
{
	imap_tagged(s, "OK", "[CAPABILITY %s] Logged in", logged_in_caps);
}

static void login_failed(struct imap_sess *s, const char *addr, long address_failures)
{
	s->failures++;
	log_warn(NULL, "imap login failed user=%s client=%s failures=%d address-failures=%ld", LOG_TOKEN(addr),
		 s->peer.text,
		 s->failures, address_failures);
	login_sleep_ms(login_failure_delay_ms(s->srv->auth_delay_ms, s->failures, address_failures));
	imap_tagged(s, "NO", "[AUTHENTICATIONFAILED] Authentication failed");
	if (s->failures >= MAX_AUTH_FAILURES) {
		imap_untagged(s, "BYE too many failed logins, goodbye");
		imap_count(s, IMAPD_M_REFUSED_PROTOCOL, 1);
		s->fatal = 1;
	}
}

static void verdict(struct imap_sess *s, enum login_verdict v, const char *addr, long failures)
{
	switch (v) {
	case LOGIN_OK:
		imap_count(s, IMAPD_M_AUTH_OK, 1);
		logged_in(s);
		return;
	case LOGIN_LOCKED:
		imap_count(s, IMAPD_M_AUTH_LOCKED, 1);
		log_warn(NULL, "imap login refused client=%s reason=auth_failure_limit address-failures=%ld",
			 s->peer.text, failures);
		imap_tagged(s, "NO", "[UNAVAILABLE] too many failed logins from your address, try again later");
		imap_untagged(s, "BYE goodbye");
		s->fatal = 1;
		return;
	case LOGIN_WRONG:
		imap_count(s, IMAPD_M_AUTH_FAILED, 1);
		login_failed(s, addr, failures);
		return;
	case LOGIN_NOT_MAILDIR:
		log_warn(NULL, "imap user=%s mailbox is not a Maildir", LOG_TOKEN(addr));
		imap_tagged(s, "NO", "[UNAVAILABLE] only Maildir mailboxes are served");
		return;
	default:
		imap_tagged(s, "NO", "[UNAVAILABLE] the users file cannot be read, try again later");
		s->fatal = 1;
	}
}

static void login(struct imap_sess *s, const char *name, const char *pass)
{
	char addr[ADDR_TEXT_MAX + 2];
	login_qualify(s->srv->cfg, name, addr, sizeof addr);
	if (s->srv->login_process) {
		struct login_answer a;
		if (login_ask(s->srv->login_fd, addr, pass, tls_text(s), s->peer.text, &a) < 0) {
			imap_tagged(s, "NO", "[UNAVAILABLE] the server is not available, try again later");
			s->fatal = 1;
			return;
		}
		verdict(s, a.verdict, addr, a.failures);
		if (a.verdict == LOGIN_OK)
			s->relay = 1; /* the root process serves from here */
		return;
	}
	const struct user *u;
	long failures;
	enum login_verdict v = login_verify(s->srv->cfg, s->srv->anvil, s->srv->users, s->peer.text, addr, pass, &u,
					    &failures);
	if (v == LOGIN_OK && imap_enter_authenticated(s, u, tls_text(s)) < 0) {
		imap_tagged(s, "NO", "[UNAVAILABLE] cannot open the mailbox");
		return;
	}
	verdict(s, v, addr, failures);
}

static int refuse_plaintext(struct imap_sess *s)
{
	if (plaintext_ok(s))
		return 0;
	imap_tagged(s, "NO", "[PRIVACYREQUIRED] authentication is not allowed without TLS (use STARTTLS)");
	imap_count(s, IMAPD_M_REFUSED_PLAINTEXT, 1);
	return 1;
}

void imap_cmd_login(struct imap_sess *s, const struct imap_command *c, int uid)
{
	(void)uid;
	if (c->nargs != 2 || !imap_arg_is_string(c->args) || !imap_arg_is_string(c->args->next)) {
		imap_bad(s, "usage: LOGIN user password");
		return;
	}
	if (refuse_plaintext(s))
		return;
	const char *user = c->args->s, *pass = c->args->next->s;
	if (strlen(user) != c->args->len || strlen(pass) != c->args->next->len || c->args->len > ADDR_TEXT_MAX) {
		imap_tagged(s, "NO", "[AUTHENTICATIONFAILED] Authentication failed");
		s->errors++;
		return;
	}
	login(s, user, pass);
}

/* The PLAIN response (RFC 4616), base64: authzid NUL authcid NUL passwd. */
static void sasl_plain(struct imap_sess *s, const char *b64, size_t n)
{
	if (n == 1 && b64[0] == '*') {
		imap_tagged(s, "BAD", "AUTHENTICATE cancelled");
		return;
	}
	char user[ADDR_TEXT_MAX + 1], pass[1024];
	if (n == 1 && b64[0] == '=')
		n = 0; /* SASL-IR's empty response */
	if (pop3_sasl_plain(b64, n, user, sizeof user, pass, sizeof pass) < 0) {
		imap_tagged(s, "BAD", "malformed PLAIN response");
		s->errors++;
		return;
	}
	login(s, user, pass);
	explicit_bzero(pass, sizeof pass);
}

void imap_sasl_line(struct imap_sess *s, const char *line, size_t n)
{
	str_copy(s->tag, sizeof s->tag, s->sasl_tag, strlen(s->sasl_tag));
	sasl_plain(s, line, n);
}

void imap_cmd_authenticate(struct imap_sess *s, const struct imap_command *c, int uid)
{
	(void)uid;
	if (c->nargs < 1 || c->nargs > 2 || c->args->type != IMAP_ARG_ATOM ||
	    (c->nargs == 2 && c->args->next->type != IMAP_ARG_ATOM)) {
		imap_bad(s, "usage: AUTHENTICATE PLAIN [initial-response]");
		return;
	}
	if (strcasecmp(c->args->s, "PLAIN")) {
		imap_tagged(s, "NO", "unsupported mechanism");
		return;
	}
	if (refuse_plaintext(s))
		return;
	if (c->nargs == 2) {
		sasl_plain(s, c->args->next->s, c->args->next->len);
		return;
	}
	str_copy(s->sasl_tag, sizeof s->sasl_tag, s->tag, strlen(s->tag));
	s->want = WANT_SASL;
	imap_reader_want_line(&s->rd);
	imap_continue(s, "");
}

/* ENABLE (RFC 5161, RFC 9051 §6.3.1): UTF8=ACCEPT (RFC 6855: mailbox
 * names in UTF-8) and IMAP4rev2 (RFC 9051: UTF-8 names too, and no
 * \Recent, RECENT or UNSEEN, SEARCH answered by ESEARCH, a LIST in
 * SELECT's answer). Only in the authenticated state: a selected mailbox
 * must not change its answers under the client. Anything else asked is
 * left out of ENABLED, as the RFC wants. */
void imap_cmd_enable(struct imap_sess *s, const struct imap_command *c, int uid)
{
	(void)uid;
	if (!c->nargs) {
		imap_bad(s, "usage: ENABLE capability...");
		return;
	}
	if (s->state != IS_AUTH) {
		imap_bad(s, "ENABLE is for the authenticated state, before SELECT");
		return;
	}
	struct buf on = BUF_INIT;
	for (const struct imap_arg *a = c->args; a; a = a->next) {
		if (a->type != IMAP_ARG_ATOM) {
			buf_free(&on);
			imap_bad(s, "usage: ENABLE capability...");
			return;
		}
		if (!strcasecmp(a->s, "UTF8=ACCEPT") && !s->utf8) {
			s->utf8 = 1;
			buf_adds(&on, " UTF8=ACCEPT");
		} else if (!strcasecmp(a->s, "IMAP4rev2") && !s->rev2) {
			s->rev2 = 1;
			s->utf8 = 1;
			buf_adds(&on, " IMAP4rev2");
		}
	}
	imap_untagged(s, "ENABLED%s", buf_cstr(&on));
	buf_free(&on);
	imap_tagged(s, "OK", "ENABLE completed");
}

/* One personal namespace, the Maildir++ hierarchy with '.'. */
void imap_cmd_namespace(struct imap_sess *s, const struct imap_command *c, int uid)
{
	(void)uid;
	if (c->nargs) {
		imap_bad(s, "NAMESPACE takes no arguments");
		return;
	}
	imap_untagged(s, "NAMESPACE ((\"\" \".\")) NIL NIL");
	imap_tagged(s, "OK", "NAMESPACE completed");
}
