/* imap_search.c — the SEARCH program parser; see imap_search.h. */
#include "msg/imap_search.h"

#include <stdlib.h>

int imap_search_parse(const struct imap_arg *args, size_t max_nodes, struct imap_search *out,
		      struct imap_err *e)
{
	(void)args, (void)max_nodes, (void)out;
	return imap_err_set(e, "", "not implemented");
}

void imap_search_free(struct imap_search *s)
{
	free(s->nodes);
	s->nodes = NULL;
	s->n = s->cap = 0;
}

void imap_search_resolve(struct imap_search *s, uint32_t max_seq, uint32_t max_uid)
{
	(void)s, (void)max_seq, (void)max_uid;
}

unsigned imap_search_needs(const struct imap_search *s)
{
	(void)s;
	return IMAP_SEARCH_NEED_BODY;
}

int imap_search_match(const struct imap_search *s, const struct imap_search_msg *m)
{
	(void)s, (void)m;
	return 0;
}
