/* smtp_session.h — the state of one smtpd session, shared by the three
 * files of the protocol engine: smtp_server.c (the loop, the command table,
 * the greeting, MAIL and RCPT), smtp_server_auth.c (AUTH) and
 * smtp_transfer.c (DATA, BDAT and the Received: header). Not a public
 * interface: applets use smtp_server.h.
 */
#ifndef POSTBOX_SMTP_SESSION_H
#define POSTBOX_SMTP_SESSION_H

#include "msg/envelope.h"
#include "base/io.h"
#include "msg/smtp_cmd.h"
#include "net/peer.h"
#include "smtp/smtp_metrics.h"
#include "smtp/smtp_server.h"

/* Session states, as bits so that a command lists where it is allowed. */
enum {
	ST_GREET = 1 << 0,       /* no EHLO/HELO yet */
	ST_READY = 1 << 1,       /* greeted, no transaction */
	ST_MAIL = 1 << 2,        /* MAIL accepted, no recipient yet */
	ST_RCPT = 1 << 3,        /* at least one recipient */
};
#define ST_ANY (ST_GREET | ST_READY | ST_MAIL | ST_RCPT)

#define SMTP_CMD_MAX 512         /* RFC 5321 §4.5.3.1.4, CRLF included */
#define SMTP_CMD_MAX_DSN 1024    /* + ORCPT (RFC 3461 §5), for MAIL/RCPT */
#define SMTP_AUTH_LINE_MAX 12288 /* RFC 4954 §4 */
#define SMTP_REPLY_BUFFER 65536  /* replies held back for a pipelining client */

struct session {
	const struct smtp_server *srv;
	const struct config *cfg;
	struct smtp_listen_opts lo;
	struct io io;
	struct buf line;
	struct peer peer;        /* the client (after any PROXY header) */
	char client_name[256];   /* confirmed reverse name, or "" */
	char helo[256];
	char user[ADDR_TEXT_MAX + 1];    /* authenticated user, or "" */
	int state;
	int esmtp;
	int relay_ok;            /* a local user, or a client in relay_networks */
	int errors;
	int auth_failures;
	int quit;                /* leave the loop after this reply */
	int cmd_ms;              /* deadline for a whole command line */
	int data_ms;             /* deadline for a block of message data */
	int bdat_failed;         /* a BDAT chunk failed: skip until LAST */
	struct envelope env;
	struct smtp_mail_params mail;
	struct spool_tx tx;
	int tx_open;
	struct mail_err tx_err;  /* why writing the spool failed, if it did */
	int tx_failed;
	struct buf data;         /* decoded text on its way to the spool */
	struct smtp_data *dec;   /* BDAT: the decoder across chunks */
	struct auth_check *auth; /* this transaction's sender checks, or NULL */
	struct auth_helo *helo_spf; /* the HELO name's SPF verdict, for the session, or NULL */
};

/* Queue one reply line ("250 2.0.0 Ok"); CRLF is added. Replies of 4xx
 * and 5xx count toward the error limit. */
void smtpd_reply(struct session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int smtpd_flush(struct session *s);
/* Read one command line (or AUTH response) into s->line, all of it
 * within the command deadline. io_getline's results. */
int smtpd_getline(struct session *s, size_t max, struct mail_err *e);
void smtpd_reset_tx(struct session *s);

int smtpd_cmd_auth(struct session *s, const char *arg, size_t n);

/* Sender checks (smtp_sender_checks.c), on the sessions they apply to
 * (s->auth set). At MAIL FROM, with the envelope filled in: SPF of the
 * HELO name (once a session) and of the sender; -1 when spf_action
 * refuses it (the reply queued). During the data: every byte
 * of s->data on its way to the spool passes smtpd_check_data first (DKIM
 * hashes the body as it comes). At the end of data, before the commit:
 * what is left in s->data is written with the Authentication-Results
 * field on top (smtpd_check_message: DKIM, DMARC; in one write when
 * nothing was written yet, so smtp_transfer.c holds a checked message in
 * memory up to CHECKED_HOLD); -1 when the message is refused (the reply
 * queued: DMARC enforced, or 451 when it could not be checked).
 * smtpd_check_end releases them (smtpd_reset_tx calls it). The HELO
 * name's SPF verdict is kept in s->helo_spf for the whole session:
 * smtpd_check_session_end releases it. */
int smtpd_check_mail(struct session *s);
void smtpd_check_data(struct session *s, const char *p, size_t n);
int smtpd_check_message(struct session *s);
void smtpd_check_end(struct session *s);
void smtpd_check_session_end(struct session *s);

/* Count one event of smtp_metrics.h (nothing when no one counts). */
void smtpd_count(struct session *s, enum smtpd_metric m);

/* Rate limits (smtp_rate.c): 0 within the limit; -1 past it, with the
 * reply queued (and, for a connection, the session ending). */
int smtpd_rate_connection(struct session *s);
int smtpd_rate_message(struct session *s);
int smtpd_rate_recipient(struct session *s);

#endif
