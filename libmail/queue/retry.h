/* retry.h — what one delivery attempt's result does to a recipient: the
 * retry schedule, the queue lifetime, and the text kept as its last error.
 *
 * RFC 5321 §4.5.4.1: retry after a wait that grows (the schedule, by
 * default 5, 10, 20, 40 minutes and then hourly, the last entry repeating),
 * give up after the queue lifetime (default 5 days). 2xx: sent. 5xx:
 * bounced. 4xx or no answer: deferred, or bounced with 4.4.7 once the
 * lifetime is over. Pure functions; the runner calls them.
 */
#ifndef POSTBOX_RETRY_H
#define POSTBOX_RETRY_H

#include <stddef.h>

#include "msg/envelope.h"

#define RETRY_SCHEDULE_MAX 16

/* The outcome of one attempt for one recipient. */
struct rcpt_result {
	int code;                        /* SMTP reply code (or 451/550 for local errors) */
	char status[12];                 /* enhanced status "5.1.1", or "" */
	char mta[256];                   /* the remote host that answered, or "" */
	char text[ENV_ERROR_MAX + 1];    /* its reply text (one line), or our reason */
	int dsn_passed;                  /* accepted by a next hop that offers DSN, which got
					  * NOTIFY/ORCPT/ENVID: the reports are its to send */
};

/* "5m, 10m, 1h" (s, m, h, d suffixes; plain numbers are seconds) into
 * out[0..*n). -1 on a malformed or empty schedule. */
int retry_parse_schedule(const char *s, long long *out, size_t cap, size_t *n);
/* The wait after the attempts-th failed attempt (1-based). */
long long retry_delay(const long long *sched, size_t n, int attempts);

/* Apply res to r (attempts, state, next_try, error). Returns the new state. */
enum rcpt_state retry_apply(struct rcpt *r, const struct rcpt_result *res, long long arrival,
			    long long now, long long lifetime, const long long *sched, size_t n);
/* Bounce r without an attempt: its last error with "(why)" after it, or
 * `error` when it has none. */
void retry_give_up(struct rcpt *r, const char *why, const char *error);
/* A recipient still pending past arrival + lifetime: bounce it without an
 * attempt, keeping its last error. Returns 1 if it expired. */
int retry_expire(struct rcpt *r, long long arrival, long long now, long long lifetime);

/* Is a delay warning due now? threshold > 0, the message is at least that
 * old now, and was not yet at the previous attempt (prev_attempt, 0 when
 * unknown or none): so one warning per message, give or take a forced
 * retry. */
int retry_delay_warning_due(long long arrival, long long prev_attempt, long long now, long long threshold);
/* When the attempt before this one happened, from the recipient's state
 * before it is applied (attempts and next_try), or 0 if unknown. */
long long retry_prev_attempt(const struct rcpt *r, const long long *sched, size_t n);

/* The error text kept in the envelope: "host MTA said: CODE STATUS TEXT"
 * or "CODE STATUS TEXT". */
void retry_error_text(const struct rcpt_result *res, char *out, size_t cap);
/* Its inverse, for bounces: code, status ("" if none), mta ("" if none)
 * and a pointer to the text after them. -1 if err is not in that form. */
int retry_error_parse(const char *err, int *code, char *status, size_t scap, char *mta, size_t mcap,
		      const char **text);

#endif
