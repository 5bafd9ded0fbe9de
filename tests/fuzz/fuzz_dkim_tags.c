/* libFuzzer target: a DKIM-Signature field value and a DKIM key record,
 * both straight from the network; what parses must be self-consistent. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "msg/dkim_sig.h"
#include "msg/dkim_tags.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct dkim_tags tags;
	if (dkim_tags_parse(s, size, &tags) == 0)
		for (size_t i = 0; i < tags.n; i++)
			if (tags.tag[i].raw_start > tags.tag[i].raw_end || tags.tag[i].raw_end > size ||
			    tags.tag[i].value + tags.tag[i].value_len > s + size)
				__builtin_trap();
	struct dkim_sig sig;
	const char *why;
	if (dkim_sig_parse(s, size, &sig, &why) == 0 &&
	    (sig.b_raw_end > size || sig.nh == 0 || strlen(sig.domain) == 0 || sig.bh_len > sizeof sig.bh))
		__builtin_trap();
	struct dkim_key_record key;
	if (dkim_key_record_parse(s, size, &key, &why) == 0 && key.p_len > sizeof key.p)
		__builtin_trap();
	return 0;
}
