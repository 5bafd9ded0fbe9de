/* libFuzzer target: the aliases parser (and the :include: list parser)
 * never crash; every accepted alias has targets with text. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "store/aliases.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aliases a;
	struct mail_err e;
	if (aliases_parse(&a, (const char *)data, size, "fuzz", &e) == 0) {
		for (size_t i = 0; i < a.n; i++) {
			if (!a.v[i].nt || aliases_find(&a, a.v[i].name) == NULL)
				__builtin_trap();
			for (size_t k = 0; k < a.v[i].nt; k++)
				if (!a.v[i].t[k].text[0] || strchr(a.v[i].t[k].text, '\n'))
					__builtin_trap();
		}
	}
	aliases_free(&a);
	struct alias_target *t;
	size_t n;
	if (aliases_parse_targets((const char *)data, size, "fuzz", &t, &n, &e) == 0)
		aliases_free_targets(t, n);
	return 0;
}
