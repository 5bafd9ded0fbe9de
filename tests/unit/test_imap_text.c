/* Unit tests: IMAP sequence sets, string output, modified UTF-7, dates and
 * the BINARY APPEND conversion (msg/imap_seq.h, imap_string.h,
 * imap_mutf7.h, imap_date.h, imap_binconv.h). */
#include <string.h>

#include "base/buf.h"
#include "msg/imap_binconv.h"
#include "msg/imap_date.h"
#include "msg/imap_mutf7.h"
#include "msg/imap_seq.h"
#include "msg/imap_string.h"
#include "unit.h"

static int seq(const char *s, struct imap_seqset *set)
{
	return imap_seqset_parse(s, strlen(s), 100, 1, set, NULL);
}

UNIT_TEST(imap_seqset)
{
	struct imap_seqset set;
	CHECK(seq("1:*,3,5:7", &set) == 0 && set.n == 3);
	imap_seqset_resolve(&set, 10);
	CHECK(set.n == 1 && set.r[0].lo == 1 && set.r[0].hi == 10);
	imap_seqset_free(&set);
	CHECK(seq("7:5,2,*:9", &set) == 0);
	imap_seqset_resolve(&set, 12); /* 5:7, 2, 9:12 */
	CHECK(set.n == 3 && imap_seqset_contains(&set, 2) && !imap_seqset_contains(&set, 3) &&
	      imap_seqset_contains(&set, 6) && !imap_seqset_contains(&set, 8) &&
	      imap_seqset_contains(&set, 12) && !imap_seqset_contains(&set, 13));
	CHECK(imap_seqset_max(&set) == 12);
	imap_seqset_free(&set);
	/* UID 100:* with max UID 50 is 50:100 (RFC 9051 §6.4.8) */
	CHECK(seq("100:*", &set) == 0);
	imap_seqset_resolve(&set, 50);
	CHECK(set.n == 1 && set.r[0].lo == 50 && set.r[0].hi == 100);
	imap_seqset_free(&set);
	/* "*" of an empty mailbox matches nothing */
	CHECK(seq("*", &set) == 0);
	imap_seqset_resolve(&set, 0);
	CHECK(set.n == 0 && !imap_seqset_contains(&set, 0));
	imap_seqset_free(&set);
	CHECK(seq("4294967295", &set) == 0);
	imap_seqset_free(&set);
	CHECK(seq("$", &set) == 0 && set.saved);
	CHECK(imap_seqset_parse("$", 1, 10, 0, &set, NULL) < 0);
	const char *bad[] = {"", "0", "01", "1:", ":1", "1,", ",1", "1::2", "4294967296", "1 2",
			     "-1", "1:0", "a", "$,1", "**"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CHECK(seq(bad[i], &set) < 0);
		CHECK(set.r == NULL);
	}
	/* the range bound */
	struct imap_err e;
	CHECK(imap_seqset_parse("1,2,3", 5, 2, 0, &set, &e) < 0 && !strcmp(e.code, "LIMIT"));
	CHECK(imap_seqset_parse("1,2", 3, 2, 0, &set, &e) == 0);
	imap_seqset_free(&set);
	/* the compact form */
	struct buf b = BUF_INIT;
	uint32_t v[] = {1, 2, 3, 7, 9, 10};
	imap_seqset_format(&b, v, 6);
	CHECK_STR(buf_cstr(&b), "1:3,7,9:10");
	buf_free(&b);
}

static const char *str(int kind, const char *s, size_t n, int utf8)
{
	static struct buf b;
	buf_reset(&b);
	if (kind == 0)
		imap_write_string(&b, s, n, utf8);
	else if (kind == 1)
		imap_write_astring(&b, s, n, utf8);
	else
		imap_write_nstring(&b, s, n, utf8);
	return buf_cstr(&b);
}

UNIT_TEST(imap_strings)
{
	CHECK_STR(str(0, "hello", 5, 0), "\"hello\"");
	CHECK_STR(str(0, "a\"b\\c", 5, 0), "{5}\r\na\"b\\c");
	CHECK_STR(str(0, "a\r\nb", 4, 0), "{4}\r\na\r\nb");
	CHECK_STR(str(0, "caf\xc3\xa9", 5, 0), "{5}\r\ncaf\xc3\xa9");
	CHECK_STR(str(0, "caf\xc3\xa9", 5, 1), "\"caf\xc3\xa9\"");
	CHECK_STR(str(0, "caf\xc3", 4, 1), "{4}\r\ncaf\xc3");
	CHECK_STR(str(1, "INBOX", 5, 0), "INBOX");
	CHECK_STR(str(1, "a b", 3, 0), "\"a b\"");
	CHECK_STR(str(1, "", 0, 0), "\"\"");
	CHECK_STR(str(1, "nil", 3, 0), "\"nil\"");
	CHECK_STR(str(1, "a]", 2, 0), "\"a]\"");
	CHECK_STR(str(2, NULL, 0, 0), "NIL");
	char longtext[2000];
	memset(longtext, 'x', sizeof longtext);
	CHECK(!strncmp(str(0, longtext, sizeof longtext, 0), "{2000}\r\n", 8));
	struct buf b = BUF_INIT;
	imap_write_literal(&b, "a\0b", 3, 1);
	CHECK(b.len == 9 && !memcmp(b.ptr, "~{3}\r\na\0b", 9));
	buf_free(&b);
}

static const char *m2u(const char *s)
{
	static struct buf b;
	buf_reset(&b);
	if (imap_mutf7_to_utf8(s, strlen(s), &b) < 0)
		return "ERR";
	return buf_cstr(&b);
}

static const char *u2m(const char *s)
{
	static struct buf b;
	buf_reset(&b);
	if (imap_utf8_to_mutf7(s, strlen(s), &b) < 0)
		return "ERR";
	return buf_cstr(&b);
}

UNIT_TEST(imap_mutf7)
{
	/* RFC 3501 §5.1.3's example */
	CHECK_STR(m2u("~peter/mail/&U,BTFw-/&ZeVnLIqe-"), "~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e");
	CHECK_STR(u2m("~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"), "~peter/mail/&U,BTFw-/&ZeVnLIqe-");
	CHECK_STR(m2u("Entw&APw-rfe"), "Entw\xc3\xbcrfe");
	CHECK_STR(u2m("Entw\xc3\xbcrfe"), "Entw&APw-rfe");
	CHECK_STR(m2u("a&-b"), "a&b");
	CHECK_STR(u2m("a&b"), "a&-b");
	CHECK_STR(u2m("\xf0\x9f\x98\x80"), "&2D3eAA-");   /* U+1F600, a surrogate pair */
	CHECK_STR(m2u("&2D3eAA-"), "\xf0\x9f\x98\x80");
	CHECK_STR(u2m("\xc3\xa9\xc3\xa9"), "&AOkA6Q-");
	CHECK_STR(m2u("&AOkA6Q-"), "\xc3\xa9\xc3\xa9");
	/* strictness: one spelling per name */
	CHECK_STR(m2u("&AGE-"), "ERR");            /* "a" encoded */
	CHECK_STR(m2u("&AOk-&AOk-"), "ERR");       /* adjacent shifts */
	CHECK_STR(m2u("&AOk"), "ERR");             /* no "-" */
	CHECK_STR(m2u("&AOl-"), "ERR");            /* non-zero padding bits */
	CHECK_STR(m2u("&AOkA-"), "ERR");           /* a partial unit */
	CHECK_STR(m2u("&2D0-"), "ERR");            /* lone high surrogate */
	CHECK_STR(m2u("&3gA-"), "ERR");            /* lone low surrogate */
	CHECK_STR(m2u("&AO/-"), "ERR");            /* "/" is not modified base64 */
	CHECK_STR(m2u("caf\xc3\xa9"), "ERR");      /* 8-bit */
	CHECK_STR(m2u("a\tb"), "ERR");
	CHECK_STR(m2u("&AAo-"), "ERR");            /* an encoded control */
	CHECK_STR(u2m("caf\xc3"), "ERR");
	CHECK_STR(u2m("\xed\xa0\x80"), "ERR");     /* UTF-8 surrogate */
	CHECK_STR(u2m("a\nb"), "ERR");
	CHECK_STR(m2u("&AOk-a&AOk-"), "\xc3\xa9" "a\xc3\xa9");
}

UNIT_TEST(imap_dates)
{
	time_t t;
	int z;
	char out[40];
	CHECK(imap_datetime_parse("17-Jul-1996 02:44:25 -0700", 26, &t, &z) == 0);
	CHECK(t == 837596665 && z == -420);
	imap_datetime_format(out, sizeof out, t, z);
	CHECK_STR(out, "17-Jul-1996 02:44:25 -0700");
	CHECK(imap_datetime_parse(" 4-Dec-2026 23:45:01 +0100", 26, &t, &z) == 0 && z == 60);
	imap_datetime_format(out, sizeof out, t, 0);
	CHECK_STR(out, "04-Dec-2026 22:45:01 +0000");
	CHECK(imap_datetime_parse("29-Feb-2024 00:00:00 +0000", 26, &t, &z) == 0);
	CHECK(imap_datetime_parse("29-Feb-2023 00:00:00 +0000", 26, &t, &z) < 0);
	CHECK(imap_datetime_parse("17-Jul-1996 24:44:25 -0700", 26, &t, &z) < 0);
	CHECK(imap_datetime_parse("17-Jux-1996 02:44:25 -0700", 26, &t, &z) < 0);
	CHECK(imap_datetime_parse("17-Jul-1996 02:44:25 -0760", 26, &t, &z) < 0);
	CHECK(imap_datetime_parse("17-Jul-1996 02:44:25", 20, &t, &z) < 0);
	CHECK(imap_datetime_parse("17-Jul-1996 02:44:25 -0700 ", 27, &t, &z) < 0);
	imap_datetime_format(out, sizeof out, 0, 0);
	CHECK_STR(out, "01-Jan-1970 00:00:00 +0000");
	imap_datetime_format(out, sizeof out, -1, 0);
	CHECK_STR(out, "31-Dec-1969 23:59:59 +0000");
	long d;
	CHECK(imap_date_parse("1-Feb-1994", 10, &d) == 0 && d == 8797);
	CHECK(imap_date_parse("01-Feb-1994", 11, &d) == 0 && d == 8797);
	CHECK(imap_date_parse("1-Feb-94", 8, &d) < 0);
	CHECK(imap_date_parse("31-Apr-1994", 11, &d) < 0);
	CHECK(imap_day_of(837596665, -420) == imap_day_of(837596665 - 25200, 0));
	const char *h = "Tue, 1 Jul 2003 10:52:37 +0200";
	CHECK(imap_rfc5322_date_parse(h, strlen(h), &t, &z) == 0 && t == 1057049557 && z == 120);
	h = " 1 Jul 2003 10:52 (CEST) +0200 (comment)";
	CHECK(imap_rfc5322_date_parse(h, strlen(h), &t, &z) == 0 && t == 1057049520);
	h = "Tue, 01 Jul 03 08:52:37 GMT";
	CHECK(imap_rfc5322_date_parse(h, strlen(h), &t, &z) == 0 && t == 1057049557);
	h = "Tue, 1 Jul 2003 03:52:37 EST";
	CHECK(imap_rfc5322_date_parse(h, strlen(h), &t, &z) == 0 && t == 1057049557);
	h = "yesterday";
	CHECK(imap_rfc5322_date_parse(h, strlen(h), &t, &z) < 0);
}

/* APPEND of a literal8: binary parts become base64 (as Dovecot stores
 * them); other parts and messages without binary stay as they are. */
UNIT_TEST(imap_binary_append_to_base64)
{
	struct buf out = BUF_INIT;
	static const char one[] = "From: a@b.example\r\nMIME-Version: 1.0\r\nContent-Transfer-Encoding: binary\r\n\r\n\0-\xe4\r\n\r\n";
	CHECK(imap_binary_to_base64(one, sizeof one - 1, &out) == 1);
	CHECK_STR(buf_cstr(&out), "From: a@b.example\r\nMIME-Version: 1.0\r\nContent-Transfer-Encoding: base64\r\n\r\nAC3kDQoNCg==\r\n");
	/* In a multipart: a NUL under 8bit is converted, a text part and a
	 * NUL without an encoding field are left alone. */
	static const char multi[] = "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n"
				    "Content-Type: text/plain\r\n\r\nhello\r\n--x\r\n"
				    "Content-Type: application/octet-stream\r\n\r\n\0\r\n--x\r\n"
				    "Content-Transfer-Encoding: 8BIT\r\n\r\n\0\0\0\r\n--x--\r\n";
	CHECK(imap_binary_to_base64(multi, sizeof multi - 1, &out) == 1);
	static const char tail[] = "Content-Transfer-Encoding: base64\r\n\r\nAAAA\r\n--x--\r\n";
	size_t head = 159;   /* up to the last part, unchanged */
	CHECK(out.len == head + sizeof tail - 1 && !memcmp(out.ptr, multi, head) &&
	      !memcmp(out.ptr + head, tail, sizeof tail - 1));
	buf_reset(&out);
	static const char text[] = "Subject: x\r\n\r\n8bit \xc3\xa9\r\n";
	CHECK(imap_binary_to_base64(text, sizeof text - 1, &out) == 0 && out.len == 0);
	buf_free(&out);
}
