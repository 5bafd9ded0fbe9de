/* pop3_session.c — the POP3 protocol engine; see pop3_session.h. */
#include "pop3/pop3_session.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "msg/addr.h"
#include "base/log.h"
#include "pop3/pop3_mailbox.h"
#include "login/login_split.h"
#include "pop3/pop3_metrics.h"
#include "msg/pop3_cmd.h"
#include "net/preamble.h"

#define MAX_AUTH_FAILURES 3
#define MAX_ERRORS 10

enum state { ST_AUTH = 1, ST_TRANS = 2 };

struct session {
	const struct pop3_server *srv;
	struct io io;
	enum state state;
	struct peer peer;               /* the client, after any PROXY header */
	char user[ADDR_TEXT_MAX + 1];   /* from USER, then the logged-in user */
	int have_user;
	int failures, errors;
	int quit;                       /* QUIT seen: end the loop */
	int fatal;                      /* the connection is unusable */
	int relay;                      /* login process: the root process
					 * serves from now on */
	struct maildrop drop;
	struct buf line;
};

/* --- replies ----------------------------------------------------------- */

static void reply(struct session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void reply(struct session *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_vaddf(&s->io.out, fmt, ap);
	va_end(ap);
	buf_adds(&s->io.out, "\r\n");
}

static void count(struct session *s, enum pop3d_metric m, unsigned long long n)
{
	tally_add(s->srv->metrics, m, n);
}

static void flush(struct session *s)
{
	struct mail_err e;
	if (io_flush(&s->io, &e) < 0)
		s->fatal = 1;
}

static int plaintext_ok(const struct session *s)
{
	return s->srv->plaintext_auth || tls_active(&s->io);
}

/* One command line (or SASL response), all of it within the timeout. */
static int get_line(struct session *s, size_t max, struct mail_err *e)
{
	io_deadline(&s->io, s->srv->timeout_ms, 0);
	int r = io_getline(&s->io, &s->line, max, e);
	io_deadline(&s->io, 0, 0);
	return r;
}

/* --- message numbers --------------------------------------------------- */

/* The message named by arg: its index, or -1 after an -ERR reply. */
static long msg_arg(struct session *s, const char *arg)
{
	unsigned long n;
	if (pop3_number(arg, 1, &n) < 0) {
		reply(s, "-ERR invalid message number");
		return -1;
	}
	if (n > s->drop.n) {
		reply(s, "-ERR no such message, only %zu in maildrop", s->drop.n);
		return -1;
	}
	if (s->drop.v[n - 1].deleted) {
		reply(s, "-ERR message %lu already deleted", n);
		return -1;
	}
	return (long)n - 1;
}

/* --- authorization ----------------------------------------------------- */

/* Past auth_failure_limit failures from the client's address: refused
 * without a password check, so guessing costs us nothing more. */
static void login_locked_out(struct session *s, long failures)
{
	log_warn(NULL, "pop3 login refused client=%s reason=auth_failure_limit address-failures=%ld", s->peer.text,
		 failures);
	count(s, POP3D_M_AUTH_LOCKED, 1);
	reply(s, "-ERR [AUTH] too many failed logins from your address, try again later");
	s->fatal = 1;
}

/* A wrong login: the delay grows with the failures from this address. */
static void login_failed(struct session *s, const char *addr, long address_failures)
{
	s->failures++;
	count(s, POP3D_M_AUTH_FAILED, 1);
	long n = address_failures > s->failures ? address_failures : s->failures;
	log_warn(NULL, "pop3 login failed user=%s client=%s failures=%d address-failures=%ld", LOG_TOKEN(addr), s->peer.text,
		 s->failures, n);
	login_sleep_ms(login_failure_delay_ms(s->srv->auth_delay_ms, s->failures, address_failures));
	if (s->failures >= MAX_AUTH_FAILURES) {
		reply(s, "-ERR [AUTH] authentication failed; too many failures, goodbye");
		s->fatal = 1;
	} else {
		reply(s, "-ERR [AUTH] authentication failed");
	}
	s->have_user = 0;
}

static void not_maildir(struct session *s, const char *addr)
{
	reply(s, "-ERR [SYS/PERM] only Maildir mailboxes are served");
	log_warn(NULL, "pop3 user=%s mailbox is not a Maildir", LOG_TOKEN(addr));
}

/* A good login: the mailbox's owner, the maildrop, +OK. */
static void enter_transaction(struct session *s, const struct user *u, const char *tls)
{
	struct mail_err e;
	err_clear(&e);
	if (login_take_owner(u->mailbox, &e) < 0) {
		reply(s, "-ERR [SYS/TEMP] cannot open the mailbox");
		log_err(NULL, "pop3 user=%s error=\"%s\"", LOG_TOKEN(u->address), LOG_QUOTED(e.msg));
		s->fatal = 1;
		return;
	}
	int r = maildrop_open(&s->drop, u->mailbox, s->srv->uidl_format, &e);
	if (r == MAILDROP_IN_USE) {
		count(s, POP3D_M_REFUSED_IN_USE, 1);
		reply(s, "-ERR [IN-USE] the mailbox is in use by another session");
		log_info(NULL, "pop3 user=%s client=%s in use", u->address, s->peer.text);
		return;
	}
	if (r < 0) {
		reply(s, "-ERR [SYS/TEMP] cannot open the mailbox");
		log_err(NULL, "pop3 user=%s error=\"%s\"", LOG_TOKEN(u->address), LOG_QUOTED(e.msg));
		return;
	}
	str_copy(s->user, sizeof s->user, u->address, strlen(u->address));
	s->state = ST_TRANS;
	long long total = 0;
	for (size_t i = 0; i < s->drop.n; i++)
		total += s->drop.v[i].size;
	reply(s, "+OK %zu messages (%lld octets)", s->drop.n, total);
	log_info(NULL, "pop3 login user=%s client=%s tls=%s messages=%zu", s->user, s->peer.text, tls, s->drop.n);
}

static const char *tls_text(struct session *s)
{
	return tls_active(&s->io) ? tls_version(&s->io) : "no";
}

/* In a login process: the root process checks, and serves after a yes. */
static void login_asking(struct session *s, const char *addr, const char *pass)
{
	struct login_answer a;
	if (login_ask(s->srv->login_fd, addr, pass, tls_text(s), s->peer.text, &a) < 0) {
		reply(s, "-ERR [SYS/TEMP] the server is not available, try again later");
		s->fatal = 1;
		return;
	}
	switch (a.verdict) {
	case LOGIN_OK:
		count(s, POP3D_M_AUTH_OK, 1);
		s->relay = 1;
		return;
	case LOGIN_LOCKED:
		login_locked_out(s, a.failures);
		return;
	case LOGIN_NOT_MAILDIR:
		not_maildir(s, addr);
		return;
	case LOGIN_WRONG:
		login_failed(s, addr, a.failures);
		return;
	default:
		reply(s, "-ERR [SYS/TEMP] the users file cannot be read, try again later");
		s->fatal = 1;
	}
}

static void login(struct session *s, const char *name, const char *pass)
{
	char addr[ADDR_TEXT_MAX + 2];
	login_qualify(s->srv->cfg, name, addr, sizeof addr);
	if (s->srv->login_process) {
		login_asking(s, addr, pass);
		return;
	}
	const struct user *u;
	long failures;
	switch (login_verify(s->srv->cfg, s->srv->anvil, s->srv->users, s->peer.text, addr, pass, &u, &failures)) {
	case LOGIN_LOCKED:
		login_locked_out(s, failures);
		return;
	case LOGIN_WRONG:
		login_failed(s, addr, failures);
		return;
	case LOGIN_NOT_MAILDIR:
		not_maildir(s, addr);
		return;
	default:
		count(s, POP3D_M_AUTH_OK, 1);
		enter_transaction(s, u, tls_text(s));
	}
}

static void refuse_plaintext(struct session *s)
{
	count(s, POP3D_M_REFUSED_PLAINTEXT, 1);
	reply(s, "-ERR [AUTH] plaintext authentication is not allowed without TLS (use STLS)");
}

static void cmd_user(struct session *s, struct pop3_cmd *c)
{
	if (!plaintext_ok(s)) {
		refuse_plaintext(s);
		return;
	}
	if (c->nargs != 1) {
		reply(s, "-ERR usage: USER name");
		return;
	}
	str_copy(s->user, sizeof s->user, c->arg[0], strlen(c->arg[0]));
	s->have_user = 1;
	reply(s, "+OK send PASS");
}

static void cmd_pass(struct session *s, struct pop3_cmd *c)
{
	if (!plaintext_ok(s)) {
		refuse_plaintext(s);
		return;
	}
	if (!s->have_user) {
		reply(s, "-ERR USER first");
		return;
	}
	login(s, s->user, c->rest);
	explicit_bzero(c->arg, sizeof c->arg);
}

static void cmd_auth(struct session *s, struct pop3_cmd *c)
{
	if (c->nargs == 0) {
		reply(s, "+OK mechanisms follow");
		if (plaintext_ok(s))
			reply(s, "PLAIN");
		reply(s, ".");
		return;
	}
	if (strcasecmp(c->arg[0], "PLAIN")) {
		reply(s, "-ERR unsupported mechanism");
		return;
	}
	if (!plaintext_ok(s)) {
		refuse_plaintext(s);
		return;
	}
	const char *resp = c->nargs == 2 ? c->arg[1] : NULL;
	if (!resp) {
		reply(s, "+ ");
		flush(s);
		struct mail_err e;
		int r = get_line(s, POP3_SASL_LINE_MAX, &e);
		if (r == IO_TOOLONG) {
			reply(s, "-ERR [AUTH] response too long");
			return;
		}
		if (r != IO_LINE) {
			s->fatal = 1;
			return;
		}
		while (s->line.len && (s->line.ptr[s->line.len - 1] == '\n' ||
				       s->line.ptr[s->line.len - 1] == '\r'))
			s->line.len--;
		resp = buf_cstr(&s->line);
	}
	if (!strcmp(resp, "*")) {
		reply(s, "-ERR authentication cancelled");
		return;
	}
	char user[ADDR_TEXT_MAX + 1], pass[1024];
	if (pop3_sasl_plain(resp, strlen(resp), user, sizeof user, pass, sizeof pass) < 0) {
		reply(s, "-ERR [AUTH] malformed PLAIN response");
		s->errors++;
		return;
	}
	login(s, user, pass);
	explicit_bzero(pass, sizeof pass);
	if (s->line.ptr)
		explicit_bzero(s->line.ptr, s->line.cap);
}

static void cmd_stls(struct session *s, struct pop3_cmd *c)
{
	(void)c;
	if (!s->srv->tls || tls_active(&s->io)) {
		reply(s, "-ERR STLS not available");
		return;
	}
	reply(s, "+OK begin TLS negotiation");
	flush(s);
	struct mail_err e;
	/* tls_accept throws away whatever the client pipelined behind STLS:
	 * those bytes came in the clear and must not count as protected. */
	if (!s->fatal && tls_accept(&s->io, s->srv->tls, &e) < 0) {
		log_warn(NULL, "pop3 client=%s event=tls-failed error=\"%s\"", s->peer.text, LOG_QUOTED(e.msg));
		count(s, POP3D_M_TLS_FAILED, 1);
		s->fatal = 1;
		return;
	}
	count(s, POP3D_M_TLS_OK, !s->fatal);
	s->have_user = 0;
}

static void cmd_capa(struct session *s, struct pop3_cmd *c)
{
	(void)c;
	reply(s, "+OK capability list follows");
	reply(s, "TOP");
	reply(s, "UIDL");
	reply(s, "RESP-CODES");
	reply(s, "AUTH-RESP-CODE");
	reply(s, "PIPELINING");
	if (s->state == ST_AUTH) {
		if (plaintext_ok(s)) {
			reply(s, "USER");
			reply(s, "SASL PLAIN");
		}
		if (s->srv->tls && !tls_active(&s->io))
			reply(s, "STLS");
	}
	reply(s, "LOGIN-DELAY 0");
	reply(s, "EXPIRE NEVER");
	reply(s, "IMPLEMENTATION postbox");
	reply(s, ".");
}

/* --- transaction ------------------------------------------------------- */

static void cmd_stat(struct session *s, struct pop3_cmd *c)
{
	(void)c;
	size_t n = 0;
	long long total = 0;
	for (size_t i = 0; i < s->drop.n; i++) {
		if (!s->drop.v[i].deleted) {
			n++;
			total += s->drop.v[i].size;
		}
	}
	reply(s, "+OK %zu %lld", n, total);
}

static void list_or_uidl(struct session *s, struct pop3_cmd *c, int uidl)
{
	if (c->nargs > 1) {
		reply(s, "-ERR too many arguments");
		return;
	}
	if (c->nargs == 1) {
		long i = msg_arg(s, c->arg[0]);
		if (i < 0)
			return;
		if (uidl)
			reply(s, "+OK %ld %s", i + 1, s->drop.v[i].uid);
		else
			reply(s, "+OK %ld %lld", i + 1, s->drop.v[i].size);
		return;
	}
	reply(s, "+OK");
	for (size_t i = 0; i < s->drop.n; i++) {
		const struct maildrop_msg *m = &s->drop.v[i];
		if (m->deleted)
			continue;
		if (uidl)
			io_printf(&s->io, "%zu %s\r\n", i + 1, m->uid);
		else
			io_printf(&s->io, "%zu %lld\r\n", i + 1, m->size);
		if (s->io.out.len > 65536)
			flush(s);
	}
	reply(s, ".");
}

static void cmd_list(struct session *s, struct pop3_cmd *c)
{
	list_or_uidl(s, c, 0);
}

static void cmd_uidl(struct session *s, struct pop3_cmd *c)
{
	list_or_uidl(s, c, 1);
}

/* RETR (top < 0) and TOP: stream the file, converted and byte-stuffed. */
static void send_message(struct session *s, long i, long long top)
{
	struct mail_err e;
	int fd = maildrop_open_msg(&s->drop, (size_t)i, &e);
	if (fd < 0) {
		reply(s, "-ERR message %ld is gone (removed by someone else)", i + 1);
		return;
	}
	reply(s, "+OK %lld octets", s->drop.v[i].size);
	count(s, POP3D_M_RETRIEVED, top < 0);
	struct pop3_stuffer st;
	pop3_stuff_init(&st, top);
	char chunk[65536];
	long long left = s->drop.v[i].disk_size; /* -1: read to EOF */
	while (left != 0) {
		ssize_t r = read(fd, chunk, sizeof chunk);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			/* Past +OK there is no way to say -ERR: end the session
			 * (nothing is deleted). */
			log_err(NULL, "pop3 user=%s message %ld: %s", s->user, i + 1, strerror(errno));
			s->fatal = 1;
			close(fd);
			return;
		}
		if (r == 0 || st.done)
			break;
		if (left > 0)
			left = (long long)r >= left ? 0 : left - r;
		if (pop3_stuff(&st, chunk, (size_t)r, &s->io.out) < 0) {
			s->fatal = 1;
			close(fd);
			return;
		}
		if (s->io.out.len >= 131072)
			flush(s);
		if (s->fatal)
			break;
	}
	close(fd);
	pop3_stuff_end(&st, &s->io.out);
}

static void cmd_retr(struct session *s, struct pop3_cmd *c)
{
	long i;
	if (c->nargs != 1) {
		reply(s, "-ERR usage: RETR msg");
		return;
	}
	if ((i = msg_arg(s, c->arg[0])) >= 0)
		send_message(s, i, -1);
}

static void cmd_top(struct session *s, struct pop3_cmd *c)
{
	unsigned long lines;
	long i;
	if (c->nargs != 2) {
		reply(s, "-ERR usage: TOP msg lines");
		return;
	}
	if ((i = msg_arg(s, c->arg[0])) < 0)
		return;
	if (pop3_number(c->arg[1], 0, &lines) < 0) {
		reply(s, "-ERR invalid line count");
		return;
	}
	send_message(s, i, (long long)lines);
}

static void cmd_dele(struct session *s, struct pop3_cmd *c)
{
	long i;
	if (c->nargs != 1) {
		reply(s, "-ERR usage: DELE msg");
		return;
	}
	if ((i = msg_arg(s, c->arg[0])) < 0)
		return;
	s->drop.v[i].deleted = 1;
	reply(s, "+OK message %ld deleted", i + 1);
}

static void cmd_rset(struct session *s, struct pop3_cmd *c)
{
	(void)c;
	for (size_t i = 0; i < s->drop.n; i++)
		s->drop.v[i].deleted = 0;
	reply(s, "+OK");
}

static void cmd_noop(struct session *s, struct pop3_cmd *c)
{
	(void)c;
	reply(s, "+OK");
}

static void cmd_quit(struct session *s, struct pop3_cmd *c)
{
	(void)c;
	s->quit = 1;
	if (s->state != ST_TRANS) {
		reply(s, "+OK bye");
		return;
	}
	/* The UPDATE state (RFC 1939 §6): the only place mail is removed. */
	struct mail_err e;
	err_clear(&e);
	size_t deleted = 0;
	for (size_t i = 0; i < s->drop.n; i++)
		deleted += s->drop.v[i].deleted;
	if (maildrop_commit(&s->drop, s->srv->keep, &e) < 0) {
		reply(s, "-ERR [SYS/TEMP] some deleted messages were not removed");
		log_err(NULL, "pop3 user=%s error=\"%s\"", LOG_TOKEN(s->user), LOG_QUOTED(e.msg));
		return;
	}
	count(s, POP3D_M_DELETED, deleted);
	reply(s, "+OK bye (%zu messages %s)", deleted, s->srv->keep ? "kept as seen" : "removed");
	log_info(NULL, "pop3 logout user=%s client=%s deleted=%zu", s->user, s->peer.text, deleted);
}

/* --- dispatch ---------------------------------------------------------- */

struct command {
	const char *verb;
	unsigned states;
	void (*run)(struct session *s, struct pop3_cmd *c);
};

static const struct command commands[] = {
	{ "AUTH", ST_AUTH, cmd_auth },
	{ "CAPA", ST_AUTH | ST_TRANS, cmd_capa },
	{ "DELE", ST_TRANS, cmd_dele },
	{ "LIST", ST_TRANS, cmd_list },
	{ "NOOP", ST_TRANS, cmd_noop },
	{ "PASS", ST_AUTH, cmd_pass },
	{ "QUIT", ST_AUTH | ST_TRANS, cmd_quit },
	{ "RETR", ST_TRANS, cmd_retr },
	{ "RSET", ST_TRANS, cmd_rset },
	{ "STAT", ST_TRANS, cmd_stat },
	{ "STLS", ST_AUTH, cmd_stls },
	{ "TOP", ST_TRANS, cmd_top },
	{ "UIDL", ST_TRANS, cmd_uidl },
	{ "USER", ST_AUTH, cmd_user },
};

static void dispatch(struct session *s, const char *line, size_t n)
{
	struct pop3_cmd c;
	if (pop3_parse(line, n, &c) < 0) {
		reply(s, "-ERR malformed command");
		s->errors++;
		return;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		if (strcmp(commands[i].verb, c.verb))
			continue;
		if (!(commands[i].states & s->state)) {
			reply(s, "-ERR %s is not allowed %s", c.verb,
			      s->state == ST_AUTH ? "before login" : "after login");
			s->errors++;
			return;
		}
		commands[i].run(s, &c);
		explicit_bzero(&c, sizeof c);
		return;
	}
	reply(s, "-ERR unknown command");
	s->errors++;
}

/* Commands until QUIT, EOF, a timeout, an error or a handover. */
static void serve(struct session *s)
{
	struct mail_err e;
	err_clear(&e);
	while (!s->quit && !s->fatal && !s->relay) {
		int r = get_line(s, POP3_LINE_MAX, &e);
		if (r == IO_TOOLONG) {
			reply(s, "-ERR line too long (255 octets at most)");
			s->errors++;
		} else if (r == IO_LINE) {
			dispatch(s, s->line.ptr, s->line.len);
		} else {
			if (r == IO_ERR && e.smtp == 421 && !strcmp(e.status, "4.4.2")) {
				reply(s, "-ERR autologout: idle for too long");
				flush(s);
			}
			break; /* EOF, timeout or error: no UPDATE, nothing deleted */
		}
		if (s->errors >= MAX_ERRORS) {
			count(s, POP3D_M_REFUSED_PROTOCOL, 1);
			reply(s, "-ERR too many errors, goodbye");
			s->fatal = 1;
		}
		if (io_pending(&s->io) == 0 || s->quit || s->fatal || s->io.out.len > 65536)
			flush(s);
	}
	flush(s);
}

static void session_open(struct session *s, const struct pop3_server *srv, int rfd, int wfd,
			 const struct peer *client, struct io_fd_modes *saved)
{
	memset(s, 0, sizeof *s);
	s->srv = srv;
	s->state = ST_AUTH;
	s->peer = *client;
	io_init(&s->io, rfd, wfd, srv->timeout_ms, s->peer.text);
	buf_init(&s->line, 0);
	io_fds_nonblocking(saved, rfd, wfd);
}

static void session_close(struct session *s, const struct io_fd_modes *saved)
{
	if (tls_active(&s->io))
		tls_end(&s->io);
	maildrop_close(&s->drop);
	if (s->line.ptr)
		explicit_bzero(s->line.ptr, s->line.cap);
	buf_free(&s->line);
	io_free(&s->io);
	io_fds_restore(saved);
}

int pop3_session(const struct pop3_server *srv, const struct pop3_listen_opts *lo, int rfd,
		 int wfd, const struct peer *client, int *failed)
{
	struct session s;
	struct io_fd_modes saved;
	struct mail_err e;
	err_clear(&e);
	session_open(&s, srv, rfd, wfd, client, &saved);
	count(&s, POP3D_M_SESSIONS, 1);
	const struct preamble pre = { lo->proxy, lo->implicit_tls, srv->tls };
	int pr = preamble_run(&s.io, &pre, &s.peer, &e);
	if (lo->implicit_tls && pr != PREAMBLE_PROXY_FAILED)
		count(&s, pr == PREAMBLE_OK ? POP3D_M_TLS_OK : POP3D_M_TLS_FAILED, 1);
	if (pr != PREAMBLE_OK) {
		log_warn(NULL, "pop3 client=%s event=%s error=\"%s\"", s.peer.text,
			 pr == PREAMBLE_PROXY_FAILED ? "proxy-failed" : "tls-failed", LOG_QUOTED(e.msg));
	} else {
		reply(&s, "+OK postbox POP3 server ready");
		flush(&s);
		serve(&s);
		if (s.relay && !s.fatal)
			login_relay(&s.io, srv->login_fd);
	}
	session_close(&s, &saved);
	if (failed)
		*failed = s.failures;
	return s.quit || s.relay ? 0 : 1;
}

int pop3_transaction(const struct pop3_server *srv, int fd, const struct peer *client, const struct user *u,
		     const char *tls)
{
	struct session s;
	struct io_fd_modes saved;
	session_open(&s, srv, fd, fd, client, &saved);
	enter_transaction(&s, u, tls);
	/* This process has no users file: a failed opening ends the session. */
	if (s.state != ST_TRANS)
		s.fatal = 1;
	flush(&s);
	serve(&s);
	session_close(&s, &saved);
	return s.quit ? 0 : 1;
}

/* --- privilege separation (login_split.h) ------------------------------ */

struct separated {
	const struct pop3_server *srv;
	const struct pop3_listen_opts *lo;
	int rfd, wfd;
	const struct peer *client;
};

static int front(void *ctx, int login_fd)
{
	const struct separated *sp = ctx;
	struct pop3_server mine = *sp->srv;
	/* The metrics tally stays: it holds numbers only (tally.h), so a
	 * subverted login process could falsify counts, nothing more. */
	mine.anvil = NULL; /* unmapped in the login process */
	mine.users = NULL;
	mine.login_process = 1;
	mine.login_fd = login_fd;
	return pop3_session(&mine, sp->lo, sp->rfd, sp->wfd, sp->client, NULL);
}

static int back(void *ctx, int fd, const struct peer *client, const struct user *u, const char *tls)
{
	const struct separated *sp = ctx;
	return pop3_transaction(sp->srv, fd, client, u, tls);
}

int pop3_separated_session(const struct pop3_server *srv, const struct pop3_listen_opts *lo, int rfd, int wfd,
			   const struct peer *client, login_load_users_fn load, void *load_ctx)
{
	struct separated sp = { srv, lo, rfd, wfd, client };
	const struct login_split ls = {
		.proto = "pop3", .cfg = srv->cfg, .anvil = srv->anvil,
		.login_uid = srv->login_uid, .login_gid = srv->login_gid, .proxy = lo->proxy,
		.load = load, .load_ctx = load_ctx, .front = front, .back = back, .ctx = &sp,
	};
	return login_split_session(&ls, rfd, wfd, client);
}
