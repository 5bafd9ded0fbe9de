/* test_smtp_data.c — the DATA decoder, fed in every split. */
#include <stdlib.h>

#include "msg/smtp_data.h"
#include "unit.h"

struct result {
	char text[512];
	long consumed;
	int done;
	unsigned flags;
	long long size;
};

/* Decode s in pieces of `step` bytes (0: all at once). */
static struct result decode(const char *s, size_t step, size_t max_line, long long max_size)
{
	struct result r;
	struct smtp_data d;
	struct buf out = BUF_INIT;
	size_t n = strlen(s), i = 0;
	memset(&r, 0, sizeof r);
	smtp_data_init(&d, max_line, max_size);
	while (i < n && !d.done) {
		size_t len = step && n - i > step ? step : n - i;
		long c = smtp_data_feed(&d, s + i, len, &out);
		if (c < 0)
			break;
		i += (size_t)c;
	}
	r.consumed = (long)i;
	r.done = d.done;
	r.flags = d.flags;
	r.size = d.size;
	str_copy(r.text, sizeof r.text, out.ptr ? out.ptr : "", out.len);
	buf_free(&out);
	return r;
}

/* The same result whatever the read boundaries. */
static int same_all_splits(const char *s, size_t max_line, long long max_size)
{
	struct result whole = decode(s, 0, max_line, max_size);
	for (size_t step = 1; step <= 7; step++) {
		struct result r = decode(s, step, max_line, max_size);
		/* Text kept before an error is thrown away by the caller. */
		int clean = !(whole.flags & DATA_ERRORS);
		if ((clean && strcmp(r.text, whole.text)) || r.done != whole.done || r.flags != whole.flags ||
		    r.consumed != whole.consumed || r.size != whole.size)
			return 0;
	}
	return 1;
}

UNIT_TEST(data_plain_message_and_crlf_to_lf)
{
	const char *m = "Subject: x\r\n\r\nhello\r\n.\r\nQUIT\r\n";
	struct result r = decode(m, 0, 1000, 0);
	CHECK(r.done);
	CHECK_STR(r.text, "Subject: x\n\nhello\n");
	CHECK(r.consumed == (long)strlen(m) - 6); /* QUIT stays for the next command */
	CHECK(r.flags == 0);
	CHECK(r.size == 21);
	CHECK(same_all_splits(m, 1000, 0));
}

UNIT_TEST(data_empty_message)
{
	struct result r = decode(".\r\n", 0, 1000, 0);
	CHECK(r.done);
	CHECK_STR(r.text, "");
	CHECK(r.consumed == 3);
}

UNIT_TEST(data_dot_unstuffing)
{
	const char *m = "..leading\r\n.x\r\n...\r\nmid.dle\r\n.\r\n";
	struct result r = decode(m, 0, 1000, 0);
	CHECK(r.done);
	CHECK_STR(r.text, ".leading\nx\n..\nmid.dle\n");
	CHECK(same_all_splits(m, 1000, 0));
}

UNIT_TEST(data_smuggling_forms_never_end_data)
{
	static const char *const forms[] = {
		"a\n.\nMAIL FROM:<x@y>\r\n",
		"a\n.\r\nMAIL FROM:<x@y>\r\n",
		"a\r\n.\nMAIL FROM:<x@y>\r\n",
		"a\r.\rMAIL FROM:<x@y>\r\n",
		"a\r\n.\rMAIL FROM:<x@y>\r\n",
		"a\r\r\n.\r\nnot yet\r\n",
	};
	for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
		struct result r = decode(forms[i], 0, 1000, 0);
		CHECK(!(r.done && r.consumed < (long)strlen(forms[i]) - 3) || (r.flags & DATA_ERRORS));
		CHECK(r.flags & (DATA_BARE_LF | DATA_BARE_CR));
		CHECK(same_all_splits(forms[i], 1000, 0));
	}
	/* The smuggled MAIL is content, never a command: data goes on to the
	 * real end marker. */
	struct result r = decode("a\n.\nMAIL FROM:<x@y>\r\n.\r\nRSET\r\n", 0, 1000, 0);
	CHECK(r.done);
	CHECK(r.flags & DATA_BARE_LF);
	CHECK(r.consumed == (long)strlen("a\n.\nMAIL FROM:<x@y>\r\n.\r\n"));
	CHECK_STR(r.text, "a"); /* nothing kept after the first mark */
}

UNIT_TEST(data_nul_bare_cr_and_long_line)
{
	struct result r = decode("a\r\nb\rc\r\n.\r\n", 0, 1000, 0);
	CHECK(r.done && (r.flags & DATA_BARE_CR));
	char nul[] = "aXb\r\n.\r\n";
	struct smtp_data d;
	smtp_data_init(&d, 1000, 0);
	nul[1] = '\0';
	long c = smtp_data_feed(&d, nul, 8, NULL);
	CHECK(c == 8 && d.done && (d.flags & DATA_NUL));
	CHECK(strstr(smtp_data_error(&d), "550 5.6.0") == smtp_data_error(&d));
	r = decode("12345678\r\n.\r\n", 0, 10, 0);
	CHECK(!(r.flags & DATA_LONG_LINE)); /* exactly 10 with CRLF */
	r = decode("123456789\r\n.\r\n", 0, 10, 0);
	CHECK(r.flags & DATA_LONG_LINE);
	CHECK(same_all_splits("123456789\r\n.\r\n", 10, 0));
}

UNIT_TEST(data_size_limit)
{
	struct result r = decode("1234\r\n1234\r\n.\r\n", 0, 1000, 12);
	CHECK(r.done && r.flags == 0 && r.size == 12);
	r = decode("1234\r\n12345\r\n.\r\n", 0, 1000, 12);
	CHECK(r.done && (r.flags & DATA_TOO_BIG));
	CHECK(same_all_splits("1234\r\n12345\r\n.\r\n", 1000, 12));
}

UNIT_TEST(data_8bit_is_noted)
{
	struct result r = decode("caf\xc3\xa9\r\n.\r\n", 0, 1000, 0);
	CHECK(r.done && r.flags == DATA_8BIT);
	CHECK(smtp_data_error(&(struct smtp_data){ .flags = DATA_8BIT }) == NULL);
}

UNIT_TEST(data_bdat_raw_chunks)
{
	struct smtp_data d;
	struct buf out = BUF_INIT;
	smtp_data_init(&d, 1000, 0);
	CHECK(smtp_data_raw_feed(&d, "a\r", 2, &out) == 0);
	CHECK(smtp_data_raw_feed(&d, "\n.b\r\n", 5, &out) == 0);
	smtp_data_raw_end(&d);
	CHECK(d.flags == 0);
	CHECK(out.len == 5 && !memcmp(out.ptr, "a\n.b\n", 5));
	smtp_data_init(&d, 1000, 0);
	CHECK(smtp_data_raw_feed(&d, "a\r", 2, &out) == 0);
	smtp_data_raw_end(&d);
	CHECK(d.flags & DATA_BARE_CR);
	buf_free(&out);
}
