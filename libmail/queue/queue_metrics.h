/* queue_metrics.h — the queue as Prometheus metrics (mailq --metrics).
 *
 * Gauges in the Prometheus text exposition format (version 0.0.4), so
 * node_exporter's textfile collector or any scraper reads them as they
 * are: messages and bytes per state (active, deferred, hold), the oldest
 * message's age, and the pending recipients by the class of their last
 * error's enhanced status code (RFC 3463: "4.4" for network and routing,
 * "4.7" for security or policy, ...; "none" before a first attempt,
 * "other" for an error without a code). */
#ifndef POSTBOX_QUEUE_METRICS_H
#define POSTBOX_QUEUE_METRICS_H

#include "base/buf.h"
#include "msg/envelope.h"

#define QM_STATES 3
#define QM_CLASSES 64

struct queue_metrics {
	long long messages[QM_STATES];
	long long bytes[QM_STATES];
	long long oldest_arrival;       /* 0: the queue is empty */
	struct {
		char name[8];               /* "4.4", "none", "other" */
		long long recipients;
	} reason[QM_CLASSES];
	size_t nreasons;
	long long corrupt;              /* files in corrupt/ */
};

void queue_metrics_init(struct queue_metrics *m);
void queue_metrics_add(struct queue_metrics *m, const struct envelope *env);
/* The exposition text for the queue at time `now`. */
void queue_metrics_write(const struct queue_metrics *m, long long now, struct buf *out);

#endif
