/* test_proxy.c — PROXY protocol v1/v2 parsing. */
#include "../../libmail/proxy.h"
#include "unit.h"

static int v1(const char *s, size_t *len, char *ip)
{
	return proxy_parse((const unsigned char *)s, strlen(s), len, ip, 64);
}

UNIT_TEST(proxy_v1)
{
	size_t len;
	char ip[64];
	CHECK(v1("PROXY TCP4 192.0.2.7 198.51.100.1 5555 25\r\nEHLO", &len, ip) == 1);
	CHECK(len == strlen("PROXY TCP4 192.0.2.7 198.51.100.1 5555 25\r\n"));
	CHECK_STR(ip, "192.0.2.7");
	CHECK(v1("PROXY TCP6 2001:db8::1 2001:db8::2 1 2\r\n", &len, ip) == 1);
	CHECK_STR(ip, "2001:db8::1");
	CHECK(v1("PROXY UNKNOWN\r\n", &len, ip) == 1 && ip[0] == '\0');
	CHECK(v1("PROXY TCP4 192.0.2.7 198.51", &len, ip) == 0);
	CHECK(v1("PROX", &len, ip) == 0);
	CHECK(v1("PROXY TCP4 192.0.2.7 198.51.100.1 5555 25 junk\r\n", &len, ip) == -1);
	CHECK(v1("PROXY TCP4 2001:db8::1 198.51.100.1 1 2\r\n", &len, ip) == -1);
	CHECK(v1("PROXY TCP4 192.0.2.7 198.51.100.1 99999 25\r\n", &len, ip) == -1);
	CHECK(v1("EHLO x\r\n", &len, ip) == -1);
	char longer[200];
	memset(longer, 'x', sizeof longer);
	memcpy(longer, "PROXY ", 6);
	CHECK(proxy_parse((unsigned char *)longer, sizeof longer, &len, ip, 64) == -1);
}

UNIT_TEST(proxy_v2)
{
	unsigned char h[64] = { '\r', '\n', '\r', '\n', 0, '\r', '\n', 'Q', 'U', 'I', 'T', '\n',
				0x21, 0x11, 0, 12, 192, 0, 2, 9, 198, 51, 100, 1, 0x15, 0xb3, 0, 25 };
	size_t len;
	char ip[64];
	CHECK(proxy_parse(h, 28, &len, ip, sizeof ip) == 1 && len == 28);
	CHECK_STR(ip, "192.0.2.9");
	CHECK(proxy_parse(h, 20, &len, ip, sizeof ip) == 0);
	CHECK(proxy_parse(h, 8, &len, ip, sizeof ip) == 0);
	h[12] = 0x20; /* LOCAL */
	CHECK(proxy_parse(h, 28, &len, ip, sizeof ip) == 1 && ip[0] == '\0');
	h[12] = 0x31; /* version 3 */
	CHECK(proxy_parse(h, 28, &len, ip, sizeof ip) == -1);
	h[12] = 0x21;
	h[15] = 4; /* too short for TCP4 */
	CHECK(proxy_parse(h, 28, &len, ip, sizeof ip) == -1);
}
