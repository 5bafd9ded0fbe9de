/* smtp_client_txn.c — one mail transaction on an SMTP session: MAIL, RCPT...,
 * DATA or BDAT and the message text (see smtp_client_txn.h).
 */
#include "smtp/smtp_client_txn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SEND_CHUNK 65536

static void result_from(struct smtp_result *res, const struct smtp_client *c)
{
	res->code = c->reply.code;
	str_copy(res->status, sizeof res->status, c->reply.status, strlen(c->reply.status));
	smtp_reply_summary(&c->reply, res->text, sizeof res->text);
}

/* Where the message text comes from: memory or a descriptor. */
struct source {
	const char *msg;
	size_t len, off;
	int fd;
	char chunk[SEND_CHUNK];
};

/* Next piece of text: sets *p and *n, returns 1, 0 at the end, -1 on error. */
static int source_next(struct source *s, const char **p, size_t *n, struct mail_err *e)
{
	if (s->fd < 0) {
		if (s->off >= s->len)
			return 0;
		*p = s->msg + s->off;
		*n = s->len - s->off < SEND_CHUNK ? s->len - s->off : SEND_CHUNK;
		s->off += *n;
		return 1;
	}
	for (;;) {
		ssize_t r = read(s->fd, s->chunk, sizeof s->chunk);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return err_sys(e, "message: read");
		*p = s->chunk;
		*n = (size_t)r;
		return r > 0;
	}
}

/* The reply that says whether the server took the message: it may take
 * longer (the server is committing it), so it has its own timeout. */
static int final_reply(struct smtp_client *c, struct mail_err *e)
{
	int saved = c->timeout_ms;
	if (c->dot_timeout_ms > 0)
		c->timeout_ms = c->dot_timeout_ms;
	int rc = smtp_read_reply(c, e);
	c->timeout_ms = saved;
	return rc;
}

int smtp_send_data(struct smtp_client *c, const char *msg, size_t len, int msg_fd,
		   unsigned long long *bytes, struct mail_err *e)
{
	struct source *s = malloc(sizeof *s);
	struct smtp_dot d;
	const char *p = NULL;
	size_t n = 0;
	int r, rc = -1;
	if (!s)
		return err_sys(e, "message buffer");
	s->msg = msg;
	s->len = len;
	s->off = 0;
	s->fd = msg_fd;
	smtp_dot_init(&d, 1);
	while ((r = source_next(s, &p, &n, e)) > 0) {
		size_t before = c->io.out.len;
		if (smtp_dot_encode(&d, p, n, &c->io.out) < 0)
			goto oom;
		if (c->trace)
			c->trace(c->trace_arg, SMTP_TRACE_DATA, c->io.out.ptr + before,
				 c->io.out.len - before);
		if (bytes)
			*bytes += c->io.out.len - before;
		/* Keep the last piece queued so the final dot goes with it in
		 * one write (no delayed-ACK wait on a lone ".\r\n"). */
		if (c->io.out.len >= SEND_CHUNK && smtp_flush(c, e) < 0)
			goto out;
	}
	if (r < 0) {
		/* The message cannot be read: the server must not take a
		 * truncated one, so the connection is dropped without the dot. */
		c->broken = 1;
		goto out;
	}
	size_t before = c->io.out.len;
	if (smtp_dot_finish(&d, &c->io.out) < 0)
		goto oom;
	if (c->trace)
		c->trace(c->trace_arg, SMTP_TRACE_DATA, c->io.out.ptr + before, c->io.out.len - before);
	if (bytes)
		*bytes += c->io.out.len - before;
	if (smtp_flush(c, e) < 0)
		goto out;
	rc = final_reply(c, e);
	goto out;
oom:
	c->broken = 1;
	rc = err_set(e, EX_TEMPFAIL, 0, "", "%s: out of memory sending the message", c->peer);
out:
	free(s);
	return rc;
}

int smtp_send_bdat(struct smtp_client *c, const char *msg, size_t len, int msg_fd,
		   size_t chunk, unsigned long long *bytes, struct mail_err *e)
{
	struct source *s = malloc(sizeof *s);
	struct buf pend = BUF_INIT;
	struct smtp_dot d;
	const char *p = NULL;
	size_t n = 0;
	int r, rc = -1, more = 1;
	if (!s)
		return err_sys(e, "message buffer");
	if (chunk == 0)
		chunk = SEND_CHUNK;
	s->msg = msg;
	s->len = len;
	s->off = 0;
	s->fd = msg_fd;
	smtp_dot_init(&d, 0);
	while (more) {
		/* Fill pend past one chunk (or to the end), then send one chunk;
		 * the chunk that empties the source is the LAST one. */
		while (pend.len <= chunk && more) {
			r = source_next(s, &p, &n, e);
			if (r < 0) {
				c->broken = 1;
				goto out;
			}
			if (r == 0) {
				more = 0;
				smtp_dot_finish(&d, &pend);
			} else {
				smtp_dot_encode(&d, p, n, &pend);
			}
			if (!buf_ok(&pend)) {
				c->broken = 1;
				rc = err_set(e, EX_TEMPFAIL, 0, "", "%s: out of memory", c->peer);
				goto out;
			}
		}
		do {
			size_t take = pend.len < chunk ? pend.len : chunk;
			int last = !more && take == pend.len;
			smtp_queue_cmd(c, "BDAT %zu%s", take, last ? " LAST" : "");
			if (c->trace)
				c->trace(c->trace_arg, SMTP_TRACE_DATA, pend.ptr, take);
			if (io_put(&c->io, pend.ptr, take) < 0 || smtp_flush(c, e) < 0) {
				c->broken = 1;
				goto out;
			}
			if (bytes)
				*bytes += take;
			buf_consume(&pend, take);
			rc = last ? final_reply(c, e) : smtp_read_reply(c, e);
			if (rc < 0 || rc / 100 != 2 || last)
				goto out;
		} while (!more && pend.len > 0);
	}
out:
	buf_free(&pend);
	free(s);
	return rc;
}

static void queue_rcpts(struct smtp_client *c, const struct smtp_txn *t, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++) {
		const char *par = t->rcpt_params ? t->rcpt_params[i] : NULL;
		smtp_queue_cmd(c, "RCPT TO:<%s>%s%s", t->rcpt[i], par && *par ? " " : "",
			       par && *par ? par : "");
	}
}

/* After a rejection the session goes on with RSET; a failed RSET breaks it.
 * e describes the reply that decided it: for RCPT the first refused
 * recipient's (not the 503/554 a pipelined DATA then gets). */
static int reject(struct smtp_client *c, struct smtp_txn *t, enum smtp_stage stage,
		  const char *what, struct mail_err *e)
{
	const struct smtp_result *res = stage == SMTP_STAGE_MAIL ? &t->mail
					: stage == SMTP_STAGE_DATA ? &t->data
					: stage == SMTP_STAGE_DOT ? &t->dot : NULL;
	t->stage = stage;
	for (size_t i = 0; stage == SMTP_STAGE_RCPT && i < t->nrcpt && !res; i++)
		if (t->rcpt_res[i].code / 100 != 2)
			res = &t->rcpt_res[i];
	if (res && res->code) {
		int code = res->code;
		err_set(e, code >= 500 ? EX_UNAVAILABLE : EX_TEMPFAIL, code, res->status,
			"%s: %s: %s", c->peer, what, res->text);
	} else {
		smtp_reply_error(c, what, e);
	}
	struct mail_err ignored;
	int code = smtp_command(c, &ignored, "RSET");
	if (code / 100 != 2)
		c->broken = 1;
	return -1;
}

int smtp_transaction(struct smtp_client *c, struct smtp_txn *t, struct mail_err *e)
{
	int pipe = (c->ext.flags & SMTP_EXT_PIPELINING) != 0;
	int bdat = t->bdat && (c->ext.flags & SMTP_EXT_CHUNKING);
	int code;
	memset(&t->mail, 0, sizeof t->mail);
	memset(&t->data, 0, sizeof t->data);
	memset(&t->dot, 0, sizeof t->dot);
	t->accepted = 0;
	t->bytes = 0;
	t->stage = SMTP_STAGE_MAIL;
	if (t->bdat && !bdat)
		return err_set(e, EX_UNAVAILABLE, 0, "", "%s: server does not offer CHUNKING", c->peer);
	for (size_t i = 0; i < t->nrcpt; i++)
		memset(&t->rcpt_res[i], 0, sizeof t->rcpt_res[i]);

	if (t->size && c->ext.size && t->size > c->ext.size)
		return err_set(e, EX_UNAVAILABLE, 552, "5.3.4",
			       "%s: message of %llu bytes exceeds the server's SIZE limit of %llu",
			       c->peer, t->size, c->ext.size);
	if (t->smtputf8 && !(c->ext.flags & SMTP_EXT_SMTPUTF8))
		return err_set(e, EX_UNAVAILABLE, 553, "5.6.7",
			       "%s: the message needs SMTPUTF8, which the server does not offer",
			       c->peer);
	char ext[96] = "";
	size_t el = 0;
	if (t->size && c->ext.flags & SMTP_EXT_SIZE)
		el += (size_t)snprintf(ext + el, sizeof ext - el, " SIZE=%llu", t->size);
	if (t->eight_bit && c->ext.flags & SMTP_EXT_8BITMIME)
		el += (size_t)snprintf(ext + el, sizeof ext - el, " BODY=8BITMIME");
	if (t->smtputf8)
		snprintf(ext + el, sizeof ext - el, " SMTPUTF8");
	smtp_queue_cmd(c, "MAIL FROM:<%s>%s%s%s", t->from, ext,
		       t->mail_params && *t->mail_params ? " " : "", t->mail_params ? t->mail_params : "");
	if (pipe) {
		queue_rcpts(c, t, 0, t->nrcpt);
		if (!bdat)
			smtp_queue_cmd(c, "DATA");
	}
	if (smtp_flush(c, e) < 0 || (code = smtp_read_reply(c, e)) < 0)
		return -1;
	result_from(&t->mail, c);
	if (code / 100 != 2) {
		if (pipe) {
			/* Collect the replies already asked for before going on. */
			for (size_t i = 0; i < t->nrcpt + !bdat; i++)
				if (smtp_read_reply(c, e) < 0)
					return -1;
		}
		return reject(c, t, SMTP_STAGE_MAIL, "MAIL FROM", e);
	}
	t->stage = SMTP_STAGE_RCPT;
	for (size_t i = 0; i < t->nrcpt; i++) {
		if (!pipe) {
			queue_rcpts(c, t, i, i + 1);
			if (smtp_flush(c, e) < 0)
				return -1;
		}
		if ((code = smtp_read_reply(c, e)) < 0)
			return -1;
		result_from(&t->rcpt_res[i], c);
		if (code / 100 == 2)
			t->accepted++;
	}
	t->stage = SMTP_STAGE_DATA;
	if (!bdat) {
		if (!pipe) {
			if (t->accepted == 0)
				return reject(c, t, SMTP_STAGE_RCPT, "RCPT TO", e);
			if ((code = smtp_command(c, e, "DATA")) < 0)
				return -1;
		} else if ((code = smtp_read_reply(c, e)) < 0) {
			return -1;
		}
		result_from(&t->data, c);
		if (t->accepted == 0) {
			/* Pipelined DATA after no accepted recipient: the server
			 * must refuse it (RFC 2920 §3.1); if it did not, end the
			 * data phase with an empty message would deliver to
			 * no one, so drop the connection instead. */
			if (code == 354)
				c->broken = 1;
			if (c->broken)
				return err_set(e, EX_UNAVAILABLE, 0, "", "%s: no recipient accepted",
					       c->peer);
			return reject(c, t, SMTP_STAGE_RCPT, "RCPT TO", e);
		}
		if (code != 354)
			return reject(c, t, SMTP_STAGE_DATA, "DATA", e);
		t->stage = SMTP_STAGE_DOT;
		code = smtp_send_data(c, t->msg, t->msg_len, t->msg_fd, &t->bytes, e);
	} else {
		if (t->accepted == 0)
			return reject(c, t, SMTP_STAGE_RCPT, "RCPT TO", e);
		t->stage = SMTP_STAGE_DOT;
		code = smtp_send_bdat(c, t->msg, t->msg_len, t->msg_fd, t->chunk, &t->bytes, e);
	}
	if (code < 0)
		return -1;
	result_from(&t->dot, c);
	if (code / 100 != 2)
		return reject(c, t, SMTP_STAGE_DOT, "end of data", e);
	return 0;
}
