/* auth_dns.c — TXT records from the DNS for SPF, DKIM and DMARC; see
 * auth_dns.h.
 *
 * Interim: asks through dns_exchange and reads the TXT strings with
 * ldns, until net/dns_records.c's dns_lookup (which the SPF work brings)
 * is on main; then this becomes a thin adapter over it.
 */
#include "auth/auth_dns.h"

#include <string.h>

#include "net/dns.h"
#include "net/dns_query.h"
#include "base/lazylib.h"

#define DNS_TXT_TYPE 16

int auth_dns_txt(void *ctx, const char *name, struct buf *out, struct mail_err *e)
{
	struct dns *d = ctx;
	unsigned char ans[65535];
	size_t len = 0;
	if (dns_exchange(d, name, DNS_TXT_TYPE, 0, ans, sizeof ans, &len, e) < 0)
		return e->smtp >= 500 ? 0 : -1;
	ldns_pkt *pkt = NULL;
	if (ldns_wire2pkt(&pkt, ans, len) != LDNS_STATUS_OK || !pkt) {
		err_set(e, EX_TEMPFAIL, 451, "4.4.3", "malformed DNS answer for %s TXT", name);
		return -1;
	}
	int rcode = ldns_pkt_get_rcode(pkt), n = 0;
	if (rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN) {
		ldns_pkt_free(pkt);
		err_set(e, EX_TEMPFAIL, 451, "4.4.3", "DNS lookup of %s TXT failed (rcode %d)", name, rcode);
		return -1;
	}
	const ldns_rr_list *an = ldns_pkt_answer(pkt);
	for (size_t i = 0; an && i < ldns_rr_list_rr_count(an); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(an, i);
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_TXT)
			continue;
		for (size_t k = 0; k < ldns_rr_rd_count(rr); k++) {
			const ldns_rdf *f = ldns_rr_rdf(rr, k);
			const unsigned char *p = ldns_rdf_data(f);
			size_t sz = ldns_rdf_size(f);
			if (sz >= 1 && (size_t)p[0] + 1 <= sz)
				buf_add(out, p + 1, p[0]);
		}
		buf_addc(out, '\0');
		n++;
	}
	ldns_pkt_free(pkt);
	if (!buf_ok(out)) {
		err_set(e, EX_TEMPFAIL, 451, "4.3.0", "out of memory");
		return -1;
	}
	return n;
}
