/* libFuzzer target: the users file parser never crashes, and every entry it
 * accepts is well-formed and can be found again. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "store/users.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct users u;
	struct mail_err e;
	if (users_parse(&u, (const char *)data, size, "fuzz", &e) == 0) {
		for (size_t i = 0; i < u.n; i++) {
			const struct user *x = &u.v[i];
			if (x->mailbox[0] != '/' || !x->hash[0] || users_find(&u, x->address) == NULL)
				__builtin_trap();
			if (strchr(x->address, '\n') || strchr(x->mailbox, '\n'))
				__builtin_trap();
		}
	}
	users_free(&u);
	return 0;
}
