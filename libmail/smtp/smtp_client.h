/* smtp_client.h — the SMTP client (RFC 5321), shared by the queue runner
 * and smtp-chat: one session with one server.
 *
 * Layers, bottom up:
 *   pure parsers  smtp_reply_feed (one reply line at a time, with limits),
 *                 smtp_ext_parse (the EHLO keywords), smtp_dot_* (LF/CRLF
 *                 text → CRLF with dot-stuffing), smtp_cram_md5 — no I/O,
 *                 unit-tested (tests/unit/test_smtp_client.c);
 *   session       smtp_connect* / smtp_client_fds, smtp_read_reply,
 *                 smtp_command, smtp_ehlo, smtp_starttls, smtp_auth;
 *   transaction   smtp_transaction: MAIL, RCPT..., DATA or BDAT and the
 *                 message, pipelined when the server offers PIPELINING.
 *
 * Errors: every call returns -1 and fills struct mail_err. When the cause is
 * a server reply, e->smtp and e->status are the server's code and enhanced
 * status and e->ex is EX_TEMPFAIL for 4xx, EX_UNAVAILABLE for 5xx; the
 * session stays usable. When the cause is the connection (timeout, EOF, a
 * malformed or endless reply, TLS), e->ex is EX_TEMPFAIL (or EX_PROTOCOL for
 * a protocol violation such as STARTTLS response injection), e->smtp is 0,
 * and c->broken is set: the caller can only smtp_close().
 *
 * Smuggling (RFC 5321 §4.1.1.4, §4.5.2): the message sender turns every line
 * end — LF, CRLF and also a bare CR — into CRLF and doubles the dot at the
 * start of every line, so no byte sequence in a message can end DATA early
 * at any server, whatever it counts as a line end.
 *
 * SIGPIPE: writes go through write(2) (and OpenSSL's socket BIO); a caller
 * must ignore SIGPIPE so that a peer that hangs up is an EPIPE error.
 *
 * Ownership: the client owns its socket and io; strings passed in are only
 * read during the call. A client is not copied once connected (its io
 * points at its own peer name); start from a zeroed struct, set trace,
 * trace_arg and dot_timeout_ms if wanted, then smtp_connect*(). One client per thread. No
 * call prints; transcripts go through the trace hook, which never sees a
 * password or an AUTH response (a redacted text is traced instead).
 */
#ifndef POSTBOX_SMTP_CLIENT_H
#define POSTBOX_SMTP_CLIENT_H

#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/io.h"

struct tls_ctx;

/* --- replies ------------------------------------------------------------ */

#define SMTP_REPLY_LINE_MAX 2048     /* per line, CRLF included (RFC: 512) */
#define SMTP_REPLY_LINES_MAX 200     /* more lines: an endless reply */
#define SMTP_REPLY_TEXT_MAX 65536    /* all lines' text together */

struct smtp_reply {
	int code;              /* 200..599; 0 until the first line */
	char status[12];       /* RFC 3463 enhanced code of the first line, or "" */
	struct buf text;       /* the lines' text (after "NNN-"), joined by '\n' */
	size_t lines;
	int done;              /* the last line ("NNN " or "NNN") was seen */
};

void smtp_reply_init(struct smtp_reply *r);
void smtp_reply_reset(struct smtp_reply *r);
void smtp_reply_free(struct smtp_reply *r);
/* Feed one reply line (terminator included or not). Returns 1 when the
 * reply is complete, 0 when more lines follow, -1 (e, EX_PROTOCOL) for a
 * line without a three-digit code, a code that changes between lines, a bad
 * separator, or past the limits above. */
int smtp_reply_feed(struct smtp_reply *r, const char *line, size_t n, struct mail_err *e);
/* A one-line, printable summary "550 5.1.1 text / more text" (controls
 * escaped as \xHH, cut at cap) for logs, envelopes and bounces. */
void smtp_reply_summary(const struct smtp_reply *r, char *out, size_t cap);

/* --- EHLO extensions ---------------------------------------------------- */

enum {
	SMTP_EXT_PIPELINING = 1 << 0,
	SMTP_EXT_SIZE = 1 << 1,
	SMTP_EXT_STARTTLS = 1 << 2,
	SMTP_EXT_AUTH = 1 << 3,
	SMTP_EXT_8BITMIME = 1 << 4,
	SMTP_EXT_SMTPUTF8 = 1 << 5,
	SMTP_EXT_DSN = 1 << 6,
	SMTP_EXT_CHUNKING = 1 << 7,
	SMTP_EXT_ENHANCEDSTATUSCODES = 1 << 8,
	SMTP_EXT_REQUIRETLS = 1 << 9,
	SMTP_EXT_XCLIENT = 1 << 10,
	SMTP_EXT_BINARYMIME = 1 << 11,
};
enum { SMTP_AUTH_PLAIN = 1, SMTP_AUTH_LOGIN = 2, SMTP_AUTH_CRAM_MD5 = 4 };

struct smtp_ext {
	unsigned flags;                /* SMTP_EXT_* */
	unsigned long long size;       /* SIZE value; 0 = no limit announced */
	unsigned auth;                 /* SMTP_AUTH_* we can use */
	char auth_offered[256];        /* the mechanisms as offered, space separated */
};

/* Parse the text of a 250 reply to EHLO (smtp_reply.text: the first line is
 * the greeting, each further line one keyword with parameters). Keywords are
 * case-insensitive; the old "AUTH=..." form counts too. Never fails. */
void smtp_ext_parse(struct smtp_ext *x, const char *text, size_t n);

/* --- message text → DATA/BDAT bytes ------------------------------------- */

struct smtp_dot {
	int bol;      /* at the beginning of a line */
	int cr;       /* a CR was seen and its line end not yet written */
	int stuff;    /* dot-stuff (DATA) or not (BDAT) */
	unsigned long long lines_stuffed;
};
void smtp_dot_init(struct smtp_dot *d, int stuff);
/* Append p[0..n) to out with every LF, CRLF or bare CR written as CRLF and,
 * when stuffing, a "." doubled at the start of each line. Streaming: the
 * state carries across calls, so a CR and its LF may come in two calls. */
int smtp_dot_encode(struct smtp_dot *d, const char *p, size_t n, struct buf *out);
/* End the text: a last line without its line end gets CRLF; when stuffing,
 * the end-of-data ".\r\n" follows. */
int smtp_dot_finish(struct smtp_dot *d, struct buf *out);

/* --- AUTH helpers (pure) ------------------------------------------------ */

/* The CRAM-MD5 response (RFC 2195): base64("user hex(HMAC-MD5(pass,
 * challenge))") where challenge_b64 is the server's 334 text. */
int smtp_cram_md5(struct buf *out, const char *user, const char *pass,
		  const char *challenge_b64, size_t n, struct mail_err *e);
/* "PLAIN"/"LOGIN"/"CRAM-MD5" (case-insensitive) → SMTP_AUTH_*, 0 if unknown. */
unsigned smtp_auth_mech(const char *name);

/* --- the session -------------------------------------------------------- */

enum smtp_trace_dir {
	SMTP_TRACE_SENT,       /* command bytes we sent (redacted for AUTH) */
	SMTP_TRACE_RECEIVED,   /* one reply line as received, terminator included */
	SMTP_TRACE_DATA,       /* message bytes sent after DATA / in BDAT */
	SMTP_TRACE_INFO,       /* a note: "connected to ...", "TLS TLSv1.3 ..." */
};
typedef void (*smtp_trace_fn)(void *arg, enum smtp_trace_dir dir, const char *p, size_t n);

struct smtp_client {
	struct io io;
	int fd;                  /* the socket, or -1 when talking over fds */
	int own_fds;             /* close rfd/wfd in smtp_close */
	char peer[320];          /* "host[addr]:port" for messages */
	char host[256];          /* the name TLS verifies (SNI) */
	int timeout_ms;          /* per reply and per write, total */
	int dot_timeout_ms;      /* for the reply after the message; 0: timeout_ms
				  * (RFC 5321 §4.5.3.2 suggests 10 minutes) */
	int broken;              /* the connection can no longer be used */
	int esmtp;               /* EHLO was accepted */
	struct smtp_ext ext;     /* from the last EHLO */
	struct smtp_reply reply; /* the last reply read */
	smtp_trace_fn trace;     /* NULL: no transcript */
	void *trace_arg;
};

enum { SMTP_ANY_FAMILY = 0, SMTP_IPV4 = 4, SMTP_IPV6 = 6 };

/* Connect to host:port (a name or an address literal; "[::1]" brackets
 * allowed) within timeout_ms per address tried, every address in turn.
 * family: SMTP_ANY_FAMILY / SMTP_IPV4 / SMTP_IPV6. local: a local address
 * to bind, or NULL. The client then reads the banner with
 * smtp_read_reply(). */
int smtp_connect(struct smtp_client *c, const char *host, const char *port, int family,
		 const char *local, int timeout_ms, struct mail_err *e);
/* Connect to a Unix-domain socket. */
int smtp_connect_unix(struct smtp_client *c, const char *path, int timeout_ms, struct mail_err *e);
/* Talk over existing descriptors (a pipe to a program, stdin/stdout); name
 * is used in messages; own: close them in smtp_close(). */
void smtp_client_fds(struct smtp_client *c, int rfd, int wfd, const char *name, int own,
		     int timeout_ms);
/* Quit is not sent; the TLS layer is ended, fds closed, memory freed. */
void smtp_close(struct smtp_client *c);

/* Read one complete reply into c->reply within timeout_ms in total (a peer
 * sending one byte a second cannot hold us longer). Returns the code. */
int smtp_read_reply(struct smtp_client *c, struct mail_err *e);
/* Queue a command line (CRLF added) without sending it (pipelining). */
int smtp_queue_cmd(struct smtp_client *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Queue raw bytes exactly as given (traced as SENT). */
int smtp_queue_raw(struct smtp_client *c, const void *p, size_t n);
int smtp_flush(struct smtp_client *c, struct mail_err *e);
/* Send one command and read its reply; returns the code (any code — judge
 * it yourself) or -1 on a connection error. */
int smtp_command(struct smtp_client *c, struct mail_err *e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Fill e from c->reply (a server rejection) with context "what". */
int smtp_reply_error(struct smtp_client *c, const char *what, struct mail_err *e);

/* EHLO name; on 5xx (502/500/550...) falls back to HELO and esmtp = 0.
 * Fills c->ext. 0 when either was accepted. */
int smtp_ehlo(struct smtp_client *c, const char *name, struct mail_err *e);
/* STARTTLS then the handshake against c->host. The server must answer 220
 * and send nothing after it: any byte already received after the 220 is
 * an error (response injection, CVE-2021-38371), EX_PROTOCOL. Afterwards
 * c->ext and c->esmtp are cleared: send EHLO again. */
int smtp_starttls(struct smtp_client *c, struct tls_ctx *ctx, struct mail_err *e);
/* The same with the caller's handshake, for DANE or other checks that must
 * be set on the connection before it starts: after the 220 and the
 * injection check, handshake(&c->io, c->host, arg, e) must start TLS on the
 * io (tls_connect or its own) and return 0, or -1 with e. */
typedef int (*smtp_handshake_fn)(struct io *io, const char *host, void *arg, struct mail_err *e);
int smtp_starttls_with(struct smtp_client *c, smtp_handshake_fn handshake, void *arg,
		       struct mail_err *e);
/* Start TLS right away (port 465, implicit TLS), before the banner. */
int smtp_tls_on_connect(struct smtp_client *c, struct tls_ctx *ctx, struct mail_err *e);
/* AUTH with mech (SMTP_AUTH_*), or 0 for the best one offered (CRAM-MD5,
 * PLAIN, LOGIN). 0 on 235; the credentials never reach the trace. */
int smtp_auth(struct smtp_client *c, unsigned mech, const char *user, const char *pass,
	      struct mail_err *e);
/* QUIT and read its reply (errors ignored: the session is over anyway). */
void smtp_quit(struct smtp_client *c);

/* --- the transaction ---------------------------------------------------- */

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
