/* proxy_out.c — PROXY protocol v1/v2 client header; see proxy_out.h. */
#include "net/proxy_out.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

struct endpoint {
	int family;                 /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	char text[64];
	unsigned port;
};

static int parse(const char *s, struct endpoint *ep)
{
	const char *colon = strrchr(s, ':');
	const char *a = s;
	size_t alen;
	if (!colon)
		return -1;
	if (s[0] == '[') {
		if (colon[-1] != ']')
			return -1;
		a = s + 1;
		alen = (size_t)(colon - 1 - a);
	} else {
		alen = (size_t)(colon - s);
	}
	if (str_copy(ep->text, sizeof ep->text, a, alen) < 0)
		return -1;
	char *end;
	unsigned long port = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || port > 65535)
		return -1;
	ep->port = (unsigned)port;
	if (inet_pton(AF_INET, ep->text, ep->addr) == 1)
		ep->family = AF_INET;
	else if (inet_pton(AF_INET6, ep->text, ep->addr) == 1)
		ep->family = AF_INET6;
	else
		return -1;
	return 0;
}

int proxy_out_header(struct buf *out, int version, const char *src, const char *dst,
		     struct mail_err *e)
{
	struct endpoint s, d;
	if (parse(src, &s) < 0 || parse(dst, &d) < 0 || s.family != d.family)
		return err_set(e, EX_USAGE, 0, "", "PROXY: \"%s\" → \"%s\" are not two ADDR:PORT of one family",
			       src, dst);
	int v6 = s.family == AF_INET6;
	if (version == 1) {
		buf_addf(out, "PROXY %s %s %s %u %u\r\n", v6 ? "TCP6" : "TCP4", s.text, d.text, s.port,
			 d.port);
	} else if (version == 2) {
		static const unsigned char sig[12] = { 0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
						       0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A };
		size_t alen = v6 ? 16 : 4;
		unsigned char h[4] = { 0x21, v6 ? 0x21 : 0x11, 0, (unsigned char)(alen * 2 + 4) };
		unsigned char ports[4] = { (unsigned char)(s.port >> 8), (unsigned char)s.port,
					   (unsigned char)(d.port >> 8), (unsigned char)d.port };
		buf_add(out, sig, sizeof sig);
		buf_add(out, h, sizeof h);
		buf_add(out, s.addr, alen);
		buf_add(out, d.addr, alen);
		buf_add(out, ports, sizeof ports);
	} else {
		return err_set(e, EX_USAGE, 0, "", "PROXY: version %d (1 or 2)", version);
	}
	return buf_ok(out) ? 0 : err_set(e, EX_TEMPFAIL, 0, "", "PROXY: out of memory");
}
