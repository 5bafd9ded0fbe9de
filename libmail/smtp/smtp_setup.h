/* smtp_setup.h — the one SMTP session `sendmail -bs` holds on stdin/stdout:
 * the server of smtpd's configuration (its MTA-role TLS context, the users
 * and aliases tables, the spool), the client whoever is on stdin
 * (net/peer.h: a local user's pipe is PEER_LOCAL and may relay, as it could
 * hand the same mail to sendmail directly).
 */
#ifndef POSTBOX_SMTP_SETUP_H
#define POSTBOX_SMTP_SETUP_H

#include "base/config.h"
#include "base/err.h"
#include "smtp/smtp_server.h"

/* One session on descriptors 0 and 1; tcpremoteip is $TCPREMOTEIP (NULL
 * when unset), as a super-server names the client. The messages it queued
 * are recorded in *queued when that is not NULL. Returns 0 when the client
 * ended with QUIT, 1 otherwise, or -1 with e before any session
 * (EX_CONFIG naming the key or file, EX_OSERR when OpenSSL cannot be
 * loaded, EX_UNAVAILABLE when the spool cannot be opened). */
int smtp_stdio_session(const struct config *cfg, const char *tcpremoteip, struct smtp_queued *queued,
		       struct mail_err *e);

#endif
