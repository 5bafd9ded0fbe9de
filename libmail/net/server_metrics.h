/* server_metrics.h — a daemon's counters, written as a Prometheus
 * textfile.
 *
 * smtpd and pop3d run each session in its own forked process, so there is
 * no one process a scraper could ask: every session counts into a tally
 * (base/tally.h) made before the first fork, and the parent, which only
 * accepts and reaps, writes the sums to a file every few seconds (the
 * daemon's tick, net/daemon.h) for node_exporter's textfile collector or
 * anything else that reads the text exposition format (msg/prom_text.h).
 *
 * A server describes its metrics by a table of struct metric_def, one
 * entry per series, the series of one family next to each other; the
 * index of an entry is its counter in the tally. smtpd's table is in
 * smtp/smtp_metrics.h, pop3d's in pop3/pop3_metrics.h; a new server
 * (imapd) writes its own table and uses the rest as it is.
 *
 * The file is replaced atomically: written in full to PATH.tmp next to
 * it, then renamed over PATH, so a reader sees the old file or the new
 * one, never half of one. (node_exporter reads only *.prom files, so it
 * never sees the .tmp.) It is not fsynced: after a crash a stale or
 * missing file is harmless, and the counters start again from 0, as a
 * restarted process's do (Prometheus' rate() expects that).
 */
#ifndef POSTBOX_SERVER_METRICS_H
#define POSTBOX_SERVER_METRICS_H

#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/tally.h"

enum metric_type { METRIC_COUNTER, METRIC_GAUGE };

struct metric_def {
	const char *name;        /* the family: "postbox_smtpd_refusals_total" */
	enum metric_type type;
	const char *labels;      /* this series' labels ("reason=\"relay\""), or NULL */
	const char *help;        /* the family's help, on its first series */
};

struct server_metrics {
	struct tally *tally;     /* shared by every session; NULL: none */
	const struct metric_def *defs;
	size_t n;
	long long next_ms;       /* the parent's: when the file is due */
	int failing;             /* the last write failed (logged once) */
};

/* A tally of n counters for defs[0..n). -1 with e when it cannot be mapped. */
int server_metrics_init(struct server_metrics *m, const struct metric_def *defs, size_t n, struct mail_err *e);
void server_metrics_free(struct server_metrics *m);

/* The exposition text of every series. */
void server_metrics_text(const struct server_metrics *m, struct buf *out);

/* Write the text to path atomically (PATH.tmp, then rename; mode 0644).
 * -1 with e naming the file and the cause. */
int server_metrics_write(const struct server_metrics *m, const char *path, struct mail_err *e);

/* The daemon's tick: write to path when interval_s has passed since the
 * last write, or now when `now` is set (the server stops). Nothing when
 * path is "". A failed write is logged once, and again when it works.
 * Returns the milliseconds until the next write is due. */
long server_metrics_tick(struct server_metrics *m, const char *path, long long interval_s, int now);

#endif
