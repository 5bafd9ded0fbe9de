/* smtp_open.c — the client's opening sequence; see smtp_open.h. */
#include "smtp/smtp_open.h"

#include <string.h>

#include "net/dane.h"
#include "net/tls.h"

/* A failed call: the connection's fault, the server's answer, or ours. */
static int failed(struct smtp_client *c, struct smtp_open_result *r, enum smtp_open_stage stage,
		  const struct mail_err *e)
{
	r->stage = stage;
	r->why = c->broken ? SMTP_OPEN_LOST : e->smtp ? SMTP_OPEN_REFUSED : SMTP_OPEN_LOCAL;
	return -1;
}

static int not_offered(struct smtp_client *c, struct smtp_open_result *r, enum smtp_open_stage stage,
		       const char *what, struct mail_err *e)
{
	err_set(e, EX_UNAVAILABLE, 0, "", "%s: %s not offered", c->peer, what);
	r->stage = stage;
	r->why = SMTP_OPEN_NOT_OFFERED;
	return -1;
}

/* The hook after a stage: nonzero stops the sequence there. */
static int stop_after(const struct smtp_open_opts *o, struct smtp_client *c, struct smtp_open_result *r,
		      enum smtp_open_stage done)
{
	if (!o->step || !o->step(o->arg, c, done))
		return 0;
	r->stage = done;
	r->why = SMTP_OPEN_STOPPED;
	return 1;
}

/* TLS now: at once (CONNECT) or after STARTTLS (TLS), with the context
 * asked for only now; then DANE (RFC 7672), before anything is sent over
 * the new session. */
static int tls_now(struct smtp_client *c, const struct smtp_open_opts *o, struct smtp_open_result *r,
		   enum smtp_open_stage stage, struct mail_err *e)
{
	struct tls_ctx *ctx = o->tls_ctx ? o->tls_ctx(o->arg, e) : NULL;
	if (!ctx) {
		if (!o->tls_ctx)
			err_set(e, EX_SOFTWARE, 0, "", "no TLS context");
		r->stage = stage;
		r->why = SMTP_OPEN_LOCAL;
		return -1;
	}
	if ((stage == SMTP_OPEN_CONNECT ? smtp_tls_on_connect(c, ctx, e) : smtp_starttls(c, ctx, e)) < 0)
		return failed(c, r, stage, e);
	if (!o->dane || !dane_usable(o->dane))
		return 0;
	if (dane_check(tls_ssl(&c->io), o->dane, c->host, e) < 0) {
		r->stage = stage;
		r->why = SMTP_OPEN_DANE;
		return -1;
	}
	r->dane = 1;
	return 0;
}

static int start_tls(struct smtp_client *c, const struct smtp_open_opts *o, struct smtp_open_result *r,
		     struct mail_err *e)
{
	int offered = (c->ext.flags & SMTP_EXT_STARTTLS) != 0;
	if (o->tls == SMTP_TLS_NONE || o->tls == SMTP_TLS_IMPLICIT || (o->tls == SMTP_TLS_MAY && !offered))
		return 0;
	if (!offered)
		return not_offered(c, r, SMTP_OPEN_TLS, "STARTTLS", e);
	if (tls_now(c, o, r, SMTP_OPEN_TLS, e) < 0)
		return -1;
	if (smtp_ehlo(c, o->helo, e) < 0)
		return failed(c, r, SMTP_OPEN_EHLO_TLS, e);
	return 0;
}

static int xclient(struct smtp_client *c, const struct smtp_open_opts *o, struct smtp_open_result *r,
		   struct mail_err *e)
{
	/* Postfix's smtpd answers XCLIENT with a new 220 greeting (smtp-sink
	 * with 250); either way the session starts over with EHLO. */
	if (!(c->ext.flags & SMTP_EXT_XCLIENT))
		return not_offered(c, r, SMTP_OPEN_XCLIENT, "XCLIENT", e);
	int code = smtp_command(c, e, "XCLIENT %s", o->xclient);
	if (code < 0)
		return failed(c, r, SMTP_OPEN_XCLIENT, e);
	if (code / 100 != 2) {
		smtp_reply_error(c, "XCLIENT", e);
		return failed(c, r, SMTP_OPEN_XCLIENT, e);
	}
	if (smtp_ehlo(c, o->helo, e) < 0)
		return failed(c, r, SMTP_OPEN_XCLIENT, e);
	return 0;
}

int smtp_open(struct smtp_client *c, const struct smtp_open_opts *o, struct smtp_open_result *r,
	      struct mail_err *e)
{
	memset(r, 0, sizeof *r);
	if (o->tls == SMTP_TLS_IMPLICIT && tls_now(c, o, r, SMTP_OPEN_CONNECT, e) < 0)
		return -1;
	if (stop_after(o, c, r, SMTP_OPEN_CONNECT))
		return 0;
	int code = smtp_read_reply(c, e);
	if (code < 0)
		return failed(c, r, SMTP_OPEN_BANNER, e);
	if (code != 220) {
		smtp_reply_error(c, "greeting", e);
		return failed(c, r, SMTP_OPEN_BANNER, e);
	}
	if (stop_after(o, c, r, SMTP_OPEN_BANNER))
		return 0;
	if (smtp_ehlo(c, o->helo, e) < 0)
		return failed(c, r, SMTP_OPEN_EHLO, e);
	if (stop_after(o, c, r, SMTP_OPEN_EHLO))
		return 0;
	if (start_tls(c, o, r, e) < 0)
		return -1;
	if (stop_after(o, c, r, SMTP_OPEN_TLS))
		return 0;
	if (o->xclient && xclient(c, o, r, e) < 0)
		return -1;
	if (o->user) {
		if (!(c->ext.flags & SMTP_EXT_AUTH))
			return not_offered(c, r, SMTP_OPEN_AUTH, "AUTH", e);
		if (smtp_auth(c, o->auth_mech, o->user, o->pass, e) < 0)
			return failed(c, r, SMTP_OPEN_AUTH, e);
	}
	if (stop_after(o, c, r, SMTP_OPEN_AUTH))
		return 0;
	r->stage = SMTP_OPEN_READY;
	return 0;
}
