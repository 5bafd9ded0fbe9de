/* dmarc.h — DMARC (RFC 7489): does the RFC5322.From domain's policy hold
 * for this message, given its SPF and DKIM results?
 *
 * The From domain (msg/from_domain.h); its policy record at _dmarc.FROM,
 * or at _dmarc.ORG for the organizational domain (auth/dmarc_psl.h) when
 * the From domain has none (§6.6.3); identifier alignment (§3.1): a
 * passing DKIM signature whose d= is the From domain (adkim=s) or shares
 * its organizational domain (relaxed, the default), or an SPF pass for a
 * domain aligned the same way (aspf). Results, as RFC 8601 names them:
 *
 *   pass       aligned SPF or DKIM pass
 *   fail       a policy exists and nothing aligned passed
 *   none       no policy record (or only invalid ones)
 *   temperror  the record could not be looked up now
 *   permerror  no From: field, or several From: fields or addresses with
 *              different domains (§6.6.1: such messages are malformed)
 *
 * The policy that applies is p=, or sp= for a subdomain whose record was
 * found at its organizational domain; pct= under 100 applies it to that
 * share of failing mail, the rest one step milder (§6.6.4).
 */
#ifndef POSTBOX_DMARC_H
#define POSTBOX_DMARC_H

#include <stddef.h>

#include "auth/auth_dns.h"
#include "auth/dkim_verify.h"
#include "auth/dmarc_psl.h"
#include "msg/dkim_sig.h"
#include "msg/dmarc_record.h"
#include "msg/spf_record.h"

enum dmarc_result { DMARC_NONE, DMARC_PASS, DMARC_FAIL, DMARC_TEMPERROR, DMARC_PERMERROR };

struct dmarc_input {
	const char *hdrs;                 /* the header section */
	size_t n;
	enum spf_result spf;
	const char *spf_domain;           /* the domain SPF checked (MAIL FROM's, or HELO's) */
	const struct dkim_verifier *dkim; /* NULL: no DKIM results */
};

struct dmarc_verdict {
	enum dmarc_result result;
	char from_domain[DKIM_DOMAIN_MAX];   /* "" when there is none */
	enum dmarc_policy policy;            /* what the record asks for failing mail */
	enum dmarc_policy disposition;       /* what to do: policy after pct (none on pass) */
	int record_found;
	char reason[160];
};

/* rnd100: a number in [0, 100) for pct sampling (NULL: always 0, the
 * policy applies to all). */
void dmarc_check(const struct dmarc_input *in, const struct psl *psl, auth_txt_fn lookup, void *ctx,
		 int (*rnd100)(void), struct dmarc_verdict *v);
const char *dmarc_result_name(enum dmarc_result r);

#endif
