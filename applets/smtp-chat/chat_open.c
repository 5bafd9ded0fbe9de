/* chat_open.c — how every smtp-chat mode opens a session: the transport
 * (--server, the MX hosts, --socket or --pipe), the PROXY header, then the
 * one opening sequence of smtp/smtp_open.h with this invocation's options
 * (implicit TLS, banner, EHLO, STARTTLS, XCLIENT, AUTH); the TLS context;
 * the end of a session.
 */
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

/* The transport: a connected client, the PROXY header sent. */
static int dial(struct chat_opts *o, struct smtp_client *c, struct chat_out *out, struct mail_err *e)
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
	return 0;
}

void chat_open_opts(struct chat_opts *o, struct smtp_open_opts *so)
{
	memset(so, 0, sizeof *so);
	so->helo = o->ehlo;
	so->tls = o->tls_on_connect ? SMTP_TLS_IMPLICIT
		  : o->starttls     ? SMTP_TLS_MUST
		  : o->tls_optional ? SMTP_TLS_MAY
				    : SMTP_TLS_NONE;
	so->xclient = o->xclient;
	so->user = o->auth_user;
	so->pass = o->password;
	so->auth_mech = o->auth_mech;
}

enum chat_stage chat_stage_of(enum smtp_open_stage s)
{
	switch (s) {
	case SMTP_OPEN_CONNECT:
		return ST_CONNECT;
	case SMTP_OPEN_BANNER:
		return ST_BANNER;
	case SMTP_OPEN_EHLO:
		return ST_EHLO;
	case SMTP_OPEN_TLS:
	case SMTP_OPEN_EHLO_TLS:
	case SMTP_OPEN_XCLIENT:
		return ST_TLS;
	default:
		return ST_AUTH;
	}
}

/* The exit code of a failed stage (the transport's failures are 2). */
static int exit_code(enum smtp_open_stage s)
{
	switch (s) {
	case SMTP_OPEN_CONNECT: /* implicit TLS */
	case SMTP_OPEN_TLS:
		return CHAT_EX_TLS;
	case SMTP_OPEN_BANNER:
		return CHAT_EX_BANNER;
	case SMTP_OPEN_EHLO:
	case SMTP_OPEN_EHLO_TLS:
	case SMTP_OPEN_XCLIENT:
		return CHAT_EX_EHLO;
	default:
		return CHAT_EX_AUTH;
	}
}

/* What chat_open adds around the mode's own hook: the TLS context, the
 * certificate with --tls-show-cert, the note of --tls-optional. */
struct opener {
	struct chat_opts *o;
	struct chat_out *out;
	const struct smtp_open_opts *mode;
	int shown;                 /* the certificate was shown */
};

static struct tls_ctx *opener_tls_ctx(void *arg, struct mail_err *e)
{
	struct opener *op = arg;
	return chat_tls_ctx(op->o, e);
}

static int opener_step(void *arg, struct smtp_client *c, enum smtp_open_stage done)
{
	struct opener *op = arg;
	if (op->out && tls_active(&c->io) && !op->shown) {
		show_cert(op->o, c, op->out);
		op->shown = 1;
	}
	if (op->out && done == SMTP_OPEN_TLS && op->mode->tls == SMTP_TLS_MAY && !tls_active(&c->io))
		chat_out_note(op->out, "STARTTLS not offered; going on in plain text (--tls-optional)");
	return op->mode->step ? op->mode->step(op->mode->arg, c, done) : 0;
}

int chat_open(struct chat_opts *o, struct smtp_client *c, struct chat_out *out, const struct smtp_open_opts *so,
	      struct smtp_open_result *r, struct mail_err *e)
{
	memset(r, 0, sizeof *r);
	if (dial(o, c, out, e) < 0) {
		r->why = SMTP_OPEN_LOST;
		c->broken = 1;
		return CHAT_EX_CONNECT;
	}
	struct opener op = { o, out, so, 0 };
	struct smtp_open_opts with = *so;
	with.tls_ctx = opener_tls_ctx;
	with.step = opener_step;
	with.arg = &op;
	if (smtp_open(c, &with, r, e) == 0)
		return 0;
	if (r->stage == SMTP_OPEN_AUTH && r->why == SMTP_OPEN_NOT_OFFERED && !tls_active(&c->io)) {
		size_t l = strlen(e->msg);
		snprintf(e->msg + l, sizeof e->msg - l, " (before TLS: try --starttls)");
	}
	if (!c->broken)
		smtp_quit(c);
	chat_finish(o, c);
	return exit_code(r->stage);
}

/* Script and interactive modes: the transport and implicit TLS; the rest is
 * theirs to say. */
static int stop_at_connect(void *arg, struct smtp_client *c, enum smtp_open_stage done)
{
	(void)arg;
	(void)c;
	return done == SMTP_OPEN_CONNECT;
}

int chat_connect(struct chat_opts *o, struct smtp_client *c, struct chat_out *out, struct mail_err *e)
{
	struct smtp_open_opts so;
	struct smtp_open_result r;
	chat_open_opts(o, &so);
	so.step = stop_at_connect;
	int rc = chat_open(o, c, out, &so, &r, e);
	if (rc == CHAT_EX_TLS)
		e->ex = CHAT_EX_TLS;
	return rc ? -1 : 0;
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

