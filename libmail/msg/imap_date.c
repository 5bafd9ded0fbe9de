/* imap_date.c — IMAP and RFC 5322 dates; see imap_date.h.
 *
 * Calendar arithmetic is done here (days_from_civil, the proleptic
 * Gregorian calendar) rather than with timegm/mktime: no TZ, no locale, no
 * range surprises on hostile years.
 */
#include "msg/imap_date.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"

static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
				   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static long days_from_civil(long y, int m, int d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int days_in_month(long y, int m)
{
	static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return dm[m - 1] + (m == 2 && leap);
}

static int month_of(const char *s, size_t n)
{
	if (n != 3)
		return 0;
	for (int i = 0; i < 12; i++)
		if (!strncasecmp(s, months[i], 3))
			return i + 1;
	return 0;
}

/* Exactly `digits` decimal digits at s[*i] (1..9). */
static int number(const char *s, size_t n, size_t *i, int min_digits, int max_digits, long *v)
{
	int k = 0;
	*v = 0;
	while (*i < n && k < max_digits && s[*i] >= '0' && s[*i] <= '9') {
		*v = *v * 10 + (s[*i] - '0');
		(*i)++;
		k++;
	}
	return k >= min_digits ? 0 : -1;
}

static int expect(const char *s, size_t n, size_t *i, char c)
{
	if (*i >= n || s[*i] != c)
		return -1;
	(*i)++;
	return 0;
}

/* d-Mon-yyyy at s[*i]; day of one or two digits. */
static int day_month_year(const char *s, size_t n, size_t *i, long *day)
{
	long d, y;
	if (number(s, n, i, 1, 2, &d) < 0 || expect(s, n, i, '-') < 0 || *i + 3 > n)
		return -1;
	int m = month_of(s + *i, 3);
	*i += 3;
	if (!m || expect(s, n, i, '-') < 0 || number(s, n, i, 4, 4, &y) < 0)
		return -1;
	if (d < 1 || d > days_in_month(y, m))
		return -1;
	*day = days_from_civil(y, m, (int)d);
	return 0;
}

static int zone(const char *s, size_t n, size_t *i, int *zone_min)
{
	long z;
	if (*i >= n || (s[*i] != '+' && s[*i] != '-'))
		return -1;
	int neg = s[*i] == '-';
	(*i)++;
	if (number(s, n, i, 4, 4, &z) < 0 || z % 100 > 59 || z > 1400 || (neg && z > 1259))
		return -1;
	*zone_min = (int)((z / 100) * 60 + z % 100) * (neg ? -1 : 1);
	return 0;
}

static int hms(const char *s, size_t n, size_t *i, long *secs, int seconds_optional)
{
	long h, m, sec = 0;
	if (number(s, n, i, 2, 2, &h) < 0 || expect(s, n, i, ':') < 0 ||
	    number(s, n, i, 2, 2, &m) < 0)
		return -1;
	if (*i < n && s[*i] == ':') {
		(*i)++;
		if (number(s, n, i, 2, 2, &sec) < 0)
			return -1;
	} else if (!seconds_optional) {
		return -1;
	}
	if (h > 23 || m > 59 || sec > 60)
		return -1;
	*secs = h * 3600 + m * 60 + sec;
	return 0;
}

int imap_datetime_parse(const char *s, size_t n, time_t *t, int *zone_min)
{
	size_t i = 0;
	long day, secs;
	if (n > 0 && s[0] == ' ')
		i++; /* date-day-fixed: SP DIGIT */
	if (day_month_year(s, n, &i, &day) < 0 || expect(s, n, &i, ' ') < 0 ||
	    hms(s, n, &i, &secs, 0) < 0 || expect(s, n, &i, ' ') < 0 || zone(s, n, &i, zone_min) < 0 ||
	    i != n)
		return -1;
	*t = (time_t)day * 86400 + secs - (time_t)*zone_min * 60;
	return 0;
}

void imap_datetime_format(char *out, size_t cap, time_t t, int zone_min)
{
	long long local = (long long)t + zone_min * 60LL;
	long long day = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
	long secs = (long)(local - day * 86400);
	/* civil_from_days */
	long long z = day + 719468;
	long long era = (z >= 0 ? z : z - 146096) / 146097;
	long long doe = z - era * 146097;
	long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long long mp = (5 * doy + 2) / 153;
	int d = (int)(doy - (153 * mp + 2) / 5 + 1);
	int m = (int)(mp < 10 ? mp + 3 : mp - 9);
	long long y = yoe + era * 400 + (m <= 2);
	int az = zone_min < 0 ? -zone_min : zone_min;
	snprintf(out, cap, "%02d-%s-%04lld %02ld:%02ld:%02ld %c%02d%02d", d, months[m - 1], y,
		 secs / 3600, secs / 60 % 60, secs % 60, zone_min < 0 ? '-' : '+', az / 60, az % 60);
}

int imap_local_zone(time_t t)
{
	struct tm tm;
	if (!localtime_r(&t, &tm))
		return 0;
	return (int)(tm.tm_gmtoff / 60);
}

int imap_date_parse(const char *s, size_t n, long *day)
{
	size_t i = 0;
	if (day_month_year(s, n, &i, day) < 0 || i != n)
		return -1;
	return 0;
}

long imap_day_of(time_t t, int zone_min)
{
	long long local = (long long)t + zone_min * 60LL;
	return (long)(local >= 0 ? local / 86400 : -((-local + 86399) / 86400));
}

/* --- RFC 5322 §3.3 (with §4.3's obsolete forms) --- */

/* Skip white space and (nested, bounded) comments. */
static void cfws(const char *s, size_t n, size_t *i)
{
	int depth = 0;
	while (*i < n) {
		char c = s[*i];
		if (c == '(') {
			depth++;
		} else if (c == ')' && depth) {
			depth--;
		} else if (c == '\\' && depth && *i + 1 < n) {
			(*i)++;
		} else if (!depth && c != ' ' && c != '\t' && c != '\r' && c != '\n') {
			return;
		}
		(*i)++;
	}
}

static int obs_zone(const char *s, size_t n, size_t *i, int *zone_min)
{
	static const struct {
		const char *name;
		int hours;
	} names[] = {{"UT", 0},   {"GMT", 0},  {"EST", -5}, {"EDT", -4}, {"CST", -6},
		     {"CDT", -5}, {"MST", -7}, {"MDT", -6}, {"PST", -8}, {"PDT", -7}};
	size_t start = *i;
	while (*i < n && ((s[*i] >= 'A' && s[*i] <= 'Z') || (s[*i] >= 'a' && s[*i] <= 'z')))
		(*i)++;
	size_t len = *i - start;
	for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
		if (strlen(names[k].name) == len && !strncasecmp(s + start, names[k].name, len)) {
			*zone_min = names[k].hours * 60;
			return 0;
		}
	if (len == 1) { /* military zones: RFC 5322 says treat as -0000 */
		*zone_min = 0;
		return 0;
	}
	return -1;
}

int imap_rfc5322_date_parse(const char *s, size_t n, time_t *t, int *zone_min)
{
	size_t i = 0;
	long d, y, secs;
	cfws(s, n, &i);
	if (i + 3 <= n && s[i] >= 'A' && (i + 3 == n || s[i + 3] == ',' || s[i + 3] == ' ')) {
		size_t k = i + 3; /* day-of-week */
		cfws(s, n, &k);
		if (k < n && s[k] == ',') {
			i = k + 1;
			cfws(s, n, &i);
		}
	}
	if (number(s, n, &i, 1, 2, &d) < 0)
		return -1;
	cfws(s, n, &i);
	if (i + 3 > n)
		return -1;
	int m = month_of(s + i, 3);
	if (!m)
		return -1;
	i += 3;
	cfws(s, n, &i);
	size_t ys = i;
	if (number(s, n, &i, 2, 4, &y) < 0)
		return -1;
	if (i - ys == 2)
		y += y < 50 ? 2000 : 1900;
	else if (i - ys == 3)
		y += 1900;
	cfws(s, n, &i);
	if (d < 1 || d > days_in_month(y, m) || hms(s, n, &i, &secs, 1) < 0)
		return -1;
	cfws(s, n, &i);
	if (i < n && (s[i] == '+' || s[i] == '-')) {
		if (zone(s, n, &i, zone_min) < 0)
			return -1;
	} else if (obs_zone(s, n, &i, zone_min) < 0) {
		return -1;
	}
	*t = (time_t)days_from_civil(y, m, (int)d) * 86400 + secs - (time_t)*zone_min * 60;
	return 0;
}
