/* Unit tests: the SPF record's syntax (msg/spf_record.h) and macro
 * expansion (msg/spf_macro.h), with RFC 7208's own examples. */
#include <string.h>

#include "msg/spf_macro.h"
#include "msg/spf_record.h"
#include "unit.h"

/* The kinds of a record's terms as letters, or "!" + why on an error. */
static const char *terms_of(const char *rec, char *out, size_t cap)
{
	static const char kinds[] = "AIamp46ERXU"; /* order of enum spf_term_kind */
	struct spf_term t;
	const char *why = "";
	size_t pos = 0, o = 0;
	int r;
	while ((r = spf_term_next(rec, strlen(rec), &pos, &t, &why)) == 1 && o + 1 < cap)
		out[o++] = kinds[t.kind];
	if (r < 0)
		o = 0, out[o++] = '!';
	out[o] = '\0';
	return out;
}

UNIT_TEST(spf_record_terms)
{
	char k[64];
	CHECK_STR(terms_of("v=spf1 all include:x.example a mx ptr ip4:192.0.2.1 ip6:::1 exists:%{i}.x.example "
			   "redirect=y.example exp=z.example moo=cow",
			   k, sizeof k),
		  "AIamp46ERXU");
	CHECK_STR(terms_of("v=spf1   a  -all ", k, sizeof k), "aA");
	CHECK_STR(terms_of("v=spf1", k, sizeof k), "");
	/* errors anywhere: unknown mechanisms, arguments where none may be,
	 * control characters, 8-bit octets, bad modifier names */
	const char *bad[] = { "v=spf1 -all.", "v=spf1 all:x", "v=spf1 all/8", "v=spf1 ptr/0", "v=spf1 include",
			      "v=spf1 include:", "v=spf1 exists", "v=spf1 a:\xef\xbb\xbfx.example", "v=spf1 a\rptr",
			      "v=spf1 redirect:x.example", "v=spf1 1up=foo", "v=spf1 =all", "v=spf1 foo=%abc",
			      "v=spf1 moo.cow/far_out=man:dog/cat", NULL };
	for (const char **b = bad; *b; b++) {
		terms_of(*b, k, sizeof k);
		if (strcmp(k, "!"))
			unit_fail(__FILE__, __LINE__, *b);
	}
	CHECK_STR(terms_of("v=spf1 moo.cow-far_out=man:dog/cat ip4:1.2.3.4 -all", k, sizeof k), "U4A");
}

UNIT_TEST(spf_record_cidr_and_addresses)
{
	struct spf_term t;
	const char *why;
	size_t pos = 0;
	const char *r1 = "v=spf1 a:foo.example/24//64";
	CHECK(spf_term_next(r1, strlen(r1), &pos, &t, &why) == 1);
	CHECK(t.kind == SPF_A && t.cidr4 == 24 && t.cidr6 == 64 && t.spec_len == 11 && !memcmp(t.spec, "foo.example", 11));
	pos = 0;
	const char *r2 = "v=spf1 mx//0";
	CHECK(spf_term_next(r2, strlen(r2), &pos, &t, &why) == 1 && t.cidr4 == 32 && t.cidr6 == 0 && !t.spec);
	pos = 0;
	const char *r3 = "v=spf1 -ip4:192.0.2.0/24";
	CHECK(spf_term_next(r3, strlen(r3), &pos, &t, &why) == 1);
	CHECK(t.qualifier == SPF_FAIL && t.cidr4 == 24 && t.ip[0] == 192 && t.ip[3] == 0);
	/* a '/' inside a domain-spec is part of the name */
	pos = 0;
	const char *r4 = "v=spf1 a:foo:bar/baz.example.com";
	CHECK(spf_term_next(r4, strlen(r4), &pos, &t, &why) == 1 && t.cidr4 == 32 && t.spec_len == 23);
	const char *bad[] = { "v=spf1 a/33", "v=spf1 a//129", "v=spf1 a/24/64", "v=spf1 ip4:1.2.3.4/032",
			      "v=spf1 ip4:1.2.3", "v=spf1 ip4:1.2.3.4:8080", "v=spf1 ip4:1.2.3.4//32",
			      "v=spf1 ip6::CAFE::BABE", "v=spf1 ip6:::1//33", "v=spf1 ip4", NULL };
	for (const char **b = bad; *b; b++) {
		pos = 0;
		if (spf_term_next(*b, strlen(*b), &pos, &t, &why) != -1)
			unit_fail(__FILE__, __LINE__, *b);
	}
}

UNIT_TEST(spf_record_domain_specs)
{
	CHECK(spf_domain_spec_valid("example.com", 11));
	CHECK(spf_domain_spec_valid("foo.example.xn--zckzah", 22));
	CHECK(spf_domain_spec_valid("%{d}", 4));
	CHECK(spf_domain_spec_valid("_spf.%{d2}", 10));
	CHECK(spf_domain_spec_valid("museum.example.", 15));
	CHECK(!spf_domain_spec_valid("museum", 6));
	CHECK(!spf_domain_spec_valid("museum.", 7));
	CHECK(!spf_domain_spec_valid("abc.123", 7));
	CHECK(!spf_domain_spec_valid("example.-com", 12));
	CHECK(!spf_domain_spec_valid("", 0));
	CHECK(!spf_domain_spec_valid("%{r}.example.com", 16)); /* c r t only in explanations */
	CHECK(!spf_domain_spec_valid("%{l0}.example.com", 17));
	CHECK(!spf_domain_spec_valid("foo.example.com\0", 16));
	CHECK(spf_macro_string_valid("%{c} is %{t}", 12, 1));
	CHECK(!spf_macro_string_valid("%{c} is %{t}", 12, 0));
	CHECK(!spf_macro_string_valid("The %{x}-files.", 15, 1));
}

UNIT_TEST(spf_record_selection)
{
	CHECK(spf_record_is_spf("v=spf1", 6));
	CHECK(spf_record_is_spf("V=SpF1 -all", 11));
	CHECK(!spf_record_is_spf("v=spf10", 7));
	CHECK(!spf_record_is_spf("v=spf1mx", 8));
	const char *why;
	CHECK(spf_record_check("v=spf1 exp=a.example exp=b.example", 34, &why) < 0);
	CHECK(spf_record_check("v=spf1 redirect=a.example -all redirect=a.example", 48, &why) < 0);
	CHECK(spf_record_check("v=spf1 redirect=a.example -all", 30, &why) == 0);
	CHECK_STR(spf_result_name(SPF_SOFTFAIL), "softfail");
}

static const char *no_ptr(void *ctx)
{
	(void)ctx;
	return "mx.example.org";
}

/* RFC 7208 §7.4's examples: sender strong-bad@email.example.com, IPs
 * 192.0.2.3 and 2001:db8::cb01. */
static const char *expand(const char *macro, int v6, int explanation)
{
	static char out[300];
	struct spf_macro_vars v = {
		.s = "strong-bad@email.example.com", .l = "strong-bad", .o = "email.example.com",
		.d = "email.example.com", .i = "192.0.2.3", .v = "in-addr", .h = "mx.example.org",
		.c = "192.0.2.3", .r = "receiver.example", .t = "1700000000", .p = no_ptr,
	};
	if (v6) {
		v.i = "2.0.0.1.0.D.B.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.C.B.0.1";
		v.v = "ip6";
	}
	struct buf b;
	buf_init(&b, 0);
	if (spf_macro_expand(macro, strlen(macro), &v, explanation, &b) < 0)
		buf_adds(&b, "(invalid)");
	str_copy(out, sizeof out, buf_cstr(&b), b.len);
	buf_free(&b);
	return out;
}

UNIT_TEST(spf_macro_rfc_examples)
{
	CHECK_STR(expand("%{s}", 0, 0), "strong-bad@email.example.com");
	CHECK_STR(expand("%{o}", 0, 0), "email.example.com");
	CHECK_STR(expand("%{d}", 0, 0), "email.example.com");
	CHECK_STR(expand("%{d4}", 0, 0), "email.example.com");
	CHECK_STR(expand("%{d3}", 0, 0), "email.example.com");
	CHECK_STR(expand("%{d2}", 0, 0), "example.com");
	CHECK_STR(expand("%{d1}", 0, 0), "com");
	CHECK_STR(expand("%{dr}", 0, 0), "com.example.email");
	CHECK_STR(expand("%{d2r}", 0, 0), "example.email");
	CHECK_STR(expand("%{l}", 0, 0), "strong-bad");
	CHECK_STR(expand("%{l-}", 0, 0), "strong.bad");
	CHECK_STR(expand("%{lr}", 0, 0), "strong-bad");
	CHECK_STR(expand("%{lr-}", 0, 0), "bad.strong");
	CHECK_STR(expand("%{l1r-}", 0, 0), "strong");
	CHECK_STR(expand("%{ir}.%{v}._spf.%{d2}", 0, 0), "3.2.0.192.in-addr._spf.example.com");
	CHECK_STR(expand("%{lr-}.lp._spf.%{d2}", 0, 0), "bad.strong.lp._spf.example.com");
	CHECK_STR(expand("%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", 0, 0),
		  "bad.strong.lp.3.2.0.192.in-addr._spf.example.com");
	CHECK_STR(expand("%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", 0, 0),
		  "3.2.0.192.in-addr.strong.lp._spf.example.com");
	CHECK_STR(expand("%{d2}.trusted-domains.example.net", 0, 0), "example.com.trusted-domains.example.net");
	CHECK_STR(expand("%{ir}.%{v}._spf.%{d2}", 1, 0),
		  "1.0.B.C.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.B.D.0.1.0.0.2.ip6._spf.example.com");
	CHECK_STR(expand("%%%_%-", 0, 0), "% %20");
	CHECK_STR(expand("%{p}", 0, 0), "mx.example.org");
	CHECK_STR(expand("%{L}", 0, 0), "strong-bad");
	CHECK_STR(expand("%{c} at %{t} to %{r}", 0, 1), "192.0.2.3 at 1700000000 to receiver.example");
	CHECK_STR(expand("%{c}", 0, 0), "(invalid)");
	CHECK_STR(expand("%{a}", 0, 0), "(invalid)");
}

UNIT_TEST(spf_macro_escape_and_trim)
{
	struct spf_macro_vars v = { .l = "~jack&jill=up-a_b3.c" };
	struct buf b;
	buf_init(&b, 0);
	CHECK(spf_macro_expand("l=%{L}", 6, &v, 0, &b) == 0);
	CHECK_STR(buf_cstr(&b), "l=~jack%26jill%3Dup-a_b3.c");
	buf_reset(&b);
	/* over 253 octets: labels go from the left; a final dot goes */
	for (int i = 0; i < 40; i++)
		buf_adds(&b, "label.");
	buf_adds(&b, "example.com.");
	spf_domain_trim(&b);
	CHECK(b.len <= SPF_DOMAIN_MAX && b.len > SPF_DOMAIN_MAX - 7);
	CHECK(!strcmp(b.ptr + b.len - 11, "example.com") && !strncmp(b.ptr, "label.", 6));
	buf_free(&b);
}
