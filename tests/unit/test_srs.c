/* Unit tests: SRS addresses (msg/srs.h). The expected addresses were
 * written by postsrsd 1.10 (Debian 12, its bundled libsrs2) run under
 * faketime at 2026-12-05 00:00 UTC with the secrets file "tops3cret",
 * "olds3cret" and -d fwd.test.example; tests/srs.bats asks a running
 * postsrsd the same questions at today's date. */
#include <string.h>

#include "base/buf.h"
#include "msg/srs.h"
#include "unit.h"

#define DEC_5_2026 ((time_t)1796428800)

static void setup(struct srs *s, const char *first, const char *second)
{
	struct mail_err e;
	srs_init(s);
	str_copy(s->domain, sizeof s->domain, "fwd.test.example", 16);
	CHECK(srs_add_secret(s, first, strlen(first), &e) == 0);
	if (second)
		CHECK(srs_add_secret(s, second, strlen(second), &e) == 0);
}

UNIT_TEST(srs_timestamp_base32_days)
{
	char ts[3];
	srs_timestamp(DEC_5_2026, ts);
	CHECK_STR(ts, "JY"); /* day 20792 % 1024 = 312 = 9 * 32 + 24 */
	srs_timestamp(0, ts);
	CHECK_STR(ts, "AA");
	srs_timestamp((time_t)1023 * 86400 + 86399, ts);
	CHECK_STR(ts, "77");
	srs_timestamp((time_t)1024 * 86400, ts);
	CHECK_STR(ts, "AA");
}

UNIT_TEST(srs_forward_matches_postsrsd)
{
	struct srs s;
	struct mail_err e;
	char out[ADDR_TEXT_MAX + 1];
	setup(&s, "tops3cret", "olds3cret");
	CHECK(srs_forward(&s, "ann@example.org", DEC_5_2026, out, sizeof out, &e) == 1);
	CHECK_STR(out, "SRS0=DbIk=JY=example.org=ann@fwd.test.example");
	/* The hash is of the lowercased fields; the address keeps the case. */
	CHECK(srs_forward(&s, "Ann.Smith@Example.ORG", DEC_5_2026, out, sizeof out, &e) == 1);
	CHECK_STR(out, "SRS0=84Sb=JY=Example.ORG=Ann.Smith@fwd.test.example");
	/* Another forwarder's SRS0 becomes SRS1; an SRS1 is signed anew. */
	CHECK(srs_forward(&s, "SRS0=abcd=XY=other.example=bob@fwd1.example", DEC_5_2026, out, sizeof out, &e) == 1);
	CHECK_STR(out, "SRS1=yk8f=fwd1.example==abcd=XY=other.example=bob@fwd.test.example");
	CHECK(srs_forward(&s, "SRS1=wxyz=first.example==abcd=XY=o.example=bob@fwd1.example", DEC_5_2026, out,
			  sizeof out, &e) == 1);
	CHECK_STR(out, "SRS1=EJkG=first.example==abcd=XY=o.example=bob@fwd.test.example");
	srs_free(&s);
}

UNIT_TEST(srs_forward_leaves_alone)
{
	struct srs s;
	struct mail_err e;
	char out[ADDR_TEXT_MAX + 1];
	setup(&s, "tops3cret", NULL);
	CHECK(srs_forward(&s, "", DEC_5_2026, out, sizeof out, &e) == 0);
	CHECK(srs_forward(&s, "<>", DEC_5_2026, out, sizeof out, &e) == 0);
	CHECK(srs_forward(&s, "bob@FWD.test.example", DEC_5_2026, out, sizeof out, &e) == 0);
	CHECK_STR(e.msg, "already in the SRS domain");
	CHECK(srs_forward(&s, "\"a b\"@example.org", DEC_5_2026, out, sizeof out, &e) == 0);
	CHECK(srs_forward(&s, "ann@[192.0.2.1]", DEC_5_2026, out, sizeof out, &e) == 0);
	/* 13 + 21 + 1 + 40 octets of local part: over 64, left as it is. */
	CHECK(srs_forward(&s, "a123456789b123456789c123456789d123456789@long-domain.example", DEC_5_2026, out,
			  sizeof out, &e) == 0);
	CHECK(strstr(e.msg, "64 octets") != NULL);
	CHECK(srs_forward(&s, "SRS1=x@fwd1.example", DEC_5_2026, out, sizeof out, &e) == 0);
	srs_free(&s);
	setup(&s, "x", NULL);
	srs_free(&s); /* no secret at all: nothing is rewritten */
	CHECK(srs_forward(&s, "ann@example.org", DEC_5_2026, out, sizeof out, &e) == 0);
}

UNIT_TEST(srs_reverse_valid)
{
	struct srs s;
	struct mail_err e;
	char out[ADDR_TEXT_MAX + 1];
	setup(&s, "tops3cret", "olds3cret");
	CHECK(srs_reverse(&s, "SRS0=DbIk=JY=example.org=ann", DEC_5_2026, out, sizeof out, &e) == 1);
	CHECK_STR(out, "ann@example.org");
	/* Case-insensitive tag and hash, any first separator. */
	CHECK(srs_reverse(&s, "srs0+dbik=jy=example.org=ann", DEC_5_2026, out, sizeof out, &e) == 1);
	CHECK_STR(out, "ann@example.org");
	/* 21 days later still valid; 22 days later expired. */
	CHECK(srs_reverse(&s, "SRS0=DbIk=JY=example.org=ann", DEC_5_2026 + 21 * 86400, out, sizeof out, &e) == 1);
	CHECK(srs_reverse(&s, "SRS0=DbIk=JY=example.org=ann", DEC_5_2026 + 22 * 86400, out, sizeof out, &e) < 0);
	CHECK(e.smtp == 550 && !strcmp(e.status, "5.7.1"));
	CHECK_STR(e.msg, "SRS address expired (older than 21 days)");
	/* A local part with '=' in it survives the round trip. */
	CHECK(srs_forward(&s, "a=b@example.org", DEC_5_2026, out, sizeof out, &e) == 1);
	char back[ADDR_TEXT_MAX + 1];
	*strchr(out, '@') = '\0';
	CHECK(srs_reverse(&s, out, DEC_5_2026, back, sizeof back, &e) == 1);
	CHECK_STR(back, "a=b@example.org");
	/* SRS1 goes back to the first forwarder's SRS0 address. */
	CHECK(srs_reverse(&s, "SRS1=yk8f=fwd1.example==abcd=XY=other.example=bob", DEC_5_2026, out, sizeof out,
			  &e) == 1);
	CHECK_STR(out, "SRS0=abcd=XY=other.example=bob@fwd1.example");
	srs_free(&s);
	/* Signed with a secret that is now the second one: still valid. */
	setup(&s, "news3cret", "tops3cret");
	CHECK(srs_reverse(&s, "SRS0=DbIk=JY=example.org=ann", DEC_5_2026, out, sizeof out, &e) == 1);
	srs_free(&s);
}

UNIT_TEST(srs_reverse_refused)
{
	struct srs s;
	struct mail_err e;
	char out[ADDR_TEXT_MAX + 1];
	setup(&s, "tops3cret", NULL);
	CHECK(srs_reverse(&s, "ann", DEC_5_2026, out, sizeof out, &e) == 0);
	CHECK(srs_reverse(&s, "SRS0", DEC_5_2026, out, sizeof out, &e) == 0);
	CHECK(srs_reverse(&s, "SRS0=DbIj=JY=example.org=ann", DEC_5_2026, out, sizeof out, &e) < 0);
	CHECK(e.smtp == 550 && !strcmp(e.status, "5.7.1"));
	CHECK_STR(e.msg, "SRS address with an invalid hash (forged, or not made here)");
	CHECK(srs_reverse(&s, "SRS0=DbIk=JY=example.org=eve", DEC_5_2026, out, sizeof out, &e) < 0);
	CHECK(srs_reverse(&s, "SRS0=DbIkx=JY=example.org=ann", DEC_5_2026, out, sizeof out, &e) < 0);
	CHECK(srs_reverse(&s, "SRS0=DbI=JY=example.org=ann", DEC_5_2026, out, sizeof out, &e) < 0);
	CHECK(!strcmp(e.status, "5.7.1"));
	CHECK(srs_reverse(&s, "SRS1=EJkG=first.example==abcd=XY=o.example=eve", DEC_5_2026, out, sizeof out, &e) <
	      0);
	CHECK(!strcmp(e.status, "5.7.1"));
	/* Malformed: missing fields, a timestamp that is not base32. */
	const char *bad[] = { "SRS0=DbIk=JY=example.org", "SRS0=DbIk=JY==ann", "SRS0==JY=example.org=ann",
			      "SRS0=DbIk=J1=example.org=ann", "SRS0=DbIk=JYY=example.org=ann", "SRS1=EJkG",
			      "SRS1=EJkG=first.example", "SRS0=DbIk=JY=example.org=" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CHECK(srs_reverse(&s, bad[i], DEC_5_2026, out, sizeof out, &e) < 0);
		CHECK(e.smtp == 550 && !strcmp(e.status, "5.1.1"));
	}
	/* A stamp from "tomorrow" is 1023 days old, as libsrs2 counts. */
	char local[ADDR_TEXT_MAX + 1];
	CHECK(srs_forward(&s, "ann@example.org", DEC_5_2026 + 86400, local, sizeof local, &e) == 1);
	*strchr(local, '@') = '\0';
	CHECK(srs_reverse(&s, local, DEC_5_2026 + 86400, out, sizeof out, &e) == 1);
	CHECK(srs_reverse(&s, local, DEC_5_2026, out, sizeof out, &e) < 0);
	CHECK_STR(e.msg, "SRS address expired (older than 21 days)");
	srs_free(&s);
}
