/* smtp_setup.h — an SMTP server made from the configuration, and the one
 * session `sendmail -bs` holds on stdin/stdout.
 *
 * smtpd (its daemon, its inetd mode and each SIGHUP reload) and sendmail -bs
 * share smtp_server_prepare; smtp_stdio_session is sendmail -bs whole: the
 * server of smtpd's configuration, the client a local program ("local",
 * which may relay, as a pipe's client always could).
 */
#ifndef POSTBOX_SMTP_SETUP_H
#define POSTBOX_SMTP_SETUP_H

#include "base/config.h"
#include "base/err.h"
#include "net/tls.h"
#include "smtp/smtp_server.h"

/* Check what the server takes from the configuration (relay_networks) and
 * make its TLS context (*tls NULL without tls_cert/tls_key). 0, or -1 with
 * e (EX_CONFIG naming the key or the file; EX_OSERR when OpenSSL cannot be
 * loaded). */
int smtp_server_prepare(const struct config *cfg, struct tls_ctx **tls, struct mail_err *e);

/* One session on descriptors 0 and 1 for a local client. The messages it
 * queued are recorded in *queued when that is not NULL. Returns 0 when the
 * client ended with QUIT, 1 otherwise, or -1 with e before any session
 * (EX_CONFIG, EX_UNAVAILABLE: the spool cannot be opened). */
int smtp_stdio_session(const struct config *cfg, struct smtp_queued *queued, struct mail_err *e);

#endif
