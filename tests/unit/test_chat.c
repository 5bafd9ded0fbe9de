/* Unit tests: smtp-chat's pure parts — the script language, variables,
 * escapes, expectations, and the message builder. */
#include <stdio.h>
#include <string.h>

#include "chat/chat_msg.h"
#include "chat/chat_script.h"
#include "chat/latency.h"
#include "net/proxy_out.h"
#include "unit.h"

UNIT_TEST(chat_script_parse_and_repeat)
{
	struct chat_script s;
	struct mail_err e;
	const char *text = "# a comment\n"
			   "expect 220\n"
			   "  ehlo\n"
			   "repeat 3\n"
			   "\tsend MAIL FROM:<a@b>  \n"
			   "\trepeat 2\n"
			   "\t\tsend-raw RCPT TO:<x>\\r\\n\n"
			   "\tend\n"
			   "end\r\n"
			   "\n"
			   "SEND QUIT\n";
	CHECK(chat_script_parse(&s, text, strlen(text), &e) == 0);
	CHECK(s.n == 9);
	CHECK(s.steps[0].verb == CV_EXPECT && s.steps[0].line == 2);
	CHECK_STR(s.steps[0].arg, "220");
	CHECK(s.steps[1].verb == CV_EHLO && !strcmp(s.steps[1].arg, ""));
	CHECK(s.steps[2].verb == CV_REPEAT && s.steps[2].jump == 7);
	CHECK_STR(s.steps[3].arg, "MAIL FROM:<a@b>  "); /* trailing blanks kept */
	CHECK(s.steps[4].verb == CV_REPEAT && s.steps[4].jump == 6);
	CHECK(s.steps[5].verb == CV_SEND_RAW);
	CHECK(s.steps[6].verb == CV_END && s.steps[6].jump == 4);
	CHECK(s.steps[7].verb == CV_END && s.steps[7].jump == 2);
	CHECK(s.steps[8].verb == CV_SEND && s.steps[8].line == 11);
	chat_script_free(&s);
}

UNIT_TEST(chat_script_errors)
{
	struct chat_script s;
	struct mail_err e;
	CHECK(chat_script_parse(&s, "frobnicate x\n", 13, &e) < 0 && e.ex == EX_DATAERR);
	CHECK(strstr(e.msg, "line 1: unknown verb \"frobnicate\""));
	CHECK(chat_script_parse(&s, "send\n", 5, &e) < 0 && strstr(e.msg, "needs an argument"));
	CHECK(chat_script_parse(&s, "\nrepeat 2\nsend x\n", 17, &e) < 0 &&
	      strstr(e.msg, "line 2: repeat without end"));
	CHECK(chat_script_parse(&s, "end\n", 4, &e) < 0 && strstr(e.msg, "end without repeat"));
	CHECK(chat_script_parse(&s, "starttls now\n", 13, &e) < 0);
	CHECK(chat_script_parse(&s, "send a\0b\n", 9, &e) < 0);
	char deep[400];
	for (int i = 0; i < 17; i++)
		memcpy(deep + i * 9, "repeat 1\n", 9);
	deep[17 * 9] = '\0';
	CHECK(chat_script_parse(&s, deep, strlen(deep), &e) < 0 && strstr(e.msg, "deeper"));
}

UNIT_TEST(chat_vars_and_escapes)
{
	struct chat_vars v = { 0 };
	struct mail_err e;
	struct buf b = BUF_INIT;
	CHECK(chat_vars_assign(&v, "USER=alice", &e) == 0);
	CHECK(chat_vars_set(&v, "N", 1, "3", &e) == 0);
	CHECK(chat_vars_set(&v, "N", 1, "4", &e) == 0 && v.n == 2);
	CHECK(chat_vars_assign(&v, "1X=y", &e) < 0);
	CHECK(chat_vars_assign(&v, "novalue", &e) < 0);
	CHECK(chat_expand(&v, "MAIL FROM:<${USER}+${N}@x> $$5 $HOME", &b, &e) == 0);
	CHECK_STR(buf_cstr(&b), "MAIL FROM:<alice+4@x> $5 $HOME");
	buf_reset(&b);
	CHECK(chat_expand(&v, "${NOPE}", &b, &e) < 0 && strstr(e.msg, "unknown variable ${NOPE}"));
	buf_reset(&b);
	CHECK(chat_unescape("a\\r\\n.\\n\\x00\\\\\\t", 17, &b, &e) == 0);
	CHECK(b.len == 9 && !memcmp(b.ptr, "a\r\n.\n\0\\\t", 8));
	buf_reset(&b);
	CHECK(chat_unescape("\\q", 2, &b, &e) < 0);
	CHECK(chat_unescape("\\x4", 3, &b, &e) < 0);
	CHECK(chat_unescape("x\\", 2, &b, &e) < 0);
	buf_free(&b);
	chat_vars_free(&v);
}

UNIT_TEST(chat_expect_specs)
{
	struct chat_expect x;
	struct mail_err e;
	CHECK(chat_expect_parse(&x, "250", &e) == 0);
	CHECK(chat_expect_match(&x, 250, "ok", 2) && !chat_expect_match(&x, 251, "", 0));
	CHECK(!chat_expect_match(&x, 0, "", 0));
	chat_expect_free(&x);
	CHECK(chat_expect_parse(&x, "2xx", &e) == 0);
	CHECK(chat_expect_match(&x, 221, "", 0) && !chat_expect_match(&x, 354, "", 0));
	chat_expect_free(&x);
	CHECK(chat_expect_parse(&x, "5|421", &e) == 0);
	CHECK(chat_expect_match(&x, 554, "", 0) && chat_expect_match(&x, 421, "", 0));
	CHECK(!chat_expect_match(&x, 450, "", 0));
	chat_expect_free(&x);
	CHECK(chat_expect_parse(&x, "250 pipelining", &e) == 0);
	CHECK(chat_expect_match(&x, 250, "mx\nPIPELINING\nSIZE", 18));
	CHECK(!chat_expect_match(&x, 250, "mx", 2));
	chat_expect_free(&x);
	CHECK(chat_expect_parse(&x, "2xx /^SIZE [0-9]+$/", &e) == 0);
	CHECK(chat_expect_match(&x, 250, "mx\nSIZE 100\nX", 13));
	CHECK(!chat_expect_match(&x, 250, "mx\nSIZE big", 11));
	chat_expect_free(&x);
	CHECK(chat_expect_parse(&x, "closed", &e) == 0);
	CHECK(chat_expect_match(&x, 0, "", 0) && !chat_expect_match(&x, 221, "", 0));
	chat_expect_free(&x);
	CHECK(chat_expect_parse(&x, "/unclosed", &e) < 0);
	CHECK(chat_expect_parse(&x, "2500", &e) < 0);
	CHECK(chat_expect_parse(&x, "650", &e) < 0);
	CHECK(chat_expect_parse(&x, "25a", &e) < 0);
	CHECK(chat_expect_parse(&x, "250 /([/", &e) < 0);
}

UNIT_TEST(chat_msg_build_defaults_and_size)
{
	struct buf b = BUF_INIT;
	struct mail_err e;
	const char *to[] = { "b@x.test", "c@x.test" };
	const char *hdr[] = { "Subject: mine %SEQ%", "X-A: 1" };
	struct chat_msg_opts o = { .from = "a@x.test", .to = to, .nto = 2, .headers = hdr,
				   .nheaders = 2, .add_date = 1, .add_msgid = 1,
				   .hostname = "h.test", .now = 1700000000, .seq = 7 };
	CHECK(chat_msg_build(&b, &o, &e) == 0);
	const char *m = buf_cstr(&b);
	CHECK(strstr(m, "From: a@x.test\n") && strstr(m, "To: b@x.test, c@x.test\n"));
	CHECK(strstr(m, "Subject: mine 7\n") && !strstr(m, "Subject: test"));
	CHECK(strstr(m, "Message-Id: <1700000000.") && strstr(m, ".7@h.test>\n"));
	CHECK(strstr(m, "\n\nThis is a test mailing\n"));
	CHECK(!strchr(m, '\r'));
	for (unsigned long long want = 200; want < 420; want++) {
		buf_reset(&b);
		o.size = want;
		CHECK(chat_msg_build(&b, &o, &e) == 0);
		CHECK(chat_msg_wire_size(b.ptr, b.len) == want);
		CHECK(b.ptr[b.len - 1] == '\n');
	}
	const char *bad[] = { "NoColon" };
	o.headers = bad;
	o.nheaders = 1;
	CHECK(chat_msg_build(&b, &o, &e) < 0 && e.ex == EX_USAGE);
	const char *nl[] = { "X-Evil: a\nBcc: x" };
	o.headers = nl;
	CHECK(chat_msg_build(&b, &o, &e) < 0);
	CHECK(chat_msg_wire_size("a\nb\r\nc\rd", 8) == 10);
	CHECK_STR(chat_msg_type("a/b/Report.PDF"), "application/pdf");
	CHECK_STR(chat_msg_type("noext"), "application/octet-stream");
	buf_free(&b);
}

UNIT_TEST(latency_percentiles)
{
	struct latency a = { 0 }, b = { 0 };
	CHECK(latency_pct(&a, 50) == 0);
	for (long long i = 100; i >= 1; i--)
		CHECK(latency_add(&a, i) == 0);
	CHECK(latency_pct(&a, 50) == 50 && latency_pct(&a, 90) == 90);
	CHECK(latency_pct(&a, 99) == 99 && latency_max(&a) == 100);
	CHECK(latency_pct(&a, 0.1) == 1);
	latency_add(&b, 1000);
	CHECK(latency_merge(&a, &b) == 0 && latency_max(&a) == 1000 && a.n == 101);
	struct latency c = { 0 };
	for (long long i = 1; i <= 4; i++)
		latency_add(&c, i);
	CHECK(latency_pct(&c, 50) == 2);
	latency_free(&a);
	latency_free(&b);
	latency_free(&c);
}

UNIT_TEST(proxy_out_v1_v2)
{
	struct buf b = BUF_INIT;
	struct mail_err e;
	CHECK(proxy_out_header(&b, 1, "192.0.2.1:5000", "127.0.0.1:25", &e) == 0);
	CHECK_STR(buf_cstr(&b), "PROXY TCP4 192.0.2.1 127.0.0.1 5000 25\r\n");
	buf_reset(&b);
	CHECK(proxy_out_header(&b, 1, "[2001:db8::1]:1", "[::1]:25", &e) == 0);
	CHECK_STR(buf_cstr(&b), "PROXY TCP6 2001:db8::1 ::1 1 25\r\n");
	buf_reset(&b);
	CHECK(proxy_out_header(&b, 2, "192.0.2.1:5000", "127.0.0.1:25", &e) == 0);
	CHECK(b.len == 28 && !memcmp(b.ptr, "\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x0c", 16));
	CHECK(!memcmp(b.ptr + 16, "\xc0\x00\x02\x01\x7f\x00\x00\x01\x13\x88\x00\x19", 12));
	buf_reset(&b);
	CHECK(proxy_out_header(&b, 2, "[::1]:1", "[::1]:2", &e) == 0 && b.len == 16 + 36);
	CHECK(proxy_out_header(&b, 1, "192.0.2.1:1", "[::1]:2", &e) < 0);
	CHECK(proxy_out_header(&b, 1, "host:1", "127.0.0.1:2", &e) < 0);
	CHECK(proxy_out_header(&b, 3, "192.0.2.1:1", "127.0.0.1:2", &e) < 0);
	CHECK(proxy_out_header(&b, 1, "192.0.2.1:99999", "127.0.0.1:2", &e) < 0);
	buf_free(&b);
}

UNIT_TEST(chat_expect_regex_bounded)
{
	/* glibc's regcomp took 718 MB for the first of these */
	static const char *const refused[] = {
		"/a++++++++++++++++++++/", "/a**/", "/(a+)*/", "/((ab)+c)+/", "/x{1000}/", "/x{2,500}/",
		"/(((((((((((((((((a)))))))))))))))))/",
	};
	static const char *const kept[] = {
		"/^250[ -]/", "/(ab)+c/", "/a+b*c?/", "/x{2,50}/", "/[+*]+/", "/\\++/", "/SIZE [0-9]+/",
	};
	struct chat_expect x;
	struct mail_err e;
	for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
		CHECK(chat_expect_parse(&x, refused[i], &e) < 0);
		CHECK(strstr(e.msg, "regex refused") != NULL);
	}
	for (size_t i = 0; i < sizeof kept / sizeof *kept; i++) {
		CHECK(chat_expect_parse(&x, kept[i], &e) == 0);
		chat_expect_free(&x);
	}
	char longer[300];
	memset(longer, 'a', sizeof longer);
	longer[0] = '/';
	longer[sizeof longer - 2] = '/';
	longer[sizeof longer - 1] = '\0';
	CHECK(chat_expect_parse(&x, longer, &e) < 0);
}
