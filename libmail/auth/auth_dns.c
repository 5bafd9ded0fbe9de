/* auth_dns.c — TXT records from the DNS for DKIM and DMARC, through
 * net/dns_records.h; see auth_dns.h. */
#include "auth/auth_dns.h"

#include <stdlib.h>

#include "net/dns.h"
#include "net/dns_records.h"

int auth_dns_txt(void *ctx, const char *name, struct buf *out, struct mail_err *e)
{
	struct dns_reply *r = malloc(sizeof *r); /* 32 records: too big for some stacks */
	if (!r) {
		err_set(e, EX_TEMPFAIL, 451, "4.3.0", "out of memory");
		return -1;
	}
	int n = 0;
	switch (dns_lookup(ctx, name, DNS_T_TXT, r, e)) {
	case DNS_FOUND:
		for (size_t i = 0; i < r->n; i++) {
			size_t len = 0;
			const char *txt = dns_rr_txt(r, i, &len);
			if (!txt)
				continue;
			/* A NUL inside a record cannot be part of a key or policy
			 * record; the record is cut there, which makes it invalid. */
			buf_add(out, txt, len);
			buf_addc(out, '\0');
			n++;
		}
		dns_reply_free(r);
		if (!buf_ok(out)) {
			err_set(e, EX_TEMPFAIL, 451, "4.3.0", "out of memory");
			n = -1;
		}
		break;
	case DNS_NODATA:
	case DNS_NXDOMAIN:
		dns_reply_free(r);
		break;
	case DNS_TEMPFAIL:
		n = -1;
		break;
	}
	free(r);
	return n;
}
