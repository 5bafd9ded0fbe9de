/* libFuzzer target: a Maildir++ maildirsize file, which the mailbox's owner
 * may write anything into; a parse that succeeds gives a quota of -1 or
 * more. */
#include <stddef.h>
#include <stdint.h>

#include "store/maildirsize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	long long quota, bytes, count;
	if (maildirsize_parse((const char *)data, size, &quota, &bytes, &count) == 0 && quota < -1)
		__builtin_trap();
	return 0;
}
