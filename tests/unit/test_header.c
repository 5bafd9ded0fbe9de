/* Unit tests: header fields and address lists (libmail/msg/header.c). */
#include "base/buf.h"
#include "msg/header.h"
#include "unit.h"

static int collect(void *ctx, const char *a, size_t n)
{
	struct buf *b = ctx;
	buf_add(b, a, n);
	buf_addc(b, '|');
	return 0;
}

static const char *list(const char *v, struct buf *b)
{
	buf_reset(b);
	if (addrlist_parse(v, strlen(v), collect, b) < 0)
		return "ERROR";
	return buf_cstr(b);
}

UNIT_TEST(addrlist_forms)
{
	struct buf b = BUF_INIT;
	CHECK_STR(list(" a@x.org, b@y.org", &b), "a@x.org|b@y.org|");
	CHECK_STR(list(" \"Smith, John\" <john@x.org>, Jane <jane@y.org>", &b), "john@x.org|jane@y.org|");
	CHECK_STR(list(" john@x.org (John, the boss), c@z.org", &b), "john@x.org|c@z.org|");
	CHECK_STR(list(" team: a@x.org, \"B\" <b@x.org>;, c@x.org", &b), "a@x.org|b@x.org|c@x.org|");
	CHECK_STR(list(" undisclosed-recipients:;", &b), "");
	CHECK_STR(list(" <@route.example:a@x.org>", &b), "a@x.org|");
	CHECK_STR(list(" \"quoted,local\"@x.org", &b), "\"quoted,local\"@x.org|");
	CHECK_STR(list(" a@x.org,\n\tb@y.org (nested (comment))", &b), "a@x.org|b@y.org|");
	CHECK_STR(list(" root", &b), "root|");
	CHECK_STR(list(" John Smith", &b), "ERROR");
	CHECK_STR(list(" a@x.org (open comment", &b), "ERROR");
	CHECK_STR(list(" Jane <jane@y.org", &b), "ERROR");
	buf_free(&b);
}

UNIT_TEST(header_walk_and_folding)
{
	const char *msg = "To: a@x.org,\n b@y.org\nSubject: hi\nnot a header\nbody\n";
	size_t pos = 0;
	struct header h;
	CHECK(hdr_next(msg, strlen(msg), &pos, &h) == 1 && hdr_name_is(&h, "to"));
	CHECK(h.value_len == strlen(" a@x.org,\n b@y.org"));
	CHECK(hdr_next(msg, strlen(msg), &pos, &h) == 1 && hdr_name_is(&h, "Subject"));
	CHECK(hdr_next(msg, strlen(msg), &pos, &h) == 0);
	CHECK(strncmp(msg + pos, "not a header", 12) == 0);
	const char *blank = "A: 1\n\nbody\n";
	pos = 0;
	CHECK(hdr_next(blank, strlen(blank), &pos, &h) == 1);
	CHECK(hdr_next(blank, strlen(blank), &pos, &h) == 0);
	CHECK_STR(blank + pos, "body\n");
}
