/* imap_mime.c — MIME structure of a message; see imap_mime.h. */
#include "msg/imap_mime.h"

#include <stdlib.h>
#include <string.h>

int imap_mime_parse(const char *msg, size_t n, struct imap_mime *m)
{
	memset(m, 0, sizeof *m);
	m->msg = msg;
	m->n = n;
	return -1;
}

void imap_mime_free(struct imap_mime *m)
{
	free(m->parts);
	buf_free(&m->strings);
	m->parts = NULL;
	m->nparts = m->cap = 0;
}

int imap_mime_find(const struct imap_mime *m, const uint32_t *p, size_t np)
{
	(void)m, (void)p, (void)np;
	return -1;
}
