/* queue_run.h — running the queue: one run, one every interval, or a kick
 * of just-queued messages (RFC 5321 §4.5.4.1).
 *
 * A run first sweeps the spool (temp files of crashed writers older than a
 * day, spool_recover; what unprivileged users dropped into incoming/,
 * spool_pickup), then claims every due message (runner.h) and hands its
 * recipients to the remote and local transports. A kick skips the sweep:
 * it attempts only the messages named, right after they were committed,
 * in a detached process, so the caller never waits for a delivery.
 *
 * Used by the applets runq, sendmail (-q, immediate_delivery), mailq
 * (--flush) and smtpd (immediate_delivery); none calls another's code.
 */
#ifndef POSTBOX_QUEUE_RUN_H
#define POSTBOX_QUEUE_RUN_H

#include <stddef.h>

#include "base/config.h"
#include "base/err.h"
#include "queue/runner.h"
#include "smtp/smtp_server.h"

/* "30", "30s", "5m", "1h", "1d" → seconds; -1 if malformed. */
long long queue_parse_interval(const char *s);

/* One run (every == 0), or one every `every` seconds until SIGTERM, SIGINT
 * or SIGHUP. filter may be NULL (every due message); progress, when not
 * NULL, follows the run as it goes (runner.h's enum runner_progress; the
 * outcomes add up over the runs). 0, or -1 with e:
 * EX_TEMPFAIL (the spool could not be used, or a run failed: logged, and
 * the next interval tries again), EX_CONFIG (bad configuration), EX_OSERR
 * (a library could not be loaded). */
int queue_run(const struct config *cfg, const struct runner_filter *filter, long long every,
	      struct tally *progress, struct mail_err *e);

/* Attempt the messages ids[0..n) now, in a detached process (the caller's
 * pipes are not held open, nobody waits for it); no sweep of the spool.
 * A failure to start is silent: the next queue run will find them. */
void queue_kick(const struct config *cfg, const char *const *ids, size_t n);
/* The same for what one SMTP session queued (q may be NULL or empty). */
void queue_kick_session(const struct config *cfg, const struct smtp_queued *q);

#endif
