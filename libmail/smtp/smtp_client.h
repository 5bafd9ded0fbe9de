/* smtp_client.h — the SMTP client (RFC 5321), shared by the queue runner
 * and smtp-chat: one session with one server.
 *
 * Four contracts, bottom up:
 *   replies       msg/smtp_reply.h: reply lines, EHLO keywords, DATA/BDAT
 *                 encoding — pure, no I/O;
 *   session       this file: smtp_connect* / smtp_client_fds,
 *                 smtp_read_reply, smtp_command, smtp_ehlo, smtp_starttls,
 *                 smtp_auth (CRAM-MD5's HMAC is computed here);
 *   opening       smtp/smtp_open.h: greeting, EHLO, STARTTLS, DANE, AUTH
 *                 in the one order every client uses;
 *   transaction   smtp/smtp_client_txn.h: MAIL, RCPT..., DATA or BDAT and
 *                 the message, pipelined when the server offers it.
 *
 * Errors: every call returns -1 and fills struct mail_err. When the cause is
 * a server reply, e->smtp and e->status are the server's code and enhanced
 * status and e->ex is EX_TEMPFAIL for 4xx, EX_UNAVAILABLE for 5xx; the
 * session stays usable. When the cause is the connection (timeout, EOF, a
 * malformed or endless reply, TLS), e->ex is EX_TEMPFAIL (or EX_PROTOCOL for
 * a protocol violation such as STARTTLS response injection), e->smtp is 0,
 * and c->broken is set: the caller can only smtp_close().
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
#include "msg/smtp_reply.h"

struct tls_ctx;

/* --- AUTH ------------------------------------------------------------ */

/* The CRAM-MD5 response (RFC 2195): base64("user hex(HMAC-MD5(pass,
 * challenge))") where challenge_b64 is the server's 334 text. */
int smtp_cram_md5(struct buf *out, const char *user, const char *pass,
		  const char *challenge_b64, size_t n, struct mail_err *e);
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

#endif
