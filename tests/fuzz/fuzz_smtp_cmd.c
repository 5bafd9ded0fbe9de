/* libFuzzer target: MAIL/RCPT argument parsing never crashes and what it
 * accepts fits the envelope's fields without CR, LF or NUL. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "msg/smtp_cmd.h"

static void clean(const char *s)
{
	if (strpbrk(s, "\r\n"))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mailbox m;
	struct smtp_mail_params mp;
	struct smtp_rcpt_params rp;
	struct mail_err e;
	char verb[16];
	const char *arg;
	size_t n;
	if (smtp_parse_mail((const char *)data, size, &m, &mp, &e) == 0) {
		clean(m.local);
		clean(m.domain);
		clean(mp.envid);
	}
	if (smtp_parse_rcpt((const char *)data, size, &m, &rp, &e) == 0) {
		clean(m.local);
		clean(rp.orcpt);
	}
	if (smtp_split_verb((const char *)data, size, verb, sizeof verb, &arg, &n) >= 0 &&
	    (arg < (const char *)data || arg + n > (const char *)data + size))
		__builtin_trap();
	smtp_helo_valid((const char *)data, size);
	return 0;
}
