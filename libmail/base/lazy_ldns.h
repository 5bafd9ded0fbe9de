/* lazy_ldns.h — ldns, loaded when first needed (base/lazylib.h).
 *
 * Include it instead of the library's own headers: it includes them, then
 * turns each call named below into a call through the pointer that
 * lazylib_load(LAZYLIB_LDNS) fills. A new call into the library needs one line
 * in each list (the compiler keeps them in step: a name without its
 * #define is an undefined reference at link time; a #define without its
 * list entry is an undeclared lazy_ pointer).
 */
#ifndef POSTBOX_LAZY_LDNS_H
#define POSTBOX_LAZY_LDNS_H

#include <ldns/ldns.h>

#include "base/lazylib.h"

#define LAZY_LDNS_SYMBOLS(X) \
	X(ldns_dname_new_frm_str) \
	X(ldns_pkt2wire) \
	X(ldns_pkt_ad) \
	X(ldns_pkt_answer) \
	X(ldns_pkt_authority) \
	X(ldns_pkt_free) \
	X(ldns_pkt_get_rcode) \
	X(ldns_pkt_qr) \
	X(ldns_pkt_query_new) \
	X(ldns_pkt_question) \
	X(ldns_pkt_set_ad) \
	X(ldns_pkt_set_edns_do) \
	X(ldns_pkt_set_edns_udp_size) \
	X(ldns_pkt_set_id) \
	X(ldns_pkt_tc) \
	X(ldns_rdf_data) \
	X(ldns_rdf_deep_free) \
	X(ldns_rdf_get_type) \
	X(ldns_rdf_size) \
	X(ldns_rr_get_class) \
	X(ldns_rr_get_type) \
	X(ldns_rr_list_rr) \
	X(ldns_rr_list_rr_count) \
	X(ldns_rr_owner) \
	X(ldns_rr_rd_count) \
	X(ldns_rr_rdf) \
	X(ldns_rr_ttl) \
	X(ldns_wire2pkt)

LAZY_LDNS_SYMBOLS(LAZY_DECLARE)

#define ldns_dname_new_frm_str LAZY(ldns, ldns_dname_new_frm_str)
#define ldns_pkt2wire LAZY(ldns, ldns_pkt2wire)
#define ldns_pkt_ad LAZY(ldns, ldns_pkt_ad)
#define ldns_pkt_answer LAZY(ldns, ldns_pkt_answer)
#define ldns_pkt_authority LAZY(ldns, ldns_pkt_authority)
#define ldns_pkt_free LAZY(ldns, ldns_pkt_free)
#define ldns_pkt_get_rcode LAZY(ldns, ldns_pkt_get_rcode)
#define ldns_pkt_qr LAZY(ldns, ldns_pkt_qr)
#define ldns_pkt_query_new LAZY(ldns, ldns_pkt_query_new)
#define ldns_pkt_question LAZY(ldns, ldns_pkt_question)
#define ldns_pkt_set_ad LAZY(ldns, ldns_pkt_set_ad)
#define ldns_pkt_set_edns_do LAZY(ldns, ldns_pkt_set_edns_do)
#define ldns_pkt_set_edns_udp_size LAZY(ldns, ldns_pkt_set_edns_udp_size)
#define ldns_pkt_set_id LAZY(ldns, ldns_pkt_set_id)
#define ldns_pkt_tc LAZY(ldns, ldns_pkt_tc)
#define ldns_rdf_data LAZY(ldns, ldns_rdf_data)
#define ldns_rdf_deep_free LAZY(ldns, ldns_rdf_deep_free)
#define ldns_rdf_get_type LAZY(ldns, ldns_rdf_get_type)
#define ldns_rdf_size LAZY(ldns, ldns_rdf_size)
#define ldns_rr_get_class LAZY(ldns, ldns_rr_get_class)
#define ldns_rr_get_type LAZY(ldns, ldns_rr_get_type)
#define ldns_rr_list_rr LAZY(ldns, ldns_rr_list_rr)
#define ldns_rr_list_rr_count LAZY(ldns, ldns_rr_list_rr_count)
#define ldns_rr_owner LAZY(ldns, ldns_rr_owner)
#define ldns_rr_rd_count LAZY(ldns, ldns_rr_rd_count)
#define ldns_rr_rdf LAZY(ldns, ldns_rr_rdf)
#define ldns_rr_ttl LAZY(ldns, ldns_rr_ttl)
#define ldns_wire2pkt LAZY(ldns, ldns_wire2pkt)

#endif
