/* Unit tests: the SEARCH program parser and evaluator (msg/imap_search.h),
 * with RFC 9051 §6.4.4's keys and its example. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "msg/imap_cmd.h"
#include "msg/imap_search.h"
#include "unit.h"

struct prog {
	struct imap_reader r;
	struct imap_search s;
	struct imap_err e;
	int rc;
};

static void parse(struct prog *p, const char *keys)
{
	char line[2048];
	int n = snprintf(line, sizeof line, "a SEARCH %s\r\n", keys);
	size_t used;
	imap_reader_init(&p->r, NULL);
	p->e.code = "";
	p->e.text[0] = '\0';
	if (imap_reader_step(&p->r, line, (size_t)n, &used) != IMAP_READ_COMMAND) {
		p->rc = -2;
		return;
	}
	p->rc = imap_search_parse(p->r.cmd.args, 0, &p->s, &p->e);
}

static void done(struct prog *p)
{
	imap_search_free(&p->s);
	imap_reader_free(&p->r);
}

static int has_kw(void *ctx, const char *kw, size_t n)
{
	(void)ctx;
	return n == 7 && !strncasecmp(kw, "$Forwarded", 7 + 3) ? 0 : n == 6 && !strncasecmp(kw, "$label", 6);
}

static const char message[] =
	"From: =?iso-8859-1?q?J=F6rg?= Smith <smith@example.org>\n"
	"To: Mary <mary@example.com>\n"
	"Subject: =?utf-8?B?Y2Fmw6k=?= =?utf-8?q?_au_lait?=\n"
	"Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\n"
	"Content-Type: multipart/alternative; boundary=b\n"
	"\n"
	"--b\n"
	"Content-Type: text/plain; charset=utf-8\n"
	"Content-Transfer-Encoding: quoted-printable\n"
	"\n"
	"Hello W=C3=B6rld, the=\n"
	" meeting moved\n"
	"--b\n"
	"Content-Type: image/png\n"
	"Content-Transfer-Encoding: base64\n"
	"\n"
	"c2VjcmV0\n"
	"--b--\n";

/* Does the program match the sample message (seq 3 of 10, uid 30 of 100)? */
static int run(const char *keys)
{
	struct prog p;
	parse(&p, keys);
	if (p.rc < 0) {
		done(&p);
		return -1;
	}
	imap_search_resolve(&p.s, 10, 100);
	struct imap_search_msg m = {.seq = 3, .uid = 30, .size = 500,
				    .flags = IMAP_FLAG_SEEN | IMAP_FLAG_FLAGGED,
				    .internal_date = 837593005, /* 17-Jul-1996 08:43:25 UTC */
				    .modseq = 7, .text = message, .text_len = sizeof message - 1,
				    .has_keyword = has_kw};
	int hit = imap_search_match(&p.s, &m);
	done(&p);
	return hit;
}

UNIT_TEST(imap_search_keys)
{
	setenv("TZ", "UTC", 1);
	CHECK(run("ALL") == 1);
	CHECK(run("SEEN FLAGGED UNANSWERED UNDELETED UNDRAFT OLD") == 1);
	CHECK(run("UNSEEN") == 0 && run("NEW") == 0 && run("RECENT") == 0);
	CHECK(run("3") == 1 && run("1:2,4:*") == 0 && run("*") == 0 && run("2:4") == 1);
	CHECK(run("UID 30") == 1 && run("UID 31:*") == 0 && run("UID 1:29") == 0);
	CHECK(run("LARGER 499 SMALLER 501") == 1 && run("LARGER 500") == 0);
	CHECK(run("ON 17-Jul-1996") == 1 && run("BEFORE 17-Jul-1996") == 0);
	CHECK(run("SINCE 17-Jul-1996 BEFORE 18-Jul-1996") == 1);
	CHECK(run("SENTON 17-Jul-1996") == 1 && run("SENTSINCE \"18-Jul-1996\"") == 0);
	CHECK(run("SENTBEFORE 1-Aug-1996") == 1);
	CHECK(run("KEYWORD $label") == 1 && run("UNKEYWORD $label") == 0 && run("KEYWORD other") == 0);
	/* header fields: RFC 2047 decoded, any case */
	CHECK(run("FROM smith") == 1 && run("FROM \"J\xc3\xb6rg\"") == 1);
	CHECK(run("SUBJECT \"CAF\xc3\xa9 AU LAIT\"") == 1 && run("SUBJECT tea") == 0);
	CHECK(run("TO mary@EXAMPLE.com CC mary") == 0);
	CHECK(run("HEADER Content-Type alternative") == 1 && run("HEADER X-Missing \"\"") == 0);
	CHECK(run("HEADER Subject \"\"") == 1);
	/* bodies: transfer encodings undone, only text parts */
	CHECK(run("BODY \"w\xc3\xb6rld, the meeting\"") == 1);
	CHECK(run("BODY secret") == 0 && run("BODY c2VjcmV0") == 0);
	CHECK(run("TEXT mary") == 1 && run("TEXT MOVED") == 1 && run("TEXT nowhere") == 0);
	/* operators */
	CHECK(run("NOT SEEN") == 0 && run("NOT NOT SEEN") == 1);
	CHECK(run("OR UNSEEN FLAGGED") == 1 && run("OR UNSEEN DELETED") == 0);
	CHECK(run("(SEEN (FLAGGED 3)) OR (DELETED) UID 30") == 1);
	CHECK(run("MODSEQ 7") == 1 && run("MODSEQ 8") == 0);
	CHECK(run("MODSEQ \"/flags/\\\\draft\" all 5") == 1);
	CHECK(run("CHARSET UTF-8 SEEN") == 1 && run("CHARSET us-ascii SEEN") == 1);
	/* RFC 9051 §6.4.4's example */
	CHECK(run("FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"") == 0);
	CHECK(run("OR BODY moved NOT FROM \"Smith\"") == 1);
}

UNIT_TEST(imap_search_errors)
{
	struct prog p;
	parse(&p, "CHARSET KOI8-R SEEN");
	CHECK(p.rc == -1 && !strcmp(p.e.code, "BADCHARSET"));
	done(&p);
	const char *bad[] = {"", "FOO", "FROM", "NOT", "OR SEEN", "BEFORE 32-Jan-2000",
			     "SINCE yesterday", "LARGER -1", "LARGER x", "UID", "UID x", "0",
			     "1:", "KEYWORD \\Seen", "()", "RETURN (BOGUS) ALL", "RETURN ALL",
			     "CHARSET", "HEADER Subject", "MODSEQ x", "\"SEEN\""};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		parse(&p, bad[i]);
		if (p.rc != -1) {
			char m[80];
			snprintf(m, sizeof m, "search \"%s\" gave %d", bad[i], p.rc);
			unit_fail(__FILE__, __LINE__, m);
		}
		done(&p);
	}
	/* RETURN options (ESEARCH) */
	parse(&p, "RETURN (MIN COUNT SAVE) UNSEEN");
	CHECK(p.rc == 0 && p.s.esearch &&
	      p.s.ret == (IMAP_SEARCH_RET_MIN | IMAP_SEARCH_RET_COUNT | IMAP_SEARCH_RET_SAVE));
	done(&p);
	parse(&p, "RETURN () UNSEEN");
	CHECK(p.rc == 0 && p.s.ret == IMAP_SEARCH_RET_ALL);
	done(&p);
	/* "$" and what the program needs */
	parse(&p, "$ FROM x");
	CHECK(p.rc == 0 && imap_search_needs(&p.s) == (IMAP_SEARCH_NEED_SAVED | IMAP_SEARCH_NEED_HEADER));
	done(&p);
	parse(&p, "SEEN BODY x");
	CHECK(p.rc == 0 && imap_search_needs(&p.s) == IMAP_SEARCH_NEED_BODY);
	done(&p);
	/* bounds: nesting and size */
	char deep[4096];
	size_t n = 0;
	for (int i = 0; i < 100; i++)
		n += (size_t)snprintf(deep + n, sizeof deep - n, "NOT ");
	snprintf(deep + n, sizeof deep - n, "SEEN");
	parse(&p, deep);
	CHECK(p.rc == -1 && !strcmp(p.e.code, "LIMIT"));
	done(&p);
	n = 0;
	for (int i = 0; i < 600; i++)
		n += (size_t)snprintf(deep + n, sizeof deep - n, "SEEN ");
	imap_reader_init(&p.r, NULL);
	char line[5000];
	int len = snprintf(line, sizeof line, "a SEARCH %s\r\n", deep);
	size_t used;
	CHECK(imap_reader_step(&p.r, line, (size_t)len, &used) == IMAP_READ_COMMAND);
	CHECK(imap_search_parse(p.r.cmd.args, 100, &p.s, &p.e) == -1 && !strcmp(p.e.code, "LIMIT"));
	CHECK(p.s.nodes == NULL);
	imap_reader_free(&p.r);
}

UNIT_TEST(imap_search_from_with_comments)
{
	/* imaptest search-addresses message 3: comments inside the address. */
	static const char msg[] = "From: <user-from (comment)@ (comment) domain.org>\r\n\r\nbody3\r\n";
	struct prog p;
	parse(&p, "FROM user-from@domain.org");
	CHECK(p.rc == 0);
	imap_search_resolve(&p.s, 1, 1);
	struct imap_search_msg m = {.seq = 1, .uid = 1, .text = msg, .text_len = sizeof msg - 1,
				    .has_keyword = has_kw};
	CHECK(imap_search_match(&p.s, &m) == 1);
	done(&p);
	parse(&p, "FROM user-from@other.org");
	imap_search_resolve(&p.s, 1, 1);
	CHECK(imap_search_match(&p.s, &m) == 0);
	done(&p);
}
