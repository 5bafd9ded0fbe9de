/* imap_seq.c — sequence sets; see imap_seq.h. */
#include "msg/imap_seq.h"

#include <stdlib.h>

int imap_seqset_parse(const char *s, size_t n, size_t max_ranges, int allow_saved,
		      struct imap_seqset *out, struct imap_err *e)
{
	(void)s, (void)n, (void)max_ranges, (void)allow_saved, (void)out;
	return imap_err_set(e, "", "not implemented");
}

void imap_seqset_free(struct imap_seqset *set)
{
	free(set->r);
	set->r = NULL;
	set->n = 0;
}

void imap_seqset_resolve(struct imap_seqset *set, uint32_t max)
{
	(void)set, (void)max;
}

int imap_seqset_contains(const struct imap_seqset *set, uint32_t v)
{
	(void)set, (void)v;
	return 0;
}

uint32_t imap_seqset_max(const struct imap_seqset *set)
{
	(void)set;
	return 0;
}

int imap_seqset_format(struct buf *out, const uint32_t *v, size_t n)
{
	(void)v, (void)n;
	return buf_ok(out);
}
