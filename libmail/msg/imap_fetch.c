/* imap_fetch.c — the FETCH item list; see imap_fetch.h. */
#include "msg/imap_fetch.h"

int imap_fetch_parse(const struct imap_arg *att, struct imap_fetch *out, struct imap_err *e)
{
	(void)att, (void)out;
	return imap_err_set(e, "", "not implemented");
}

int imap_fetch_item_name(struct buf *out, const struct imap_fetch_item *it)
{
	(void)it;
	return buf_ok(out);
}
