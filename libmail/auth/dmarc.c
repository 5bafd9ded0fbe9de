/* dmarc.c — DMARC evaluation; see dmarc.h. */
#include "auth/dmarc.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "msg/from_domain.h"

const char *dmarc_result_name(enum dmarc_result r)
{
	static const char *const names[] = { "none", "pass", "fail", "temperror", "permerror" };
	return names[r];
}

/* The one DMARC record at _dmarc.DOMAIN: 1 found, 0 none (or several,
 * or only invalid ones: §6.6.3 treats those as none), -1 temperror. */
static int fetch_record(const char *domain, auth_txt_fn lookup, void *ctx, struct dmarc_record *rec,
			char *why, size_t cap)
{
	char name[300];
	int len = snprintf(name, sizeof name, "_dmarc.%s", domain);
	if (len < 0 || len > 253)
		return 0;
	struct buf txt = BUF_INIT;
	struct mail_err e;
	err_clear(&e);
	int n = lookup(ctx, name, &txt, &e), found = 0, rc;
	if (n < 0) {
		snprintf(why, cap, "policy lookup failed: %s", e.msg);
		rc = -1;
	} else {
		size_t off = 0;
		const char *bad = NULL;
		for (int i = 0; i < n && off < txt.len; i++) {
			size_t l = strlen(txt.ptr + off);
			if (dmarc_record_is_dmarc(txt.ptr + off, l)) {
				found++;
				if (dmarc_record_parse(txt.ptr + off, l, rec, &bad) < 0)
					found = 100; /* an invalid one: none */
			}
			off += l + 1;
		}
		rc = found == 1;
		if (found > 1)
			snprintf(why, cap, "%s at %s", bad ? bad : "several DMARC records", name);
	}
	buf_free(&txt);
	return rc;
}

static int aligned(const struct psl *psl, const char *id, const char *from, const char *from_org, int strict)
{
	if (!id || !*id)
		return 0;
	if (!strcasecmp(id, from))
		return 1;
	if (strict)
		return 0;
	char org[DKIM_DOMAIN_MAX], lower[DKIM_DOMAIN_MAX];
	size_t n = strlen(id);
	if (n >= sizeof lower)
		return 0;
	for (size_t i = 0; i <= n; i++)
		lower[i] = id[i] >= 'A' && id[i] <= 'Z' ? (char)(id[i] - 'A' + 'a') : id[i];
	psl_org_domain(psl, lower, org, sizeof org);
	return !strcmp(org, from_org);
}

static enum dmarc_policy milder(enum dmarc_policy p)
{
	return p == DMARC_P_REJECT ? DMARC_P_QUARANTINE : DMARC_P_NONE;
}

void dmarc_check(const struct dmarc_input *in, const struct psl *psl, auth_txt_fn lookup, void *ctx,
		 int (*rnd100)(void), struct dmarc_verdict *v)
{
	memset(v, 0, sizeof *v);
	switch (from_domain(in->hdrs, in->n, v->from_domain, sizeof v->from_domain)) {
	case FROM_ONE:
		break;
	case FROM_NONE:
		v->result = DMARC_PERMERROR;
		snprintf(v->reason, sizeof v->reason, "no From: field, RFC 7489 6.6.1");
		return;
	case FROM_SEVERAL:
		v->from_domain[0] = '\0'; /* no one domain to name */
		v->result = DMARC_PERMERROR;
		snprintf(v->reason, sizeof v->reason, "several From: fields or addresses, RFC 7489 6.6.1");
		return;
	case FROM_BAD:
		v->from_domain[0] = '\0';
		v->result = DMARC_PERMERROR;
		snprintf(v->reason, sizeof v->reason, "the From: field has no usable address");
		return;
	}
	char org[DKIM_DOMAIN_MAX];
	psl_org_domain(psl, v->from_domain, org, sizeof org);
	struct dmarc_record rec;
	int subdomain_policy = 0;
	int found = fetch_record(v->from_domain, lookup, ctx, &rec, v->reason, sizeof v->reason);
	if (found == 0 && !v->reason[0] && strcmp(org, v->from_domain)) {
		found = fetch_record(org, lookup, ctx, &rec, v->reason, sizeof v->reason);
		subdomain_policy = 1;
	}
	if (found < 0) {
		v->result = DMARC_TEMPERROR;
		return;
	}
	if (found == 0) {
		v->result = DMARC_NONE;
		if (!v->reason[0])
			snprintf(v->reason, sizeof v->reason, "no DMARC record for %s", v->from_domain);
		return;
	}
	v->record_found = 1;
	v->policy = subdomain_policy ? rec.sp : rec.p;
	int pass = in->spf == SPF_PASS && aligned(psl, in->spf_domain, v->from_domain, org, rec.aspf_strict);
	const char *by = pass ? "SPF" : NULL;
	for (size_t i = 0; !pass && in->dkim && i < in->dkim->nsig; i++) {
		const struct dkim_verify_sig *s = &in->dkim->s[i];
		pass = s->result == DKIM_PASS && aligned(psl, s->sig.domain, v->from_domain, org, rec.adkim_strict);
		by = "DKIM";
	}
	if (pass) {
		v->result = DMARC_PASS;
		v->disposition = DMARC_P_NONE;
		snprintf(v->reason, sizeof v->reason, "aligned %s pass", by);
		return;
	}
	v->result = DMARC_FAIL;
	int sampled = rnd100 ? rnd100() < rec.pct : rec.pct > 0;
	v->disposition = sampled ? v->policy : milder(v->policy);
	snprintf(v->reason, sizeof v->reason, "no aligned SPF or DKIM pass");
}
