/* libFuzzer target: a DMARC policy record, a TXT record anyone may
 * publish; what parses must hold values in range. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "msg/dmarc_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dmarc_record r;
	const char *why;
	if (dmarc_record_parse((const char *)data, size, &r, &why) == 0 &&
	    (r.pct < 0 || r.pct > 100 || r.p > DMARC_P_REJECT || r.sp > DMARC_P_REJECT ||
	     strlen(r.rua) >= sizeof r.rua || strlen(r.ruf) >= sizeof r.ruf))
		__builtin_trap();
	return 0;
}
