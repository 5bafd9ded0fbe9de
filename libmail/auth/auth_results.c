/* auth_results.c — SPF, DKIM and DMARC together, and RFC 8601's field;
 * see auth_results.h. */
#include "auth/auth_results.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "auth/auth_message.h"
#include "msg/from_domain.h"
#include "net/dns.h"

static int begin_dkim(void *ctx, const char *hdr, size_t n, struct mail_err *e)
{
	struct auth_check *c = ctx;
	return dkim_verify_begin(&c->dkim, hdr, n, e);
}

static int feed_dkim(void *ctx, const char *p, size_t n, struct mail_err *e)
{
	(void)e;
	struct auth_check *c = ctx;
	dkim_verify_body(&c->dkim, p, n);
	return 0;
}

static int random100(void)
{
	unsigned v = 0;
	if (getrandom(&v, sizeof v, 0) != (ssize_t)sizeof v)
		v = (unsigned)time(NULL);
	return (int)(v % 100);
}

/* The domain SPF checked: the sender's, or the HELO name's. */
static const char *spf_domain(const struct auth_check *c)
{
	const char *at = c->spf.sender ? strrchr(c->spf.sender, '@') : NULL;
	return at ? at + 1 : c->spf.helo;
}

static int null_sender(const struct auth_check *c)
{
	return !c->spf.sender || !c->spf.sender[0];
}

/* The HELO verdict that goes with c's transaction, or NULL. */
static const struct spf_verdict *helo_verdict(const struct auth_check *c)
{
	const struct auth_helo *h = c->helo;
	const char *helo = c->spf.helo ? c->spf.helo : "";
	if (!h || null_sender(c) || !h->checked || strcmp(h->name, helo) != 0)
		return NULL;
	return &h->v;
}

/* Names asked beside each other: "_dmarc.DOMAIN" or "SEL._domainkey.DOMAIN". */
struct prefetch {
	struct dns_question q[DNS_PREFETCH_MAX];
	char names[DNS_PREFETCH_MAX][DNS_NAME_MAX + 16];
	size_t n;
};

static void ask_txt(struct prefetch *p, const char *a, const char *b)
{
	if (p->n >= DNS_PREFETCH_MAX)
		return;
	int len = snprintf(p->names[p->n], sizeof p->names[p->n], "%s%s", a, b);
	if (len < 0 || (size_t)len >= sizeof p->names[p->n])
		return;
	p->q[p->n] = (struct dns_question){ p->names[p->n], DNS_T_TXT };
	p->n++;
}

void auth_check_prefetch_mail(struct auth_check *c)
{
	struct prefetch p = { .n = 0 };
	const struct auth_helo *h = c->helo;
	const char *helo = c->spf.helo ? c->spf.helo : "";
	if (!c->dns)
		return;
	/* what auth_check_helo will ask first, when it evaluates */
	if (h && !null_sender(c) && (!h->name[0] || strcmp(h->name, helo)) && spf_helo_checkable(helo))
		ask_txt(&p, "", helo);
	/* the SPF record of MAIL FROM's domain, and the DMARC record of
	 * that domain, which is most often the From: field's */
	const char *domain = spf_domain(c);
	if (domain && *domain) {
		ask_txt(&p, "", domain);
		if (!null_sender(c))
			ask_txt(&p, "_dmarc.", domain);
	}
	dns_prefetch(c->dns, p.q, p.n);
}

/* The keys of the signatures that will be checked (dkim_verify.c's
 * check_one: not expired) and the From: domain's DMARC record. */
static void prefetch_end(struct auth_check *c, long long now)
{
	struct prefetch p = { .n = 0 };
	char from[DNS_NAME_MAX];
	for (size_t i = 0; i < c->dkim.nsig; i++) {
		const struct dkim_verify_sig *s = &c->dkim.s[i];
		if (s->hashing && !(s->sig.x >= 0 && now > s->sig.x)) {
			char name[DKIM_DOMAIN_MAX + 16];
			snprintf(name, sizeof name, "%s._domainkey.", s->sig.selector);
			ask_txt(&p, name, s->sig.domain);
		}
	}
	if (from_domain(c->hdr.ptr ? c->hdr.ptr : "", c->hdr.len, from, sizeof from) == FROM_ONE)
		ask_txt(&p, "_dmarc.", from);
	dns_prefetch(c->dns, p.q, p.n);
}

const struct spf_verdict *auth_check_helo(struct auth_check *c, int *fresh)
{
	struct auth_helo *h = c->helo;
	const char *helo = c->spf.helo ? c->spf.helo : "";
	*fresh = 0;
	if (!h || null_sender(c) || (h->name[0] && !strcmp(h->name, helo)))
		return helo_verdict(c);
	auth_helo_free(h);
	memset(h, 0, sizeof *h);
	if (str_copy(h->name, sizeof h->name, helo, strlen(helo)) < 0 || !spf_helo_checkable(helo))
		return NULL;
	struct spf_query q = c->spf;
	q.sender = ""; /* check_host() with postmaster@HELO: the HELO identity */
	spf_check(c->dns, &q, &h->v);
	h->checked = *fresh = 1;
	return helo_verdict(c);
}

void auth_check_spf(struct auth_check *c)
{
	spf_verdict_free(&c->spf_verdict);
	memset(&c->spf_verdict, 0, sizeof c->spf_verdict);
	spf_check(c->dns, &c->spf, &c->spf_verdict);
}

void auth_check_begin(struct auth_check *c)
{
	dkim_verify_free(&c->dkim);
	memset(&c->dkim, 0, sizeof c->dkim);
	buf_reset(&c->hdr);
	c->sink = (struct auth_message_sink){ begin_dkim, feed_dkim, c };
	auth_reader_init(&c->reader, &c->hdr, NULL, &c->sink);
	c->read_failed = 0;
}

int auth_check_feed(struct auth_check *c, const char *p, size_t n, struct mail_err *e)
{
	if (!c->read_failed && auth_reader_feed(&c->reader, p, n, &c->read_err) < 0)
		c->read_failed = 1;
	if (c->read_failed)
		*e = c->read_err;
	return c->read_failed ? -1 : 0;
}

int auth_check_end(struct auth_check *c, struct mail_err *e)
{
	if (!c->read_failed && auth_reader_end(&c->reader, &c->read_err) < 0)
		c->read_failed = 1;
	if (c->read_failed) {
		*e = c->read_err;
		dkim_verify_free(&c->dkim);
		memset(&c->dkim, 0, sizeof c->dkim);
		return -1;
	}
	long long now = (long long)time(NULL);
	if (c->dns)
		prefetch_end(c, now);
	dkim_verify_finish(&c->dkim, auth_dns_txt, c->dns, now);
	const struct dmarc_input in = { c->hdr.ptr ? c->hdr.ptr : "", c->hdr.len, c->spf_verdict.result,
					spf_domain(c), &c->dkim };
	dmarc_check(&in, c->psl, auth_dns_txt, c->dns, random100, &c->dmarc);
	if (c->dns)
		dns_prefetch_forget(c->dns); /* what was not asked for after all */
	/* The verifier points into the header section; its results are
	 * copied out, so that the text may go with the next message. */
	for (size_t i = 0; i < c->dkim.nsig; i++) {
		c->dkim.s[i].name = NULL;
		c->dkim.s[i].value = NULL;
		c->dkim.s[i].sig.nh = 0;
	}
	c->dkim.hdrs = NULL;
	return 0;
}

int auth_check_fd(struct auth_check *c, int fd, struct mail_err *e)
{
	int fresh;
	auth_check_helo(c, &fresh);
	auth_check_spf(c);
	auth_check_begin(c);
	if (auth_reader_read_fd(&c->reader, fd, &c->read_err) < 0)
		c->read_failed = 1;
	return auth_check_end(c, e);
}

void auth_check_free(struct auth_check *c)
{
	if (c->dns)
		dns_prefetch_forget(c->dns);
	buf_free(&c->hdr);
	dkim_verify_free(&c->dkim);
	spf_verdict_free(&c->spf_verdict);
}

void auth_helo_free(struct auth_helo *h)
{
	spf_verdict_free(&h->v);
}

/* A comment's text: no parentheses, backslashes or control characters. */
static void add_comment(struct buf *out, const char *text)
{
	if (!text || !*text)
		return;
	buf_adds(out, " (");
	for (const char *p = text; *p; p++)
		buf_addc(out, (*p == '(' || *p == ')' || *p == '\\' || (unsigned char)*p < 32) ? ' ' : *p);
	buf_addc(out, ')');
}

/* A property value: as it is when it is a token or local-part@domain
 * (RFC 8601 §2.3), else a quoted string. */
static void add_value(struct buf *out, const char *v)
{
	int plain = *v != '\0';
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p <= 32 || (unsigned char)*p >= 127 || strchr("()<>,;:\\\"[]", *p))
			plain = 0;
	if (plain) {
		buf_adds(out, v);
		return;
	}
	buf_addc(out, '"');
	for (const char *p = v; *p; p++) {
		if ((unsigned char)*p < 32 || (unsigned char)*p == 127)
			continue;
		if (*p == '"' || *p == '\\')
			buf_addc(out, '\\');
		buf_addc(out, *p);
	}
	buf_addc(out, '"');
}

int auth_results_header(const struct auth_check *c, struct buf *out)
{
	buf_addf(out, "Authentication-Results: %s;\n\tspf=%s", c->authserv_id, spf_result_name(c->spf_verdict.result));
	add_comment(out, c->spf_verdict.reason);
	if (!null_sender(c)) {
		buf_adds(out, " smtp.mailfrom=");
		add_value(out, c->spf.sender);
	} else {
		buf_adds(out, " smtp.helo=");
		add_value(out, c->spf.helo && *c->spf.helo ? c->spf.helo : "unknown");
	}
	const struct spf_verdict *helo = helo_verdict(c);
	if (helo) {
		buf_addf(out, ";\n\tspf=%s", spf_result_name(helo->result));
		add_comment(out, helo->reason);
		buf_adds(out, " smtp.helo=");
		add_value(out, c->spf.helo);
	}
	if (c->dkim.nsig == 0)
		buf_adds(out, ";\n\tdkim=none");
	for (size_t i = 0; i < c->dkim.nsig; i++) {
		const struct dkim_verify_sig *s = &c->dkim.s[i];
		buf_addf(out, ";\n\tdkim=%s", dkim_result_name(s->result));
		add_comment(out, s->reason);
		if (s->sig.domain[0])
			buf_addf(out, " header.d=%s", s->sig.domain);
		if (s->sig.selector[0])
			buf_addf(out, " header.s=%s", s->sig.selector);
		if (s->sig.has_alg)
			buf_addf(out, " header.a=%s", dkim_alg_name(s->sig.alg));
	}
	buf_addf(out, ";\n\tdmarc=%s", dmarc_result_name(c->dmarc.result));
	if (c->dmarc.record_found) {
		char policy[64];
		snprintf(policy, sizeof policy, "p=%s dis=%s", dmarc_policy_name(c->dmarc.policy),
			 dmarc_policy_name(c->dmarc.disposition));
		add_comment(out, policy);
	} else {
		add_comment(out, c->dmarc.reason);
	}
	if (c->dmarc.from_domain[0])
		buf_addf(out, " header.from=%s", c->dmarc.from_domain);
	buf_addc(out, '\n');
	return buf_ok(out) ? 0 : -1;
}
