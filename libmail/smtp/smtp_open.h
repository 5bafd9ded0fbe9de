/* smtp_open.h — the client's opening sequence, written once for every
 * client: the queue runner's remote transport and smtp-chat's flag, load
 * and probe modes (its script and interactive modes use the first stage).
 *
 * On a connected client (smtp_connect*, smtp_client_fds, after anything
 * that must come first such as a PROXY header):
 *
 *   CONNECT   TLS at once when the policy is IMPLICIT (port 465)
 *   BANNER    the 220 greeting
 *   EHLO      EHLO, HELO when the server refuses EHLO with 5xx
 *   TLS       STARTTLS as the policy says; the handshake (a byte received
 *             after the 220 is response injection, smtp_starttls); the
 *             certificate against the TLSA records when there are usable
 *             ones (DANE, RFC 7672), before anything is sent over TLS
 *   EHLO_TLS  EHLO again under TLS
 *   XCLIENT   XCLIENT and EHLO again, when asked (Postfix's XCLIENT)
 *   AUTH      AUTH when there are credentials
 *
 * The TLS context is asked for only when TLS is about to start, so a
 * server that offers no STARTTLS costs no OpenSSL. Nothing is printed or
 * logged: what the caller shows or logs it does from the step hook or from
 * the result. On failure nothing is closed and no QUIT is sent (the caller
 * decides: c->broken says whether the session can still say QUIT).
 */
#ifndef POSTBOX_SMTP_OPEN_H
#define POSTBOX_SMTP_OPEN_H

#include "net/dns.h"
#include "smtp/smtp_client.h"

enum smtp_tls_use {
	SMTP_TLS_NONE,       /* plain text: STARTTLS is never sent */
	SMTP_TLS_MAY,        /* STARTTLS when offered (opportunistic) */
	SMTP_TLS_MUST,       /* STARTTLS; not offered is a failure */
	SMTP_TLS_IMPLICIT,   /* TLS from the first byte */
};

enum smtp_open_stage {
	SMTP_OPEN_CONNECT,
	SMTP_OPEN_BANNER,
	SMTP_OPEN_EHLO,
	SMTP_OPEN_TLS,
	SMTP_OPEN_EHLO_TLS,
	SMTP_OPEN_XCLIENT,
	SMTP_OPEN_AUTH,
	SMTP_OPEN_READY,
};

/* Why the sequence ended before READY. */
enum smtp_open_why {
	SMTP_OPEN_OK,
	SMTP_OPEN_REFUSED,      /* the server's reply said no: e->smtp is its code */
	SMTP_OPEN_LOST,         /* the connection or the TLS handshake failed (c->broken) */
	SMTP_OPEN_NOT_OFFERED,  /* STARTTLS (MUST), XCLIENT or AUTH was needed and not offered */
	SMTP_OPEN_DANE,         /* the certificate matches no usable TLSA record */
	SMTP_OPEN_LOCAL,        /* our side: no TLS context (the callback's error) */
	SMTP_OPEN_STOPPED,      /* the step hook asked to stop */
};

struct smtp_open_opts {
	const char *helo;                 /* the EHLO name */
	enum smtp_tls_use tls;
	/* The TLS context, asked for when TLS is about to start; NULL with e
	 * fails the stage (SMTP_OPEN_LOCAL). */
	struct tls_ctx *(*tls_ctx)(void *arg, struct mail_err *e);
	const struct dns_reply *dane;     /* validated TLSA records of the host, or NULL */
	const char *xclient;              /* XCLIENT attributes, or NULL */
	const char *user, *pass;          /* AUTH; user NULL: none */
	unsigned auth_mech;               /* SMTP_AUTH_*, 0: the best one offered */
	/* Called after CONNECT, BANNER, EHLO, TLS (after EHLO_TLS; also when
	 * no TLS was started) and AUTH (also without credentials) completed;
	 * nonzero stops the sequence there (SMTP_OPEN_STOPPED). May be NULL. */
	int (*step)(void *arg, struct smtp_client *c, enum smtp_open_stage done);
	void *arg;                        /* for tls_ctx and step */
};

struct smtp_open_result {
	enum smtp_open_stage stage;       /* the stage that failed or stopped; READY */
	enum smtp_open_why why;
	int dane;                         /* the certificate matched a TLSA record */
};

/* Run the sequence. 0 when it reached READY or the step hook stopped it
 * (r->why tells), -1 with e and r->stage, r->why otherwise. */
int smtp_open(struct smtp_client *c, const struct smtp_open_opts *o, struct smtp_open_result *r,
	      struct mail_err *e);

#endif
