/* from_domain.c — the RFC5322.From domain; see from_domain.h. */
#include "msg/from_domain.h"

#include <string.h>

#include "base/buf.h"
#include "msg/header.h"

struct from_scan {
	int count;
	char *out;
	size_t cap;
	int bad;
};

static int one_address(void *ctx, const char *addr, size_t n)
{
	struct from_scan *f = ctx;
	if (++f->count > 1)
		return 1;
	const char *at = NULL;
	for (size_t i = 0; i < n; i++)
		if (addr[i] == '@')
			at = addr + i;
	size_t len = at ? n - (size_t)(at + 1 - addr) : 0;
	if (!at || len == 0 || len >= f->cap) {
		f->bad = 1;
		return 1;
	}
	for (size_t i = 0; i < len; i++) {
		char c = at[1 + i];
		f->out[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
	}
	f->out[len] = '\0';
	return 0;
}

enum from_domain_result from_domain(const char *hdrs, size_t n, char *out, size_t cap)
{
	size_t pos = 0;
	struct header h, from;
	int fields = 0;
	while (hdr_next(hdrs, n, &pos, &h) == 1)
		if (hdr_name_is(&h, "From") && fields++ == 0)
			from = h;
	if (fields == 0)
		return FROM_NONE;
	if (fields > 1)
		return FROM_SEVERAL;
	struct from_scan f = { 0, out, cap, 0 };
	int rc = addrlist_parse(from.value, from.value_len, one_address, &f);
	if (f.count > 1)
		return FROM_SEVERAL;
	if (rc < 0 || f.bad || f.count == 0)
		return FROM_BAD;
	return FROM_ONE;
}
