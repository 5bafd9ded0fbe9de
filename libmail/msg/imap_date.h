/* imap_date.h — IMAP dates (RFC 9051 §9 date, date-time) and the RFC 5322
 * Date: field for SENTBEFORE/SENTON/SENTSINCE.
 *
 *     date-time  "04-Dec-2026 23:45:01 +0100"   (day may be " 4")
 *     date       4-Dec-2026 / "04-Dec-2026"     (SEARCH; quotes stripped
 *                                                by the command reader)
 *
 * Parsers are strict (month names any case, numbers range-checked,
 * zone -1259..+1400) and return 0 or -1. Days are counted from
 * 1970-01-01 (negative before), so dates compare as integers.
 */
#ifndef POSTBOX_IMAP_DATE_H
#define POSTBOX_IMAP_DATE_H

#include <stddef.h>
#include <time.h>

#define IMAP_DATETIME_LEN 26    /* "dd-Mon-yyyy hh:mm:ss +zzzz" */

/* date-time without its quotes: *t (UTC seconds) and *zone_min (offset). */
int imap_datetime_parse(const char *s, size_t n, time_t *t, int *zone_min);
/* Format t in zone zone_min (minutes east of UTC) into out (>= 27 bytes),
 * quotes not included: "04-Dec-2026 23:45:01 +0000". */
void imap_datetime_format(char *out, size_t cap, time_t t, int zone_min);
/* The local zone's offset at t, in minutes east of UTC. */
int imap_local_zone(time_t t);

/* SEARCH date: *day since 1970-01-01. */
int imap_date_parse(const char *s, size_t n, long *day);
/* The calendar day of t in zone zone_min. */
long imap_day_of(time_t t, int zone_min);

/* RFC 5322 date-time (obsolete forms, comments and missing weekday
 * tolerated): *t in UTC and *zone_min. */
int imap_rfc5322_date_parse(const char *s, size_t n, time_t *t, int *zone_min);

#endif
