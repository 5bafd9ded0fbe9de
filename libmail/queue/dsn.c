/* dsn.c — building and queueing RFC 3464 delivery status notifications;
 * see dsn.h. */
#include "queue/dsn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "auth/dkim_spool.h"
#include "base/utf8.h"
#include "msg/header.h"
#include "queue/retry.h"

int dsn_wanted(const struct envelope *env, const struct rcpt *r, enum dsn_action a)
{
	if (!env->sender[0] || a == DSN_NONE || (r->notify & NOTIFY_NEVER))
		return 0;
	/* RFC 3461 §4.1: without NOTIFY, failures, and delays at the MTA's
	 * discretion (delay_warning). */
	unsigned notify = r->notify ? r->notify : NOTIFY_FAILURE | NOTIFY_DELAY;
	switch (a) {
	case DSN_FAILED:
		return (notify & NOTIFY_FAILURE) != 0;
	case DSN_DELAYED:
		return (notify & NOTIFY_DELAY) != 0;
	case DSN_DELIVERED:
	case DSN_RELAYED:
		return (notify & NOTIFY_SUCCESS) != 0;
	default:
		return 0;
	}
}

static void date_822(char *out, size_t cap, long long t)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;
	time_t tt = (time_t)t;
	gmtime_r(&tt, &tm);
	snprintf(out, cap, "%s, %d %s %d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
		 months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Text for a field of the report: printable ASCII only (RFC 3464 fields are
 * ASCII), so nothing a remote server said can break the report's syntax. */
static void add_ascii(struct buf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		buf_addc(b, c < 0x20 || c >= 0x7f ? '?' : (char)c);
	}
}

/* Text for a report that may be international (RFC 6533): well-formed
 * UTF-8 (an address, a server's SMTPUTF8 reply) is written as it is, in a
 * report that says so (charset=utf-8, message/global-delivery-status);
 * anything else becomes '?' as above. */
static void add_utf8(struct buf *b, const char *s, int intl)
{
	if (!intl) {
		add_ascii(b, s);
		return;
	}
	size_t n = strlen(s);
	for (size_t i = 0; i < n;) {
		const unsigned char *p = (const unsigned char *)s + i;
		size_t len = utf8_seq_len(p, n - i);
		if (len > 1) {
			buf_add(b, s + i, len);
			i += len;
			continue;
		}
		buf_addc(b, len == 1 && p[0] >= 0x20 && p[0] < 0x7f ? (char)p[0] : '?');
		i++;
	}
}

/* Does the report need RFC 6533's international form? When an address in
 * it is not ASCII. */
static int needs_intl(const struct envelope *env)
{
	int intl = env->smtputf8;
	for (const unsigned char *p = (const unsigned char *)env->sender; *p && !intl; p++)
		intl = *p >= 0x80;
	for (size_t i = 0; i < env->nrcpt && !intl; i++)
		for (const unsigned char *p = (const unsigned char *)env->rcpt[i].addr; *p && !intl; p++)
			intl = *p >= 0x80;
	return intl;
}

static const char *action_name(enum dsn_action a)
{
	static const char *const names[] = { "", "failed", "delayed", "delivered", "relayed" };
	return names[a];
}

/* Status for the report: the enhanced code from the error, else one
 * derived from the reply's class (RFC 3463 §3.1 x.0.0). */
static void rcpt_status(const struct rcpt *r, enum dsn_action a, char *status, size_t scap, char *mta,
			size_t mcap, int *code, const char **text)
{
	*code = 0;
	*text = "";
	mta[0] = status[0] = '\0';
	if (r->error[0] && retry_error_parse(r->error, code, status, scap, mta, mcap, text) < 0)
		*text = r->error;
	if (!status[0])
		snprintf(status, scap, "%s", a == DSN_FAILED ? (*code >= 400 && *code < 500 ? "4.0.0" : "5.0.0")
					       : a == DSN_DELAYED ? "4.0.0" : "2.0.0");
}

static void human_part(struct buf *b, const struct envelope *env, const enum dsn_action *actions,
		       const char *host, int intl)
{
	int failed = 0;
	for (size_t i = 0; i < env->nrcpt; i++)
		failed |= actions[i] == DSN_FAILED;
	buf_addf(b, "This is the mail system at host %s.\n\n", host);
	int delayed = 0;
	for (size_t i = 0; i < env->nrcpt; i++)
		delayed |= actions[i] == DSN_DELAYED;
	if (failed)
		buf_adds(b, "I'm sorry to have to inform you that your message could not\n"
			    "be delivered to one or more recipients. It's attached below.\n\n");
	else if (delayed)
		buf_adds(b, "This is a warning only; you do not need to resend your message.\n\n"
			    "Your message could not be delivered yet to the recipients below.\n"
			    "The mail system will keep trying, and tell you if it gives up.\n\n");
	else
		buf_adds(b, "Your message was successfully delivered to the destination(s)\n"
			    "listed below, as you asked in the delivery status request.\n\n");
	for (size_t i = 0; i < env->nrcpt; i++) {
		if (actions[i] == DSN_NONE)
			continue;
		buf_adds(b, "<");
		add_utf8(b, env->rcpt[i].addr, intl);
		buf_addf(b, ">: %s", action_name(actions[i]));
		if (env->rcpt[i].error[0]) {
			buf_adds(b, "\n    ");
			add_utf8(b, env->rcpt[i].error, intl);
		}
		buf_adds(b, "\n\n");
	}
}

static void status_part(struct buf *b, const struct envelope *env, const enum dsn_action *actions,
			const char *host, long long now, int intl)
{
	char date[64];
	buf_addf(b, "Reporting-MTA: dns; %s\nX-Postbox-Queue-ID: %s\n", host, env->id);
	if (env->envid[0]) {
		buf_adds(b, "Original-Envelope-Id: ");
		add_ascii(b, env->envid);
		buf_addc(b, '\n');
	}
	date_822(date, sizeof date, env->arrival);
	buf_addf(b, "Arrival-Date: %s\n", date);
	date_822(date, sizeof date, now);
	for (size_t i = 0; i < env->nrcpt; i++) {
		const struct rcpt *r = &env->rcpt[i];
		char status[12], mta[256];
		const char *text;
		int code;
		if (actions[i] == DSN_NONE)
			continue;
		rcpt_status(r, actions[i], status, sizeof status, mta, sizeof mta, &code, &text);
		/* RFC 6533 §3: a non-ASCII address is of type utf-8, written as
		 * utf-8-addr-unitext in a global delivery status. */
		buf_addf(b, "\nFinal-Recipient: %s; ", intl ? "utf-8" : "rfc822");
		add_utf8(b, r->addr, intl);
		buf_addc(b, '\n');
		if (r->orcpt[0]) {
			buf_adds(b, "Original-Recipient: ");
			add_ascii(b, r->orcpt);
			buf_addc(b, '\n');
		}
		buf_addf(b, "Action: %s\nStatus: %s\n", action_name(actions[i]), status);
		if (mta[0]) {
			/* "host mx.example[192.0.2.1]": the name is the MTA's. */
			size_t n = strcspn(mta, "[");
			mta[n] = '\0';
			buf_adds(b, "Remote-MTA: dns; ");
			add_ascii(b, mta);
			buf_addc(b, '\n');
		}
		if (code) {
			buf_addf(b, "Diagnostic-Code: %s; %d ", mta[0] ? "smtp" : "x-postbox", code);
			if (status[0] && strstr(r->error, status))
				buf_addf(b, "%s ", status);
			add_utf8(b, text, intl);
			buf_addc(b, '\n');
		}
		buf_addf(b, "Last-Attempt-Date: %s\n", date);
	}
}

/* Read the original (all of it, or up to the end of its header). */
static int read_original(int fd, struct buf *out, int headers_only, struct mail_err *e)
{
	char chunk[65536];
	off_t off = 0;
	for (;;) {
		ssize_t n = pread(fd, chunk, sizeof chunk, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_sys(e, "bounce: reading the original message");
		if (n == 0)
			break;
		if (buf_add(out, chunk, (size_t)n) < 0)
			return err_sys(e, "bounce: original message");
		off += n;
		if (headers_only) {
			size_t pos = 0;
			struct header h;
			while (hdr_next(out->ptr, out->len, &pos, &h) == 1)
				;
			if (pos < out->len) { /* the body started: keep the header only */
				out->len = pos;
				break;
			}
		}
	}
	if (out->len && out->ptr[out->len - 1] != '\n')
		buf_addc(out, '\n');
	return buf_ok(out) ? 0 : err_sys(e, "bounce: original message");
}

int dsn_build(struct buf *out, const struct envelope *env, const enum dsn_action *actions, int msg_fd,
	      const char *host, const char *boundary_tag, long long now, struct mail_err *e)
{
	char date[64], boundary[128];
	unsigned rnd = 0;
	int failed = 0, delayed = 0;
	struct buf orig = BUF_INIT;
	for (size_t i = 0; i < env->nrcpt; i++) {
		failed |= actions[i] == DSN_FAILED;
		delayed |= actions[i] == DSN_DELAYED;
	}
	if (getrandom(&rnd, sizeof rnd, 0) != sizeof rnd)
		rnd = (unsigned)now;
	snprintf(boundary, sizeof boundary, "=_postbox_%s_%08x", boundary_tag, rnd);
	/* A delay warning returns the header only: the message is still on
	 * its way. */
	int full = (failed || !delayed) &&
		   (env->ret == RET_FULL || (env->ret == RET_UNSET && env->size <= DSN_FULL_MAX));
	if (read_original(msg_fd, &orig, !full, e) < 0) {
		buf_free(&orig);
		return -1;
	}
	date_822(date, sizeof date, now);
	int intl = needs_intl(env);
	buf_addf(out, "From: Mail Delivery System <MAILER-DAEMON@%s>\nTo: <", host);
	add_utf8(out, env->sender, intl);
	buf_addf(out, ">\nSubject: %s\nDate: %s\nMessage-ID: <%s.dsn@%s>\nAuto-Submitted: auto-replied\n"
		      "MIME-Version: 1.0\nContent-Type: multipart/report; report-type=%s;\n"
		      "\tboundary=\"%s\"\n\nThis is a MIME-encapsulated message.\n\n",
		 failed    ? "Undelivered Mail Returned to Sender"
		 : delayed ? "Delayed Mail (still being retried)"
			   : "Successful Mail Delivery Report",
		 date,
		 boundary_tag, host, intl ? "global-delivery-status" : "delivery-status", boundary);
	buf_addf(out, "--%s\nContent-Description: Notification\nContent-Type: text/plain; charset=%s\n%s\n",
		 boundary, intl ? "utf-8" : "us-ascii", intl ? "Content-Transfer-Encoding: 8bit\n" : "");
	human_part(out, env, actions, host, intl);
	buf_addf(out, "--%s\nContent-Description: Delivery report\nContent-Type: message/%sdelivery-status\n%s\n",
		 boundary, intl ? "global-" : "", intl ? "Content-Transfer-Encoding: 8bit\n" : "");
	status_part(out, env, actions, host, now, intl);
	buf_addf(out, "\n--%s\n", boundary);
	/* The original is labelled for what happened to it (a success report's
	 * copy was delivered); RFC 6532 §3.7 and RFC 6533 §6: with UTF-8
	 * header fields it is message/global or message/global-headers. */
	const char *what = failed ? "Undelivered" : delayed ? "Delayed" : "Delivered";
	if (full)
		buf_addf(out, "Content-Description: %s Message\nContent-Type: message/%s\n%s\n", what,
			 intl ? "global" : "rfc822",
			 env->body == BODY_8BITMIME || intl ? "Content-Transfer-Encoding: 8bit\n" : "");
	else
		buf_addf(out, "Content-Description: %s Message Headers\nContent-Type: %s\n%s\n", what,
			 intl ? "message/global-headers" : "text/rfc822-headers",
			 intl ? "Content-Transfer-Encoding: 8bit\n" : "");
	buf_add(out, orig.ptr, orig.len);
	buf_addf(out, "\n--%s--\n", boundary);
	buf_free(&orig);
	if (!buf_ok(out))
		return err_set(e, EX_TEMPFAIL, 451, "4.3.0", "bounce: out of memory");
	return 0;
}

int dsn_enqueue(struct spool *s, const struct dkim_keyring *dkim, const struct envelope *env,
		const enum dsn_action *actions, int msg_fd,
		const char *host, char *id_out, size_t id_cap, struct mail_err *e)
{
	enum dsn_action *want = calloc(env->nrcpt ? env->nrcpt : 1, sizeof *want);
	int any = 0, r = -1;
	if (!want)
		return err_sys(e, "bounce");
	for (size_t i = 0; i < env->nrcpt; i++)
		if (dsn_wanted(env, &env->rcpt[i], actions[i])) {
			want[i] = actions[i];
			any = 1;
		}
	if (!any) {
		free(want);
		return 0;
	}
	struct spool_tx tx;
	struct envelope bounce;
	struct buf text = BUF_INIT;
	envelope_init(&bounce);
	if (spool_begin(s, &tx, e) < 0)
		goto done;
	if (dsn_build(&text, env, want, msg_fd, host, tx.id, (long long)time(NULL), e) < 0 ||
	    spool_write(&tx, text.ptr, text.len, e) < 0) {
		spool_abort(&tx);
		goto done;
	}
	str_copy(bounce.client, sizeof bounce.client, "local", 5);
	bounce.body = env->body == BODY_8BITMIME ? BODY_8BITMIME : BODY_7BIT;
	bounce.smtputf8 = env->smtputf8;
	struct rcpt *to = envelope_add_rcpt(&bounce, env->sender);
	if (!to) {
		err_sys(e, "bounce");
		spool_abort(&tx);
		goto done;
	}
	to->notify = NOTIFY_NEVER;
	/* Signed like any mail from our domain, so that the bounce passes
	 * the sender's DMARC check when it comes back to them. */
	if (dkim_sign_spooled(dkim, &tx, (long long)time(NULL), e) < 0) {
		spool_abort(&tx);
		goto done;
	}
	if (spool_commit(&tx, &bounce, e) < 0)
		goto done;
	str_copy(id_out, id_cap, bounce.id, strlen(bounce.id));
	r = 1;
done:
	envelope_free(&bounce);
	buf_free(&text);
	free(want);
	return r;
}
