/* chat_flags.c — smtp-chat's swaks-like mode: the opening sequence
 * (chat_open.c: connect, banner, EHLO, STARTTLS, AUTH), then MAIL, RCPT,
 * DATA, the message, each stage with its own exit code and --quit-after /
 * --drop-after.
 */
#include <stdio.h>
#include <string.h>

#include "../applets.h"
#include "chat.h"

const char *chat_stage_name(enum chat_stage s)
{
	static const char *const names[] = { "none", "connect", "banner", "ehlo", "tls",
					     "auth", "mail", "rcpt", "data", "dot" };
	return s <= ST_DOT ? names[s] : "?";
}

static int needs_utf8(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 1;
	return 0;
}

static void mail_params(struct chat_opts *o, struct smtp_client *c, struct buf *p)
{
	const struct smtp_ext *x = &c->ext;
	if (x->flags & SMTP_EXT_SIZE)
		buf_addf(p, " SIZE=%llu", chat_msg_wire_size(o->message.ptr ? o->message.ptr : "",
							     o->message.len));
	int eight = 0;
	for (size_t i = 0; o->message.ptr && i < o->message.len && !eight; i++)
		eight = (unsigned char)o->message.ptr[i] >= 0x80;
	if (eight && x->flags & SMTP_EXT_8BITMIME)
		buf_adds(p, " BODY=8BITMIME");
	int utf8 = needs_utf8(o->from);
	for (size_t i = 0; i < o->nto; i++)
		utf8 |= needs_utf8(o->to[i]);
	if (utf8 && x->flags & SMTP_EXT_SMTPUTF8)
		buf_adds(p, " SMTPUTF8");
	if (o->dsn_ret)
		buf_addf(p, " RET=%s", o->dsn_ret);
	if (o->envid)
		buf_addf(p, " ENVID=%s", o->envid);
	if (o->requiretls)
		buf_adds(p, " REQUIRETLS");
	if (o->mail_params)
		buf_addf(p, " %s", o->mail_params);
}

#define STAGE(s)                                                                  \
	do {                                                                      \
		stage = (s);                                                      \
		if (o->quit_after == (s)) {                                       \
			smtp_quit(&c);                                            \
			snprintf(why, sizeof why, "quit after %s",               \
				 chat_stage_name(s));                             \
			reason = why;                                             \
			goto done;                                                \
		}                                                                 \
		if (o->drop_after == (s)) {                                       \
			chat_out_note(out, "dropping the connection after %s",   \
				      chat_stage_name(s));                        \
			snprintf(why, sizeof why, "dropped after %s",            \
				 chat_stage_name(s));                             \
			reason = why;                                             \
			goto done;                                                \
		}                                                                 \
	} while (0)

/* A failed stage: the reason, then QUIT when the session still works. */
#define FAIL(code, msg)                                                           \
	do {                                                                      \
		rc = (code);                                                      \
		str_copy(why, sizeof why, (msg), strlen(msg));                    \
		if (!c.broken)                                                    \
			smtp_quit(&c);                                            \
		goto done;                                                        \
	} while (0)

/* quit-after and drop-after at the stages of the opening sequence */
static int flags_step(void *arg, struct smtp_client *c, enum smtp_open_stage done)
{
	const struct chat_opts *o = arg;
	enum chat_stage s = chat_stage_of(done);
	(void)c;
	return o->quit_after == s || o->drop_after == s;
}

int chat_flags_main(struct chat_opts *o, struct chat_out *out)
{
	struct smtp_client c = { 0 };
	struct mail_err e;
	struct buf params = BUF_INIT;
	char why[600] = "", sum[400];
	const char *reason = NULL;
	int rc = 0, code, refused = 0;
	enum chat_stage stage = ST_CONNECT;
	err_clear(&e);
	if (!o->pipe_cmd && !o->socket_path && !o->nmx)
		chat_out_note(out, "Trying %s:%s...", o->host, o->port);
	struct smtp_open_opts so;
	struct smtp_open_result opened;
	chat_open_opts(o, &so);
	so.step = flags_step;
	so.arg = o;
	rc = chat_open(o, &c, out, &so, &opened, &e);
	stage = chat_stage_of(opened.stage);
	if (rc) { /* the session is over */
		str_copy(why, sizeof why, e.msg, strlen(e.msg));
		goto out;
	}
	if (opened.why == SMTP_OPEN_STOPPED)
		STAGE(stage);
	stage = ST_MAIL;
	if (o->requiretls && !tls_active(&c.io)) {
		snprintf(why, sizeof why, "%s: --requiretls needs TLS (--starttls or --tls-on-connect)", c.peer);
		FAIL(CHAT_EX_TLS, why);
	}
	if (o->requiretls && !(c.ext.flags & SMTP_EXT_REQUIRETLS)) {
		snprintf(why, sizeof why, "%s: REQUIRETLS not offered", c.peer);
		FAIL(CHAT_EX_MAIL, why);
	}
	mail_params(o, &c, &params);
	int pipe = o->pipeline && (c.ext.flags & SMTP_EXT_PIPELINING) && !o->quit_after &&
		   !o->drop_after;
	if (o->pipeline && !(c.ext.flags & SMTP_EXT_PIPELINING))
		chat_out_note(out, "PIPELINING not offered; one command at a time");
	if (o->bdat && !(c.ext.flags & SMTP_EXT_CHUNKING)) {
		snprintf(why, sizeof why, "%s: CHUNKING (BDAT) not offered", c.peer);
		FAIL(CHAT_EX_DATA, why);
	}
	char notify[300] = "";
	if (o->dsn_notify)
		snprintf(notify, sizeof notify, " NOTIFY=%s", o->dsn_notify);
	smtp_queue_cmd(&c, "MAIL FROM:<%s>%s", o->from, buf_cstr(&params));
	for (size_t i = 0; pipe && i < o->nto; i++)
		smtp_queue_cmd(&c, "RCPT TO:<%s>%s", o->to[i], notify);
	if (pipe && !o->bdat)
		smtp_queue_cmd(&c, "DATA");
	if (smtp_flush(&c, &e) < 0 || (code = smtp_read_reply(&c, &e)) < 0)
		FAIL(CHAT_EX_MAIL, e.msg);
	if (code / 100 != 2) {
		smtp_reply_error(&c, "MAIL FROM", &e);
		for (size_t i = 0; pipe && i < o->nto + !o->bdat; i++)
			smtp_read_reply(&c, &e);
		FAIL(CHAT_EX_MAIL, e.msg);
	}
	STAGE(ST_MAIL);
	stage = ST_RCPT;
	size_t accepted = 0;
	for (size_t i = 0; i < o->nto; i++) {
		if (!pipe) {
			smtp_queue_cmd(&c, "RCPT TO:<%s>%s", o->to[i], notify);
			if (smtp_flush(&c, &e) < 0)
				FAIL(CHAT_EX_RCPT, e.msg);
		}
		if ((code = smtp_read_reply(&c, &e)) < 0)
			FAIL(CHAT_EX_RCPT, e.msg);
		if (code / 100 == 2) {
			accepted++;
		} else {
			refused++;
			smtp_reply_summary(&c.reply, sum, sizeof sum);
			snprintf(why, sizeof why, "%s: RCPT TO:<%s> refused: %s", c.peer, o->to[i], sum);
		}
	}
	if (!accepted && o->nto) {
		/* the pipelined DATA must be refused; a server that said 354
		 * anyway is in DATA, where a QUIT would be text: hang up */
		if (pipe && !o->bdat && smtp_read_reply(&c, &e) == 354)
			c.broken = 1;
		FAIL(CHAT_EX_RCPT, why);
	}
	STAGE(ST_RCPT);
	stage = ST_DATA;
	unsigned long long bytes = 0;
	if (o->bdat) {
		STAGE(ST_DATA);
		stage = ST_DOT;
		code = smtp_send_bdat(&c, o->message.ptr, o->message.len, -1, o->chunk, &bytes, &e);
	} else {
		if (pipe ? (code = smtp_read_reply(&c, &e)) < 0
			 : (code = smtp_command(&c, &e, "DATA")) < 0)
			FAIL(CHAT_EX_DATA, e.msg);
		if (code != 354) {
			smtp_reply_error(&c, "DATA", &e);
			FAIL(CHAT_EX_DATA, e.msg);
		}
		if (o->quit_after == ST_DATA) {
			/* inside DATA a QUIT would be message text: hang up instead */
			chat_out_note(out, "no QUIT inside DATA: dropping the connection after data");
			o->drop_after = ST_DATA;
			o->quit_after = ST_NONE;
		}
		STAGE(ST_DATA);
		stage = ST_DOT;
		code = smtp_send_data(&c, o->message.ptr, o->message.len, -1, &bytes, &e);
	}
	if (code < 0)
		FAIL(CHAT_EX_DOT, e.msg);
	if (code / 100 != 2) {
		smtp_reply_error(&c, "end of data", &e);
		FAIL(CHAT_EX_DOT, e.msg);
	}
	smtp_reply_summary(&c.reply, sum, sizeof sum);
	STAGE(ST_DOT);
	smtp_quit(&c);
	if (refused) {
		rc = CHAT_EX_RCPT;
		reason = why;
	} else {
		snprintf(why, sizeof why, "message accepted: %s", sum);
		reason = why;
	}
done:
	chat_finish(o, &c);
out:
	buf_free(&params);
	if (rc && !reason)
		reason = why;
	char extra[64];
	snprintf(extra, sizeof extra, "\"last_stage\":\"%s\"", chat_stage_name(stage));
	chat_out_summary(out, rc, chat_stage_name(stage), reason, extra);
	return rc;
}
