/* chat_flags.c — smtp-chat's connection set-up and its swaks-like mode:
 * connect, banner, EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA, the message,
 * each stage with its own exit code and --quit-after / --drop-after.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "net/proxy_out.h"
#include "../applets.h"
#include "chat.h"

const char *chat_stage_name(enum chat_stage s)
{
	static const char *const names[] = { "none", "connect", "banner", "ehlo", "tls",
					     "auth", "mail", "rcpt", "data", "dot" };
	return s <= ST_DOT ? names[s] : "?";
}

struct tls_ctx *chat_tls_ctx(struct chat_opts *o, struct mail_err *e)
{
	if (o->tls)
		return o->tls;
	o->tls = tls_client_ctx(o->insecure ? TLS_NO_VERIFY : TLS_VERIFY, o->tls_ca, o->tls_cert,
				o->tls_key ? o->tls_key : o->tls_cert, e);
	if (!o->tls)
		return NULL;
	if ((o->tls_protocol && tls_ctx_set_min_version(o->tls, o->tls_protocol, e) < 0) ||
	    (o->tls_cipher && tls_ctx_set_ciphers(o->tls, o->tls_cipher, e) < 0)) {
		tls_ctx_free(o->tls);
		o->tls = NULL;
	}
	return o->tls;
}

static void show_cert(struct chat_opts *o, struct smtp_client *c, struct chat_out *out)
{
	if (!o->show_cert)
		return;
	struct buf b = BUF_INIT;
	tls_describe_peer(&c->io, &b);
	const char *p = buf_cstr(&b);
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		chat_out_note(out, "%.*s", (int)n, p);
		p += n + (nl != NULL);
	}
	buf_free(&b);
}

/* --pipe: the program's stdin and stdout are one end of a socket pair. */
static int connect_pipe(struct chat_opts *o, struct smtp_client *c, struct mail_err *e)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return err_sys(e, "--pipe: socketpair");
	pid_t pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return err_sys(e, "--pipe: fork");
	}
	if (pid == 0) {
		if (dup2(sv[1], 0) < 0 || dup2(sv[1], 1) < 0)
			_exit(127);
		execl("/bin/sh", "sh", "-c", o->pipe_cmd, (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	o->pipe_pid = pid;
	char name[300];
	snprintf(name, sizeof name, "pipe:%s", o->pipe_cmd);
	smtp_client_fds(c, sv[0], sv[0], name, 1, o->timeout_ms);
	return 0;
}

static void endpoint(const struct sockaddr_storage *ss, char *out, size_t cap)
{
	char a[INET6_ADDRSTRLEN] = "0.0.0.0";
	unsigned port = 0;
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;
		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof a);
		port = ntohs(s6->sin6_port);
		snprintf(out, cap, "[%s]:%u", a, port);
		return;
	}
	struct sockaddr_in s4;
	memcpy(&s4, ss, sizeof s4);
	inet_ntop(AF_INET, &s4.sin_addr, a, sizeof a);
	port = ntohs(s4.sin_port);
	snprintf(out, cap, "%s:%u", a, port);
}

/* The PROXY header, before anything else (and before implicit TLS). */
static int send_proxy(struct chat_opts *o, struct smtp_client *c, struct mail_err *e)
{
	char src[80] = "", dst[80] = "";
	struct sockaddr_storage ss = { 0 };
	socklen_t sl = sizeof ss;
	if (!o->proxy_src || !o->proxy_dst) {
		if (c->fd < 0)
			return err_set(e, EX_USAGE, 0, "", "--proxy over --pipe needs --proxy-source and --proxy-dest");
		if (getsockname(c->fd, (struct sockaddr *)&ss, &sl) < 0)
			return err_sys(e, "getsockname");
		endpoint(&ss, src, sizeof src);
		sl = sizeof ss;
		if (getpeername(c->fd, (struct sockaddr *)&ss, &sl) < 0)
			return err_sys(e, "getpeername");
		endpoint(&ss, dst, sizeof dst);
	}
	struct buf h = BUF_INIT;
	int r = proxy_out_header(&h, o->proxy, o->proxy_src ? o->proxy_src : src,
				 o->proxy_dst ? o->proxy_dst : dst, e);
	if (r == 0) {
		smtp_queue_raw(c, h.ptr, h.len);
		r = smtp_flush(c, e);
	}
	buf_free(&h);
	return r;
}

int chat_connect(struct chat_opts *o, struct smtp_client *c, struct chat_out *out,
		 struct mail_err *e)
{
	c->trace = out ? chat_out_trace : NULL;
	c->trace_arg = out;
	c->dot_timeout_ms = o->dot_timeout_ms;
	int r = -1;
	if (o->nmx) {
		/* MX hosts in preference order, each address in turn */
		for (size_t i = 0; i < o->nmx && r < 0; i++) {
			if (out)
				chat_out_note(out, "MX %s (preference %u)", o->mx[i].name, o->mx[i].pref);
			if (!o->mx[i].naddr)
				err_set(e, EX_NOHOST, 0, "", "%s", o->mx[i].why);
			for (size_t j = 0; j < o->mx[i].naddr && r < 0; j++)
				r = smtp_connect(c, o->mx[i].addr[j], o->port, o->family, o->local,
						 o->timeout_ms, e);
			if (r == 0) /* TLS checks the MX host's name, not its address */
				str_copy(c->host, sizeof c->host, o->mx[i].name, strlen(o->mx[i].name));
		}
	} else if (o->pipe_cmd)
		r = connect_pipe(o, c, e);
	else if (o->socket_path)
		r = smtp_connect_unix(c, o->socket_path, o->timeout_ms, e);
	else
		r = smtp_connect(c, o->host, o->port, o->family, o->local, o->timeout_ms, e);
	if (r < 0)
		return -1;
	if (o->proxy && send_proxy(o, c, e) < 0) {
		smtp_close(c);
		return -1;
	}
	if (o->tls_on_connect) {
		struct tls_ctx *ctx = chat_tls_ctx(o, e);
		if (!ctx || smtp_tls_on_connect(c, ctx, e) < 0) {
			e->ex = CHAT_EX_TLS;
			smtp_close(c);
			return -1;
		}
		if (out)
			show_cert(o, c, out);
	}
	return 0;
}

/* The end of every session: close, reap a --pipe child. */
void chat_finish(struct chat_opts *o, struct smtp_client *c)
{
	smtp_close(c);
	if (o->pipe_pid > 0) {
		int status;
		if (waitpid(o->pipe_pid, &status, WNOHANG) == 0) {
			usleep(50000);
			if (waitpid(o->pipe_pid, &status, WNOHANG) == 0) {
				kill(o->pipe_pid, SIGTERM);
				waitpid(o->pipe_pid, &status, 0);
			}
		}
		o->pipe_pid = 0;
	}
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
	if (chat_connect(o, &c, out, &e) < 0) {
		rc = e.ex == CHAT_EX_TLS ? CHAT_EX_TLS : CHAT_EX_CONNECT;
		str_copy(why, sizeof why, e.msg, strlen(e.msg));
		goto out;
	}
	STAGE(ST_CONNECT);
	stage = ST_BANNER;
	if ((code = smtp_read_reply(&c, &e)) < 0)
		FAIL(CHAT_EX_BANNER, e.msg);
	if (code != 220) {
		smtp_reply_error(&c, "banner", &e);
		FAIL(CHAT_EX_BANNER, e.msg);
	}
	STAGE(ST_BANNER);
	stage = ST_EHLO;
	if (smtp_ehlo(&c, o->ehlo, &e) < 0)
		FAIL(CHAT_EX_EHLO, e.msg);
	STAGE(ST_EHLO);
	stage = ST_TLS;
	if (o->starttls || (o->tls_optional && c.ext.flags & SMTP_EXT_STARTTLS)) {
		struct tls_ctx *ctx = chat_tls_ctx(o, &e);
		if (!ctx)
			FAIL(CHAT_EX_TLS, e.msg);
		if (!(c.ext.flags & SMTP_EXT_STARTTLS)) {
			snprintf(why, sizeof why, "%s: STARTTLS not offered", c.peer);
			FAIL(CHAT_EX_TLS, why);
		}
		if (smtp_starttls(&c, ctx, &e) < 0)
			FAIL(CHAT_EX_TLS, e.msg);
		show_cert(o, &c, out);
		if (smtp_ehlo(&c, o->ehlo, &e) < 0)
			FAIL(CHAT_EX_EHLO, e.msg);
	} else if (o->tls_optional) {
		chat_out_note(out, "STARTTLS not offered; going on in plain text (--tls-optional)");
	}
	STAGE(ST_TLS); /* also when there was nothing to do: stop at this point */
	if (o->xclient) {
		/* Postfix XCLIENT: smtpd answers with a new 220 greeting (smtp-sink
		 * with 250); either way the session starts over with EHLO */
		if (!(c.ext.flags & SMTP_EXT_XCLIENT)) {
			snprintf(why, sizeof why, "%s: XCLIENT not offered", c.peer);
			FAIL(CHAT_EX_EHLO, why);
		}
		if ((code = smtp_command(&c, &e, "XCLIENT %s", o->xclient)) < 0)
			FAIL(CHAT_EX_EHLO, e.msg);
		if (code / 100 != 2) {
			smtp_reply_error(&c, "XCLIENT", &e);
			FAIL(CHAT_EX_EHLO, e.msg);
		}
		if (smtp_ehlo(&c, o->ehlo, &e) < 0)
			FAIL(CHAT_EX_EHLO, e.msg);
	}
	stage = ST_AUTH;
	if (o->auth_user) {
		if (!(c.ext.flags & SMTP_EXT_AUTH)) {
			snprintf(why, sizeof why, "%s: AUTH not offered%s", c.peer,
				 tls_active(&c.io) ? "" : " (before TLS: try --starttls)");
			FAIL(CHAT_EX_AUTH, why);
		}
		if (smtp_auth(&c, o->auth_mech, o->auth_user, o->password, &e) < 0)
			FAIL(CHAT_EX_AUTH, e.msg);
	}
	STAGE(ST_AUTH);
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
