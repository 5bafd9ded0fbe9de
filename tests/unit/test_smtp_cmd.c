/* test_smtp_cmd.c — SMTP argument parsers and CIDR matching. */
#include "net/cidr.h"
#include "msg/smtp_cmd.h"
#include "unit.h"

static int mail(const char *s, struct mailbox *m, struct smtp_mail_params *p, struct mail_err *e)
{
	return smtp_parse_mail(s, strlen(s), m, p, e);
}

static int rcpt(const char *s, struct mailbox *m, struct smtp_rcpt_params *p, struct mail_err *e)
{
	return smtp_parse_rcpt(s, strlen(s), m, p, e);
}

UNIT_TEST(cmd_split_verb)
{
	char verb[16];
	const char *arg;
	size_t n;
	CHECK(smtp_split_verb("mail FROM:<a@b>", 15, verb, sizeof verb, &arg, &n) == 4);
	CHECK_STR(verb, "MAIL");
	CHECK(n == 10 && !strncmp(arg, "FROM:<a@b>", n));
	CHECK(smtp_split_verb("QUIT", 4, verb, sizeof verb, &arg, &n) == 4 && n == 0);
	CHECK(smtp_split_verb("QUIT\t", 5, verb, sizeof verb, &arg, &n) < 0);
	CHECK(smtp_split_verb(" QUIT", 5, verb, sizeof verb, &arg, &n) < 0);
	CHECK(smtp_split_verb("AVERYVERYLONGVERBNAME", 21, verb, sizeof verb, &arg, &n) < 0);
}

UNIT_TEST(cmd_mail_params)
{
	struct mailbox m;
	struct smtp_mail_params p;
	struct mail_err e;
	CHECK(mail("FROM:<a@b.example> SIZE=1000 BODY=8BITMIME RET=HDRS ENVID=QQ+2B1", &m, &p, &e) == 0);
	CHECK(p.size == 1000 && p.body == BODY_8BITMIME && p.ret == RET_HDRS);
	CHECK_STR(p.envid, "QQ+2B1");
	CHECK_STR(m.domain, "b.example");
	CHECK(mail("from: <>", &m, &p, &e) == 0 && (m.flags & MBOX_NULL) && p.size == -1);
	CHECK(mail("FROM:<\"q>x\"@b.example> SMTPUTF8", &m, &p, &e) == 0 && p.smtputf8);
	CHECK(mail("FROM:<a@b.example> FOO=1", &m, &p, &e) < 0 && e.smtp == 555);
	CHECK(mail("FROM:<a@b.example> SIZE=12x", &m, &p, &e) < 0 && e.smtp == 501);
	CHECK(mail("FROM:<a@b.example> SIZE=", &m, &p, &e) < 0 && e.smtp == 501);
	CHECK(mail("FROM:<a@b.example> ENVID=a=b", &m, &p, &e) < 0 && e.smtp == 501);
	CHECK(mail("FROM:a@b.example", &m, &p, &e) < 0 && e.smtp == 501);
	CHECK(mail("TO:<a@b.example>", &m, &p, &e) < 0 && e.smtp == 501);
	CHECK(mail("FROM:<a@b.example", &m, &p, &e) < 0 && e.smtp == 501);
	CHECK(mail("FROM:<a@b.example>x", &m, &p, &e) < 0 && e.smtp == 501);
	CHECK(mail("FROM:<bad@@b.example>", &m, &p, &e) < 0 && e.smtp == 501 && !strcmp(e.status, "5.1.7"));
	CHECK(mail("FROM:<j\xc3\xb6rg@b.example>", &m, &p, &e) < 0 && e.smtp == 553);
	CHECK(mail("FROM:<j\xc3\xb6rg@b.example> SMTPUTF8", &m, &p, &e) == 0);
}

UNIT_TEST(cmd_rcpt_params)
{
	struct mailbox m;
	struct smtp_rcpt_params p;
	struct mail_err e;
	CHECK(rcpt("TO:<b@c.example> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b+40c.example", &m, &p, &e) == 0);
	CHECK(p.notify == (NOTIFY_SUCCESS | NOTIFY_FAILURE));
	CHECK_STR(p.orcpt, "rfc822;b+40c.example");
	CHECK(rcpt("TO:<b@c.example> NOTIFY=NEVER", &m, &p, &e) == 0 && p.notify == NOTIFY_NEVER);
	CHECK(rcpt("TO:<b@c.example> NOTIFY=NEVER,DELAY", &m, &p, &e) < 0 && e.smtp == 501);
	CHECK(rcpt("TO:<b@c.example> NOTIFY=SUCCESS,", &m, &p, &e) < 0);
	CHECK(rcpt("TO:<b@c.example> ORCPT=rfc822", &m, &p, &e) < 0);
	CHECK(rcpt("TO:<b@c.example> ORCPT=rfc822;a+zz", &m, &p, &e) < 0);
	CHECK(rcpt("TO:<> ", &m, &p, &e) < 0 && e.smtp == 501);
	CHECK(rcpt("TO:<@relay.example:b@c.example>", &m, &p, &e) == 0 && (m.flags & MBOX_ROUTE));
	CHECK_STR(m.domain, "c.example");
	CHECK(rcpt("TO:<b@c.example.>", &m, &p, &e) < 0);
}

UNIT_TEST(cmd_helo_and_xtext)
{
	CHECK(smtp_helo_valid("mx.example.org", 14));
	CHECK(smtp_helo_valid("[192.0.2.1]", 11));
	CHECK(!smtp_helo_valid("a b", 3));
	CHECK(!smtp_helo_valid("a(b)", 4));
	CHECK(!smtp_helo_valid("", 0));
	CHECK(xtext_valid("a+2Bb", 5));
	CHECK(!xtext_valid("a+2", 3));
	CHECK(!xtext_valid("a+2b", 4));
	CHECK(!xtext_valid("a b", 3));
}

UNIT_TEST(net_cidr_match)
{
	struct mail_err e;
	const char *l = "127.0.0.0/8, ::1/128 10.1.0.0/16,2001:db8::/32";
	CHECK(net_list_match(l, "127.5.6.7", &e) == 1);
	CHECK(net_list_match(l, "128.0.0.1", &e) == 0);
	CHECK(net_list_match(l, "::1", &e) == 1);
	CHECK(net_list_match(l, "::2", &e) == 0);
	CHECK(net_list_match(l, "::ffff:127.0.0.1", &e) == 1);
	CHECK(net_list_match(l, "10.1.255.1", &e) == 1);
	CHECK(net_list_match(l, "10.2.0.1", &e) == 0);
	CHECK(net_list_match(l, "2001:db8:ffff::1", &e) == 1);
	CHECK(net_list_match(l, "2001:db9::1", &e) == 0);
	CHECK(net_list_match(l, "local", &e) == 0);
	CHECK(net_list_match("192.0.2.7", "192.0.2.7", &e) == 1);
	CHECK(net_list_match("192.0.2.0/25", "192.0.2.200", &e) == 0);
	CHECK(net_list_match("0.0.0.0/0", "192.0.2.200", &e) == 1);
	CHECK(net_list_valid("10.0.0.0/33", &e) < 0);
	CHECK(net_list_valid("example.org", &e) < 0);
	CHECK(net_list_valid("", &e) == 0);
}
