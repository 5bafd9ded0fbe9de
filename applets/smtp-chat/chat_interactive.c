/* chat_interactive.c — smtp-chat --interactive: the telnet session people
 * use to poke at a mail server, done right.
 *
 * Each typed line goes out with CRLF and its reply is shown before the next
 * line is read (so piped input behaves like typing); replies that arrive
 * unasked (a 421 on timeout) are shown as they come. After a 354 the typed
 * lines are message text: dot-stuffed, until a line holding a lone "."
 * ends it. Local commands start with ":" —
 *   :starttls        upgrade the connection in place (smtp-chat's TLS flags)
 *   :auth [MECH]     authenticate as --auth-user without typing base64
 *   :raw TEXT        send exact bytes (escapes \r \n \t \\ \0 \xHH); when
 *                    they end with a line end, wait for the reply
 *   :history         the commands typed so far, numbered
 *   !N, !!           send command N (or the last one) again
 *   :quit            QUIT and leave        :help   this list
 * End of input leaves without QUIT. Works over plain, STARTTLS and
 * implicit TLS connections alike. Exit: 0, or 2 (connect) / 29 (TLS).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "chat/chat_script.h"
#include "../applets.h"
#include "chat.h"

static const char help_text[] =
	"local commands: :starttls  :auth [MECH]  :raw TEXT  :history  !N  !!  :quit  :help\n"
	"after a 354 reply, lines are message text until a line with a lone \".\"\n";

struct tty {
	struct chat_opts *o;
	struct chat_out *out;
	struct smtp_client c;
	int data;                /* typing message text */
	char *last_cmd;          /* verb of the last command, to spot DATA / EHLO */
	char *history[256];      /* commands typed (not message text) */
	size_t nhistory;
};

/* Read and show one reply; learn the extensions after EHLO. */
static int reply(struct tty *t)
{
	struct mail_err e;
	int code = smtp_read_reply(&t->c, &e);
	if (code < 0) {
		chat_out_note(t->out, "%s", e.msg);
		return -1;
	}
	if (code / 100 == 2 && t->last_cmd && !strcasecmp(t->last_cmd, "EHLO")) {
		t->c.esmtp = 1;
		smtp_ext_parse(&t->c.ext, t->c.reply.text.ptr ? t->c.reply.text.ptr : "",
			       t->c.reply.text.len);
	}
	if (code == 354)
		t->data = 1;
	return code;
}

static int local_command(struct tty *t, const char *line)
{
	struct mail_err e;
	const char *arg = line + strcspn(line, " ");
	arg += strspn(arg, " ");
	if (!strncmp(line, ":quit", 5)) {
		smtp_quit(&t->c);
		return 1;
	}
	if (!strncmp(line, ":help", 5)) {
		fputs(help_text, t->out->f);
	} else if (!strncmp(line, ":starttls", 9)) {
		struct tls_ctx *ctx = chat_tls_ctx(t->o, &e);
		if (!ctx || smtp_starttls(&t->c, ctx, &e) < 0) {
			chat_out_note(t->out, "%s", e.msg);
			return t->c.broken ? -1 : 0;
		}
	} else if (!strncmp(line, ":auth", 5)) {
		unsigned mech = *arg ? smtp_auth_mech(arg) : t->o->auth_mech;
		if (!t->o->auth_user)
			chat_out_note(t->out, ":auth needs --auth-user (and a password source)");
		else if (*arg && !mech)
			chat_out_note(t->out, "unknown mechanism \"%s\"", arg);
		else if (smtp_auth(&t->c, mech, t->o->auth_user, t->o->password, &e) < 0)
			chat_out_note(t->out, "%s", e.msg);
	} else if (!strncmp(line, ":history", 8)) {
		for (size_t i = 0; i < t->nhistory; i++)
			fprintf(t->out->f, "%4zu  %s\n", i + 1, t->history[i]);
	} else if (!strncmp(line, ":raw", 4)) {
		struct buf raw = BUF_INIT;
		if (chat_unescape(arg, strlen(arg), &raw, &e) < 0)
			chat_out_note(t->out, ":raw: %s", e.msg);
		else if (smtp_queue_raw(&t->c, raw.ptr ? raw.ptr : "", raw.len) < 0 ||
			 smtp_flush(&t->c, &e) < 0)
			chat_out_note(t->out, "%s", e.msg);
		else if (raw.len && raw.ptr && raw.ptr[raw.len - 1] == '\n')
			reply(t); /* a whole line: its reply, as for a typed one */
		buf_free(&raw);
	} else {
		chat_out_note(t->out, "unknown local command (:help lists them)");
	}
	return t->c.broken ? -1 : 0;
}

/* One typed line; 1 to leave, -1 when the connection is gone. */
static int typed(struct tty *t, char *line)
{
	struct mail_err e;
	size_t n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	if (t->data) {
		if (!strcmp(line, ".")) {
			t->data = 0;
			smtp_queue_raw(&t->c, ".\r\n", 3);
			if (smtp_flush(&t->c, &e) < 0)
				return -1;
			return reply(t) < 0 ? -1 : 0;
		}
		/* dot-stuffing: a typed ".x" travels as "..x" */
		struct buf b = BUF_INIT;
		if (line[0] == '.')
			buf_addc(&b, '.');
		buf_add(&b, line, n);
		buf_add(&b, "\r\n", 2);
		smtp_queue_raw(&t->c, b.ptr, b.len);
		buf_free(&b);
		return smtp_flush(&t->c, &e) < 0 ? -1 : 0;
	}
	if (line[0] == ':')
		return local_command(t, line);
	if (!n)
		return 0;
	if (line[0] == '!') {
		/* !N or !!: a command from the history, sent again */
		size_t k = !strcmp(line, "!!") ? t->nhistory : (size_t)strtoul(line + 1, NULL, 10);
		if (k < 1 || k > t->nhistory) {
			chat_out_note(t->out, "no command %s in the history (:history lists them)", line);
			return 0;
		}
		line = t->history[k - 1];
	} else if (t->nhistory < sizeof t->history / sizeof t->history[0]) {
		t->history[t->nhistory] = strdup(line);
		if (t->history[t->nhistory])
			t->nhistory++;
	}
	free(t->last_cmd);
	t->last_cmd = strndup(line, strcspn(line, " "));
	smtp_queue_cmd(&t->c, "%s", line);
	if (smtp_flush(&t->c, &e) < 0) {
		chat_out_note(t->out, "%s", e.msg);
		return -1;
	}
	int code = reply(t);
	if (code < 0)
		return -1;
	return code == 221 && !strcasecmp(t->last_cmd, "QUIT") ? 1 : 0;
}

int chat_interactive_main(struct chat_opts *o, struct chat_out *out)
{
	struct tty t = { .o = o, .out = out };
	struct mail_err e;
	struct io in;
	struct buf line = BUF_INIT;
	int rc = 0;
	io_init(&in, 0, -1, -1, "stdin");
	out->color = isatty(1);
	if (chat_connect(o, &t.c, out, &e) < 0) {
		chat_out_summary(out, e.ex == CHAT_EX_TLS ? CHAT_EX_TLS : CHAT_EX_CONNECT, "connect",
				 e.msg, NULL);
		return e.ex == CHAT_EX_TLS ? CHAT_EX_TLS : CHAT_EX_CONNECT;
	}
	if (isatty(0))
		fputs(help_text, out->f);
	if (reply(&t) < 0)
		goto done;
	for (;;) {
		struct pollfd p[2] = { { .fd = 0, .events = POLLIN }, { .fd = t.c.io.rfd, .events = POLLIN } };
		int ready = io_pending(&t.c.io) > 0 ||
			    (t.c.io.buffered && t.c.io.buffered(&t.c.io) > 0);
		int typed_ahead = io_pending(&in) > 0 && memchr(in.in + in.in_pos, '\n', io_pending(&in));
		if (!ready && !typed_ahead && poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (ready || (p[1].revents & (POLLIN | POLLHUP))) {
			/* something came unasked: show it (or the hang-up) */
			if (reply(&t) < 0)
				break;
			continue;
		}
		if (!typed_ahead && !(p[0].revents & (POLLIN | POLLHUP)))
			continue;
		int g = io_getline(&in, &line, 8192, &e);
		if (g == IO_EOF || g == IO_ERR)
			break;
		if (g == IO_TOOLONG) {
			chat_out_note(out, "line longer than 8192 bytes: not sent");
			continue;
		}
		int r = typed(&t, (char *)buf_cstr(&line));
		if (r != 0)
			break;
	}
done:
	chat_finish(o, &t.c);
	buf_free(&line);
	io_free(&in);
	free(t.last_cmd);
	for (size_t i = 0; i < t.nhistory; i++)
		free(t.history[i]);
	chat_out_summary(out, rc, "interactive", "session ended", NULL);
	return rc;
}
