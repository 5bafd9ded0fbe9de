/* Unit tests: retry schedule, lifetime, error texts and the RFC 3464
 * report builder. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/config.h"
#include "queue/dsn.h"
#include "queue/remote_transport.h"
#include "queue/retry.h"
#include "unit.h"

UNIT_TEST(retry_schedule_parse)
{
	long long s[RETRY_SCHEDULE_MAX];
	size_t n;
	CHECK(retry_parse_schedule("5m, 10m, 20m, 40m, 1h", s, RETRY_SCHEDULE_MAX, &n) == 0);
	CHECK(n == 5 && s[0] == 300 && s[3] == 2400 && s[4] == 3600);
	CHECK(retry_parse_schedule("30", s, RETRY_SCHEDULE_MAX, &n) == 0 && n == 1 && s[0] == 30);
	CHECK(retry_parse_schedule("1s,2d", s, RETRY_SCHEDULE_MAX, &n) == 0 && s[1] == 172800);
	CHECK(retry_parse_schedule("", s, RETRY_SCHEDULE_MAX, &n) < 0);
	CHECK(retry_parse_schedule("soon", s, RETRY_SCHEDULE_MAX, &n) < 0);
	CHECK(retry_parse_schedule("5x", s, RETRY_SCHEDULE_MAX, &n) < 0);
	CHECK(retry_parse_schedule("0", s, RETRY_SCHEDULE_MAX, &n) < 0);
	CHECK(retry_parse_schedule("-5m", s, RETRY_SCHEDULE_MAX, &n) < 0);
	CHECK(retry_parse_schedule("1,2,3", s, 2, &n) < 0);
	CHECK(retry_parse_schedule("99999999999d", s, RETRY_SCHEDULE_MAX, &n) < 0);
	long long d[] = { 300, 600, 3600 };
	CHECK(retry_delay(d, 3, 1) == 300 && retry_delay(d, 3, 2) == 600);
	CHECK(retry_delay(d, 3, 3) == 3600 && retry_delay(d, 3, 40) == 3600);
}

static struct rcpt fresh(void)
{
	struct rcpt r;
	memset(&r, 0, sizeof r);
	str_copy(r.addr, sizeof r.addr, "a@b.example", 11);
	return r;
}

static struct rcpt_result result(int code, const char *status, const char *mta, const char *text)
{
	struct rcpt_result res;
	memset(&res, 0, sizeof res);
	res.code = code;
	str_copy(res.status, sizeof res.status, status, strlen(status));
	str_copy(res.mta, sizeof res.mta, mta, strlen(mta));
	str_copy(res.text, sizeof res.text, text, strlen(text));
	return res;
}

UNIT_TEST(retry_apply_outcomes)
{
	long long s[] = { 300, 600 };
	long long day = 86400, t0 = 1000000;
	struct rcpt r = fresh();
	struct rcpt_result res = result(451, "4.3.0", "mx.b.example[192.0.2.1]", "busy\r\nX-Forged: yes");
	CHECK(retry_apply(&r, &res, t0, t0 + 10, 5 * day, s, 2) == RCPT_DEFERRED);
	CHECK(r.attempts == 1 && r.next_try == t0 + 310);
	CHECK_STR(r.error, "host mx.b.example[192.0.2.1] said: 451 4.3.0 busy  X-Forged: yes");
	CHECK(retry_apply(&r, &res, t0, t0 + 400, 5 * day, s, 2) == RCPT_DEFERRED && r.next_try == t0 + 1000);
	CHECK(retry_apply(&r, &res, t0, t0 + 2000, 5 * day, s, 2) == RCPT_DEFERRED && r.next_try == t0 + 2600);
	/* the last try is not pushed past the lifetime, and past it: bounce */
	r = fresh();
	CHECK(retry_apply(&r, &res, t0, t0 + 50, 100, s, 2) == RCPT_DEFERRED && r.next_try == t0 + 100);
	CHECK(retry_apply(&r, &res, t0, t0 + 100, 100, s, 2) == RCPT_BOUNCED);
	CHECK(strstr(r.error, "451 4.3.0 busy") && strstr(r.error, "queue_lifetime"));
	r = fresh();
	res = result(550, "5.1.1", "mx", "no such user");
	CHECK(retry_apply(&r, &res, t0, t0, day, s, 2) == RCPT_BOUNCED && r.attempts == 1);
	r = fresh();
	res = result(250, "2.0.0", "mx", "ok");
	CHECK(retry_apply(&r, &res, t0, t0, day, s, 2) == RCPT_SENT);
	/* expiry without an attempt */
	r = fresh();
	CHECK(!retry_expire(&r, t0, t0 + 99, 100));
	CHECK(retry_expire(&r, t0, t0 + 100, 100) && r.state == RCPT_BOUNCED);
	CHECK(strstr(r.error, "4.4.7") != NULL);
}

UNIT_TEST(retry_error_text_round_trip)
{
	char text[ENV_ERROR_MAX + 1], status[12], mta[256];
	const char *rest;
	int code;
	struct rcpt_result res = result(550, "5.1.1", "mx.example[192.0.2.1]", "<x@y>: unknown");
	retry_error_text(&res, text, sizeof text);
	CHECK(retry_error_parse(text, &code, status, sizeof status, mta, sizeof mta, &rest) == 0);
	CHECK(code == 550 && !strcmp(status, "5.1.1") && !strcmp(mta, "mx.example[192.0.2.1]"));
	CHECK_STR(rest, "<x@y>: unknown");
	CHECK(retry_error_parse("451 DNS down", &code, status, sizeof status, mta, sizeof mta, &rest) == 0);
	CHECK(code == 451 && !status[0] && !mta[0] && !strcmp(rest, "DNS down"));
	/* a status of the wrong class is text, not a status */
	CHECK(retry_error_parse("550 4.1.1 odd", &code, status, sizeof status, mta, sizeof mta, &rest) == 0);
	CHECK(!status[0] && !strcmp(rest, "4.1.1 odd"));
	CHECK(retry_error_parse("hello", &code, status, sizeof status, mta, sizeof mta, &rest) < 0);
	CHECK(retry_error_parse("host x said 550", &code, status, sizeof status, mta, sizeof mta, &rest) < 0);
	CHECK(retry_error_parse("55", &code, status, sizeof status, mta, sizeof mta, &rest) < 0);
}

static int temp_message(const char *text)
{
	char path[] = "/tmp/postbox-unit-XXXXXX";
	int fd = mkstemp(path);
	unlink(path);
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return -1;
	return fd;
}

UNIT_TEST(dsn_report_structure_and_notify)
{
	struct envelope env;
	struct mail_err e;
	envelope_init(&env);
	str_copy(env.id, sizeof env.id, "0000000000001-1", 15);
	str_copy(env.sender, sizeof env.sender, "alice@a.example", 15);
	env.arrival = 1700000000;
	struct rcpt *r1 = envelope_add_rcpt(&env, "bob@b.example");
	struct rcpt *r2 = envelope_add_rcpt(&env, "carol@c.example");
	struct rcpt *r3 = envelope_add_rcpt(&env, "dan@d.example");
	r1->state = RCPT_BOUNCED;
	str_copy(r1->error, sizeof r1->error, "host mx.b.example[192.0.2.1] said: 550 5.1.1 no\x01 such",
		 strlen("host mx.b.example[192.0.2.1] said: 550 5.1.1 no\x01 such"));
	str_copy(r1->orcpt, sizeof r1->orcpt, "rfc822;bob@b.example", 20);
	r2->state = RCPT_SENT;
	r3->notify = NOTIFY_NEVER;
	CHECK(dsn_wanted(&env, r1, DSN_FAILED));
	CHECK(!dsn_wanted(&env, r2, DSN_RELAYED)); /* unset NOTIFY: failures only */
	r2->notify = NOTIFY_SUCCESS;
	CHECK(dsn_wanted(&env, r2, DSN_RELAYED) && !dsn_wanted(&env, r2, DSN_FAILED));
	CHECK(!dsn_wanted(&env, r3, DSN_FAILED));

	int fd = temp_message("Subject: hi\nFrom: alice@a.example\n\nsecret body\n");
	enum dsn_action act[3] = { DSN_FAILED, DSN_NONE, DSN_NONE };
	struct buf out = BUF_INIT;
	env.ret = RET_HDRS;
	CHECK(dsn_build(&out, &env, act, fd, "mta.example", "0000000000002-1", 1700000100, &e) == 0);
	const char *t = buf_cstr(&out);
	CHECK(strstr(t, "Content-Type: multipart/report; report-type=delivery-status;") != NULL);
	CHECK(strstr(t, "\nFinal-Recipient: rfc822; bob@b.example\nOriginal-Recipient: rfc822;bob@b.example\n"
			"Action: failed\nStatus: 5.1.1\nRemote-MTA: dns; mx.b.example\n"
			"Diagnostic-Code: smtp; 550 5.1.1 no? such\n") != NULL);
	CHECK(strstr(t, "carol@c.example") == NULL);
	CHECK(strstr(t, "Content-Type: text/rfc822-headers") != NULL);
	CHECK(strstr(t, "Subject: hi") != NULL && strstr(t, "secret body") == NULL);
	CHECK(strchr(t, '\r') == NULL && strchr(t, '\x01') == NULL);
	/* RET=FULL returns the body too */
	env.ret = RET_FULL;
	buf_reset(&out);
	CHECK(dsn_build(&out, &env, act, fd, "mta.example", "0000000000002-1", 1700000100, &e) == 0);
	CHECK(strstr(buf_cstr(&out), "Content-Type: message/rfc822") && strstr(buf_cstr(&out), "secret body"));
	/* null sender: never a report */
	env.sender[0] = '\0';
	CHECK(!dsn_wanted(&env, r1, DSN_FAILED));
	buf_free(&out);
	close(fd);
	envelope_free(&env);
}

UNIT_TEST(retry_delay_warning_once)
{
	long long s[] = { 300, 600, 3600 };
	CHECK(!retry_delay_warning_due(1000, 0, 1000 + 100, 0));        /* off */
	CHECK(!retry_delay_warning_due(1000, 0, 1000 + 100, 3600));     /* too young */
	CHECK(retry_delay_warning_due(1000, 1000 + 3000, 1000 + 3700, 3600));
	CHECK(!retry_delay_warning_due(1000, 1000 + 3700, 1000 + 7300, 3600)); /* already warned */
	struct rcpt r;
	memset(&r, 0, sizeof r);
	CHECK(retry_prev_attempt(&r, s, 3) == 0);
	r.attempts = 2;
	r.next_try = 5000;
	CHECK(retry_prev_attempt(&r, s, 3) == 4400);
}

UNIT_TEST(smarthost_from_rewrite_rule)
{
	struct config cfg;
	struct mail_err e;
	struct buf out = BUF_INIT;
	CHECK(config_load(&cfg, "/dev/null", &e) == 0);
	CHECK(config_set(&cfg, "local_domains", "localhost, laptop.example", "test", &e) == 0);
	const char *m1 = "Subject: x\nFrom: \"Cron Daemon\" <ROOT@laptop.example>\nTo: a@b.example\n\nFrom: root@laptop.example\n";
	CHECK(remote_rewrite_from(m1, strlen(m1), "me@isp.example", &cfg, &out) == 1);
	CHECK_STR(buf_cstr(&out), "Subject: x\nFrom: \"Cron Daemon\" <me@isp.example>\nTo: a@b.example\n\n"
				  "From: root@laptop.example\n");
	buf_reset(&out);
	const char *m2 = "From: someone@elsewhere.example\n\nbody\n";
	CHECK(remote_rewrite_from(m2, strlen(m2), "me@isp.example", &cfg, &out) == 0 && out.len == 0);
	const char *m3 = "From: root@localhost, other@localhost\n\nbody\n";
	CHECK(remote_rewrite_from(m3, strlen(m3), "me@isp.example", &cfg, &out) == 0);
	const char *m4 = "Subject: no from\n\nbody\n";
	CHECK(remote_rewrite_from(m4, strlen(m4), "me@isp.example", &cfg, &out) == 0);
	buf_free(&out);
	config_free(&cfg);
}
