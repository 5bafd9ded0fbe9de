/* smtp_transfer.c — DATA and BDAT: from the client's bytes to a committed
 * spool entry (RFC 5321 §4.1.1.4, RFC 3030), with the Received: header of
 * RFC 5321 §4.4.
 *
 * The order that keeps the promise: Received: and the decoded text go into
 * the spool transaction's file as they arrive (a file with no name yet, or
 * tmp/ID.msg where unnamed files cannot be linked: store/spool.h); at the
 * end of data spool_commit() fsyncs and links it into queue/; only when it
 * returned 0 is "250 2.0.0 Ok: queued as ID" written.
 * A malformed or oversized message, a full disk or a failed fsync leave
 * nothing behind (spool_abort) and the session goes on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "auth/dkim_spool.h"
#include "base/log.h"
#include "msg/mime.h"
#include "msg/smtp_data.h"
#include "smtp/smtp_session.h"

#define SPILL_AT (64 * 1024)     /* decoded bytes buffered before a write */
/* A checked message is held in memory up to this size: its
 * Authentication-Results field, known only at the end of the data, then
 * goes on top with the message in one write, where a bigger one has its
 * head rewritten (smtp_sender_checks.c). The same bound as the spool's
 * rewrite in place, which read such a message back into memory anyway. */
#define CHECKED_HOLD (256 * 1024)

/* "ESMTPSA" and friends (RFC 3848, RFC 6531 §3.7.3). */
static const char *protocol_name(const struct session *s)
{
	static const char *const names[] = { "ESMTP", "ESMTPS", "ESMTPA", "ESMTPSA",
					     "UTF8SMTP", "UTF8SMTPS", "UTF8SMTPA", "UTF8SMTPSA" };
	if (!s->esmtp)
		return "SMTP";
	int i = (tls_active(&s->io) ? 1 : 0) + (s->user[0] ? 2 : 0) + (s->env.smtputf8 ? 4 : 0);
	return names[i];
}

static void received_header(struct session *s)
{
	char date[64];
	struct buf *b = &s->data;
	mime_date(date, sizeof date, time(NULL));
	if (s->peer.kind != PEER_IP) /* "(local)", "(unix)": no address to show */
		buf_addf(b, "Received: from %s (%s)\n", s->helo, s->peer.text);
	else
		buf_addf(b, "Received: from %s (%s%s[%s%s])\n", s->helo, s->client_name,
			 s->client_name[0] ? " " : "", s->peer.family == AF_INET6 ? "IPv6:" : "",
			 s->peer.text);
	buf_addf(b, "\tby %s (postbox) with %s id %s", config_str(s->cfg, CFG_HOSTNAME),
		 protocol_name(s), s->tx.id);
	if (tls_active(&s->io))
		buf_addf(b, "\n\t(using %s with cipher %s)", tls_version(&s->io), tls_cipher(&s->io));
	if (s->user[0])
		buf_addf(b, "\n\t(authenticated as %s)", s->user);
	if (s->env.nrcpt == 1)
		buf_addf(b, "\n\tfor <%s>", s->env.rcpt[0].addr);
	buf_addf(b, ";\n\t%s\n", date);
}

/* The data decoder's refusal (smtp_data_error): too big, or something
 * in it. */
static void count_refused_data(struct session *s, const char *reply)
{
	smtpd_count(s, !strncmp(reply, "552 5.3.4", 9) ? SMTPD_M_REFUSED_SIZE : SMTPD_M_REFUSED_CONTENT);
}

/* Open the spool entry; on failure the reply is queued and -1 returned. */
static int begin_message(struct session *s)
{
	struct mail_err e;
	if (spool_begin(s->srv->spool, &s->tx, &e) < 0) {
		log_err(NULL, "client=%s event=spool-failed error=\"%s\"", s->peer.text, LOG_QUOTED(e.msg));
		smtpd_count(s, SMTPD_M_REFUSED_STORAGE);
		smtpd_reply(s, "%d %s Cannot accept the message now, try again later",
			   e.smtp >= 400 && e.smtp < 500 ? e.smtp : 451, e.smtp == 452 ? "4.3.1" : "4.3.0");
		return -1;
	}
	s->tx_open = 1;
	s->tx_failed = 0;
	buf_reset(&s->data);
	received_header(s);
	return 0;
}

/* Move decoded text to the spool; drop the entry as soon as the message
 * is known to be refused, so nothing stays on disk. */
static void spill(struct session *s, const struct smtp_data *d, int force)
{
	if (!s->tx_open)
		return;
	if ((d->flags & DATA_ERRORS) || s->tx_failed || !buf_ok(&s->data)) {
		if (!buf_ok(&s->data) && !s->tx_failed) {
			s->tx_failed = 1;
			err_set(&s->tx_err, EX_TEMPFAIL, 451, "4.3.0", "out of memory");
		}
		spool_abort(&s->tx);
		s->tx_open = 0;
		buf_reset(&s->data);
		return;
	}
	if (s->auth && force)
		return; /* smtpd_check_message writes it, with the field on top */
	if (s->data.len < (s->auth ? CHECKED_HOLD : SPILL_AT) && !force)
		return;
	smtpd_check_data(s, s->data.ptr, s->data.len);
	if (spool_write(&s->tx, s->data.ptr, s->data.len, &s->tx_err) < 0) {
		s->tx_failed = 1;
		spool_abort(&s->tx);
		s->tx_open = 0;
	}
	buf_reset(&s->data);
}

/* The end of a message: commit or refuse, then the reply. */
static void finish_message(struct session *s, const struct smtp_data *d)
{
	struct mail_err e;
	spill(s, d, 1);
	const char *bad = smtp_data_error(d);
	if (bad) {
		log_info(NULL, "client=%s event=message-refused reason=\"%s\"", s->peer.text, LOG_QUOTED(bad));
		count_refused_data(s, bad);
		smtpd_reply(s, "%s", bad);
	} else if (s->tx_failed || !s->tx_open) {
		log_err(NULL, "client=%s event=spool-failed error=\"%s\"", s->peer.text, LOG_QUOTED(s->tx_err.msg));
		smtpd_count(s, SMTPD_M_REFUSED_STORAGE);
		int code = s->tx_err.smtp == 452 ? 452 : 451;
		smtpd_reply(s, "%d %s Cannot accept the message now, try again later", code,
			   code == 452 ? "4.3.1" : "4.3.0");
	} else if (s->user[0] && dkim_sign_spooled(s->srv->dkim, &s->tx, (long long)time(NULL), &e) < 0) {
		/* An authenticated submission leaves signed or not at all. */
		spool_abort(&s->tx);
		s->tx_open = 0;
		log_err(NULL, "client=%s event=dkim-failed error=\"%s\"", s->peer.text, LOG_QUOTED(e.msg));
		smtpd_reply(s, "451 4.3.0 Cannot sign the message now, try again later");
	} else if (smtpd_check_message(s) < 0) {
		/* Refused (DMARC enforced) or not checked: not queued. */
		spool_abort(&s->tx);
		s->tx_open = 0;
	} else if (spool_commit(&s->tx, &s->env, &e) < 0) {
		s->tx_open = 0;
		log_err(NULL, "client=%s event=commit-failed error=\"%s\"", s->peer.text, LOG_QUOTED(e.msg));
		smtpd_count(s, SMTPD_M_REFUSED_STORAGE);
		int code = e.smtp == 452 ? 452 : 451;
		smtpd_reply(s, "%d %s Cannot accept the message now, try again later", code,
			   code == 452 ? "4.3.1" : "4.3.0");
	} else {
		/* Committed and fsynced: now, and only now, the promise. */
		s->tx_open = 0;
		log_info(s->env.id, "client=%s event=queued from=<%s> nrcpt=%zu size=%lld", s->peer.text,
			 LOG_TOKEN(s->env.sender), s->env.nrcpt, s->env.size);
		smtpd_reply(s, "250 2.0.0 Ok: queued as %s", s->env.id);
		smtpd_count(s, SMTPD_M_MESSAGES);
		tally_add(s->srv->metrics, SMTPD_M_BYTES, (unsigned long long)s->env.size);
		struct smtp_queued *q = s->srv->queued;
		if (q && q->n < SMTP_QUEUED_MAX)
			str_copy(q->id[q->n++], QID_MAX, s->env.id, strlen(s->env.id));
	}
	smtpd_reset_tx(s);
}

/* A block of message data (DATA's whole text, one BDAT chunk) has a
 * deadline, pushed back by each byte at smtpd_min_data_rate: a client
 * that trickles is cut off after data_ms at most, a fast one never. */
static void set_data_timeout(struct session *s, int on)
{
	long long rate = config_num(s->cfg, CFG_SMTPD_MIN_DATA_RATE);
	s->io.timeout_ms = on ? s->data_ms : s->cmd_ms;
	io_deadline(&s->io, on && rate > 0 ? s->data_ms : 0, rate);
}

static void lost_client(struct session *s, const struct mail_err *e, int r)
{
	log_info(NULL, "client=%s event=lost-during-data error=\"%s\"", s->peer.text, LOG_QUOTED(r == 0 ? "EOF" : e->msg));
	if (r < 0 && e->smtp == 421)
		smtpd_reply(s, "421 4.4.2 %s Error: timeout exceeded", config_str(s->cfg, CFG_HOSTNAME));
	smtpd_reset_tx(s);
	s->quit = 1;
}

int smtpd_cmd_data(struct session *s, const char *arg, size_t n)
{
	struct smtp_data d;
	struct mail_err e;
	(void)arg;
	if (n) {
		smtpd_reply(s, "501 5.5.4 Syntax: DATA (no parameters)");
		return 0;
	}
	if (s->state != ST_RCPT) {
		smtpd_reply(s, "554 5.5.1 No valid recipients");
		return 0;
	}
	if (s->dec || s->bdat_failed) {
		smtpd_reply(s, "503 5.5.1 DATA not allowed after BDAT");
		return 0;
	}
	if (begin_message(s) < 0)
		return 0;
	smtpd_reply(s, "354 End data with <CR><LF>.<CR><LF>");
	if (smtpd_flush(s) < 0)
		return 0;
	smtp_data_init(&d, (size_t)config_num(s->cfg, CFG_MAX_LINE_LENGTH),
		       config_num(s->cfg, CFG_MAX_MESSAGE_SIZE));
	d.max_header = config_num(s->cfg, CFG_MAX_HEADER_SIZE);
	set_data_timeout(s, 1);
	while (!d.done) {
		const char *p;
		ssize_t r = io_peek(&s->io, &p, &e);
		if (r <= 0) {
			lost_client(s, &e, (int)r);
			return 0;
		}
		long used = smtp_data_feed(&d, p, (size_t)r, s->tx_open ? &s->data : NULL);
		if (used < 0) {
			s->data.failed = 1;
			used = smtp_data_feed(&d, p, (size_t)r, NULL);
		}
		io_skip(&s->io, (size_t)used);
		spill(s, &d, 0);
	}
	set_data_timeout(s, 0);
	finish_message(s, &d);
	return 0;
}

/* "BDAT <size> [LAST]" */
static int parse_bdat(const char *arg, size_t n, long long *size, int *last)
{
	size_t i = 0;
	long long v = 0;
	while (i < n && arg[i] >= '0' && arg[i] <= '9') {
		if (i >= 15)
			return -1;
		v = v * 10 + (arg[i] - '0');
		i++;
	}
	if (i == 0)
		return -1;
	*last = 0;
	if (i < n) {
		if (n - i != 5 || strncasecmp(arg + i, " LAST", 5))
			return -1;
		*last = 1;
	}
	*size = v;
	return 0;
}

int smtpd_cmd_bdat(struct session *s, const char *arg, size_t n)
{
	long long size;
	int last;
	struct mail_err e;
	if (parse_bdat(arg, n, &size, &last) < 0) {
		/* The chunk's length is unknown: the stream cannot be trusted. */
		smtpd_reply(s, "501 5.5.4 Syntax: BDAT size [LAST]");
		s->quit = 1;
		return 0;
	}
	int fresh = !s->dec && !s->bdat_failed;
	if (fresh) {
		s->dec = malloc(sizeof *s->dec);
		if (!s->dec || s->state != ST_RCPT || begin_message(s) < 0) {
			if (s->dec && s->state != ST_RCPT)
				smtpd_reply(s, "554 5.5.1 No valid recipients");
			else if (!s->dec)
				smtpd_reply(s, "452 4.3.1 Out of memory");
			free(s->dec);
			s->dec = NULL;
			s->bdat_failed = 1;
		} else {
			smtp_data_init(s->dec, (size_t)config_num(s->cfg, CFG_MAX_LINE_LENGTH),
				       config_num(s->cfg, CFG_MAX_MESSAGE_SIZE));
			s->dec->max_header = config_num(s->cfg, CFG_MAX_HEADER_SIZE);
		}
	} else if (s->bdat_failed) {
		smtpd_reply(s, "503 5.5.1 Earlier BDAT failed; send RSET");
	}
	/* The chunk is read whatever happens: it is not commands. */
	set_data_timeout(s, 1);
	while (size > 0) {
		const char *p;
		ssize_t r = io_peek(&s->io, &p, &e);
		if (r <= 0) {
			lost_client(s, &e, (int)r);
			return 0;
		}
		size_t take = (size_t)r < (unsigned long long)size ? (size_t)r : (size_t)size;
		if (s->dec && smtp_data_raw_feed(s->dec, p, take, s->tx_open ? &s->data : NULL) < 0)
			s->data.failed = 1;
		io_skip(&s->io, take);
		size -= (long long)take;
		if (s->dec)
			spill(s, s->dec, 0);
	}
	set_data_timeout(s, 0);
	if (!s->dec) {
		if (last && s->state == ST_RCPT)
			smtpd_reset_tx(s);
		else if (last)
			s->bdat_failed = 0;
		return 0;
	}
	if (last) {
		struct smtp_data d = *s->dec;
		smtp_data_raw_end(&d);
		finish_message(s, &d);
		return 0;
	}
	const char *bad = smtp_data_error(s->dec);
	if (bad || s->tx_failed) {
		spill(s, s->dec, 1);
		if (bad) {
			count_refused_data(s, bad);
			smtpd_reply(s, "%s", bad);
		} else {
			smtpd_count(s, SMTPD_M_REFUSED_STORAGE);
			smtpd_reply(s, "451 4.3.0 Cannot accept the message now, try again later");
		}
		free(s->dec);
		s->dec = NULL;
		s->bdat_failed = 1;
		return 0;
	}
	smtpd_reply(s, "250 2.0.0 Ok: %lld octets", s->dec->size);
	return 0;
}
