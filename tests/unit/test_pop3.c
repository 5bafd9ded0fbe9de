/* Unit tests: POP3 parsing, byte-stuffing, SASL PLAIN, UIDs, PROXY headers. */
#include <string.h>

#include "base/buf.h"
#include "pop3/pop3_mailbox.h"
#include "msg/pop3_cmd.h"
#include "net/proxyproto.h"
#include "unit.h"

static int parse(const char *s, struct pop3_cmd *c)
{
	return pop3_parse(s, strlen(s), c);
}

UNIT_TEST(pop3_parse_commands)
{
	struct pop3_cmd c;
	CHECK(parse("stat\r\n", &c) == 0 && !strcmp(c.verb, "STAT") && c.nargs == 0);
	CHECK(parse("Top 1 10\r\n", &c) == 0 && !strcmp(c.verb, "TOP") && c.nargs == 2);
	CHECK_STR(c.arg[1], "10");
	CHECK(parse("PASS pass with  spaces\r\n", &c) == 0 && !strcmp(c.rest, "pass with  spaces"));
	CHECK(parse("LIST\n", &c) == 0);
	CHECK(parse("LIST 1 2 3\r\n", &c) < 0);
	CHECK(parse("LIST  1\r\n", &c) < 0);       /* empty argument */
	CHECK(parse("LIST 1 \r\n", &c) < 0);
	CHECK(parse("XY\r\n", &c) < 0);
	CHECK(parse("STATS\r\n", &c) < 0);
	CHECK(parse("ST4T\r\n", &c) < 0);
	CHECK(parse("RETR 1\r2\r\n", &c) < 0);     /* bare CR */
	CHECK(pop3_parse("RETR \0", 6, &c) < 0);  /* NUL */
	char line[300];
	memset(line, 'a', sizeof line);
	memcpy(line, "LIST ", 5);
	line[5 + 41] = '\0';
	CHECK(parse(line, &c) < 0);               /* a 41-octet argument */
	memcpy(line, "USER ", 5);
	CHECK(parse(line, &c) == 0);              /* user names: the line limit */
	line[46] = 'a';
	line[260] = '\0';
	CHECK(parse(line, &c) < 0);               /* over 255 with CRLF */
}

UNIT_TEST(pop3_numbers)
{
	unsigned long n;
	CHECK(pop3_number("1", 1, &n) == 0 && n == 1);
	CHECK(pop3_number("007", 1, &n) == 0 && n == 7);
	CHECK(pop3_number("4294967295", 0, &n) == 0 && n == 4294967295UL);
	CHECK(pop3_number("4294967296", 0, &n) < 0);
	CHECK(pop3_number("99999999999", 0, &n) < 0);
	CHECK(pop3_number("0", 1, &n) < 0);
	CHECK(pop3_number("0", 0, &n) == 0);
	CHECK(pop3_number("-1", 0, &n) < 0);
	CHECK(pop3_number("+1", 0, &n) < 0);
	CHECK(pop3_number("1x", 0, &n) < 0);
	CHECK(pop3_number("", 0, &n) < 0);
}

static const char *stuff(const char *in, long long top, size_t chunk)
{
	static struct buf out;
	struct pop3_stuffer st;
	buf_reset(&out);
	pop3_stuff_init(&st, top);
	size_t n = strlen(in);
	for (size_t i = 0; i < n; i += chunk)
		pop3_stuff(&st, in + i, n - i < chunk ? n - i : chunk, &out);
	pop3_stuff_end(&st, &out);
	return buf_cstr(&out);
}

UNIT_TEST(pop3_byte_stuffing_any_chunking)
{
	const char *msg = "Subject: x\n\n.dot\n..two\nplain\r\nend";
	const char *want = "Subject: x\r\n\r\n..dot\r\n...two\r\nplain\r\nend\r\n.\r\n";
	for (size_t chunk = 1; chunk <= strlen(msg); chunk++)
		CHECK_STR(stuff(msg, -1, chunk), want);
	CHECK_STR(stuff("", -1, 1), ".\r\n");
	CHECK_STR(stuff("a\n", -1, 1), "a\r\n.\r\n");
	CHECK_STR(stuff("a\r", -1, 1), "a\r\n.\r\n");
	/* TOP: the header, the empty line, then N body lines */
	const char *m = "A: 1\nB: 2\n\nl1\n.l2\nl3\n";
	CHECK_STR(stuff(m, 0, 3), "A: 1\r\nB: 2\r\n\r\n.\r\n");
	CHECK_STR(stuff(m, 2, 1), "A: 1\r\nB: 2\r\n\r\nl1\r\n..l2\r\n.\r\n");
	CHECK_STR(stuff(m, 99, 5), "A: 1\r\nB: 2\r\n\r\nl1\r\n..l2\r\nl3\r\n.\r\n");
	CHECK_STR(stuff("A: 1\r\n\r\nb\r\nc\r\n", 1, 2), "A: 1\r\n\r\nb\r\n.\r\n");
	int cr = 0;
	CHECK(pop3_crlf_size("a\nb\r\nc", 6, &cr) == 7);
	cr = 0;
	CHECK(pop3_crlf_size("a\r", 2, &cr) == 2 && cr == 1 && pop3_crlf_size("\n", 1, &cr) == 1);
}

UNIT_TEST(pop3_sasl_plain_decoding)
{
	char u[100], p[100];
	/* "\0ann@x\0pw" */
	CHECK(pop3_sasl_plain("AGFubkB4AHB3", 12, u, sizeof u, p, sizeof p) == 0);
	CHECK_STR(u, "ann@x");
	CHECK_STR(p, "pw");
	/* "ann@x\0ann@x\0pw": the same authzid is fine */
	CHECK(pop3_sasl_plain("YW5uQHgAYW5uQHgAcHc=", 20, u, sizeof u, p, sizeof p) == 0);
	/* "bob\0ann@x\0pw": acting for someone else is refused */
	CHECK(pop3_sasl_plain("Ym9iAGFubkB4AHB3", 16, u, sizeof u, p, sizeof p) < 0);
	CHECK(pop3_sasl_plain("AGFubkB4", 8, u, sizeof u, p, sizeof p) < 0);    /* no password */
	CHECK(pop3_sasl_plain("!!!!", 4, u, sizeof u, p, sizeof p) < 0);
	CHECK(pop3_sasl_plain("AGFubkB4AHB3", 12, u, 3, p, sizeof p) < 0);     /* too long */
}

UNIT_TEST(maildrop_uids)
{
	char uid[MAILDROP_UID_MAX + 1];
	maildrop_uid("1700000000.M1P2.host,S=10,W=12:2,S", uid, sizeof uid);
	CHECK_STR(uid, "1700000000.M1P2.host,S=10,W=12");
	maildrop_uid("1700000000.M1P2.host,S=10,W=12", uid, sizeof uid);
	CHECK_STR(uid, "1700000000.M1P2.host,S=10,W=12");
	char longname[200];
	memset(longname, 'x', sizeof longname);
	longname[199] = '\0';
	maildrop_uid(longname, uid, sizeof uid);
	CHECK(strlen(uid) == 64);
	char again[MAILDROP_UID_MAX + 1];
	longname[150] = ':';
	maildrop_uid(longname, again, sizeof again); /* flags do not change it... */
	CHECK(strlen(again) == 64 && strcmp(again, uid)); /* ...but a shorter base does */
	maildrop_uid("a b:2,", uid, sizeof uid);
	CHECK(strlen(uid) == 64); /* a space is not allowed in a UID */
}

UNIT_TEST(proxy_headers)
{
	struct proxy_info pi;
	const char *v1 = "PROXY TCP4 203.0.113.7 192.0.2.1 4444 110\r\nUSER x\r\n";
	CHECK(proxyproto_parse((const unsigned char *)v1, strlen(v1), &pi) == 43);
	CHECK_STR(pi.src.text, "203.0.113.7");
	CHECK(pi.src.port == 4444 && pi.src.kind == PEER_IP && !pi.local);
	const char *v6 = "PROXY TCP6 2001:db8::1 2001:db8::2 1 2\r\n";
	CHECK(proxyproto_parse((const unsigned char *)v6, strlen(v6), &pi) > 0 && !strcmp(pi.src.text, "2001:db8::1"));
	CHECK(proxyproto_parse((const unsigned char *)"PROXY UNKNOWN\r\n", 15, &pi) == 15 && pi.local);
	CHECK(proxyproto_parse((const unsigned char *)"PROXY TCP4 1.2.3.4", 18, &pi) == 0);   /* more */
	CHECK(proxyproto_parse((const unsigned char *)"PRO", 3, &pi) == 0);
	const char *bad[] = { "PROXY TCP4 1.2.3.400 1.2.3.4 1 2\r\n", "PROXY TCP4 1.2.3.4 1.2.3.4 1 70000\r\n",
			      "PROXY TCP4 1.2.3.4 1.2.3.4 1\r\n", "PROXY TCP4 1.2.3.4 1.2.3.4 1 2\n",
			      "PROXY TCP5 1.2.3.4 1.2.3.4 1 2\r\n", "USER x\r\n" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		CHECK(proxyproto_parse((const unsigned char *)bad[i], strlen(bad[i]), &pi) < 0);
	unsigned char v2[28] = { 0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A,
				 0x21, 0x11, 0x00, 0x0C, 198, 51, 100, 9, 192, 0, 2, 1, 0x15, 0xB3, 0, 110 };
	CHECK(proxyproto_parse(v2, 28, &pi) == 28 && !strcmp(pi.src.text, "198.51.100.9") && pi.src.port == 5555);
	CHECK(proxyproto_parse(v2, 20, &pi) == 0);
	v2[12] = 0x20; /* LOCAL */
	CHECK(proxyproto_parse(v2, 28, &pi) == 28 && pi.local);
	v2[12] = 0x31; /* version 3 */
	CHECK(proxyproto_parse(v2, 28, &pi) < 0);
	v2[12] = 0x21;
	v2[15] = 4; /* too short for IPv4 */
	CHECK(proxyproto_parse(v2, 20, &pi) < 0);
}
