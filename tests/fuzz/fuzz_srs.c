/* libFuzzer target: SRS addresses (msg/srs.h) — the local part of an RCPT
 * to one of our domains, and the sender of a forward. Never a crash; an
 * address srs_forward writes is one a server accepts (a local part of at
 * most 64 octets) and, for an ordinary sender, srs_reverse gives that
 * sender back. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/buf.h"
#include "msg/srs.h"

#define NOW ((time_t)1796428800)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[ADDR_TEXT_MAX * 2];
	if (size >= sizeof in)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	static struct srs s;
	struct mail_err e;
	if (!s.nsecret) {
		srs_init(&s);
		str_copy(s.domain, sizeof s.domain, "fwd.test.example", 16);
		srs_add_secret(&s, "tops3cret", 9, &e);
		srs_add_secret(&s, "olds3cret", 9, &e);
	}
	char out[ADDR_TEXT_MAX + 1], back[ADDR_TEXT_MAX + 1];
	if (srs_reverse(&s, in, NOW, out, sizeof out, &e) == 1 && !memchr(out, '\0', sizeof out))
		__builtin_trap();
	if (srs_forward(&s, in, NOW, out, sizeof out, &e) != 1)
		return 0;
	char *at = strrchr(out, '@');
	if (!at || (size_t)(at - out) > ADDR_LOCAL_MAX || strcmp(at + 1, "fwd.test.example"))
		__builtin_trap();
	*at = '\0';
	struct mailbox m;
	char sender[ADDR_TEXT_MAX + 1];
	/* Only an ordinary sender comes back as it was: an SRS one (judged by
	 * its parsed local part, for "<SRS1=...>" is one too) is re-signed. */
	if (addr_parse(in, size, ADDR_ALLOW_BARE, &m, &e) < 0 || srs_is_srs(m.local) ||
	    addr_format(&m, sender, sizeof sender) < 0)
		return 0;
	if (srs_reverse(&s, out, NOW, back, sizeof back, &e) != 1 || strcmp(back, sender))
		__builtin_trap();
	return 0;
}
