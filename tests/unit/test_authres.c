/* Unit tests: whose verdict an Authentication-Results field is
 * (libmail/msg/authres_field.c). */
#include "base/buf.h"
#include "msg/authres_field.h"
#include "unit.h"

static int claims(const char *v)
{
	return authres_claims(v, strlen(v), "mx.example.net");
}

UNIT_TEST(authres_claims_forms)
{
	CHECK(claims(" mx.example.net; spf=pass smtp.mailfrom=a@b.example"));
	CHECK(claims(" MX.Example.NET; none"));
	CHECK(claims("\n\t(a comment (nested)) mx.example.net 1; dkim=pass"));
	CHECK(claims(" \"mx.example.net\"; dkim=pass"));
	CHECK(claims(" mx.example.net(comment); none"));
	CHECK(!claims(" mx.example.net.evil; none"));
	CHECK(!claims(" evil.mx.example.net; none"));
	CHECK(!claims(" mx.example; none"));
	CHECK(!claims(" ; spf=pass"));
	CHECK(!claims(""));
	CHECK(!claims(" (unclosed mx.example.net; none"));
}

UNIT_TEST(authres_strip_ours_only)
{
	const char hdr[] = "Received: from x\n\tby y\n"
			   "Authentication-Results: mx.example.net; spf=pass\n\tdkim=pass\n"
			   "Subject: hi\n"
			   "authentication-results: other.example; dkim=pass\n"
			   "Authentication-Results: (forged) MX.EXAMPLE.NET; none\n"
			   "\n";
	struct buf out = BUF_INIT;
	CHECK(authres_strip(hdr, sizeof hdr - 1, "mx.example.net", &out) == 2);
	CHECK_STR(buf_cstr(&out), "Received: from x\n\tby y\nSubject: hi\n"
				  "authentication-results: other.example; dkim=pass\n\n");
	buf_free(&out);
}
