/* cidr.c — CIDR matching for relay_networks; see cidr.h. */
#include "net/cidr.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

struct ipaddr {
	int family;              /* AF_INET or AF_INET6 */
	unsigned char b[16];
};

static int ip_parse(const char *s, struct ipaddr *a)
{
	memset(a, 0, sizeof *a);
	if (inet_pton(AF_INET, s, a->b) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->b) != 1)
		return -1;
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	if (!memcmp(a->b, mapped, 12)) {
		memmove(a->b, a->b + 12, 4);
		memset(a->b + 4, 0, 12);
		a->family = AF_INET;
	} else {
		a->family = AF_INET6;
	}
	return 0;
}

static int prefix_eq(const unsigned char *x, const unsigned char *y, int bits)
{
	int full = bits / 8, rest = bits % 8;
	if (memcmp(x, y, (size_t)full))
		return 0;
	if (!rest)
		return 1;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));
	return (x[full] & mask) == (y[full] & mask);
}

/* One entry "ADDR[/BITS]" into net and bits; -1 if malformed. */
static int entry_parse(const char *s, size_t n, struct ipaddr *net, int *bits)
{
	char text[64];
	if (str_copy(text, sizeof text, s, n) < 0)
		return -1;
	char *slash = strchr(text, '/');
	if (slash)
		*slash++ = '\0';
	if (ip_parse(text, net) < 0)
		return -1;
	int max = net->family == AF_INET ? 32 : 128;
	if (!slash) {
		*bits = max;
		return 0;
	}
	char *end;
	long v = strtol(slash, &end, 10);
	if (!*slash || *end || v < 0 || v > max)
		return -1;
	/* "::ffff:10.0.0.0/104" was mapped to IPv4: take the prefix along. */
	if (net->family == AF_INET && strchr(text, ':')) {
		if (v < 96)
			return -1;
		v -= 96;
	}
	*bits = (int)v;
	return 0;
}

/* Does addr (NULL: none, only check the syntax) fall inside list? */
static int walk(const char *list, const struct ipaddr *addr, struct mail_err *e)
{
	const char *s = list;
	while (*s) {
		while (*s == ',' || *s == ' ' || *s == '\t')
			s++;
		size_t len = strcspn(s, ", \t");
		if (!len)
			break;
		struct ipaddr net;
		int bits;
		if (entry_parse(s, len, &net, &bits) < 0)
			return err_set(e, EX_CONFIG, 451, "4.3.5", "relay_networks: bad network \"%.*s\"",
				       (int)len, s);
		if (addr && net.family == addr->family && prefix_eq(net.b, addr->b, bits))
			return 1;
		s += len;
	}
	return 0;
}

int net_list_match(const char *list, const char *ip, struct mail_err *e)
{
	struct ipaddr addr;
	if (ip_parse(ip, &addr) < 0)
		return net_list_valid(list, e);
	return walk(list, &addr, e);
}

int net_list_match_addr(const char *list, int family, const unsigned char *b, struct mail_err *e)
{
	struct ipaddr addr;
	memset(&addr, 0, sizeof addr);
	if (family != AF_INET && family != AF_INET6)
		return net_list_valid(list, e);
	addr.family = family;
	memcpy(addr.b, b, family == AF_INET ? 4 : 16);
	return walk(list, &addr, e);
}

int net_list_valid(const char *list, struct mail_err *e)
{
	return walk(list, NULL, e) < 0 ? -1 : 0;
}
