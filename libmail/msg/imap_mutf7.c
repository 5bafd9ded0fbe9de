/* imap_mutf7.c — modified UTF-7 mailbox names; see imap_mutf7.h. */
#include "msg/imap_mutf7.h"

int imap_mutf7_to_utf8(const char *s, size_t n, struct buf *out)
{
	(void)s, (void)n, (void)out;
	return -1;
}

int imap_utf8_to_mutf7(const char *s, size_t n, struct buf *out)
{
	(void)s, (void)n, (void)out;
	return -1;
}
