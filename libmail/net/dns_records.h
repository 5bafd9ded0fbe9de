/* dns_records.h — DNS lookups for sender authentication (SPF, DKIM, DMARC):
 * TXT, A, AAAA, MX and PTR records as they are published, with the three
 * ways a lookup can come back empty told apart, as RFC 7208 §4.4/§4.6.4
 * and RFC 6376 §6.1.2 need them:
 *
 *   DNS_FOUND      records of the asked type (out->n >= 1)
 *   DNS_NODATA     the name exists but has none (NOERROR, empty answer)
 *   DNS_NXDOMAIN   the name does not exist
 *   DNS_TEMPFAIL   no usable answer: a timeout, SERVFAIL, REFUSED, a
 *                  malformed answer; e says which and from whom
 *
 * NODATA and NXDOMAIN are what RFC 7208 §4.6.4 calls void lookups.
 * CNAMEs are followed (msg/dns_decode.h: DNS_CNAME_MAX links); out->name is the name
 * the records were found at. Names may be anything dns_lookup_name_valid
 * accepts (SPF macros build names from local parts); a name that is not
 * is DNS_NXDOMAIN with e set (no query is sent: no such name can exist).
 *
 * The nameservers and the timeout come from the struct dns (the `resolver`
 * and `dns_timeout` keys, dns_init); the transport is dns_query.c's, the
 * decoding msg/dns_decode.c's. TXT text is read with dns_rr_txt
 * (msg/dns_decode.h): the strings of one record joined, several records
 * kept apart. Every reply filled by dns_lookup must be released with
 * dns_reply_free.
 */
#ifndef POSTBOX_DNS_RECORDS_H
#define POSTBOX_DNS_RECORDS_H

#include "base/err.h"
#include "net/dns.h"

enum dns_outcome { DNS_FOUND, DNS_NODATA, DNS_NXDOMAIN, DNS_TEMPFAIL };

/* Look up the records of qtype (DNS_T_TXT, _A, _AAAA, _MX, _PTR) at name. */
enum dns_outcome dns_lookup(struct dns *d, const char *name, int qtype, struct dns_reply *out,
			    struct mail_err *e);

/* The reverse-lookup name of an address (RFC 1035 §3.5, RFC 3596 §2.5):
 * "4.3.2.1.in-addr.arpa" or the 32 nibbles under "ip6.arpa".
 * family AF_INET (4 octets) or AF_INET6 (16). */
void dns_reverse_name(int family, const unsigned char *addr, char out[DNS_NAME_MAX]);

/* The keyword of an outcome, for logs and tests ("found", "nodata", ...). */
const char *dns_outcome_name(enum dns_outcome o);

#endif
