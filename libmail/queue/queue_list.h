/* queue_list.h — the queue as `mailq` and `sendmail -bp` show it.
 *
 * Text follows Postfix's listing: queue id (with "!" when held), size,
 * arrival time and sender, then each pending recipient beneath with its
 * last error in parentheses; a closing "-- N Kbytes in M Requests." line,
 * or "Mail queue is empty". JSON is one object per message with the field
 * names of Postfix's `postqueue -j`. Metrics are the Prometheus text of
 * queue/queue_metrics.h, with the count of corrupt/ files.
 *
 * A user who is neither root nor the spool's owner sees only the messages
 * they submitted. An entry whose envelope cannot be parsed is moved to
 * corrupt/ (when the caller may) and told to the caller's problem
 * callback; the rest is listed.
 */
#ifndef POSTBOX_QUEUE_LIST_H
#define POSTBOX_QUEUE_LIST_H

#include <stdio.h>

#include "base/err.h"
#include "queue/queue_admin.h"

struct queue_list_opts {
	struct queue_select sel;  /* sel.uid is narrowed to the caller's own */
	int json;
	int metrics;              /* the Prometheus text instead (queue_metrics.h) */
	/* An entry that could not be read, told as "ID: why" (and "; moved
	 * to DIR/corrupt" when it was). NULL: not told. */
	void (*problem)(void *ctx, const char *text);
	void *ctx;
};

/* List the queue of the spool at dir onto out. A missing spool is an
 * empty queue. 0, or -1 with e: EX_TEMPFAIL (the spool cannot be read),
 * EX_NOPERM (its queue is not readable by this user), EX_IOERR (out). */
int queue_list(const char *dir, const struct queue_list_opts *o, FILE *out, struct mail_err *e);

#endif
