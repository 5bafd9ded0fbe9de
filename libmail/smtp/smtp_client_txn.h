/* smtp_client_txn.h — one mail transaction on an SMTP client session
 * (RFC 5321 §3.3): MAIL, RCPT..., DATA or BDAT and the message, pipelined
 * when the server offers PIPELINING (RFC 2920), chunked with CHUNKING (RFC
 * 3030). The session itself (connect, EHLO, STARTTLS, AUTH) and the error
 * conventions are smtp_client.h's.
 */
#ifndef POSTBOX_SMTP_CLIENT_TXN_H
#define POSTBOX_SMTP_CLIENT_TXN_H

#include "smtp/smtp_client.h"

enum smtp_stage { SMTP_STAGE_NONE, SMTP_STAGE_MAIL, SMTP_STAGE_RCPT, SMTP_STAGE_DATA,
		  SMTP_STAGE_DOT };

struct smtp_result {
	int code;              /* the reply code, 0 if none was read */
	char status[12];       /* enhanced status, or "" */
	char text[300];        /* smtp_reply_summary() of the reply */
};

struct smtp_txn {
	/* in */
	const char *from;             /* without <>; "" for the null sender */
	const char *mail_params;      /* e.g. "SIZE=123 BODY=8BITMIME", or NULL */
	size_t nrcpt;
	const char *const *rcpt;      /* without <> */
	const char *const *rcpt_params; /* NULL, or per recipient (entries may be NULL) */
	const char *msg;              /* message text in memory (LF or CRLF lines) ... */
	size_t msg_len;
	int msg_fd;                   /* ... or read from this fd to EOF when >= 0 */
	int bdat;                     /* use BDAT (needs CHUNKING) instead of DATA */
	size_t chunk;                 /* BDAT chunk size, 0 = 64 KiB */
	unsigned long long size;      /* the message's size on the wire, 0 = unknown */
	int eight_bit;                /* the text has 8-bit bytes (BODY=8BITMIME) */
	int smtputf8;                 /* an address or header needs SMTPUTF8 */
	/* out */
	struct smtp_result mail;
	struct smtp_result *rcpt_res; /* caller's array of nrcpt */
	struct smtp_result data;      /* the 354 (DATA) — unset for BDAT */
	struct smtp_result dot;       /* the final reply after the message */
	size_t accepted;              /* recipients with a 2xx */
	enum smtp_stage stage;        /* where it stopped (DOT when done) */
	unsigned long long bytes;     /* message bytes sent on the wire */
};

/* One transaction. MAIL, every RCPT and DATA go in one write when the
 * server offers PIPELINING. From the server's extensions it adds SIZE=size
 * (when size is known and SIZE offered), BODY=8BITMIME (eight_bit and
 * 8BITMIME offered) and SMTPUTF8 to mail_params; it sends nothing and
 * fails at stage MAIL with 552 5.3.4 (EX_UNAVAILABLE) when size exceeds the
 * server's announced SIZE, and with 553 5.6.7 when smtputf8 is needed but
 * not offered (RFC 6531 §3.4: no downgrade). DSN parameters are the
 * caller's to pass only when c->ext has SMTP_EXT_DSN. 0 when the server accepted the message (for
 * t->accepted recipients; the others have their rejection in rcpt_res).
 * -1 when it did not: t->stage says where, e says why (a server reply or
 * a connection error, see above). After a server rejection the session is
 * reset (RSET) and can carry another transaction. */
int smtp_transaction(struct smtp_client *c, struct smtp_txn *t, struct mail_err *e);

/* The message part alone, after a 354 (DATA) has been read: sends the text
 * dot-stuffed with the final "." (in the same write as the last bytes) and
 * reads the reply. Text from msg/msg_len or from msg_fd as in smtp_txn. */
int smtp_send_data(struct smtp_client *c, const char *msg, size_t len, int msg_fd,
		   unsigned long long *bytes, struct mail_err *e);
/* The message as BDAT chunks of at most chunk bytes, the last one with
 * LAST; reads each reply. Returns like smtp_send_data. */
int smtp_send_bdat(struct smtp_client *c, const char *msg, size_t len, int msg_fd,
		   size_t chunk, unsigned long long *bytes, struct mail_err *e);

#endif
