/* smtp_server.h — the ESMTP protocol engine of smtpd (RFC 5321).
 *
 * One call runs one whole session on a pair of descriptors: greeting,
 * commands dispatched through a table of {verb, allowed states, handler},
 * the DATA decoder (smtp_data.h) into the spool, and replies with RFC 3463
 * enhanced status codes (every reply after the greeting carries one).
 * The engine knows nothing of sockets, listeners or processes: the applet
 * hands it descriptors, the client's address and the listener's options.
 *
 * Extensions: PIPELINING, SIZE, 8BITMIME, SMTPUTF8, ENHANCEDSTATUSCODES,
 * DSN, CHUNKING (BDAT), STARTTLS (when a TLS context is given) and AUTH
 * PLAIN/LOGIN (when an authenticator is given, under TLS unless
 * smtpd_auth_plaintext is set).
 *
 * The promise: "250 2.0.0 Ok: queued as ID" is written only after
 * spool_commit() returned 0. Every other outcome of DATA leaves nothing in
 * the queue and the session goes on.
 */
#ifndef POSTBOX_SMTP_SERVER_H
#define POSTBOX_SMTP_SERVER_H

#include <stddef.h>

#include "base/config.h"
#include "store/spool.h"
#include "base/tally.h"
#include "net/anvil.h"
#include "net/peer.h"
#include "net/tls.h"

enum smtp_role {
	SMTP_ROLE_MTA,           /* port 25: mail for local domains from anyone */
	SMTP_ROLE_SUBMISSION,    /* port 587/465: TLS and AUTH before MAIL */
};

/* Per-listener options. */
struct smtp_listen_opts {
	enum smtp_role role;
	int implicit_tls;        /* TLS from the first byte (RFC 8314) */
	int proxy;               /* a PROXY protocol header comes first */
};

/* Checks a user's password; returns 1 when it is right, 0 when not (for an
 * unknown user too, in the same time), -1 on an internal error. It must
 * compare in constant time. */
typedef int (*smtp_auth_fn)(void *ctx, const char *user, const char *pass);
/* May this authenticated user send as this envelope sender? 1 yes. */
typedef int (*smtp_owns_fn)(void *ctx, const char *user, const char *sender);
/* Is this a known local recipient (user, alias, valid SRS address)? 1 yes;
 * 0 no, with e the reply's code, status and text (the text without the
 * address, which the reply puts in front); -1 cannot tell now. */
typedef int (*smtp_local_fn)(void *ctx, const char *addr, struct mail_err *e);

/* The messages one session queued, in order: a caller that starts their
 * delivery at once (immediate_delivery) does so when the session is over.
 * Past SMTP_QUEUED_MAX the others wait for the next queue run. */
#define SMTP_QUEUED_MAX 64
struct smtp_queued {
	size_t n;
	char id[SMTP_QUEUED_MAX][QID_MAX];
};

struct smtp_sender_checks;

/* What all sessions of one server share; read-only during a session. */
struct smtp_server {
	const struct config *cfg;
	struct spool *spool;
	struct tls_ctx *tls;     /* NULL: no STARTTLS, no implicit TLS */
	smtp_auth_fn auth;       /* NULL: no AUTH */
	smtp_owns_fn owns;       /* NULL: any sender */
	smtp_local_fn local;     /* NULL: every local-domain address exists */
	void *ctx;               /* for the three callbacks */
	struct smtp_queued *queued;  /* NULL: not recorded (the queue runner finds them) */
	const struct dkim_keyring *dkim; /* signs authenticated submissions; may be NULL */
	struct smtp_sender_checks *checks; /* SPF, DKIM, DMARC of mail from the
	                          * Internet (smtp_sender_checks.h); NULL: none */
	struct anvil *anvil;     /* counters shared by all sessions (failed
	                          * logins, rates); NULL: no limit across
	                          * sessions (inetd mode) */
	struct tally *metrics;   /* counters of smtp_metrics.h shared by all
	                          * sessions; NULL: not counted (inetd mode) */
	int stress;              /* the server is near its session cap: the
	                          * timeouts shrink to stress_timeout */
};

/* Run one session until QUIT, EOF, timeout, a fatal error or an abusive
 * client. client: who connected (peer.h); a PEER_LOCAL client (a local
 * user's pipe, like sendmail -bs) may relay, a PEER_IP one when
 * relay_networks holds its address, a PEER_OTHER one never (unless it
 * authenticates). A PROXY header, on a listener marked proxy, replaces it.
 * Returns 0 when the client ended the session with QUIT, 1 otherwise;
 * everything is logged. */
int smtp_session(const struct smtp_server *srv, const struct smtp_listen_opts *lo, int rfd,
		 int wfd, const struct peer *client);

#endif
