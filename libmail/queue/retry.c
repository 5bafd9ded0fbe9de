/* retry.c — retry schedule, lifetime and last-error text; see retry.h. */
#include "queue/retry.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

int retry_parse_schedule(const char *s, long long *out, size_t cap, size_t *n)
{
	*n = 0;
	while (*s) {
		while (*s == ' ' || *s == ',' || *s == '\t')
			s++;
		if (!*s)
			break;
		char *end;
		errno = 0;
		long long v = strtoll(s, &end, 10);
		if (errno || end == s || v <= 0 || *n == cap)
			return -1;
		long long mult = 1;
		switch (*end) {
		case 's': mult = 1; end++; break;
		case 'm': mult = 60; end++; break;
		case 'h': mult = 3600; end++; break;
		case 'd': mult = 86400; end++; break;
		default: break;
		}
		if (*end && *end != ',' && *end != ' ' && *end != '\t')
			return -1;
		if (v > 100LL * 365 * 86400 / mult)
			return -1;
		out[(*n)++] = v * mult;
		s = end;
	}
	return *n ? 0 : -1;
}

long long retry_delay(const long long *sched, size_t n, int attempts)
{
	if (n == 0)
		return 3600;
	size_t i = attempts <= 1 ? 0 : (size_t)(attempts - 1);
	return sched[i < n ? i : n - 1];
}

/* Copy text keeping it one printable line: a reply that reaches the
 * envelope, a log or a bounce can never carry a line break. */
static void one_line(char *out, size_t cap, const char *s)
{
	size_t o = 0;
	for (; *s && o + 1 < cap; s++) {
		unsigned char c = (unsigned char)*s;
		out[o++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
	}
	if (cap)
		out[o] = '\0';
}

void retry_error_text(const struct rcpt_result *res, char *out, size_t cap)
{
	char text[ENV_ERROR_MAX + 1];
	one_line(text, sizeof text, res->text);
	if (res->mta[0])
		snprintf(out, cap, "host %s said: %d%s%s %s", res->mta, res->code, res->status[0] ? " " : "",
			 res->status, text);
	else
		snprintf(out, cap, "%d%s%s %s", res->code, res->status[0] ? " " : "", res->status, text);
}

static int is_status(const char *s, size_t n)
{
	/* class "." subject "." detail: [245].\d{1,3}.\d{1,3} (RFC 3463) */
	if (n < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.')
		return 0;
	size_t i = 2, digits = 0, dots = 0;
	for (; i < n; i++) {
		if (isdigit((unsigned char)s[i])) {
			if (++digits > 3)
				return 0;
		} else if (s[i] == '.' && digits && !dots) {
			dots = 1;
			digits = 0;
		} else {
			return 0;
		}
	}
	return dots && digits;
}

int retry_error_parse(const char *err, int *code, char *status, size_t scap, char *mta, size_t mcap,
		      const char **text)
{
	const char *p = err;
	mta[0] = status[0] = '\0';
	if (!strncmp(p, "host ", 5)) {
		const char *said = strstr(p + 5, " said: ");
		if (!said)
			return -1;
		if (str_copy(mta, mcap, p + 5, (size_t)(said - p - 5)) < 0)
			return -1;
		p = said + 7;
	}
	if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]) || !isdigit((unsigned char)p[2]) ||
	    (p[3] && p[3] != ' '))
		return -1;
	*code = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
	p += 3;
	while (*p == ' ')
		p++;
	size_t wl = strcspn(p, " ");
	if (is_status(p, wl) && p[0] == (char)('0' + *code / 100)) {
		str_copy(status, scap, p, wl);
		p += wl;
		while (*p == ' ')
			p++;
	}
	*text = p;
	return 0;
}

static void set_error(struct rcpt *r, const struct rcpt_result *res)
{
	retry_error_text(res, r->error, sizeof r->error);
}

enum rcpt_state retry_apply(struct rcpt *r, const struct rcpt_result *res, long long arrival,
			    long long now, long long lifetime, const long long *sched, size_t n)
{
	r->attempts++;
	if (res->code >= 200 && res->code < 300) {
		r->state = RCPT_SENT;
		r->next_try = 0;
		set_error(r, res);
		return r->state;
	}
	set_error(r, res);
	if (res->code >= 500 && res->code < 600) {
		r->state = RCPT_BOUNCED;
		return r->state;
	}
	/* 4xx, no answer, anything else: try again later, unless it is too late. */
	r->next_try = now + retry_delay(sched, n, r->attempts);
	r->state = RCPT_DEFERRED;
	if (now >= arrival + lifetime || r->next_try > arrival + lifetime) {
		if (now >= arrival + lifetime)
			r->state = RCPT_BOUNCED;
		else
			r->next_try = arrival + lifetime; /* one last try at the deadline */
	}
	if (r->state == RCPT_BOUNCED) {
		char last[ENV_ERROR_MAX + 1];
		str_copy(last, sizeof last, r->error, strlen(r->error));
		snprintf(r->error, sizeof r->error, "%.*s (gave up: queue_lifetime exceeded)",
			 (int)(sizeof r->error - 40), last);
	}
	return r->state;
}

void retry_give_up(struct rcpt *r, const char *why, const char *error)
{
	char last[ENV_ERROR_MAX + 1];
	str_copy(last, sizeof last, r->error, strlen(r->error));
	r->state = RCPT_BOUNCED;
	if (last[0])
		snprintf(r->error, sizeof r->error, "%.*s (%s)", (int)(sizeof r->error - 40), last, why);
	else
		snprintf(r->error, sizeof r->error, "%s", error);
}

int retry_expire(struct rcpt *r, long long arrival, long long now, long long lifetime)
{
	if (!rcpt_pending(r) || now < arrival + lifetime)
		return 0;
	retry_give_up(r, "gave up: queue_lifetime exceeded", "451 4.4.7 not delivered within queue_lifetime");
	return 1;
}

int retry_delay_warning_due(long long arrival, long long prev_attempt, long long now, long long threshold)
{
	if (threshold <= 0 || now - arrival < threshold)
		return 0;
	return prev_attempt <= 0 || prev_attempt - arrival < threshold;
}

long long retry_prev_attempt(const struct rcpt *r, const long long *sched, size_t n)
{
	if (r->attempts <= 0 || r->next_try <= 0)
		return 0;
	return r->next_try - retry_delay(sched, n, r->attempts);
}
