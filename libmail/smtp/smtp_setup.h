/* smtp_setup.h — an SMTP server made from the configuration: what smtpd
 * and `sendmail -bs` both check and load before a session (the relay list,
 * the TLS contexts of tls_cert/tls_key), and the one session `sendmail -bs`
 * holds on stdin/stdout: the server of smtpd's configuration (its MTA-role
 * TLS context, the users and aliases tables, the spool), the client
 * whoever is on stdin (net/peer.h: a local user's pipe is PEER_LOCAL and
 * may relay, as it could hand the same mail to sendmail directly).
 */
#ifndef POSTBOX_SMTP_SETUP_H
#define POSTBOX_SMTP_SETUP_H

#include "base/config.h"
#include "base/err.h"
#include "smtp/smtp_server.h"

/* relay_networks checked, then the contexts of tls_cert/tls_key (the key
 * defaulting to the certificate's file) for MTA listeners (*mta) and for
 * the others (*users; NULL: not wanted), whose cipher policies differ
 * (net/tls_policy.h). Both NULL without a certificate. -1 with e, nothing
 * kept: EX_CONFIG naming the key or file, EX_OSERR when OpenSSL cannot be
 * loaded. */
int smtp_server_tls_setup(const struct config *cfg, struct tls_ctx **mta, struct tls_ctx **users,
			  struct mail_err *e);

/* One session on descriptors 0 and 1 (non-blocking while it lasts); tcpremoteip is $TCPREMOTEIP (NULL
 * when unset), as a super-server names the client. The messages it queued
 * are recorded in *queued when that is not NULL. Returns 0 when the client
 * ended with QUIT, 1 otherwise, or -1 with e before any session
 * (EX_CONFIG naming the key or file, EX_OSERR when OpenSSL cannot be
 * loaded, EX_UNAVAILABLE when the spool cannot be opened). */
int smtp_stdio_session(const struct config *cfg, const char *tcpremoteip, struct smtp_queued *queued,
		       struct mail_err *e);

#endif
