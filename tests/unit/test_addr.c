/* Unit tests: RFC 5321 path parsing (libmail/msg/addr.c). */
#include "msg/addr.h"
#include "msg/idna.h"
#include "unit.h"

static int parse(const char *s, unsigned opts, struct mailbox *m)
{
	struct mail_err e;
	return addr_parse(s, strlen(s), opts, m, &e);
}

UNIT_TEST(addr_plain_path)
{
	struct mailbox m;
	CHECK(parse("<bob@example.org>", 0, &m) == 0);
	CHECK_STR(m.local, "bob");
	CHECK_STR(m.domain, "example.org");
	CHECK(m.flags == 0);
}

UNIT_TEST(addr_null_sender)
{
	struct mailbox m;
	CHECK(parse("<>", ADDR_ALLOW_NULL, &m) == 0 && (m.flags & MBOX_NULL));
	CHECK(parse("<>", 0, &m) < 0);
}

UNIT_TEST(addr_needs_brackets_unless_bare)
{
	struct mailbox m;
	CHECK(parse("bob@example.org", 0, &m) < 0);
	CHECK(parse("bob@example.org", ADDR_ALLOW_BARE, &m) == 0);
	CHECK(parse("bob", ADDR_ALLOW_BARE, &m) < 0);
	CHECK(parse("bob", ADDR_ALLOW_BARE | ADDR_ALLOW_NODOMAIN, &m) == 0 && (m.flags & MBOX_NODOMAIN));
	CHECK(addr_qualify(&m, "host.test") == 0);
	char out[ADDR_TEXT_MAX + 1];
	CHECK(addr_format(&m, out, sizeof out) == 13);
	CHECK_STR(out, "bob@host.test");
}

UNIT_TEST(addr_quoted_local_part_keeps_quotes)
{
	struct mailbox m;
	CHECK(parse("<\"a@b\"@example.org>", 0, &m) == 0);
	CHECK_STR(m.local, "\"a@b\"");
	CHECK_STR(m.domain, "example.org");
	CHECK(m.flags & MBOX_QUOTED);
	CHECK(parse("<\"a\\\"b\"@x.org>", 0, &m) == 0);
	CHECK(parse("<\"unterminated@x.org>", 0, &m) < 0);
}

UNIT_TEST(addr_source_route_dropped)
{
	struct mailbox m;
	CHECK(parse("<@relay.example,@other.example:bob@example.org>", 0, &m) == 0);
	CHECK_STR(m.local, "bob");
	CHECK_STR(m.domain, "example.org");
	CHECK(m.flags & MBOX_ROUTE);
	CHECK(parse("<@relay.example bob@example.org>", 0, &m) < 0);
}

UNIT_TEST(addr_literals)
{
	struct mailbox m;
	CHECK(parse("<bob@[192.0.2.1]>", 0, &m) == 0 && (m.flags & MBOX_LITERAL));
	CHECK_STR(m.domain, "[192.0.2.1]");
	CHECK(parse("<bob@[IPv6:2001:db8::1]>", 0, &m) == 0);
	CHECK(parse("<bob@[300.1.1.1]>", 0, &m) < 0);
	CHECK(parse("<bob@[IPv6:zz::1]>", 0, &m) < 0);
	CHECK(parse("<bob@[x-tag:stuff]>", 0, &m) == 0);
	CHECK(parse("<bob@[192.0.2.1>", 0, &m) < 0);
}

UNIT_TEST(addr_bad_forms)
{
	struct mailbox m;
	const char *bad[] = {
		"<bob@example.org.>", "<bob@.example.org>", "<bob@-x.org>", "<bob@x-.org>",
		"<.bob@x.org>", "<bob.@x.org>", "<bo..b@x.org>", "<bob@x..org>", "<bob@@x.org>",
		"<bob@x.org", "<bob x@x.org>", "<bob@x.org>>", "<b\r\nob@x.org>", "<bob@x\0.org>",
		"<>x", "<@x.org>", "<bob@>", "<user%other@x.org@y.org>",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		if (parse(bad[i], ADDR_ALLOW_NULL, &m) == 0)
			unit_fail(__FILE__, __LINE__, bad[i]);
	}
	/* The % hack is a legal local part; relay checks look at the domain. */
	CHECK(parse("<user%other@x.org>", 0, &m) == 0);
	CHECK_STR(m.domain, "x.org");
}

UNIT_TEST(addr_limits)
{
	struct mailbox m;
	char s[400];
	/* local part of exactly 64 octets is fine, 65 is not */
	snprintf(s, sizeof s, "<%.64s@x.org>", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	CHECK(parse(s, 0, &m) == 0);
	snprintf(s, sizeof s, "<%.65s@x.org>", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	CHECK(parse(s, 0, &m) < 0);
	/* a 64-octet label is too long */
	snprintf(s, sizeof s, "<a@%.64s.org>", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
	CHECK(parse(s, 0, &m) < 0);
	/* a path over 256 octets is refused even when the parts fit */
	char longdom[300];
	size_t n = 0;
	while (n < 240) {
		memcpy(longdom + n, "abcdefghi.", 10);
		n += 10;
	}
	memcpy(longdom + n, "org", 4);
	snprintf(s, sizeof s, "<%.20s@%s>", "cccccccccccccccccccccccc", longdom);
	CHECK(parse(s, 0, &m) < 0);
}

UNIT_TEST(addr_utf8)
{
	struct mailbox m;
	CHECK(parse("<j\xc3\xb6rg@b\xc3\xbc" "cher.example>", 0, &m) == 0 && (m.flags & MBOX_UTF8));
	CHECK(parse("<j\xc3@x.org>", 0, &m) < 0);            /* truncated sequence */
	CHECK(parse("<j\xc0\xafx@x.org>", 0, &m) < 0);       /* overlong */
	CHECK(parse("<j\xed\xa0\x80x@x.org>", 0, &m) < 0);   /* surrogate */
	CHECK(parse("<bob@x.org>", 0, &m) == 0 && !(m.flags & MBOX_UTF8));
}

UNIT_TEST(addr_domain_compare)
{
	CHECK(addr_domain_eq("Example.ORG", "example.org"));
	CHECK(!addr_domain_eq("example.org", "example.org."));
	CHECK(!addr_domain_eq("example.org", "example.or"));
}

UNIT_TEST(idna_a_labels_and_u_labels)
{
	char out[256];
	CHECK(idna_to_ascii("exämple.org", out, sizeof out) == 0);
	CHECK_STR(out, "xn--exmple-cua.org");
	CHECK(idna_to_ascii("EXÄMPLE.org", out, sizeof out) == 0); /* UTS #46 mapping */
	CHECK_STR(out, "xn--exmple-cua.org");
	CHECK(idna_to_ascii("_dmarc.Example.org", out, sizeof out) == 0); /* ASCII: as given */
	CHECK_STR(out, "_dmarc.Example.org");
	CHECK(idna_to_ascii("☃.net", out, sizeof out) < 0);            /* not IDNA2008 */
	CHECK(idna_to_ascii("exämple.org", out, 5) < 0);
	CHECK(idna_to_unicode("xn--exmple-cua.org", out, sizeof out) == 0);
	CHECK_STR(out, "exämple.org");
	CHECK(addr_domain_eq("xn--exmple-cua.org", "Exämple.ORG"));
	CHECK(addr_domain_eq("example.org", "EXAMPLE.org"));
	CHECK(!addr_domain_eq("example.org", "exämple.org"));
	CHECK(idna_list_has("test.example, bücher.example", "XN--BCHER-KVA.example"));
	CHECK(idna_list_has("xn--bcher-kva.example", "bücher.example"));
	CHECK(!idna_list_has("xn--bcher-kva.example", "bucher.example"));
}
