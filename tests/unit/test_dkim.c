/* Unit tests: DKIM tag lists, signature fields and canonicalization
 * (libmail/msg/dkim_tags.c, dkim_sig.c, dkim_canon.c). */
#include "auth/auth_message.h"
#include "base/buf.h"
#include "msg/dkim_canon.h"
#include "msg/dkim_sig.h"
#include "msg/dkim_tags.h"
#include "unit.h"

static int tags_ok(const char *s)
{
	struct dkim_tags t;
	return dkim_tags_parse(s, strlen(s), &t) == 0;
}

UNIT_TEST(dkim_tag_list_syntax)
{
	struct dkim_tags t;
	const char *s = " v=1;\n\ta = rsa-sha256 ; h=from\n : to;x=;";
	CHECK(dkim_tags_parse(s, strlen(s), &t) == 0);
	CHECK(t.n == 4);
	CHECK(dkim_tag_is(dkim_tags_get(&t, "a"), "rsa-sha256", 0));
	CHECK(dkim_tag_is(dkim_tags_get(&t, "h"), "from\n : to", 0));
	CHECK(dkim_tag_is(dkim_tags_get(&t, "x"), "", 0));
	CHECK(dkim_tags_get(&t, "b") == NULL);
	CHECK(tags_ok(""));
	CHECK(tags_ok("a=1;"));
	CHECK(!tags_ok("a=1;a=2"));        /* repeated */
	CHECK(!tags_ok("a=1;;b=2"));       /* empty tag-spec */
	CHECK(!tags_ok("1a=1"));           /* name starts with a digit */
	CHECK(!tags_ok("a"));              /* no '=' */
	CHECK(!tags_ok("a=b\nc=d"));       /* a line break without white space after it */
	CHECK(!tags_ok("a=\x01"));
}

UNIT_TEST(dkim_signature_field)
{
	struct dkim_sig sig;
	const char *why = NULL;
	const char *good = " v=1; a=ed25519-sha256; c=relaxed/simple; d=Example.COM; s=sel;\n\ti=joe@mail.example.com;"
			   " h=From : Subject; bh=AAAA; b=AA\n\t BB;";
	CHECK(dkim_sig_parse(good, strlen(good), &sig, &why) == 0);
	CHECK(sig.alg == DKIM_ED25519_SHA256 && sig.header_relaxed && !sig.body_relaxed);
	CHECK_STR(sig.domain, "Example.COM");
	CHECK_STR(sig.auid_domain, "mail.example.com");
	CHECK(sig.nh == 2 && dkim_sig_h_is(&sig, 0, "from", 4) && dkim_sig_h_is(&sig, 1, "SUBJECT", 7));
	CHECK(sig.bh_len == 3 && sig.b_len == 3);
	CHECK(sig.l == -1 && sig.t == -1);
	/* b= is blanked from just after '=' to the end of its value. */
	CHECK(good[sig.b_raw_start - 2] == 'b' && good[sig.b_raw_end] == ';');

	const char *bad[][2] = {
		{ "v=1; a=rsa-sha256; d=x.org; s=s; h=to; bh=AAAA; b=AAAA", "h= does not sign From" },
		{ "v=1; a=rsa-md5; d=x.org; s=s; h=from; bh=AAAA; b=AAAA", "unknown algorithm a=" },
		{ "v=2; a=rsa-sha256; d=x.org; s=s; h=from; bh=AAAA; b=AAAA", "v= is not 1" },
		{ "v=1; a=rsa-sha256; d=x.org; s=s; h=from; bh=AAAA", "a required tag (v a b bh d h s) is missing" },
		{ "v=1; a=rsa-sha256; d=x.org; s=s; h=from; bh=AAAA; b=A!AA", "b= is not base64" },
		{ "v=1; a=rsa-sha256; d=x.org; s=s; h=from; bh=AAAA; b=AAAA; i=a@y.org", "i= is not within d=" },
		{ "v=1; a=rsa-sha256; d=x.org; s=s; h=from; bh=AAAA; b=AAAA; i=a@evilx.org", "i= is not within d=" },
		{ "v=1; a=rsa-sha256; d=x.org; s=s; h=from; bh=AAAA; b=AAAA; t=10; x=5", "x= is before t=" },
		{ "v=1; a=rsa-sha256; d=x.org; s=s; h=from; bh=AAAA; b=AAAA; c=fancy", "unknown canonicalization c=" },
		{ "v=1; a=rsa-sha256; d=x.org; s=s; h=from::to; bh=AAAA; b=AAAA", "malformed h=" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		why = "";
		CHECK(dkim_sig_parse(bad[i][0], strlen(bad[i][0]), &sig, &why) < 0);
		CHECK_STR(why, bad[i][1]);
	}
}

UNIT_TEST(dkim_key_record)
{
	struct dkim_key_record k;
	const char *why = NULL;
	const char *rec = "v=DKIM1; k=ed25519; t=y:s; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
	CHECK(dkim_key_record_parse(rec, strlen(rec), &k, &why) == 0);
	CHECK(k.type == DKIM_KEY_ED25519 && k.testing && k.strict && k.p_len == 32);
	CHECK(dkim_key_record_parse("p=", 2, &k, &why) == 0 && k.revoked && k.type == DKIM_KEY_RSA);
	CHECK(dkim_key_record_parse("k=rsa; v=DKIM1; p=", 18, &k, &why) < 0);
	CHECK(dkim_key_record_parse("h=sha1; p=AAAA", 14, &k, &why) < 0);
	CHECK(dkim_key_record_parse("s=tlsrpt; p=AAAA", 16, &k, &why) < 0);
	CHECK(dkim_key_record_parse("s=*; h=sha1:sha256; p=AAAA", 26, &k, &why) == 0);
	CHECK(dkim_key_record_parse("k=rsa", 5, &k, &why) < 0);
}

static void collect(void *ctx, const char *p, size_t n)
{
	buf_add(ctx, p, n);
}

static const char *body(const char *in, int relaxed, size_t chunk, struct buf *out)
{
	struct dkim_body_canon c;
	buf_reset(out);
	dkim_body_canon_init(&c, relaxed, collect, out);
	size_t n = strlen(in);
	for (size_t i = 0; i < n; i += chunk)
		dkim_body_canon_update(&c, in + i, n - i < chunk ? n - i : chunk);
	dkim_body_canon_final(&c);
	return buf_cstr(out);
}

UNIT_TEST(dkim_body_canonicalization)
{
	struct buf b = BUF_INIT;
	/* RFC 6376 §3.4.5's example, in whole and in every chunk size. */
	for (size_t chunk = 1; chunk <= 24; chunk++) {
		CHECK_STR(body(" C \r\nD \t E\r\n\r\n\r\n", 1, chunk, &b), " C\r\nD E\r\n");
		CHECK_STR(body(" C \r\nD \t E\r\n\r\n\r\n", 0, chunk, &b), " C \r\nD \t E\r\n");
		CHECK_STR(body(" C \nD \t E\n\n\n", 1, chunk, &b), " C\r\nD E\r\n");
		CHECK_STR(body("a\r\n\r\n \t\r\nb\r\n \r\n\r\n", 1, chunk, &b), "a\r\n\r\n\r\nb\r\n");
		CHECK_STR(body("a\rb\r", 0, chunk, &b), "a\rb\r\r\n");
	}
	CHECK_STR(body("", 0, 1, &b), "\r\n");          /* §3.4.3: empty body is one CRLF */
	CHECK_STR(body("", 1, 1, &b), "");              /* §3.4.4: and nothing when relaxed */
	CHECK_STR(body("\n\n", 0, 1, &b), "\r\n");
	CHECK_STR(body("\n\n", 1, 1, &b), "");
	CHECK_STR(body("no newline", 0, 3, &b), "no newline\r\n");
	CHECK_STR(body("trailing  ", 1, 3, &b), "trailing\r\n");
	buf_free(&b);
}

UNIT_TEST(dkim_header_canonicalization)
{
	struct buf b = BUF_INIT;
	CHECK(dkim_canon_header(&b, "B", 1, " Y\t\n\tZ  ", 8, 1, 1) == 0);
	CHECK_STR(buf_cstr(&b), "b:Y Z\r\n");
	buf_reset(&b);
	CHECK(dkim_canon_header(&b, "Subject", 7, " a\n b ", 6, 0, 1) == 0);
	CHECK_STR(buf_cstr(&b), "Subject: a\r\n b \r\n");
	/* h= picks fields from the bottom up; a name with none left adds nothing. */
	const char *hdrs = "From: one\nTo: x\nfrom: two\nSubject: s\n\n";
	struct dkim_hname h[] = { { "from", 4 }, { "from", 4 }, { "from", 4 }, { "subject", 7 } };
	buf_reset(&b);
	CHECK(dkim_canon_headers(&b, hdrs, strlen(hdrs), h, 4, 1) == 0);
	CHECK_STR(buf_cstr(&b), "from:two\r\nfrom:one\r\nsubject:s\r\n");
	buf_free(&b);
}

/* --- DMARC: the record and organizational domains --- */
#include "auth/dmarc_psl.h"
#include "msg/dmarc_record.h"
#include "msg/from_domain.h"

UNIT_TEST(dmarc_record_values)
{
	struct dmarc_record r;
	const char *why = NULL;
	const char *full = "v=DMARC1; p=reject; sp=none; pct=25; adkim=s; rua=mailto:a@x.org";
	CHECK(dmarc_record_parse(full, strlen(full), &r, &why) == 0);
	CHECK(r.p == DMARC_P_REJECT && r.sp == DMARC_P_NONE && r.pct == 25 && r.adkim_strict && !r.aspf_strict);
	CHECK_STR(r.rua, "mailto:a@x.org");
	CHECK(dmarc_record_parse("v=DMARC1; p=quarantine; pct=101; aspf=x", 38, &r, &why) == 0);
	CHECK(r.p == DMARC_P_QUARANTINE && r.sp == DMARC_P_QUARANTINE && r.pct == 100 && !r.aspf_strict);
	CHECK(dmarc_record_parse("v=DMARC1; rua=mailto:a@x.org", 28, &r, &why) == 0 && r.p == DMARC_P_NONE);
	CHECK(dmarc_record_parse("v=DMARC1; p=bogus", 17, &r, &why) < 0);
	CHECK(dmarc_record_parse("p=reject; v=DMARC1", 18, &r, &why) < 0);
	CHECK(!dmarc_record_is_dmarc("v=DMARC10; p=none", 17));
	CHECK(dmarc_record_is_dmarc("v=DMARC1", 8));
}

UNIT_TEST(psl_organizational_domain)
{
	const char *list = "// comment\ncom\nuk\nco.uk\n*.ck\n!www.ck\nblogspot.com\n";
	struct psl p;
	struct mail_err e;
	char out[256];
	CHECK(psl_load_text(&p, list, strlen(list), &e) == 0 && p.n == 6);
	psl_org_domain(&p, "mail.example.com", out, sizeof out);
	CHECK_STR(out, "example.com");
	psl_org_domain(&p, "a.b.example.co.uk", out, sizeof out);
	CHECK_STR(out, "example.co.uk");
	psl_org_domain(&p, "x.y.foo.ck", out, sizeof out);
	CHECK_STR(out, "y.foo.ck");
	psl_org_domain(&p, "a.www.ck", out, sizeof out);
	CHECK_STR(out, "www.ck");
	psl_org_domain(&p, "me.blogspot.com", out, sizeof out);
	CHECK_STR(out, "me.blogspot.com");
	psl_org_domain(&p, "example.test", out, sizeof out);   /* the implicit "*" rule */
	CHECK_STR(out, "example.test");
	psl_org_domain(&p, "co.uk", out, sizeof out);
	CHECK_STR(out, "co.uk");
	psl_free(&p);
}

UNIT_TEST(from_domain_cases)
{
	char d[256];
	const char *one = "From: \"A, B\" <a@Mail.Example.COM>\nTo: x@y\n\n";
	CHECK(from_domain(one, strlen(one), d, sizeof d) == FROM_ONE);
	CHECK_STR(d, "mail.example.com");
	const char *none = "To: x@y\n\n", *two = "From: a@x.org\nFrom: b@x.org\n\n", *list = "From: a@x.org, b@y.org\n\n";
	CHECK(from_domain(none, strlen(none), d, sizeof d) == FROM_NONE);
	CHECK(from_domain(two, strlen(two), d, sizeof d) == FROM_SEVERAL);
	CHECK(from_domain(list, strlen(list), d, sizeof d) == FROM_SEVERAL);
	CHECK(from_domain("From: root\n\n", 12, d, sizeof d) == FROM_BAD);
}

/* The reader of a message for DKIM and DMARC (libmail/auth/auth_message.c),
 * fed in two pieces split at every offset and a byte at a time: the same
 * header section (CRLF → LF, also a CR and its LF in two pieces), the
 * same size of it as it came, the same body bytes after it. */
struct collected {
	struct buf hdr_seen, body;
};

static int collect_header(void *ctx, const char *hdr, size_t n, struct mail_err *e)
{
	(void)e;
	struct collected *c = ctx;
	return buf_add(&c->hdr_seen, hdr, n);
}

static int collect_body(void *ctx, const char *p, size_t n, struct mail_err *e)
{
	(void)e;
	struct collected *c = ctx;
	return buf_add(&c->body, p, n);
}

static int read_in_pieces(const char *msg, size_t split, size_t step, struct collected *c, size_t *header_bytes)
{
	struct buf hdr = BUF_INIT, raw = BUF_INIT;
	struct auth_message_sink sink = { collect_header, collect_body, c };
	struct auth_reader r;
	struct mail_err e;
	size_t n = strlen(msg), i = 0;
	int rc = 0;
	auth_reader_init(&r, &hdr, &raw, &sink);
	if (split && auth_reader_feed(&r, msg, split, &e) < 0)
		rc = -1;
	for (i = split; rc == 0 && i < n; i += step)
		rc = auth_reader_feed(&r, msg + i, i + step < n ? step : n - i, &e);
	if (rc == 0)
		rc = auth_reader_end(&r, &e);
	*header_bytes = r.header_bytes;
	/* raw: the header section's bytes as they came */
	if (rc == 0 && (raw.len != r.header_bytes || memcmp(raw.ptr, msg, raw.len)))
		rc = -1;
	buf_free(&hdr);
	buf_free(&raw);
	return rc;
}

UNIT_TEST(auth_reader_pieces)
{
	const char *msgs[][3] = {
		{ "From: a@b.example\r\nSubject: x\r\n\r\nbody\r\n", "From: a@b.example\nSubject: x\n\n", "body\r\n" },
		{ "A: 1\nB: lone\rCR\n\nrest\n\n", "A: 1\nB: lone\rCR\n\n", "rest\n\n" },
		{ "\r\nonly body\r\n", "\n", "only body\r\n" },
		{ "No: end\r\nof header", "No: end\nof header", "" },
	};
	for (size_t m = 0; m < sizeof msgs / sizeof msgs[0]; m++) {
		size_t n = strlen(msgs[m][0]), want_bytes = n - strlen(msgs[m][2]);
		for (size_t split = 0; split <= n; split++) {
			for (size_t step = 1; step <= n; step += n - 1) {
				struct collected c = { BUF_INIT, BUF_INIT };
				size_t hb = 0;
				CHECK(read_in_pieces(msgs[m][0], split, step, &c, &hb) == 0);
				CHECK(hb == want_bytes);
				CHECK(c.hdr_seen.len == strlen(msgs[m][1]) && !memcmp(c.hdr_seen.ptr, msgs[m][1], c.hdr_seen.len));
				CHECK(c.body.len == strlen(msgs[m][2]) &&
				      (!c.body.len || !memcmp(c.body.ptr, msgs[m][2], c.body.len)));
				buf_free(&c.hdr_seen);
				buf_free(&c.body);
			}
		}
	}
}

UNIT_TEST(auth_reader_header_limit)
{
	struct buf hdr = BUF_INIT;
	struct auth_message_sink sink = { NULL, NULL, NULL };
	struct auth_reader r;
	struct mail_err e;
	char line[1000];
	memset(line, 'x', sizeof line - 2);
	memcpy(line, "X: ", 3);
	line[sizeof line - 2] = '\n';
	line[sizeof line - 1] = 'y'; /* the next line begins */
	auth_reader_init(&r, &hdr, NULL, &sink);
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < 2 * AUTH_HEADER_MAX / sizeof line; i++)
		rc = auth_reader_feed(&r, line, sizeof line, &e);
	CHECK(rc < 0 && e.smtp == 552 && !strcmp(e.status, "5.3.4"));
	CHECK(hdr.len == AUTH_HEADER_MAX + 1);
	buf_free(&hdr);
}
