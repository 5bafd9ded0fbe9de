/* libFuzzer target: smtp-chat's script language — parsing, expectation
 * specs, escapes and variable expansion — never crash on any script text. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "chat/chat_script.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct chat_script s;
	struct chat_vars v = { 0 };
	struct mail_err e;
	struct buf out = BUF_INIT;
	chat_vars_set(&v, "N", 1, "1", &e);
	if (chat_script_parse(&s, (const char *)data, size, &e) == 0) {
		for (size_t i = 0; i < s.n; i++) {
			const struct chat_step *st = &s.steps[i];
			if ((st->verb == CV_REPEAT || st->verb == CV_END) && st->jump >= s.n)
				__builtin_trap();
			buf_reset(&out);
			if (chat_expand(&v, st->arg, &out, &e) < 0)
				continue;
			if (st->verb == CV_EXPECT) {
				struct chat_expect x;
				if (chat_expect_parse(&x, buf_cstr(&out), &e) == 0) {
					chat_expect_match(&x, 250, "ok\nSIZE 10", 10);
					chat_expect_free(&x);
				}
			} else if (st->verb == CV_SEND_RAW) {
				struct buf raw = BUF_INIT;
				chat_unescape(out.ptr ? out.ptr : "", out.len, &raw, &e);
				buf_free(&raw);
			} else if (st->verb == CV_SET) {
				size_t w = strcspn(st->arg, " ");
				chat_vars_set(&v, st->arg, w, st->arg + w, &e);
			}
		}
		chat_script_free(&s);
	}
	buf_free(&out);
	chat_vars_free(&v);
	return 0;
}
