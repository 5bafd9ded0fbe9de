/* imap_session.c — the IMAP session's loop: bytes to the command reader,
 * commands to their files, replies; see imap_session.h. */
#include "imap/imap_session.h"

#include <stddef.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/log.h"
#include "imap/imap_state.h"
#include "net/preamble.h"

#define MAX_ERRORS 20
/* A started command: its line within this, literals at least this fast. */
#define COMMAND_DEADLINE_MS 60000
#define LITERAL_MIN_RATE 1024
/* A literal before login: a user name or a password, no more. */
#define PRELOGIN_LITERAL_MAX 1024

/* --- replies ----------------------------------------------------------- */

void imap_untagged(struct imap_sess *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_adds(&s->io.out, "* ");
	buf_vaddf(&s->io.out, fmt, ap);
	va_end(ap);
	buf_adds(&s->io.out, "\r\n");
}

void imap_tagged(struct imap_sess *s, const char *status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_addf(&s->io.out, "%s %s ", s->tag, status);
	buf_vaddf(&s->io.out, fmt, ap);
	va_end(ap);
	buf_adds(&s->io.out, "\r\n");
}

void imap_flush(struct imap_sess *s)
{
	struct mail_err e;
	if (io_flush(&s->io, &e) < 0)
		s->fatal = 1;
}

void imap_continue(struct imap_sess *s, const char *text)
{
	buf_addf(&s->io.out, "+ %s\r\n", text);
	imap_flush(s);
}

void imap_bad(struct imap_sess *s, const char *text)
{
	imap_tagged(s, "BAD", "%s", text);
	s->errors++;
}

/* --- dispatch ---------------------------------------------------------- */

struct command {
	const char *name;
	unsigned states;
	imap_command_fn *run;
	int uid_form;            /* allowed after UID */
	int messages;            /* reads the selected mailbox's messages: a
				  * view SELECT opened lazily is filled first */
};

static const struct command commands[] = {
	{ "APPEND", IS_LOGGED_IN, imap_cmd_append, 0, 0 },
	{ "AUTHENTICATE", IS_NOT_AUTH, imap_cmd_authenticate, 0, 0 },
	{ "CAPABILITY", IS_ANY, imap_cmd_capability, 0, 0 },
	{ "CHECK", IS_SELECTED, imap_cmd_noop, 0, 0 },
	{ "CLOSE", IS_SELECTED, imap_cmd_close, 0, 0 },
	{ "COPY", IS_SELECTED, imap_cmd_copy, 1, 1 },
	{ "CREATE", IS_LOGGED_IN, imap_cmd_create, 0, 0 },
	{ "DELETE", IS_LOGGED_IN, imap_cmd_delete, 0, 0 },
	{ "ENABLE", IS_LOGGED_IN, imap_cmd_enable, 0, 0 },
	{ "EXAMINE", IS_LOGGED_IN, imap_cmd_select, 0, 0 },
	{ "EXPUNGE", IS_SELECTED, imap_cmd_expunge, 1, 1 },
	{ "FETCH", IS_SELECTED, imap_cmd_fetch, 1, 1 },
	{ "ID", IS_ANY, imap_cmd_id, 0, 0 },
	{ "IDLE", IS_LOGGED_IN, imap_cmd_idle, 0, 0 },
	{ "LIST", IS_LOGGED_IN, imap_cmd_list, 0, 0 },
	{ "LOGIN", IS_NOT_AUTH, imap_cmd_login, 0, 0 },
	{ "LOGOUT", IS_ANY, imap_cmd_logout, 0, 0 },
	{ "LSUB", IS_LOGGED_IN, imap_cmd_list, 0, 0 },
	{ "MOVE", IS_SELECTED, imap_cmd_copy, 1, 1 },
	{ "NAMESPACE", IS_LOGGED_IN, imap_cmd_namespace, 0, 0 },
	{ "NOOP", IS_ANY, imap_cmd_noop, 0, 0 },
	{ "RENAME", IS_LOGGED_IN, imap_cmd_rename, 0, 0 },
	{ "SEARCH", IS_SELECTED, imap_cmd_search, 1, 1 },
	{ "SELECT", IS_LOGGED_IN, imap_cmd_select, 0, 0 },
	{ "STARTTLS", IS_NOT_AUTH, imap_cmd_starttls, 0, 0 },
	{ "STATUS", IS_LOGGED_IN, imap_cmd_status, 0, 0 },
	{ "STORE", IS_SELECTED, imap_cmd_store, 1, 1 },
	{ "SUBSCRIBE", IS_LOGGED_IN, imap_cmd_subscribe, 0, 0 },
	{ "UNSELECT", IS_SELECTED, imap_cmd_close, 0, 0 },
	{ "UNSUBSCRIBE", IS_LOGGED_IN, imap_cmd_subscribe, 0, 0 },
};

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcasecmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

/* The selected mailbox's messages, read now if SELECT answered from
 * the index's header alone. 0, or -1 after a tagged NO. */
static int fill_view(struct imap_sess *s)
{
	struct mail_err e;
	err_clear(&e);
	if (mailfolder_fill(&s->box, &e) == 0)
		return 0;
	log_err(NULL, "imap user=%s event=sync-failed mailbox=%s error=\"%s\"", LOG_TOKEN(s->user),
		LOG_TOKEN(s->box.name), LOG_QUOTED(e.msg));
	imap_tagged(s, "NO", "[SERVERBUG] cannot read the mailbox");
	return -1;
}

static void dispatch(struct imap_sess *s, const struct imap_command *c)
{
	str_copy(s->tag, sizeof s->tag, c->tag, strlen(c->tag));
	const char *name = c->name;
	int uid = 0;
	if (!strcasecmp(name, "UID")) {
		if (!c->args || c->args->type != IMAP_ARG_ATOM) {
			imap_bad(s, "UID needs a command");
			return;
		}
		name = c->args->s;
		uid = 1;
	}
	const struct command *cmd = find_command(name);
	if (!cmd || (uid && !cmd->uid_form)) {
		imap_bad(s, uid ? "unknown UID command" : "unknown command");
		return;
	}
	if (!(cmd->states & s->state)) {
		imap_tagged(s, "BAD", "%s is not allowed %s", cmd->name,
			    s->state == IS_NOT_AUTH ? "before login"
			    : s->state == IS_AUTH   ? "without a selected mailbox"
						    : "after login");
		s->errors++;
		return;
	}
	if (cmd->messages && fill_view(s) < 0)
		return;
	struct imap_command shifted = *c;
	if (uid) {
		shifted.name = c->args->s;
		shifted.args = c->args->next;
		shifted.nargs = c->nargs - 1;
	}
	cmd->run(s, &shifted, uid);
}

/* APPEND's streamed messages are kept for one command only (and their
 * memory given back: an idle session stays small). */
static void literal_reset(struct imap_sess *s)
{
	buf_free(&s->literal);
	s->literal_refused = 0;
}

/* A literal is announced: take it within the limits, or refuse it. */
static void literal(struct imap_sess *s)
{
	const struct imap_literal_info *l = &s->rd.lit;
	str_copy(s->tag, sizeof s->tag, s->rd.tag[0] ? s->rd.tag : "*", strlen(s->rd.tag[0] ? s->rd.tag : "*"));
	int accepted;
	if (s->state == IS_NOT_AUTH) {
		accepted = l->size <= PRELOGIN_LITERAL_MAX && imap_reader_accept(&s->rd, IMAP_LIT_STORE) == 0;
	} else if (!strcmp(s->rd.name, "APPEND") && l->index >= 1) {
		/* a message (the mailbox name is argument 0); MULTIAPPEND's
		 * follow one another in s->literal, all of them within
		 * max_append, since all are held until the last has come */
		uint64_t room = s->srv->max_append > 0 ? (uint64_t)s->srv->max_append : 0;
		accepted = l->size <= room && s->literal.len <= room - l->size &&
			   imap_reader_accept(&s->rd, IMAP_LIT_STREAM) == 0;
	} else {
		accepted = imap_reader_accept(&s->rd, IMAP_LIT_STORE) == 0;
	}
	if (!accepted) {
		/* The reader skips the octets of a {N+} the client sends anyway. */
		imap_reader_refuse(&s->rd);
		literal_reset(s);
		imap_tagged(s, "NO", "[TOOBIG] literal of %llu octets refused", (unsigned long long)l->size);
		s->errors++;
		return;
	}
	if (!l->nonsync)
		imap_continue(s, "Ready for literal data");
}

static void raw_line(struct imap_sess *s)
{
	enum imap_want_line w = s->want;
	s->want = WANT_NONE;
	if (w == WANT_SASL) {
		imap_sasl_line(s, s->rd.line, s->rd.line_len);
	} else if (w == WANT_DONE) {
		imap_idle_done(s, s->rd.line, s->rd.line_len);
	} else {
		imap_untagged(s, "BAD unexpected line");
		s->errors++;
	}
}

/* A started command's deadline: 60 s, or the autologout if shorter. */
static int command_deadline(const struct imap_sess *s)
{
	return s->srv->timeout_ms < COMMAND_DEADLINE_MS ? s->srv->timeout_ms : COMMAND_DEADLINE_MS;
}

/* Commands until LOGOUT, EOF, a timeout, an error or a handover. */
static void serve(struct imap_sess *s)
{
	struct mail_err e;
	err_clear(&e);
	int started = 0; /* bytes of a command have come: its deadline runs */
	io_deadline(&s->io, s->srv->timeout_ms, 0);
	while (!s->logout && !s->fatal && !s->relay) {
		if (s->errors >= MAX_ERRORS) {
			imap_untagged(s, "BYE too many errors, goodbye");
			imap_count(s, IMAPD_M_REFUSED_PROTOCOL, 1);
			s->fatal = 1;
			break;
		}
		if (io_pending(&s->io) == 0) {
			imap_flush(s);
			if (s->want == WANT_DONE && imap_idle_wait(s) < 0)
				break;
		}
		const char *p;
		ssize_t n = io_peek(&s->io, &p, &e);
		if (n <= 0) {
			if (n < 0 && e.smtp == 421 && !strcmp(e.status, "4.4.2")) {
				imap_untagged(s, "BYE autologout: %s", started ? "the command took too long" : "idle for too long");
				imap_flush(s);
			}
			break;
		}
		if (!started) {
			started = 1;
			io_deadline(&s->io, command_deadline(s), LITERAL_MIN_RATE);
		}
		size_t used = 0;
		enum imap_read r = imap_reader_step(&s->rd, p, (size_t)n, &used);
		io_skip(&s->io, used);
		int done = 1;
		switch (r) {
		case IMAP_READ_MORE:
			done = 0;
			break;
		case IMAP_READ_COMMAND:
			dispatch(s, &s->rd.cmd);
			literal_reset(s);
			break;
		case IMAP_READ_LITERAL:
			literal(s);
			done = 0;
			break;
		case IMAP_READ_DATA:
			if (buf_add(&s->literal, s->rd.data, s->rd.data_len) < 0)
				s->literal_refused = 1;
			done = 0;
			break;
		case IMAP_READ_LINE:
			raw_line(s);
			break;
		case IMAP_READ_BAD:
			str_copy(s->tag, sizeof s->tag, s->rd.tag[0] ? s->rd.tag : "*",
				 strlen(s->rd.tag[0] ? s->rd.tag : "*"));
			if (s->rd.err.code && s->rd.err.code[0])
				imap_tagged(s, "BAD", "[%s] %s", s->rd.err.code, s->rd.err.text);
			else
				imap_tagged(s, "BAD", "%s", s->rd.err.text);
			s->errors++;
			literal_reset(s);
			break;
		case IMAP_READ_CLOSE:
			imap_untagged(s, "BYE %s", s->rd.err.text);
			s->fatal = 1;
			break;
		}
		if (done) {
			/* The next command: idle again until its first byte. */
			started = 0;
			io_deadline(&s->io, s->want == WANT_NONE ? s->srv->timeout_ms : command_deadline(s), 0);
		}
		if (s->io.out.len > 65536)
			imap_flush(s);
	}
	imap_flush(s);
}

/* --- the session ------------------------------------------------------- */

static void session_open(struct imap_sess *s, const struct imap_server *srv, int rfd, int wfd,
			 const struct peer *client, struct io_fd_modes *saved)
{
	memset(s, 0, offsetof(struct imap_sess, io));
	s->srv = srv;
	s->state = IS_NOT_AUTH;
	s->peer = *client;
	str_copy(s->tag, sizeof s->tag, "*", 1);
	io_init(&s->io, rfd, wfd, srv->timeout_ms, s->peer.text);
	struct imap_limits lim;
	imap_limits_default(&lim);
	imap_reader_init(&s->rd, &lim);
	buf_init(&s->literal, 0);
	io_fds_nonblocking(saved, rfd, wfd);
}

static void session_close(struct imap_sess *s, const struct io_fd_modes *saved)
{
	if (tls_active(&s->io))
		tls_end(&s->io);
	imap_close_mailbox(s);
	imap_reader_free(&s->rd);
	buf_free(&s->literal);
	io_free(&s->io);
	io_fds_restore(saved);
}

void imap_count(struct imap_sess *s, enum imapd_metric m, unsigned long long n)
{
	tally_add(s->srv->metrics, m, n);
}

size_t imap_gone_count(const struct imap_sess *s)
{
	size_t n = 0;
	for (size_t i = 0; s->box_open && !s->box.lazy && i < s->box.n; i++)
		n += s->box.v[i].gone != 0;
	return n;
}

int imap_session(const struct imap_server *srv, const struct imap_listen_opts *lo, int rfd, int wfd,
		 const struct peer *client, int *failed)
{
	struct imap_sess s;
	struct io_fd_modes saved;
	struct mail_err e;
	err_clear(&e);
	session_open(&s, srv, rfd, wfd, client, &saved);
	const struct preamble pre = { lo->proxy, lo->implicit_tls, srv->tls };
	imap_count(&s, IMAPD_M_SESSIONS, 1);
	int pr = preamble_run(&s.io, &pre, &s.peer, &e);
	if (lo->implicit_tls && pr != PREAMBLE_PROXY_FAILED)
		imap_count(&s, pr == PREAMBLE_OK ? IMAPD_M_TLS_OK : IMAPD_M_TLS_FAILED, 1);
	if (pr != PREAMBLE_OK) {
		log_warn(NULL, "imap client=%s event=%s error=\"%s\"", s.peer.text,
			 pr == PREAMBLE_PROXY_FAILED ? "proxy-failed" : "tls-failed", LOG_QUOTED(e.msg));
	} else {
		struct buf caps = BUF_INIT;
		imap_capabilities(&s, &caps);
		imap_untagged(&s, "OK [CAPABILITY %s] postbox IMAP server ready", buf_cstr(&caps));
		buf_free(&caps);
		serve(&s);
		if (s.relay && !s.fatal)
			login_relay(&s.io, srv->login_fd);
	}
	session_close(&s, &saved);
	if (failed)
		*failed = s.failures;
	return s.logout || s.relay ? 0 : 1;
}

/* The root process after a good login: the login process has answered
 * the client's LOGIN; serve the authenticated state on fd. */
static int authenticated(const struct imap_server *srv, int fd, const struct peer *client, const struct user *u,
			 const char *tls)
{
	struct imap_sess s;
	struct io_fd_modes saved;
	session_open(&s, srv, fd, fd, client, &saved);
	if (imap_enter_authenticated(&s, u, tls) < 0) {
		imap_untagged(&s, "BYE [UNAVAILABLE] cannot open the mailbox");
		s.fatal = 1;
	}
	serve(&s);
	session_close(&s, &saved);
	return s.logout ? 0 : 1;
}

/* --- privilege separation (login_split.h) ------------------------------ */

struct separated {
	const struct imap_server *srv;
	const struct imap_listen_opts *lo;
	int rfd, wfd;
	const struct peer *client;
};

static int front(void *ctx, int login_fd)
{
	const struct separated *sp = ctx;
	struct imap_server mine = *sp->srv;
	mine.anvil = NULL; /* unmapped in the login process */
	mine.users = NULL;
	mine.login_process = 1;
	mine.login_fd = login_fd;
	return imap_session(&mine, sp->lo, sp->rfd, sp->wfd, sp->client, NULL);
}

static int back(void *ctx, int fd, const struct peer *client, const struct user *u, const char *tls)
{
	const struct separated *sp = ctx;
	return authenticated(sp->srv, fd, client, u, tls);
}

int imap_separated_session(const struct imap_server *srv, const struct imap_listen_opts *lo, int rfd, int wfd,
			   const struct peer *client, login_load_users_fn load, void *load_ctx)
{
	struct separated sp = { srv, lo, rfd, wfd, client };
	const struct login_split ls = {
		.proto = "imap", .cfg = srv->cfg, .anvil = srv->anvil,
		.login_uid = srv->login_uid, .login_gid = srv->login_gid, .proxy = lo->proxy,
		.load = load, .load_ctx = load_ctx, .front = front, .back = back, .ctx = &sp,
	};
	return login_split_session(&ls, rfd, wfd, client);
}
