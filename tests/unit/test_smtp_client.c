/* Unit tests: the pure parts of the SMTP client — replies, EHLO keywords,
 * dot-stuffing, CRAM-MD5. */
#include <stdio.h>
#include <string.h>

#include "smtp/smtp_client.h"
#include "unit.h"

static int feed_all(struct smtp_reply *r, const char *text, struct mail_err *e)
{
	const char *p = text;
	int rc = 0;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);
		rc = smtp_reply_feed(r, p, n, e);
		if (rc != 0)
			return rc;
		p += n;
	}
	return rc;
}

UNIT_TEST(smtp_reply_single_and_multi)
{
	struct smtp_reply r;
	struct mail_err e;
	smtp_reply_init(&r);
	CHECK(feed_all(&r, "250 2.1.0 Ok\r\n", &e) == 1);
	CHECK(r.code == 250 && r.lines == 1);
	CHECK_STR(r.status, "2.1.0");
	CHECK_STR(buf_cstr(&r.text), "2.1.0 Ok");
	CHECK(feed_all(&r, "250-mx.example\r\n250-PIPELINING\r\n250 SIZE 1000\r\n", &e) == 1);
	CHECK(r.code == 250 && r.lines == 3);
	CHECK_STR(buf_cstr(&r.text), "mx.example\nPIPELINING\nSIZE 1000");
	CHECK_STR(r.status, "");
	/* a bare code, LF only */
	CHECK(feed_all(&r, "354\n", &e) == 1 && r.code == 354);
	/* an enhanced code whose class differs from the reply is not one */
	CHECK(feed_all(&r, "550 4.1.1 odd\r\n", &e) == 1 && r.status[0] == '\0');
	char sum[64];
	feed_all(&r, "550-a\x01\r\n550 b\r\n", &e);
	smtp_reply_summary(&r, sum, sizeof sum);
	CHECK_STR(sum, "550 a\\x01 / b");
	smtp_reply_free(&r);
}

UNIT_TEST(smtp_reply_hostile)
{
	struct smtp_reply r;
	struct mail_err e;
	smtp_reply_init(&r);
	CHECK(feed_all(&r, "hello there\r\n", &e) < 0 && e.ex == EX_PROTOCOL);
	smtp_reply_reset(&r);
	CHECK(feed_all(&r, "25\r\n", &e) < 0);
	smtp_reply_reset(&r);
	CHECK(feed_all(&r, "2500 x\r\n", &e) < 0);
	smtp_reply_reset(&r);
	CHECK(feed_all(&r, "650 x\r\n", &e) < 0);
	smtp_reply_reset(&r);
	CHECK(feed_all(&r, "250-a\r\n251 b\r\n", &e) < 0 && strstr(e.msg, "changed"));
	smtp_reply_reset(&r);
	/* endless continuation is cut at the line limit */
	int rc = 0;
	size_t i;
	for (i = 0; i < 10000 && rc == 0; i++)
		rc = smtp_reply_feed(&r, "250-more\r\n", 10, &e);
	CHECK(rc < 0 && i == SMTP_REPLY_LINES_MAX + 1);
	smtp_reply_reset(&r);
	char longline[SMTP_REPLY_LINE_MAX + 10];
	memset(longline, 'x', sizeof longline);
	memcpy(longline, "250 ", 4);
	CHECK(smtp_reply_feed(&r, longline, sizeof longline, &e) < 0);
	smtp_reply_free(&r);
}

UNIT_TEST(smtp_ext_keywords)
{
	struct smtp_ext x;
	const char *t = "mx.example greets you\nPIPELINING\nsize 10240000\nSTARTTLS\n"
			"AUTH PLAIN LOGIN CRAM-MD5 XOAUTH2\nAUTH=LOGIN\n8BITMIME\nSMTPUTF8\nDSN\n"
			"CHUNKING\nENHANCEDSTATUSCODES\nPIPELININGX";
	smtp_ext_parse(&x, t, strlen(t));
	CHECK(x.flags & SMTP_EXT_PIPELINING);
	CHECK(x.flags & SMTP_EXT_SIZE && x.size == 10240000ULL);
	CHECK(x.flags & SMTP_EXT_STARTTLS && x.flags & SMTP_EXT_8BITMIME);
	CHECK(x.flags & SMTP_EXT_SMTPUTF8 && x.flags & SMTP_EXT_DSN && x.flags & SMTP_EXT_CHUNKING);
	CHECK(x.auth == (SMTP_AUTH_PLAIN | SMTP_AUTH_LOGIN | SMTP_AUTH_CRAM_MD5));
	CHECK_STR(x.auth_offered, "PLAIN LOGIN CRAM-MD5 XOAUTH2 LOGIN");
	CHECK(!(x.flags & SMTP_EXT_XCLIENT));
	/* the greeting line is not a keyword */
	smtp_ext_parse(&x, "PIPELINING", 10);
	CHECK(x.flags == 0);
	smtp_ext_parse(&x, "h\nSIZE\nSIZE abc", 15);
	CHECK(x.flags == SMTP_EXT_SIZE && x.size == 0);
}

static const char *dot(const char *in, int stuff, size_t split)
{
	static struct buf out;
	struct smtp_dot d;
	buf_reset(&out);
	smtp_dot_init(&d, stuff);
	size_t n = strlen(in);
	if (split > n)
		split = n;
	smtp_dot_encode(&d, in, split, &out);
	smtp_dot_encode(&d, in + split, n - split, &out);
	smtp_dot_finish(&d, &out);
	return buf_cstr(&out);
}

UNIT_TEST(smtp_dot_stuffing)
{
	CHECK_STR(dot("a\nb\n", 1, 99), "a\r\nb\r\n.\r\n");
	CHECK_STR(dot("a\r\nb", 1, 99), "a\r\nb\r\n.\r\n");
	CHECK_STR(dot(".\n..x\n", 1, 99), "..\r\n...x\r\n.\r\n");
	CHECK_STR(dot("", 1, 0), ".\r\n");
	/* smuggling forms: every line end becomes CRLF, every dot line stuffed */
	CHECK_STR(dot("x\n.\ny", 1, 99), "x\r\n..\r\ny\r\n.\r\n");
	CHECK_STR(dot("x\r.\r\nMAIL", 1, 99), "x\r\n..\r\nMAIL\r\n.\r\n");
	CHECK_STR(dot("x\r\n.\nMAIL", 1, 99), "x\r\n..\r\nMAIL\r\n.\r\n");
	CHECK_STR(dot("x\r", 1, 99), "x\r\n.\r\n");
	/* CR and LF split across calls */
	for (size_t s = 0; s <= 8; s++)
		CHECK_STR(dot("a\r\n.b\r\nc", 1, s), "a\r\n..b\r\nc\r\n.\r\n");
	/* BDAT: line ends normalised, no stuffing, no terminator */
	CHECK_STR(dot(".a\nb", 0, 99), ".a\r\nb\r\n");
}

UNIT_TEST(smtp_cram_md5_rfc2195)
{
	struct buf out = BUF_INIT;
	struct mail_err e;
	/* RFC 2195 §2: challenge <1896.697170952@postoffice.reston.mci.net> */
	const char *chal = "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+";
	CHECK(smtp_cram_md5(&out, "tim", "tanstaaftanstaaf", chal, strlen(chal), &e) == 0);
	CHECK_STR(buf_cstr(&out), "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw");
	buf_reset(&out);
	CHECK(smtp_cram_md5(&out, "tim", "x", "!!!", 3, &e) < 0);
	CHECK(smtp_auth_mech("cram-md5") == SMTP_AUTH_CRAM_MD5 && smtp_auth_mech("XOAUTH2") == 0);
	buf_free(&out);
}
