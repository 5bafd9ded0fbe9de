/* chat.h — what the parts of the smtp-chat applet share: its options, the
 * transcript writer, and the entry points of its modes (flags, script,
 * probes, load). Only the files of applets/smtp-chat/ include it.
 */
#ifndef POSTBOX_CHAT_H
#define POSTBOX_CHAT_H

#include <stdio.h>

#include "base/buf.h"
#include "chat/chat_msg.h"
#include "net/dns.h"
#include "smtp/smtp_client_txn.h"
#include "smtp/smtp_open.h"
#include "net/tls.h"

/* Exit codes by failing stage (swaks' numbers). */
enum {
	CHAT_EX_OK = 0,
	CHAT_EX_EXPECT = 1,      /* a script's expect or a probe's finding */
	CHAT_EX_CONNECT = 2,
	CHAT_EX_BANNER = 21,
	CHAT_EX_EHLO = 22,
	CHAT_EX_MAIL = 23,
	CHAT_EX_RCPT = 24,
	CHAT_EX_DATA = 25,
	CHAT_EX_DOT = 26,
	CHAT_EX_AUTH = 28,
	CHAT_EX_TLS = 29,
};

enum chat_stage { ST_NONE, ST_CONNECT, ST_BANNER, ST_EHLO, ST_TLS, ST_AUTH, ST_MAIL, ST_RCPT,
		  ST_DATA, ST_DOT };
enum chat_format { OUT_TEXT, OUT_JSON, OUT_QUIET };

#define CHAT_MAX_LIST 1000
#define CHAT_MX_MAX 16
#define CHAT_MX_ADDR_MAX 8

/* One MX host to try (from libmail/dns.h's RFC 5321 §5.1 list), with its
 * addresses as literals for smtp_connect, IPv6 first. */
struct chat_mx_host {
	char name[DNS_NAME_MAX];
	unsigned pref;
	char addr[CHAT_MX_ADDR_MAX][64];
	size_t naddr;
	char why[128];              /* why naddr is 0: the address lookup's error */
};

struct chat_opts {
	/* where */
	const char *server;        /* HOST[:PORT] */
	struct chat_mx_host mx[CHAT_MX_MAX]; /* without --server: the MX hosts */
	size_t nmx;
	char host[256];
	char port[16];
	int family;
	const char *local;
	const char *pipe_cmd;
	int pipe_pid;              /* the --pipe child, 0 if none */
	const char *socket_path;
	int timeout_ms;
	int dot_timeout_ms;        /* the reply after the message; 0: timeout_ms */
	const char *ehlo;
	int proxy;                 /* PROXY protocol version to send first, 0 none */
	const char *proxy_src, *proxy_dst;
	const char *xclient;       /* XCLIENT attributes after EHLO */
	/* TLS */
	int starttls, tls_on_connect, tls_optional, insecure, show_cert;
	const char *tls_ca, *tls_cert, *tls_key, *tls_protocol, *tls_cipher;
	struct tls_ctx *tls;       /* made on first use */
	/* AUTH */
	const char *auth_user;
	unsigned auth_mech;        /* 0: best offered */
	char *password;            /* read from file/fd/env/terminal */
	const char *pw_file, *pw_env;
	int pw_fd;
	/* envelope and message */
	const char *from;
	const char *to[CHAT_MAX_LIST];
	size_t nto;
	const char *headers[CHAT_MAX_LIST];
	size_t nheaders;
	const char *subject;
	const char *body_arg, *data_arg;
	const char *attach_arg[64];
	size_t nattach;
	int add_date, add_msgid;
	unsigned long long size;
	const char *mail_params;   /* extra MAIL FROM parameters */
	const char *dsn_notify, *dsn_ret, *envid;
	int pipeline, bdat;
	int requiretls;            /* RFC 8689 REQUIRETLS on MAIL FROM */
	size_t chunk;
	struct buf message;        /* the built or raw message (LF or CRLF text) */
	const char *hostname;
	/* stages */
	enum chat_stage quit_after, drop_after;
	/* modes */
	const char *script;          /* --script's file name, for messages */
	struct buf script_text;      /* its contents, read by smtp-chat.c */
	const char *vars[CHAT_MAX_LIST];
	size_t nvars;
	const char *probe;
	const char *probe_domain;
	unsigned long count, concurrency, per_session;
	/* output */
	enum chat_format format;
	int timing;
	int hide_data;
	int interactive;
};

/* --- the transcript (chat_out.c) --- */

struct chat_out {
	enum chat_format format;
	FILE *f;
	int timing;
	int hide_data;
	int color;                 /* colour reply codes (a terminal) */
	int tls;                   /* the session is under TLS now */
	long long t0, last_send;   /* ms, monotonic */
	struct smtp_reply reply;   /* lines gathered for one JSON object */
	struct buf lines;          /* JSON array items of the reply's lines */
	unsigned long long data_bytes;
	size_t reply_bytes;        /* of the reply being gathered */
};

long long chat_now_us(void);
void chat_out_init(struct chat_out *o, enum chat_format format, int timing, int hide_data);
void chat_out_free(struct chat_out *o);
/* The smtp_client trace hook; arg is a struct chat_out. */
void chat_out_trace(void *arg, enum smtp_trace_dir dir, const char *p, size_t n);
/* A note in the transcript ("=== ..."). */
void chat_out_note(struct chat_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The closing line or summary object: exit code, stage, reason. */
void chat_out_summary(struct chat_out *o, int code, const char *stage, const char *reason,
		      const char *extra_json);
/* The result of a script's expect (JSON: always; text: failures only). */
void chat_out_expect(struct chat_out *o, int line, const char *spec, int ok, const char *got);
/* Escape bytes for a transcript line (controls as \r \n \xHH). */
void chat_escape(struct buf *out, const char *p, size_t n);

/* --- sessions (smtp-chat.c) --- */

/* Read a whole file ("-" is stdin) into b, or die naming it. */
void chat_slurp(struct buf *b, const char *path, const char *what);

/* --- opening a session (chat_open.c) --- */

/* The opening sequence's options from this invocation's (EHLO name, TLS
 * policy from --tls-on-connect / --starttls / --tls-optional, XCLIENT,
 * AUTH); a mode may then set its step hook or change them. */
void chat_open_opts(struct chat_opts *o, struct smtp_open_opts *so);
/* Connect (--server, the MX hosts, --socket or --pipe), send the PROXY
 * header, then run smtp_open() with *so (the context is chat_tls_ctx's;
 * with out, the certificate is shown for --tls-show-cert). 0 when it
 * reached READY or so->step stopped it (r->why). Otherwise the exit code
 * of the failed stage (CHAT_EX_CONNECT, _BANNER, _EHLO, _TLS, _AUTH) with
 * e and r->stage; the session is then over (QUIT sent when it still
 * worked, closed, a --pipe child reaped). */
int chat_open(struct chat_opts *o, struct smtp_client *c, struct chat_out *out, const struct smtp_open_opts *so,
	      struct smtp_open_result *r, struct mail_err *e);
/* The transport and implicit TLS only, for the modes that say the rest
 * themselves (script, interactive); -1 with e (e->ex CHAT_EX_TLS when TLS
 * failed). */
int chat_connect(struct chat_opts *o, struct smtp_client *c, struct chat_out *out,
		 struct mail_err *e);
/* End a session: close the connection, reap a --pipe child. */
void chat_finish(struct chat_opts *o, struct smtp_client *c);
/* The TLS context from the options (verification on unless --insecure);
 * made once, on first use. */
struct tls_ctx *chat_tls_ctx(struct chat_opts *o, struct mail_err *e);
/* The flag mode's stage of an opening-sequence stage. */
enum chat_stage chat_stage_of(enum smtp_open_stage s);
const char *chat_stage_name(enum chat_stage s);

/* --- modes --- */
int chat_flags_main(struct chat_opts *o, struct chat_out *out);    /* chat_flags.c */
int chat_script_main(struct chat_opts *o, struct chat_out *out);   /* chat_script_run.c */
int chat_probe_main(struct chat_opts *o, struct chat_out *out);    /* chat_probe.c */
int chat_load_main(struct chat_opts *o);                           /* chat_load.c */
int chat_interactive_main(struct chat_opts *o, struct chat_out *out); /* chat_interactive.c */

#endif
