/* proxyproto.c — PROXY protocol v1/v2; see proxyproto.h. */
#include "net/proxyproto.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const unsigned char v2sig[12] = { 0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
					 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A };

static int parse_port(const char *s, unsigned *out)
{
	char *end;
	if (!*s || strlen(s) > 5 || (s[0] == '0' && s[1]))
		return -1;
	unsigned long v = strtoul(s, &end, 10);
	if (*end || v > 65535)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int parse_v1(const unsigned char *p, size_t n, struct proxy_info *out)
{
	const unsigned char *lf = memchr(p, '\n', n);
	if (!lf)
		return n >= PROXY_V1_MAX ? -1 : 0;
	size_t len = (size_t)(lf - p) + 1;
	if (len > PROXY_V1_MAX || len < 8 || lf[-1] != '\r')
		return -1;
	char line[PROXY_V1_MAX + 1];
	memcpy(line, p, len - 2);
	line[len - 2] = '\0';
	char *f[6];
	int nf = 0;
	char *save, *tok = strtok_r(line, " ", &save);
	while (tok && nf < 6) {
		f[nf++] = tok;
		tok = strtok_r(NULL, " ", &save);
	}
	if (tok || nf < 2 || strcmp(f[0], "PROXY"))
		return -1;
	if (!strcmp(f[1], "UNKNOWN")) {
		out->local = 1;
		return (int)len;
	}
	int af = !strcmp(f[1], "TCP4") ? AF_INET : !strcmp(f[1], "TCP6") ? AF_INET6 : 0;
	unsigned char addr[16];
	unsigned sport, dport;
	if (!af || nf != 6 || inet_pton(af, f[2], addr) != 1 || inet_pton(af, f[3], addr) != 1 ||
	    parse_port(f[4], &sport) < 0 || parse_port(f[5], &dport) < 0)
		return -1;
	peer_from_text(&out->src, f[2], sport);
	return (int)len;
}

static int parse_v2(const unsigned char *p, size_t n, struct proxy_info *out)
{
	if (n < 16)
		return 0;
	if ((p[12] & 0xF0) != 0x20)
		return -1;
	size_t len = ((size_t)p[14] << 8) | p[15];
	if (n < 16 + len)
		return 0;
	int cmd = p[12] & 0x0F;
	if (cmd == 0) { /* LOCAL: a health check from the proxy itself */
		out->local = 1;
		return (int)(16 + len);
	}
	if (cmd != 1)
		return -1;
	const unsigned char *a = p + 16;
	switch (p[13]) {
	case 0x11: /* TCP over IPv4 */
	case 0x12:
		if (len < 12)
			return -1;
		peer_from_bytes(&out->src, AF_INET, a, ((unsigned)a[8] << 8) | a[9]);
		break;
	case 0x21: /* TCP over IPv6 */
	case 0x22:
		if (len < 36)
			return -1;
		peer_from_bytes(&out->src, AF_INET6, a, ((unsigned)a[32] << 8) | a[33]);
		break;
	case 0x00:
		out->local = 1;
		break;
	default:
		return -1;
	}
	return (int)(16 + len);
}

int proxyproto_parse(const unsigned char *p, size_t n, struct proxy_info *out)
{
	memset(out, 0, sizeof *out);
	size_t k = n < 12 ? n : 12;
	if (n >= 1 && !memcmp(p, v2sig, k))
		return k < 12 ? 0 : parse_v2(p, n, out);
	k = n < 6 ? n : 6;
	if (!memcmp(p, "PROXY ", k))
		return k < 6 ? 0 : parse_v1(p, n, out);
	return -1;
}

int proxyproto_read(struct io *io, struct proxy_info *out, struct mail_err *e)
{
	unsigned char hdr[16 + 65535];
	size_t have = 0, want = 1;
	for (;;) {
		while (have < want) {
			ssize_t r = io_read(io, hdr + have, want - have, e);
			if (r < 0)
				return -1;
			if (r == 0)
				return err_set(e, EX_PROTOCOL, 421, "4.7.0",
					       "%s: connection closed inside the PROXY header", io->peer);
			have += (size_t)r;
		}
		int r = proxyproto_parse(hdr, have, out);
		if (r > 0)
			return 0;
		if (r < 0)
			return err_set(e, EX_PROTOCOL, 421, "4.7.0", "%s: malformed PROXY header",
				       io->peer);
		/* Ask for just what the header still needs, so that no byte of
		 * the client's own data is taken. */
		if (have >= 12 && !memcmp(hdr, v2sig, 12))
			want = have < 16 ? 16 : 16 + (((size_t)hdr[14] << 8) | hdr[15]);
		else
			want = have + 1;
		if (want > sizeof hdr)
			return err_set(e, EX_PROTOCOL, 421, "4.7.0", "%s: PROXY header too long",
				       io->peer);
	}
}
