/* smtp_sender_checks.c — SPF at MAIL FROM, DKIM and DMARC at the end of
 * data, and the policy keys; see smtp_sender_checks.h. */
#include "smtp/smtp_sender_checks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth_results.h"
#include "base/log.h"
#include "msg/authres_field.h"
#include "smtp/smtp_session.h"

/* "tag" → 0, the other word → 1, anything else -1. */
static int action(const struct config *cfg, enum config_key k, const char *strict, struct mail_err *e)
{
	const char *v = config_str(cfg, k);
	if (!strcmp(v, "tag"))
		return 0;
	if (!strcmp(v, strict))
		return 1;
	return err_set(e, EX_CONFIG, 451, "4.3.5", "%s: %s must be tag or %s, not \"%s\"",
		       cfg->v[k].origin, config_key_name(k), strict, v);
}

int smtp_sender_checks_load(struct smtp_sender_checks *c, const struct config *cfg, struct mail_err *e)
{
	memset(c, 0, sizeof *c);
	if ((c->spf_reject = action(cfg, CFG_SPF_ACTION, "reject", e)) < 0 ||
	    (c->dmarc_enforce = action(cfg, CFG_DMARC_ACTION, "enforce", e)) < 0)
		return -1;
	if (!config_num(cfg, CFG_AUTH_CHECKS))
		return 0;
	/* The answers are kept for their TTL: a client sends many messages
	 * from one domain, most often in one session (one process). */
	if (dns_init(&c->dns, config_str(cfg, CFG_RESOLVER), (int)config_num(cfg, CFG_DNS_TIMEOUT) * 1000, e) < 0 ||
	    dns_cache_enable(&c->dns, e) < 0) {
		e->ex = EX_CONFIG;
		return -1;
	}
	if (psl_load(&c->psl, PSL_DEFAULT_PATH, e) < 0) {
		char why[sizeof e->msg];
		str_copy(why, sizeof why, e->msg, strlen(e->msg));
		dns_cache_disable(&c->dns);
		return err_set(e, EX_CONFIG, 451, "4.3.5", "auth_checks: %s (install publicsuffix, or set auth_checks = no)",
			       why);
	}
	return 1;
}

void smtp_sender_checks_free(struct smtp_sender_checks *c)
{
	dns_cache_disable(&c->dns);
	psl_free(&c->psl);
}

/* Mail from the Internet: an MTA listener, a client address outside
 * relay_networks, no AUTH. */
static int checked(const struct session *s)
{
	return s->srv->checks && s->lo.role == SMTP_ROLE_MTA && !s->user[0] && !s->relay_ok &&
	       s->peer.kind == PEER_IP;
}

void smtpd_check_end(struct session *s)
{
	if (!s->auth)
		return;
	auth_check_free(s->auth);
	free(s->auth);
	s->auth = NULL;
}

void smtpd_check_session_end(struct session *s)
{
	if (!s->helo_spf)
		return;
	auth_helo_free(s->helo_spf);
	free(s->helo_spf);
	s->helo_spf = NULL;
}

/* Printable ASCII only, for a reply line: a DNS text is hostile. */
static void reply_text(char *out, size_t cap, const char *in)
{
	size_t n = 0;
	for (; *in && n + 1 < cap; in++)
		out[n++] = (*in >= 32 && *in < 127) ? *in : ' ';
	out[n] = '\0';
}

static void log_spf(const struct session *s, const struct spf_verdict *v)
{
	log_info(NULL, "client=%s event=spf result=%s identity=%s domain=%s reason=\"%s\"", s->peer.text,
		 spf_result_name(v->result), v->identity ? v->identity : "mailfrom", LOG_TOKEN(v->domain),
		 LOG_QUOTED(v->reason));
}

/* spf_action = reject and a fail (of the sender, or of the HELO name):
 * 550 5.7.23 with the domain's explanation (RFC 7372), -1. */
static int refuse_spf(struct session *s, const struct spf_verdict *v)
{
	int helo = v->identity && !strcmp(v->identity, "helo") && s->env.sender[0];
	char why[400];
	if (v->explanation.len)
		reply_text(why, sizeof why, v->explanation.ptr);
	else
		snprintf(why, sizeof why, "%s is not allowed to send mail for %s", s->peer.text, v->domain);
	if (helo)
		smtpd_reply(s, "550 5.7.23 SPF fail for the HELO name %s: %s", v->domain, why);
	else
		smtpd_reply(s, "550 5.7.23 SPF fail: %s", why);
	log_info(NULL, "client=%s event=spf-rejected from=<%s> identity=%s", s->peer.text, LOG_TOKEN(s->env.sender),
		 helo ? "helo" : v->identity ? v->identity : "mailfrom");
	return -1;
}

int smtpd_check_mail(struct session *s)
{
	smtpd_check_end(s);
	if (!checked(s))
		return 0;
	struct auth_check *c = calloc(1, sizeof *c);
	if (!c) {
		/* Unchecked is better than refused: the field says nothing. */
		log_err(NULL, "client=%s event=auth-check-skipped error=\"out of memory\"", s->peer.text);
		return 0;
	}
	struct smtp_sender_checks *k = s->srv->checks;
	c->dns = &k->dns;
	c->psl = &k->psl;
	c->authserv_id = config_str(s->cfg, CFG_HOSTNAME);
	c->spf.family = s->peer.family;
	memcpy(c->spf.ip, s->peer.addr, s->peer.family == AF_INET ? 4 : 16);
	c->spf.helo = s->helo;
	c->spf.sender = s->env.sender;
	c->spf.receiver = c->authserv_id;
	s->auth = c;
	auth_check_begin(c); /* the message comes after: smtpd_check_data */
	/* The HELO name first, once a session (a calloc failure: unchecked):
	 * its fail refuses without the sender's lookups (RFC 7208 §2.3). */
	if (!s->helo_spf)
		s->helo_spf = calloc(1, sizeof *s->helo_spf);
	c->helo = s->helo_spf;
	auth_check_prefetch_mail(c);
	int fresh;
	const struct spf_verdict *helo = auth_check_helo(c, &fresh);
	if (fresh)
		log_spf(s, helo);
	if (helo && helo->result == SPF_FAIL && k->spf_reject)
		return refuse_spf(s, helo);
	auth_check_spf(c);
	log_spf(s, &c->spf_verdict);
	if (c->spf_verdict.result == SPF_FAIL && k->spf_reject)
		return refuse_spf(s, &c->spf_verdict);
	return 0;
}

void smtpd_check_data(struct session *s, const char *p, size_t n)
{
	struct mail_err e;
	if (s->auth)
		auth_check_feed(s->auth, p, n, &e); /* a failure is kept for the end */
}

/* Our field on top of the header section with the forged ones removed,
 * and the rest of the message: into the spool in one go when all of it
 * is still in s->data, else by rewriting the head of what was written. */
static int write_checked(struct session *s, struct mail_err *e)
{
	struct auth_check *c = s->auth;
	struct buf head = BUF_INIT;
	int held = s->tx.size == 0, rc = -1;
	size_t old = c->reader.header_bytes;
	auth_results_header(c, &head);
	size_t forged = authres_strip(c->hdr.ptr ? c->hdr.ptr : "", c->hdr.len, c->authserv_id, &head);
	if (!buf_ok(&head))
		err_set(e, EX_TEMPFAIL, 451, "4.3.0", "out of memory");
	else if (held && spool_write2(&s->tx, head.ptr, head.len, s->data.ptr + old, s->data.len - old, e) == 0)
		rc = 0;
	else if (!held && spool_write(&s->tx, s->data.ptr, s->data.len, e) == 0 &&
		 spool_replace_head(&s->tx, head.ptr, head.len, old, e) == 0)
		rc = 0;
	buf_free(&head);
	if (forged)
		log_info(s->tx.id, "client=%s event=authres-removed count=%zu", s->peer.text, forged);
	return rc;
}

int smtpd_check_message(struct session *s)
{
	struct auth_check *c = s->auth;
	struct mail_err e;
	if (!c)
		return 0;
	smtpd_check_data(s, s->data.ptr, s->data.len);
	int rc = auth_check_end(c, &e) == 0 ? write_checked(s, &e) : -1;
	buf_reset(&s->data);
	if (rc < 0) {
		log_err(s->tx.id, "client=%s event=auth-check-failed error=\"%s\"", s->peer.text, LOG_QUOTED(e.msg));
		smtpd_reply(s, "451 4.3.0 Cannot check the message now, try again later");
		return -1;
	}
	const struct dmarc_verdict *d = &c->dmarc;
	log_info(s->tx.id, "client=%s event=dmarc result=%s from_domain=%s disposition=%s", s->peer.text,
		 dmarc_result_name(d->result), LOG_TOKEN(d->from_domain[0] ? d->from_domain : "-"),
		 dmarc_policy_name(d->disposition));
	if (!s->srv->checks->dmarc_enforce || d->result != DMARC_FAIL)
		return 0;
	if (d->disposition == DMARC_P_REJECT) {
		smtpd_reply(s, "550 5.7.1 DMARC: the policy of %s (p=reject) is not met: no aligned SPF or DKIM pass",
			    d->from_domain);
		log_info(s->tx.id, "client=%s event=dmarc-rejected from_domain=%s", s->peer.text, LOG_TOKEN(d->from_domain));
		return -1;
	}
	if (d->disposition == DMARC_P_QUARANTINE)
		s->env.junk = 1;
	return 0;
}
