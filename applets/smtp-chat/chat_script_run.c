/* chat_script_run.c — smtp-chat --script: runs a chat script (the language is in
 * libmail/chat/chat_script.h) over one connection. smtp-chat.c reads the
 * script's text (o->script_text) and calls chat_script_main; this file
 * needs nothing back from it.
 *
 * Sends are queued and go out together at the next expect, sleep,
 * starttls, close or the end of the script, so a script can pipeline.
 * Exit: 0 when every step held; 1 at the first expect (or ehlo, starttls,
 * auth) that did not, naming the line, what was expected and what came;
 * 64-78 when the script could not run (65 a bad script, 64 usage, 66 no
 * such file, 69/75 no connection).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chat/chat_script.h"
#include "../applets.h"
#include "chat.h"

struct loop {
	size_t at;              /* index of the repeat step */
	unsigned long count, i;
};

struct runner {
	struct chat_opts *o;
	struct chat_out *out;
	struct smtp_client c;
	int connected;
	struct chat_vars vars;
	struct loop loops[CHAT_SCRIPT_MAX_DEPTH];
	size_t depth;
	char why[700];
};

static int failed(struct runner *r, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int failed(struct runner *r, int line, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(r->why, sizeof r->why, "%s:%d: %s", r->o->script, line, msg);
	return -1;
}

static void set_n(struct runner *r)
{
	char v[32];
	struct mail_err e;
	snprintf(v, sizeof v, "%lu", r->depth ? r->loops[r->depth - 1].i : 0UL);
	chat_vars_set(&r->vars, "N", 1, v, &e);
}

static int flush(struct runner *r, int line)
{
	struct mail_err e;
	if (r->c.io.out.len == 0)
		return 0;
	if (!r->connected)
		return failed(r, line, "not connected (after close)");
	if (smtp_flush(&r->c, &e) < 0)
		return failed(r, line, "%s", e.msg);
	return 0;
}

static int do_expect(struct runner *r, const struct chat_step *st, const char *spec)
{
	struct chat_expect x;
	struct mail_err e;
	char got[400];
	err_clear(&e);
	if (chat_expect_parse(&x, spec, &e) < 0)
		return failed(r, st->line, "%s", e.msg);
	if (flush(r, st->line) < 0) {
		chat_expect_free(&x);
		return -1;
	}
	int code = r->connected ? smtp_read_reply(&r->c, &e) : -1;
	int ok;
	if (code < 0) {
		/* EOF before any byte of a reply is "closed"; anything else
		 * (timeout, a malformed reply) can never match. */
		int closed = !r->connected || strstr(e.msg, "connection closed") != NULL;
		if (closed && !strstr(e.msg, "mid-reply"))
			snprintf(got, sizeof got, "the connection closed");
		else
			snprintf(got, sizeof got, "%s", e.msg);
		ok = closed && !strstr(e.msg, "mid-reply") && chat_expect_match(&x, 0, "", 0);
	} else {
		smtp_reply_summary(&r->c.reply, got, sizeof got);
		ok = chat_expect_match(&x, code, r->c.reply.text.ptr ? r->c.reply.text.ptr : "",
				       r->c.reply.text.len);
	}
	chat_expect_free(&x);
	chat_out_expect(r->out, st->line, spec, ok, got);
	if (!ok)
		return failed(r, st->line, "expected %s, got %s", spec, got);
	return 0;
}

static int do_repeat(struct runner *r, const struct chat_step *st, const char *arg, size_t *pc)
{
	char *end;
	errno = 0;
	unsigned long n = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || n > 100000000UL)
		return failed(r, st->line, "repeat: not a count: \"%s\"", arg);
	if (n == 0) {
		*pc = st->jump + 1;
		return 0;
	}
	r->loops[r->depth++] = (struct loop){ *pc, n, 1 };
	set_n(r);
	(*pc)++;
	return 0;
}

static int do_end(struct runner *r, size_t *pc)
{
	struct loop *l = &r->loops[r->depth - 1];
	if (++l->i <= l->count) {
		*pc = l->at + 1;
	} else {
		r->depth--;
		(*pc)++;
	}
	set_n(r);
	return 0;
}

static int do_sleep(struct runner *r, const struct chat_step *st, const char *arg)
{
	char *end;
	double s = strtod(arg, &end);
	if (end == arg || *end || !(s >= 0 && s <= 3600))
		return failed(r, st->line, "sleep: not a number of seconds: \"%s\"", arg);
	if (flush(r, st->line) < 0)
		return -1;
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	return 0;
}

static int step(struct runner *r, const struct chat_step *st, size_t *pc)
{
	struct mail_err e;
	struct buf arg = BUF_INIT, raw = BUF_INIT;
	int rc = 0;
	if (chat_expand(&r->vars, st->arg, &arg, &e) < 0) {
		rc = failed(r, st->line, "%s", e.msg);
		goto out;
	}
	const char *a = buf_cstr(&arg);
	if (st->verb != CV_REPEAT && st->verb != CV_END)
		(*pc)++;
	if (!r->connected && st->verb != CV_SLEEP && st->verb != CV_SET &&
	    st->verb != CV_REPEAT && st->verb != CV_END) {
		rc = failed(r, st->line, "%s: not connected (after close)", chat_verb_name(st->verb));
		goto out;
	}
	switch (st->verb) {
	case CV_SEND:
		smtp_queue_cmd(&r->c, "%s", a);
		break;
	case CV_SEND_RAW:
		if (chat_unescape(a, arg.len, &raw, &e) < 0) {
			rc = failed(r, st->line, "send-raw: %s", e.msg);
			break;
		}
		smtp_queue_raw(&r->c, raw.ptr ? raw.ptr : "", raw.len);
		break;
	case CV_EXPECT:
		rc = do_expect(r, st, a);
		break;
	case CV_EHLO:
		if (flush(r, st->line) < 0 || smtp_ehlo(&r->c, *a ? a : r->o->ehlo, &e) < 0)
			rc = r->why[0] ? -1 : failed(r, st->line, "ehlo: %s", e.msg);
		break;
	case CV_STARTTLS: {
		struct tls_ctx *ctx = chat_tls_ctx(r->o, &e);
		if (!ctx || flush(r, st->line) < 0 || smtp_starttls(&r->c, ctx, &e) < 0)
			rc = r->why[0] ? -1 : failed(r, st->line, "starttls: %s", e.msg);
		break;
	}
	case CV_AUTH: {
		unsigned mech = *a ? smtp_auth_mech(a) : r->o->auth_mech;
		if (*a && !mech)
			rc = failed(r, st->line, "auth: unknown mechanism \"%s\"", a);
		else if (flush(r, st->line) < 0 ||
			 smtp_auth(&r->c, mech, r->o->auth_user, r->o->password, &e) < 0)
			rc = r->why[0] ? -1 : failed(r, st->line, "auth: %s", e.msg);
		break;
	}
	case CV_MESSAGE: {
		struct smtp_dot d;
		size_t before = r->c.io.out.len;
		smtp_dot_init(&d, 1);
		smtp_dot_encode(&d, r->o->message.ptr ? r->o->message.ptr : "", r->o->message.len,
				&r->c.io.out);
		smtp_dot_finish(&d, &r->c.io.out);
		chat_out_trace(r->out, SMTP_TRACE_DATA, r->c.io.out.ptr + before,
			       r->c.io.out.len - before);
		break;
	}
	case CV_SLEEP:
		rc = do_sleep(r, st, a);
		break;
	case CV_REPEAT:
		rc = do_repeat(r, st, a, pc);
		break;
	case CV_END:
		rc = do_end(r, pc);
		break;
	case CV_SET: {
		size_t w = strcspn(a, " \t");
		const char *v = a + w + strspn(a + w, " \t");
		if (chat_vars_set(&r->vars, a, w, v, &e) < 0)
			rc = failed(r, st->line, "set: %s", e.msg);
		break;
	}
	case CV_CLOSE:
		rc = flush(r, st->line);
		chat_finish(r->o, &r->c);
		r->connected = 0;
		chat_out_note(r->out, "connection closed by the script");
		break;
	}
out:
	buf_free(&arg);
	buf_free(&raw);
	return rc;
}

int chat_script_main(struct chat_opts *o, struct chat_out *out)
{
	struct runner r = { .o = o, .out = out };
	struct chat_script s;
	const struct buf *text = &o->script_text;
	struct mail_err e;
	int rc = 0;
	if (chat_script_parse(&s, text->ptr ? text->ptr : "", text->len, &e) < 0)
		die(EX_DATAERR, "%s: %s", o->script, e.msg);
	for (size_t i = 0; i < s.n; i++)
		if (s.steps[i].verb == CV_AUTH && !o->auth_user)
			die(EX_USAGE, "%s:%d: auth needs --auth-user", o->script, s.steps[i].line);
	chat_vars_set(&r.vars, "FROM", 4, o->from, &e);
	chat_vars_set(&r.vars, "TO", 2, o->nto ? o->to[0] : "", &e);
	chat_vars_set(&r.vars, "HOST", 4, o->host, &e);
	chat_vars_set(&r.vars, "EHLO", 4, o->ehlo, &e);
	set_n(&r);
	for (size_t i = 0; i < o->nvars; i++)
		if (chat_vars_assign(&r.vars, o->vars[i], &e) < 0)
			die(EX_USAGE, "%s", e.msg);
	if (chat_connect(o, &r.c, out, &e) < 0) {
		rc = e.ex == CHAT_EX_TLS || !e.ex ? EX_UNAVAILABLE : e.ex;
		snprintf(r.why, sizeof r.why, "%s", e.msg);
		goto done;
	}
	r.connected = 1;
	for (size_t pc = 0; pc < s.n;) {
		if (step(&r, &s.steps[pc], &pc) < 0) {
			rc = CHAT_EX_EXPECT;
			goto done;
		}
	}
	if (flush(&r, s.n ? s.steps[s.n - 1].line : 0) < 0)
		rc = CHAT_EX_EXPECT;
done:
	if (r.connected || o->pipe_pid)
		chat_finish(o, &r.c);
	chat_out_summary(out, rc, "script", rc ? r.why : "every expectation held", NULL);
	chat_script_free(&s);
	chat_vars_free(&r.vars);
	return rc;
}
