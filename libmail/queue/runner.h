/* runner.h — the queue runner: one pass over the spool.
 *
 * For each committed message, in arrival order: claim it (spool_lock; a
 * message another runner holds is skipped), read its envelope again under
 * the claim, bounce recipients past the queue lifetime, group the due
 * recipients by domain and hand each group to a transport (local domains to
 * `local`, the rest to `remote`), apply each recipient's result (retry.h),
 * queue a bounce for newly failed recipients (dsn.h) and only then rewrite
 * the envelope atomically — or remove the message when every recipient is
 * final. Unreadable entries go to corrupt/. With domain_concurrency set,
 * a delivery to a remote domain first takes one of that many slots (a
 * flock on SPOOL/slots/DOMAIN.N, waiting if all are taken), so all runners
 * and workers together hold at most that many sessions per domain. A runner killed at any moment
 * leaves the last committed envelope, so a recipient is attempted again
 * (at least once, never lost).
 */
#ifndef POSTBOX_RUNNER_H
#define POSTBOX_RUNNER_H

#include <stddef.h>

#include "base/config.h"
#include "base/tally.h"
#include "msg/envelope.h"
#include "base/err.h"
#include "queue/retry.h"
#include "store/spool.h"

/* Deliver msg (fd, read from offset 0) to env->rcpt[idx[0..n)], all of
 * one domain, filling res[0..n). Returns 0; a failure that concerns all
 * (no route, connection lost) is reported in every res. */
typedef int (*transport_fn)(void *ctx, const struct envelope *env, int msg_fd, const char *domain,
			    const size_t *idx, size_t n, struct rcpt_result *res);

struct transport {
	transport_fn deliver;    /* NULL: not available; recipients are deferred */
	void *ctx;
};

/* Which messages and recipients a run attempts. ids/rcpt/sender select
 * and force: selected recipients are attempted now whatever their retry
 * time. */
struct runner_filter {
	char **ids;
	size_t nids;
	const char *rcpt;        /* substring of the recipient, case-insensitive */
	const char *sender;      /* substring of the sender, case-insensitive */
	int force;
};

/* A run's progress as it goes, shared by its workers (base/tally.h), for a
 * display: messages listed and visited, recipients by outcome. */
enum runner_progress {
	RUN_P_TOTAL,             /* messages the pass listed */
	RUN_P_DONE,              /* of them, visited (attempted or skipped) */
	RUN_P_SENT,              /* recipients delivered */
	RUN_P_DEFERRED,
	RUN_P_BOUNCED,
	RUN_P_COUNT
};

struct runner_stats {
	unsigned long messages, sent, deferred, bounced, busy, corrupt, reports;
};

struct runner {
	struct spool *spool;
	const struct config *cfg;
	struct transport local, remote;
	const struct runner_filter *filter;   /* may be NULL */
	const struct dkim_keyring *dkim;      /* signs bounces; may be NULL */
	long long now;                        /* fixed clock for tests; 0 = time() */
	long long lifetime;
	long long delay_warning;              /* 0: no delay warnings */
	long long schedule[RETRY_SCHEDULE_MAX];
	size_t nschedule;
	int workers;                          /* processes for one pass (queue_workers) */
	int domain_slots;                     /* domain_concurrency; 0: no limit */
	struct runner_stats stats;
	struct tally *progress;               /* enum runner_progress; may be NULL */
};

#define RUNNER_WORKERS_MAX 64

/* Read lifetime and schedule from cfg; transports start unset. */
int runner_init(struct runner *r, struct spool *s, const struct config *cfg, struct mail_err *e);
/* One pass over the queue, split among r->workers processes (each takes
 * every workers-th message; their counters are added to r->stats).
 * Transports must hold no open session when it is called (they are
 * inherited by the workers). -1 only when the spool cannot be listed. */
int runner_run(struct runner *r, struct mail_err *e);
/* One message: 1 processed, 0 skipped (busy, gone, held, filtered out),
 * -1 error (e says; the message stays as it was). */
int runner_message(struct runner *r, const char *id, struct mail_err *e);

int runner_filter_add_id(struct runner_filter *f, const char *id);
void runner_filter_free(struct runner_filter *f);
int runner_filter_match(const struct runner_filter *f, const struct envelope *env);
int runner_filter_rcpt(const struct runner_filter *f, const struct rcpt *r);

#endif
