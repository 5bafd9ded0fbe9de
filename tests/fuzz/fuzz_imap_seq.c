/* libFuzzer target: IMAP sequence sets (msg/imap_seq.h), modified UTF-7
 * mailbox names (imap_mutf7.h) and dates (imap_date.h). A resolved set is
 * sorted, merged and agrees with the ranges as written; mailbox names
 * convert both ways to the same spelling; dates format back as parsed. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/buf.h"
#include "msg/imap_date.h"
#include "msg/imap_mutf7.h"
#include "msg/imap_seq.h"

static void check_seqset(const char *s, size_t n, uint32_t max)
{
	struct imap_seqset set, orig;
	if (imap_seqset_parse(s, n, 64, 1, &set, NULL) < 0) {
		if (set.r)
			__builtin_trap();
		return;
	}
	if (set.n > 64)
		__builtin_trap();
	if (imap_seqset_parse(s, n, 64, 1, &orig, NULL) < 0)
		__builtin_trap();
	imap_seqset_resolve(&set, max);
	for (size_t i = 0; i < set.n; i++) {
		if (set.r[i].lo == 0 || set.r[i].lo > set.r[i].hi)
			__builtin_trap();
		if (i && (uint64_t)set.r[i - 1].hi + 1 >= set.r[i].lo)
			__builtin_trap();
	}
	/* membership of the ends of every written range, and around them */
	for (size_t i = 0; i < orig.n; i++) {
		uint32_t lo = orig.r[i].lo ? orig.r[i].lo : max, hi = orig.r[i].hi ? orig.r[i].hi : max;
		if (lo > hi) {
			uint32_t t = lo;
			lo = hi;
			hi = t;
		}
		if (hi == 0)
			continue;
		if (!imap_seqset_contains(&set, lo ? lo : 1) || !imap_seqset_contains(&set, hi))
			__builtin_trap();
	}
	/* the compact form of the members parses back to the same set */
	uint32_t v[256];
	size_t nv = 0;
	for (size_t i = 0; i < set.n && nv < 256; i++)
		for (uint64_t x = set.r[i].lo; x <= set.r[i].hi && nv < 256; x++)
			v[nv++] = (uint32_t)x;
	struct buf b = BUF_INIT;
	imap_seqset_format(&b, v, nv);
	if (nv && nv < 256) {
		struct imap_seqset back;
		if (imap_seqset_parse(b.ptr, b.len, 1000, 0, &back, NULL) < 0)
			__builtin_trap();
		imap_seqset_resolve(&back, max);
		if (back.n != set.n || memcmp(back.r, set.r, set.n * sizeof *set.r))
			__builtin_trap();
		imap_seqset_free(&back);
	}
	buf_free(&b);
	imap_seqset_free(&set);
	imap_seqset_free(&orig);
}

static void check_mutf7(const char *s, size_t n)
{
	struct buf u = BUF_INIT, m = BUF_INIT, u2 = BUF_INIT;
	if (imap_mutf7_to_utf8(s, n, &u) == 0) {
		/* one spelling per name: back to exactly the input */
		if (imap_utf8_to_mutf7(u.ptr ? u.ptr : "", u.len, &m) < 0 || m.len != n ||
		    (n && memcmp(m.ptr, s, n)))
			__builtin_trap();
	}
	buf_reset(&m);
	if (imap_utf8_to_mutf7(s, n, &m) == 0) {
		if (imap_mutf7_to_utf8(m.ptr ? m.ptr : "", m.len, &u2) < 0 || u2.len != n ||
		    (n && memcmp(u2.ptr, s, n)))
			__builtin_trap();
	}
	buf_free(&u);
	buf_free(&m);
	buf_free(&u2);
}

static void check_dates(const char *s, size_t n)
{
	time_t t;
	int z;
	char out[64];
	if (imap_datetime_parse(s, n, &t, &z) == 0) {
		imap_datetime_format(out, sizeof out, t, z);
		time_t t2;
		int z2;
		if (imap_datetime_parse(out, strlen(out), &t2, &z2) < 0 || t2 != t || z2 != z)
			__builtin_trap();
	}
	long d;
	(void)imap_date_parse(s, n, &d);
	(void)imap_rfc5322_date_parse(s, n, &t, &z);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	uint32_t max = size ? data[0] : 0;
	if (size > 1)
		check_seqset(s + 1, size - 1, max);
	check_mutf7(s, size);
	check_dates(s, size);
	return 0;
}
