/* local_transport.h — the local transport of the queue runner: each recipient in a
 * local domain is handed to the deliver applet (this same binary, run as
 * `deliver -f SENDER -d RCPT` with the message on stdin, and -J for a
 * message smtpd marked junk: msg/envelope.h), so queued mail
 * and `deliver` share one code path: resolution through the users and
 * aliases files, Maildir/mbox/program delivery, identities, loops.
 *
 * deliver's exit code decides (sysexits): 0 delivered (250 2.0.0); 75
 * deferred (451 4.3.0); 67 unknown user (550 5.1.1); 65 bad data or a loop
 * (554 5.6.0 / 5.4.6); any other code, or a signal, bounces (550 5.3.0)
 * except a signal, which defers. The first line deliver wrote on stderr is
 * kept as the reason.
 */
#ifndef POSTBOX_LOCAL_H
#define POSTBOX_LOCAL_H

#include "base/config.h"
#include "queue/runner.h"

struct local {
	const struct config *cfg;
	char self[4096];          /* this binary (/proc/self/exe) */
};

int local_init(struct local *l, const struct config *cfg, struct mail_err *e);
/* A transport_fn (runner.h); ctx is a struct local. */
int local_deliver(void *ctx, const struct envelope *env, int msg_fd, const char *domain,
		  const size_t *idx, size_t n, struct rcpt_result *res);

#endif
