/* libFuzzer target: SPF records (msg/spf_record.h) and macro expansion
 * (msg/spf_macro.h) — the text a sender's domain publishes. Never a crash;
 * every term's domain-spec lies inside the record, every CIDR length in
 * range, and every domain-spec the checker accepts expands, within its
 * buffer's limit, to a name trimmed to 253 octets. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "msg/spf_macro.h"
#include "msg/spf_record.h"

static const char *unknown(void *ctx)
{
	(void)ctx;
	return "unknown";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *rec = (const char *)data;
	const char *why = NULL;
	struct spf_term t;
	size_t pos = 0;
	int r;
	struct spf_macro_vars v = {
		.s = "strong-bad@email.example.com", .l = "strong-bad", .o = "email.example.com",
		.d = "email.example.com", .i = "192.0.2.3", .v = "in-addr", .h = "mx.example.org",
		.c = "192.0.2.3", .r = "receiver.example", .t = "1700000000", .p = unknown,
	};
	spf_record_is_spf(rec, size);
	int valid = spf_record_check(rec, size, &why) == 0;
	while ((r = spf_term_next(rec, size, &pos, &t, &why)) == 1) {
		if (pos > size || t.cidr4 < 0 || t.cidr4 > 32 || t.cidr6 < 0 || t.cidr6 > 128 ||
		    (t.spec && (t.spec < rec || t.spec + t.spec_len > rec + size)))
			__builtin_trap();
		if (!t.spec || t.kind == SPF_UNKNOWN_MODIFIER)
			continue;
		struct buf b;
		buf_init(&b, 4096);
		if (spf_macro_expand(t.spec, t.spec_len, &v, 0, &b) == 0) {
			spf_domain_trim(&b);
			if (b.len > SPF_DOMAIN_MAX)
				__builtin_trap();
		}
		buf_free(&b);
	}
	if (valid && r != 0)
		__builtin_trap(); /* a checked record walks to its end */
	/* the same bytes as an explanation (exp= text) */
	struct buf e;
	buf_init(&e, 4096);
	if (spf_macro_expand(rec, size, &v, 1, &e) == 0 && !spf_macro_string_valid(rec, size, 1))
		__builtin_trap();
	buf_free(&e);
	return 0;
}
