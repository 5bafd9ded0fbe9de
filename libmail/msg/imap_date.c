/* imap_date.c — IMAP and RFC 5322 dates; see imap_date.h. */
#include "msg/imap_date.h"

#include "base/buf.h"

int imap_datetime_parse(const char *s, size_t n, time_t *t, int *zone_min)
{
	(void)s, (void)n, (void)t, (void)zone_min;
	return -1;
}

void imap_datetime_format(char *out, size_t cap, time_t t, int zone_min)
{
	(void)t, (void)zone_min;
	str_copy(out, cap, "01-Jan-1970 00:00:00 +0000", 26);
}

int imap_local_zone(time_t t)
{
	(void)t;
	return 0;
}

int imap_date_parse(const char *s, size_t n, long *day)
{
	(void)s, (void)n, (void)day;
	return -1;
}

long imap_day_of(time_t t, int zone_min)
{
	return (long)((t + zone_min * 60) / 86400);
}

int imap_rfc5322_date_parse(const char *s, size_t n, time_t *t, int *zone_min)
{
	(void)s, (void)n, (void)t, (void)zone_min;
	return -1;
}
