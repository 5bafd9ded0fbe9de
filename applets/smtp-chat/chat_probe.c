/* chat_probe.c — smtp-chat --probe: three checks of a server's safety.
 *
 *   smuggling           For each end-of-data look-alike (\n.\n, \n.\r\n,
 *                       \r.\r\n, \r\n.\n, ...) one session sends a message
 *                       whose text holds that sequence followed by a second,
 *                       smuggled MAIL/RCPT/DATA, then the real CRLF.CRLF and
 *                       QUIT, in three writes with a pause after the first
 *                       two. Any reply before the real end of data (a 2xx
 *                       at the look-alike, anything once smuggled commands
 *                       were sent), or more than the one 250 and the 221,
 *                       means the server ended DATA early: vulnerable (SMTP
 *                       smuggling, CVE-2023-51764 and kin). A 4xx/5xx at the
 *                       look-alike itself, before anything was smuggled, is a
 *                       refusal of the bare line ending (safe). Each case is
 *                       its own session.
 *   starttls-injection  Sends "STARTTLS\r\nNOOP\r\n" in one write, completes
 *                       the handshake and waits: a reply arriving over TLS
 *                       unasked means the server ran the plain-text NOOP
 *                       inside the TLS session (CVE-2011-0411 and kin).
 *   open-relay          From an outside sender, RCPT TO a matrix of address
 *                       forms that route elsewhere (% hack, source route, bang
 *                       path, quoted @, trailing dot, address literal, a
 *                       spoofed local sender). A 2xx for a form whose domain
 *                       is the other one is a relay. A form in the local
 *                       domain (relaytest%other@local) may be kept by a
 *                       catch-all: when a control recipient nobody has
 *                       (smtp-chat-no-such-user-N@local) is taken too, it
 *                       is "accepted, probably a catch-all", not a finding.
 *
 * --probe all runs the three in this order.
 * Exit: 0 nothing found, 1 a finding, else the stage that failed (2, 21,
 * 22, 23, 25, 29) as in flag mode.
 */
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "base/json.h"
#include "../applets.h"
#include "chat.h"

struct probe {
	struct chat_opts *o;
	struct chat_out *out;
	struct tls_ctx *ctx;      /* for the injection probe: never verified */
	int findings, cases;
	char why[600];
};

static void report(struct probe *p, const char *name, const char *kase, int bad,
		   const char *verdict, const char *detail)
{
	struct buf b = BUF_INIT;
	p->cases++;
	p->findings += bad;
	if (p->out->format == OUT_JSON) {
		buf_adds(&b, "{\"type\":\"probe\",\"probe\":");
		json_cstring(&b, name);
		buf_adds(&b, ",\"case\":");
		json_cstring(&b, kase);
		buf_addf(&b, ",\"vulnerable\":%s,\"verdict\":", bad ? "true" : "false");
		json_cstring(&b, verdict);
		buf_adds(&b, ",\"detail\":");
		json_cstring(&b, detail);
		buf_adds(&b, "}\n");
	} else if (p->out->format == OUT_TEXT) {
		buf_addf(&b, "%-4s %-22s ", bad ? "FAIL" : "ok", name);
		chat_escape(&b, kase, strlen(kase));
		buf_addf(&b, "  %s", verdict);
		if (*detail)
			buf_addf(&b, " (%s)", detail);
		buf_addc(&b, '\n');
	}
	if (b.len)
		fwrite(b.ptr, 1, b.len, p->out->f);
	fflush(p->out->f);
	buf_free(&b);
}

/* Connect, banner, EHLO (STARTTLS, XCLIENT and AUTH when asked), with TLS
 * as so says; the exit code of a failed stage (the session is then over),
 * or 0. */
static int open_with(struct probe *p, struct smtp_client *c, const struct smtp_open_opts *so)
{
	struct mail_err e;
	struct smtp_open_result r;
	int rc = chat_open(p->o, c, NULL, so, &r, &e);
	if (rc)
		snprintf(p->why, sizeof p->why, "%s", e.msg);
	return rc;
}

static int open_session(struct probe *p, struct smtp_client *c)
{
	struct smtp_open_opts so;
	chat_open_opts(p->o, &so);
	return open_with(p, c, &so);
}

static const char *rcpt_of(struct probe *p)
{
	return p->o->nto ? p->o->to[0] : "postmaster";
}

/* --- smuggling --- */

static const char *const variants[] = {
	"\n.\n", "\n.\r\n", "\r.\r\n", "\r\n.\n", "\r.\n", "\r\n.\r", "\n.\r", "\r\n\0.\r\n",
};
static const size_t variant_len[] = { 3, 4, 4, 4, 3, 4, 3, 6 };

/* How long a server gets to answer before we send more: a reply that comes
 * while the real end of data has not been sent proves the server ended the
 * data early. */
#define SMUGGLE_SETTLE_MS 500

/* The replies that arrive within SMUGGLE_SETTLE_MS (and quickly after one
 * another), their codes appended to codes; *closed when the server hung
 * up. Returns how many. */
static int early_replies(struct smtp_client *c, char *codes, size_t cap, int *closed)
{
	struct mail_err e;
	int n = 0;
	*closed = 0;
	for (;;) {
		if (!io_pending(&c->io) &&
		    io_wait(&c->io, c->io.rfd, POLLIN, io_now_ms() + (n ? 200 : SMUGGLE_SETTLE_MS), &e) < 0)
			return n; /* quiet: nothing (more) was said */
		int code = smtp_read_reply(c, &e);
		if (code < 0) {
			*closed = 1;
			return n;
		}
		size_t l = strlen(codes);
		snprintf(codes + l, cap - l, "%s%d", l ? " " : "", code);
		n++;
	}
}

static int smuggle_case(struct probe *p, size_t v)
{
	struct smtp_client c = { 0 };
	struct mail_err e;
	char kase[32], detail[300] = "", early[200] = "";
	struct buf esc = BUF_INIT;
	chat_escape(&esc, variants[v], variant_len[v]);
	snprintf(kase, sizeof kase, "%s", buf_cstr(&esc));
	buf_free(&esc);
	int rc = open_session(p, &c);
	if (rc)
		return rc;
	int code = smtp_command(&c, &e, "MAIL FROM:<%s>", p->o->from);
	if (code / 100 != 2) {
		rc = CHAT_EX_MAIL;
		goto fail;
	}
	code = smtp_command(&c, &e, "RCPT TO:<%s>", rcpt_of(p));
	if (code / 100 != 2) {
		rc = CHAT_EX_RCPT;
		goto fail;
	}
	code = smtp_command(&c, &e, "DATA");
	if (code != 354) {
		rc = CHAT_EX_DATA;
		goto fail;
	}
	/* In three writes with a pause after each of the first two: the text up
	 * to the look-alike; then the smuggled MAIL/RCPT/DATA and message; then
	 * the real end of data. Sent at once, a server such as OpenSMTPD 6.8
	 * that ends data at "\n.\n" but refuses pipelined input answers
	 * "500 Pipelining not supported", which looks like a refusal; sent
	 * apart, it accepts the message cut at the look-alike. */
	struct buf m = BUF_INIT;
	buf_addf(&m, "From: <%s>\r\nTo: <%s>\r\nSubject: smtp-chat smuggling probe %s\r\n\r\n"
		     "This message carries an end-of-data look-alike:",
		 p->o->from, rcpt_of(p), kase);
	buf_add(&m, variants[v], variant_len[v]);
	int closed = 0, at_lookalike = 0, in_smuggled = 0, ok_at_lookalike = 0;
	smtp_queue_raw(&c, m.ptr, m.len);
	if (smtp_flush(&c, &e) == 0) {
		at_lookalike = early_replies(&c, early, sizeof early, &closed);
		ok_at_lookalike = at_lookalike && (early[0] == '2' || early[0] == '3');
	}
	buf_reset(&m);
	buf_addf(&m, "MAIL FROM:<%s>\r\nRCPT TO:<%s>\r\nDATA\r\nFrom: <%s>\r\n"
		     "Subject: smuggled by smtp-chat probe %s\r\n\r\nsmuggled\r\n\r\n",
		 p->o->from, rcpt_of(p), p->o->from, kase);
	if (!closed) {
		smtp_queue_raw(&c, m.ptr, m.len);
		if (smtp_flush(&c, &e) == 0)
			in_smuggled = early_replies(&c, early, sizeof early, &closed);
		else
			closed = 1;
	}
	buf_free(&m);
	if (ok_at_lookalike || in_smuggled) {
		/* Any reply before the real end of data: the server took the
		 * look-alike for the end (whatever it said next). */
		snprintf(detail, sizeof detail, "answered %s before the real end of data", early);
		report(p, "smuggling", kase, 1,
		       strstr(early, "354") ? "VULNERABLE: ended data and ran the smuggled transaction"
					    : "VULNERABLE: ended data early",
		       detail);
		if (!closed) {
			/* Let a vulnerable server finish what it was sent. */
			smtp_queue_raw(&c, ".\r\n", 3);
			if (smtp_flush(&c, &e) == 0)
				smtp_read_reply(&c, &e);
		}
		chat_finish(p->o, &c);
		return 0;
	}
	if (at_lookalike) {
		/* A refusal of the bare line ending itself, before any smuggled
		 * command was sent (Postfix's smtpd_forbid_bare_newline). */
		snprintf(detail, sizeof detail, "answered %s at the look-alike, before anything was smuggled",
			 early);
		report(p, "smuggling", kase, 0, "refused the look-alike (safe)", detail);
		chat_finish(p->o, &c);
		return 0;
	}
	if (closed) {
		report(p, "smuggling", kase, 0, "closed", "the server hung up without a reply");
		chat_finish(p->o, &c);
		return 0;
	}
	smtp_queue_raw(&c, ".\r\n", 3);
	if (smtp_flush(&c, &e) < 0 || (code = smtp_read_reply(&c, &e)) < 0) {
		report(p, "smuggling", kase, 0, "closed", e.msg);
		chat_finish(p->o, &c);
		return 0;
	}
	if (code / 100 != 2) {
		smtp_reply_summary(&c.reply, detail, sizeof detail);
		report(p, "smuggling", kase, 0, "rejected", detail);
		chat_finish(p->o, &c);
		return 0;
	}
	/* Now QUIT: a safe server answers 221 and nothing else. */
	smtp_queue_cmd(&c, "QUIT");
	int extra = 0, saw354 = 0;
	size_t dl = 0;
	if (smtp_flush(&c, &e) == 0) {
		while ((code = smtp_read_reply(&c, &e)) > 0 && code != 221 && extra < 20) {
			extra++;
			saw354 |= code == 354;
			int w = snprintf(detail + dl, sizeof detail - dl, "%s%d", dl ? " " : "answered ", code);
			if (w > 0 && (size_t)w < sizeof detail - dl)
				dl += (size_t)w;
		}
	}
	if (extra)
		report(p, "smuggling", kase, 1,
		       saw354 ? "VULNERABLE: ended data and ran the smuggled transaction"
			      : "VULNERABLE: ended data early", detail);
	else
		report(p, "smuggling", kase, 0, "not ended (safe)", "");
	chat_finish(p->o, &c);
	return 0;
fail:
	smtp_reply_error(&c, "smuggling probe", &e);
	snprintf(p->why, sizeof p->why, "%s", e.msg);
	chat_finish(p->o, &c);
	return rc;
}

/* --- STARTTLS injection --- */

static int injection(struct probe *p)
{
	struct smtp_client c = { 0 };
	struct mail_err e;
	char detail[400] = "";
	struct smtp_open_opts so;
	chat_open_opts(p->o, &so);
	if (so.tls != SMTP_TLS_IMPLICIT) /* the probe sends STARTTLS itself */
		so.tls = SMTP_TLS_NONE;
	int rc = open_with(p, &c, &so);
	if (rc)
		return rc;
	if (!(c.ext.flags & SMTP_EXT_STARTTLS)) {
		report(p, "starttls-injection", "STARTTLS\\r\\nNOOP", 0, "STARTTLS not offered", "");
		goto done;
	}
	smtp_queue_raw(&c, "STARTTLS\r\nNOOP\r\n", 16);
	int code;
	if (smtp_flush(&c, &e) < 0 || (code = smtp_read_reply(&c, &e)) < 0) {
		report(p, "starttls-injection", "STARTTLS\\r\\nNOOP", 0, "closed", e.msg);
		goto done;
	}
	if (code != 220) {
		smtp_reply_summary(&c.reply, detail, sizeof detail);
		report(p, "starttls-injection", "STARTTLS\\r\\nNOOP", 0, "STARTTLS refused", detail);
		goto done;
	}
	int plain = io_pending(&c.io) > 0;
	if (!p->ctx && !(p->ctx = tls_client_ctx(TLS_NO_VERIFY, NULL, NULL, NULL, &e))) {
		snprintf(p->why, sizeof p->why, "%s", e.msg);
		rc = CHAT_EX_TLS;
		goto done;
	}
	if (tls_connect(&c.io, p->ctx, c.host, &e) < 0) {
		report(p, "starttls-injection", "STARTTLS\\r\\nNOOP", 0, "handshake failed", e.msg);
		goto done;
	}
	/* Ask nothing; an answer that comes anyway is the injected NOOP's. */
	c.timeout_ms = 1000;
	code = smtp_read_reply(&c, &e);
	if (code > 0) {
		smtp_reply_summary(&c.reply, detail, sizeof detail);
		report(p, "starttls-injection", "STARTTLS\\r\\nNOOP", 1,
		       "VULNERABLE: ran the plain-text command inside TLS", detail);
	} else if (plain) {
		report(p, "starttls-injection", "STARTTLS\\r\\nNOOP", 0,
		       "answered the pipelined command before TLS (in plain text), not inside it", "");
	} else {
		report(p, "starttls-injection", "STARTTLS\\r\\nNOOP", 0, "discarded (safe)", "");
	}
done:
	chat_finish(p->o, &c);
	return rc;
}

/* --- open relay --- */

static int relay(struct probe *p)
{
	struct smtp_client c = { 0 };
	struct mail_err e;
	char local[256], ext[] = "smtp-chat.invalid", ip[64] = "127.0.0.1";
	const char *dom = p->o->probe_domain;
	if (!dom && p->o->nto && strchr(p->o->to[0], '@'))
		dom = strrchr(p->o->to[0], '@') + 1;
	int rc = open_session(p, &c);
	if (rc)
		return rc;
	if (!dom)
		dom = c.host;
	snprintf(local, sizeof local, "%s", dom);
	const char *lb = strchr(c.peer, '['), *rb = lb ? strchr(lb, ']') : NULL;
	if (lb && rb && (size_t)(rb - lb) < sizeof ip)
		snprintf(ip, sizeof ip, "%.*s", (int)(rb - lb - 1), lb + 1);
	char forms[11][600];
	snprintf(forms[0], 600, "relaytest@%s", ext);
	snprintf(forms[1], 600, "relaytest%%%s@%s", ext, local);
	snprintf(forms[2], 600, "\"relaytest@%s\"@%s", ext, local);
	snprintf(forms[3], 600, "@%s:relaytest@%s", local, ext);
	snprintf(forms[4], 600, "%s!relaytest@%s", ext, local);
	snprintf(forms[5], 600, "relaytest@%s@%s", ext, local);
	snprintf(forms[6], 600, "relaytest@%s.", ext);
	snprintf(forms[7], 600, "\"relaytest%%%s\"@%s", ext, local);
	snprintf(forms[8], 600, "relaytest%%%s@[%s]", ext, ip);
	snprintf(forms[9], 600, "%s!relaytest", ext);
	snprintf(forms[10], 600, "relaytest@%s", ext); /* with a local sender */
	/* Only forms 0, 3, 6 and 10 name the other domain as theirs; the rest
	 * are addresses in the local domain (or none) that a router might
	 * send on, or a catch-all might keep. */
	static const int leaves[11] = { 1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1 };
	char sender[300], detail[400], control[300];
	int catch_all = 0;
	snprintf(sender, sizeof sender, "probe@%s", ext);
	for (int i = 0; i < 11 && !c.broken; i++) {
		if (i == 0 || i == 10) {
			if (i)
				smtp_command(&c, &e, "RSET");
			if (i == 10)
				snprintf(sender, sizeof sender, "postmaster@%s", local);
			int code = smtp_command(&c, &e, "MAIL FROM:<%s>", sender);
			if (code / 100 != 2) {
				if (code > 0)
					smtp_reply_summary(&c.reply, detail, sizeof detail);
				report(p, "open-relay", sender, 0, "sender refused",
				       code > 0 ? detail : e.msg);
				continue;
			}
			/* The control: a local part nobody has. Taken, the
			 * server keeps anything at this domain (a catch-all),
			 * and a routing form it takes proves no relay. */
			snprintf(control, sizeof control, "smtp-chat-no-such-user-%ld@%s", (long)(io_now_ms() % 100000),
				 local);
			catch_all = smtp_command(&c, &e, "RCPT TO:<%s>", control) / 100 == 2;
		}
		char kase[700];
		snprintf(kase, sizeof kase, "%s%s", forms[i], i == 10 ? " (from a local sender)" : "");
		int code = smtp_command(&c, &e, "RCPT TO:<%s>", forms[i]);
		if (code < 0) {
			report(p, "open-relay", kase, 0, "closed", e.msg);
			break;
		}
		smtp_reply_summary(&c.reply, detail, sizeof detail);
		if (code / 100 != 2) {
			report(p, "open-relay", kase, 0, "refused", detail);
		} else if (leaves[i]) {
			report(p, "open-relay", kase, 1, "ACCEPTED: relays to the other domain", detail);
		} else if (catch_all) {
			size_t l = strlen(detail);
			snprintf(detail + l, sizeof detail - l, "; so was <%s>", control);
			report(p, "open-relay", kase, 0, "accepted, probably a catch-all", detail);
		} else {
			report(p, "open-relay", kase, 1, "ACCEPTED: may relay (no other local part is taken)",
			       detail);
		}
	}
	smtp_quit(&c);
	chat_finish(p->o, &c);
	return 0;
}

int chat_probe_main(struct chat_opts *o, struct chat_out *out)
{
	struct probe p = { .o = o, .out = out };
	int rc = 0, all = !strcmp(o->probe, "all");
	if (!all && strcmp(o->probe, "smuggling") && strcmp(o->probe, "starttls-injection") &&
	    strcmp(o->probe, "open-relay"))
		die(EX_USAGE, "--probe: unknown probe \"%s\" (smuggling, starttls-injection, "
			      "open-relay, all)", o->probe);
	if (all || !strcmp(o->probe, "smuggling"))
		for (size_t v = 0; v < sizeof variants / sizeof variants[0] && !rc; v++)
			rc = smuggle_case(&p, v);
	if (!rc && (all || !strcmp(o->probe, "starttls-injection")))
		rc = injection(&p);
	if (!rc && (all || !strcmp(o->probe, "open-relay")))
		rc = relay(&p);
	tls_ctx_free(p.ctx);
	if (!rc && p.findings)
		rc = CHAT_EX_EXPECT;
	char reason[700], extra[100];
	if (rc && rc != CHAT_EX_EXPECT)
		snprintf(reason, sizeof reason, "probe could not run: %s", p.why);
	else
		snprintf(reason, sizeof reason, "%s: %d case%s, %d finding%s", o->probe, p.cases,
			 p.cases == 1 ? "" : "s", p.findings, p.findings == 1 ? "" : "s");
	snprintf(extra, sizeof extra, "\"cases\":%d,\"findings\":%d", p.cases, p.findings);
	chat_out_summary(out, rc, o->probe, reason, extra);
	return rc;
}
