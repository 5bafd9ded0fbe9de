/* Unit tests: envelope write/parse and escaping (libmail/msg/envelope.c). */
#include <stdlib.h>

#include "base/crc32.h"
#include "msg/envelope.h"
#include "unit.h"

static void sample(struct envelope *env)
{
	envelope_init(env);
	snprintf(env->id, sizeof env->id, "%s", "6616470395303-1a35");
	env->arrival = 1764397501;
	env->size = 42;
	snprintf(env->sender, sizeof env->sender, "%s", "alice@example.org");
	env->uid = 1000;
	snprintf(env->client, sizeof env->client, "%s", "local");
	snprintf(env->helo, sizeof env->helo, "%s", "evil\r\nrcpt injected@x.org state=queued");
	env->ret = RET_HDRS;
	env->body = BODY_8BITMIME;
	struct rcpt *r = envelope_add_rcpt(env, "bob@example.org");
	r->notify = NOTIFY_FAILURE | NOTIFY_DELAY;
	snprintf(r->orcpt, sizeof r->orcpt, "%s", "rfc822;bob@example.org");
	snprintf(r->error, sizeof r->error, "%s", "451 4.7.1 try\nlater 100%");
	r->state = RCPT_DEFERRED;
	r->attempts = 3;
	r->next_try = 1764400000;
	envelope_add_rcpt(env, "carol@example.org");
}

UNIT_TEST(envelope_round_trip)
{
	struct envelope a, b;
	struct buf out = BUF_INIT;
	struct mail_err e;
	sample(&a);
	CHECK(envelope_write(&a, &out) == 0);
	CHECK(envelope_parse(out.ptr, out.len, &b, &e) == 0);
	CHECK_STR(b.id, a.id);
	CHECK_STR(b.sender, a.sender);
	CHECK_STR(b.helo, a.helo);
	CHECK(b.nrcpt == 2);
	CHECK_STR(b.rcpt[0].error, a.rcpt[0].error);
	CHECK_STR(b.rcpt[0].orcpt, a.rcpt[0].orcpt);
	CHECK(b.rcpt[0].notify == (NOTIFY_FAILURE | NOTIFY_DELAY));
	CHECK(b.rcpt[0].state == RCPT_DEFERRED && b.rcpt[0].attempts == 3);
	CHECK(b.rcpt[0].next_try == 1764400000);
	CHECK(b.ret == RET_HDRS && b.body == BODY_8BITMIME && b.uid == 1000);
	envelope_free(&a);
	envelope_free(&b);
	buf_free(&out);
}

UNIT_TEST(envelope_escapes_cannot_forge_lines)
{
	struct envelope a;
	struct buf out = BUF_INIT;
	sample(&a);
	envelope_write(&a, &out);
	const char *text = buf_cstr(&out);
	/* exactly 2 rcpt lines: the CR LF in helo stayed inside its field */
	int rcpts = 0;
	for (const char *p = text; (p = strstr(p, "\nrcpt ")); p++)
		rcpts++;
	CHECK(rcpts == 2);
	CHECK(strstr(text, "helo evil%0D%0Arcpt%20injected") != NULL);
	CHECK(strchr(text, '\r') == NULL);
	envelope_free(&a);
	buf_free(&out);
}

UNIT_TEST(envelope_null_sender)
{
	struct envelope a, b;
	struct buf out = BUF_INIT;
	struct mail_err e;
	sample(&a);
	a.sender[0] = '\0';
	envelope_write(&a, &out);
	CHECK(strstr(buf_cstr(&out), "\nsender <>\n") != NULL);
	CHECK(envelope_parse(out.ptr, out.len, &b, &e) == 0);
	CHECK_STR(b.sender, "");
	envelope_free(&a);
	envelope_free(&b);
	buf_free(&out);
}

UNIT_TEST(envelope_truncation_detected)
{
	struct envelope a, b;
	struct buf out = BUF_INIT;
	struct mail_err e;
	sample(&a);
	envelope_write(&a, &out);
	/* every proper prefix is refused */
	int accepted = 0;
	for (size_t n = 0; n < out.len; n++)
		if (envelope_parse(out.ptr, n, &b, &e) == 0) {
			accepted++;
			envelope_free(&b);
		}
	CHECK(accepted == 0);
	envelope_free(&a);
	buf_free(&out);
}

UNIT_TEST(envelope_refuses_unknown)
{
	struct envelope b;
	struct mail_err e;
	const char *v3 = "postbox-envelope 3\nid 6616470395303-1a35\nsender <>\nrcpt a@b state=queued\nend\n";
	CHECK(envelope_parse(v3, strlen(v3), &b, &e) < 0);
	CHECK(strstr(e.msg, "version") != NULL);
	const char *key = "postbox-envelope 1\nid 6616470395303-1a35\nsender <>\ncolor blue\nrcpt a@b\nend\n";
	CHECK(envelope_parse(key, strlen(key), &b, &e) < 0);
	const char *badstate = "postbox-envelope 1\nid 6616470395303-1a35\nsender <>\nrcpt a@b state=lost\nend\n";
	CHECK(envelope_parse(badstate, strlen(badstate), &b, &e) < 0);
	const char *after = "postbox-envelope 1\nid 6616470395303-1a35\nsender <>\nrcpt a@b\nend\nrcpt c@d\n";
	CHECK(envelope_parse(after, strlen(after), &b, &e) < 0);
	const char *ok = "postbox-envelope 1\nid 6616470395303-1a35\nsender <>\nrcpt a@b\nend\n";
	CHECK(envelope_parse(ok, strlen(ok), &b, &e) == 0);
	envelope_free(&b);
}

UNIT_TEST(envelope_escape_round_trip_all_bytes)
{
	char raw[256], back[256 * 3 + 1];
	struct buf out = BUF_INIT;
	for (int i = 0; i < 255; i++)
		raw[i] = (char)(i + 1);
	env_escape(&out, raw, 255);
	CHECK(memchr(out.ptr, ' ', out.len) == NULL && memchr(out.ptr, '\n', out.len) == NULL);
	CHECK(env_unescape(back, sizeof back, out.ptr, out.len) == 0);
	CHECK(memcmp(back, raw, 255) == 0);
	CHECK(env_unescape(back, sizeof back, "%4", 2) < 0);
	CHECK(env_unescape(back, sizeof back, "%zz", 3) < 0);
	buf_free(&out);
}

UNIT_TEST(envelope_raw_controls_refused)
{
	/* found by fuzz_envelope: a raw NUL made "<>" and "" differ on rewrite */
	struct envelope b;
	struct mail_err e;
	const char text[] = "postbox-envelope 1\nid 6616470395303-1a35\nsender <>\0x\nrcpt a@b\nend\n";
	CHECK(envelope_parse(text, sizeof text - 1, &b, &e) < 0);
	const char tab[] = "postbox-envelope 1\nid 6616470395303-1a35\nsender a\tb@c\nrcpt a@b\nend\n";
	CHECK(envelope_parse(tab, sizeof tab - 1, &b, &e) < 0);
	const char nul[] = "postbox-envelope 1\nid 6616470395303-1a35\nsender a%00b@c\nrcpt a@b\nend\n";
	CHECK(envelope_parse(nul, sizeof nul - 1, &b, &e) < 0);
}

UNIT_TEST(crc32_known_values)
{
	CHECK(crc32_update(CRC32_INIT, "123456789", 9) == 0xCBF43926u);
	CHECK(crc32_update(CRC32_INIT, "", 0) == 0);
	/* streaming in pieces of every split gives the same value */
	const char text[] = "The quick brown fox jumps over the lazy dog";
	for (size_t k = 0; k <= sizeof text - 1; k++)
		CHECK(crc32_update(crc32_update(CRC32_INIT, text, k), text + k, sizeof text - 1 - k) == 0x414FA339u);
}

UNIT_TEST(envelope_version2_carries_size_and_crc)
{
	struct envelope a, b;
	struct buf out = BUF_INIT;
	struct mail_err e;
	sample(&a);
	a.has_size = a.has_crc = 1;
	a.crc = 0x0A1B2C3Du;
	CHECK(envelope_write(&a, &out) == 0);
	CHECK(strncmp(buf_cstr(&out), "postbox-envelope 2\n", 19) == 0);
	CHECK(strstr(buf_cstr(&out), "\nsize 42\ncrc32 0A1B2C3D\n") != NULL);
	CHECK(envelope_parse(out.ptr, out.len, &b, &e) == 0);
	CHECK(b.has_size && b.size == 42 && b.has_crc && b.crc == 0x0A1B2C3Du);
	envelope_free(&b);
	/* version 2 requires both; version 1 knows no crc32 */
	const char *nocrc = "postbox-envelope 2\nid 6616470395303-1a35\nsize 3\nsender <>\nrcpt a@b\nend\n";
	CHECK(envelope_parse(nocrc, strlen(nocrc), &b, &e) < 0);
	const char *v1crc = "postbox-envelope 1\nid 6616470395303-1a35\nsize 3\ncrc32 0A1B2C3D\nsender <>\nrcpt a@b\nend\n";
	CHECK(envelope_parse(v1crc, strlen(v1crc), &b, &e) < 0);
	const char *badhex = "postbox-envelope 2\nid 6616470395303-1a35\nsize 3\ncrc32 0A1B2C3G\nsender <>\nrcpt a@b\nend\n";
	CHECK(envelope_parse(badhex, strlen(badhex), &b, &e) < 0);
	envelope_free(&a);
	buf_free(&out);
}

UNIT_TEST(envelope_version1_still_read_and_kept)
{
	/* a queue written before version 2: read, and rewritten as version 1 */
	struct envelope b;
	struct buf out = BUF_INIT;
	struct mail_err e;
	const char *v1 = "postbox-envelope 1\nid 6616470395303-1a35\narrival 5\nsize 3\nsender <>\nrcpt a@b\nend\n";
	CHECK(envelope_parse(v1, strlen(v1), &b, &e) == 0);
	CHECK(b.has_size && b.size == 3 && !b.has_crc);
	CHECK(envelope_write(&b, &out) == 0);
	CHECK(strncmp(buf_cstr(&out), "postbox-envelope 1\n", 19) == 0);
	CHECK(strstr(buf_cstr(&out), "crc32") == NULL);
	envelope_free(&b);
	buf_free(&out);
	/* hand-made, without size: nothing to check, and none invented */
	const char *bare = "postbox-envelope 1\nid 6616470395303-1a35\nsender <>\nrcpt a@b\nend\n";
	CHECK(envelope_parse(bare, strlen(bare), &b, &e) == 0);
	CHECK(!b.has_size);
	CHECK(envelope_write(&b, &out) == 0);
	CHECK(strstr(buf_cstr(&out), "size") == NULL);
	envelope_free(&b);
	buf_free(&out);
}
