/* dns_records.c — lookups of published records for SPF, DKIM and DMARC,
 * with NXDOMAIN, no data and temporary failures told apart; see
 * dns_records.h. */
#include "net/dns_records.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static const char *type_name(int qtype)
{
	switch (qtype) {
	case DNS_T_A: return "A";
	case DNS_T_AAAA: return "AAAA";
	case DNS_T_MX: return "MX";
	case DNS_T_PTR: return "PTR";
	case DNS_T_TXT: return "TXT";
	}
	return "?";
}

enum dns_outcome dns_lookup(struct dns *d, const char *name, int qtype, struct dns_reply *out,
			    struct mail_err *e)
{
	static const char *const rcodes[] = { "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED" };
	dns_reply_clear(out);
	if (!dns_lookup_name_valid(name)) {
		err_set(e, EX_NOHOST, 550, "5.1.2", "\"%s\" is not a domain name", name);
		return DNS_NXDOMAIN;
	}
	if (dns_query(d, name, qtype, 0, out, e) < 0)
		return DNS_TEMPFAIL;
	switch (out->rcode) {
	case 0:
		return out->n > 0 ? DNS_FOUND : DNS_NODATA;
	case 3:
		return DNS_NXDOMAIN;
	}
	const char *rc = out->rcode < 6 ? rcodes[out->rcode] : "an error code";
	err_set(e, EX_TEMPFAIL, 451, "4.4.3", "DNS lookup of %s %s failed with %s", type_name(qtype), name, rc);
	dns_reply_free(out);
	return DNS_TEMPFAIL;
}

void dns_reverse_name(int family, const unsigned char *addr, char out[DNS_NAME_MAX])
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	if (family == AF_INET) {
		snprintf(out, DNS_NAME_MAX, "%u.%u.%u.%u.in-addr.arpa", addr[3], addr[2], addr[1], addr[0]);
		return;
	}
	for (int i = 15; i >= 0; i--) {
		out[o++] = hex[addr[i] & 15];
		out[o++] = '.';
		out[o++] = hex[addr[i] >> 4];
		out[o++] = '.';
	}
	memcpy(out + o, "ip6.arpa", sizeof "ip6.arpa");
}

const char *dns_outcome_name(enum dns_outcome o)
{
	static const char *const names[] = { "found", "nodata", "nxdomain", "tempfail" };
	return names[o];
}
