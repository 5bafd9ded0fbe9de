/* cidr.h — IP addresses and CIDR networks (relay_networks).
 *
 * Pure functions: no DNS. A network list is the text of a CT_LIST key,
 * entries separated by commas or spaces: "127.0.0.0/8, ::1/128, 10.1.2.3".
 * A bare address is a /32 or /128. IPv4-mapped IPv6 addresses
 * (::ffff:192.0.2.1) match IPv4 networks.
 */
#ifndef POSTBOX_NET_H
#define POSTBOX_NET_H

#include <stddef.h>

#include "base/err.h"

/* Is address text `ip` inside network list `list`? 1 yes, 0 no; -1 (e set)
 * when an entry of the list is malformed (a configuration error). */
int net_list_match(const char *list, const char *ip, struct mail_err *e);
/* The same for an address in network order: family AF_INET (4 bytes,
 * IPv4-mapped IPv6 must already be stored so) or AF_INET6 (16 bytes);
 * any other family matches nothing. */
int net_list_match_addr(const char *list, int family, const unsigned char *b, struct mail_err *e);
/* Check a list's syntax only. */
int net_list_valid(const char *list, struct mail_err *e);

#endif
