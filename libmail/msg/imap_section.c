/* imap_section.c — BODY[section]<partial> extraction; see imap_section.h. */
#include "msg/imap_section.h"

int imap_section_parse(const char *s, size_t n, struct imap_section *sec, struct imap_err *e)
{
	(void)s, (void)n, (void)sec;
	return imap_err_set(e, "", "not implemented");
}

int imap_section_extract(const char *msg, size_t n, const struct imap_section *sec, int partial,
			 uint64_t origin, uint64_t count, struct buf *out)
{
	(void)msg, (void)n, (void)sec, (void)partial, (void)origin, (void)count, (void)out;
	return -1;
}

int imap_section_binary(const char *msg, size_t n, const struct imap_section *sec, int partial,
			uint64_t origin, uint64_t count, struct buf *out)
{
	(void)msg, (void)n, (void)sec, (void)partial, (void)origin, (void)count, (void)out;
	return -1;
}
