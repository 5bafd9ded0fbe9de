/* chat_script.h — smtp-chat's chat-script language: parsing, variables,
 * escapes and reply expectations. Pure (no I/O); the applet runs the steps.
 *
 * One statement per line; leading blanks are ignored; "#" starts a comment
 * line. Verbs:
 *
 *   send TEXT         TEXT and CRLF
 *   send-raw TEXT     exactly the bytes of TEXT after escapes: \r \n \t \\
 *                     \0 \xHH (for bare LF, bare CR, NUL and end-of-data tests)
 *   expect SPEC       read one reply and check it (see chat_expect_parse)
 *   ehlo [NAME]       EHLO (HELO fallback) expecting 2xx; learns the extensions
 *   starttls          STARTTLS, 220 and the TLS handshake (smtp-chat's TLS flags)
 *   auth [MECH]       AUTH with --auth-user and its password, expecting 235
 *   message           the message built from the flags, dot-stuffed, with the
 *                     final "." (then "expect 250")
 *   sleep SECONDS     pause (decimals allowed, at most 3600)
 *   repeat N ... end  the lines between, N times (nested up to 16 deep)
 *   set NAME VALUE    a variable; ${NAME} is replaced in every argument
 *   close             drop the connection without QUIT
 *
 * Variables also come from the command line (--var NAME=VALUE); smtp-chat
 * defines FROM, TO, HOST, EHLO, and N (the count of the innermost repeat,
 * from 1). "$$" is a literal "$".
 */
#ifndef POSTBOX_CHAT_SCRIPT_H
#define POSTBOX_CHAT_SCRIPT_H

#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"

#define CHAT_SCRIPT_MAX_STEPS 10000
#define CHAT_SCRIPT_MAX_DEPTH 16
#define CHAT_VARS_MAX 256

enum chat_verb { CV_SEND, CV_SEND_RAW, CV_EXPECT, CV_EHLO, CV_STARTTLS, CV_AUTH, CV_MESSAGE,
		 CV_SLEEP, CV_REPEAT, CV_END, CV_SET, CV_CLOSE };

struct chat_step {
	enum chat_verb verb;
	int line;             /* in the script, from 1 */
	char *arg;            /* the rest of the line, unexpanded ("" if none) */
	size_t jump;          /* repeat: index of its end; end: index of its repeat */
};

struct chat_script {
	struct chat_step *steps;
	size_t n;
};

/* Parse text[0..n). -1 with e (EX_DATAERR, "line N: ...") for an unknown
 * verb, a missing argument, unbalanced repeat/end, nesting too deep, too
 * many steps, a NUL byte. */
int chat_script_parse(struct chat_script *s, const char *text, size_t n, struct mail_err *e);
void chat_script_free(struct chat_script *s);
const char *chat_verb_name(enum chat_verb v);

struct chat_vars {
	char *name[CHAT_VARS_MAX];
	char *value[CHAT_VARS_MAX];
	size_t n;
};

void chat_vars_free(struct chat_vars *v);
/* Set (or replace) a variable; names are [A-Za-z_][A-Za-z0-9_]*. */
int chat_vars_set(struct chat_vars *v, const char *name, size_t nlen, const char *value,
		  struct mail_err *e);
/* "NAME=VALUE" as given to --var. */
int chat_vars_assign(struct chat_vars *v, const char *assignment, struct mail_err *e);
/* Append s with ${NAME} replaced; an unknown name is an error. */
int chat_expand(const struct chat_vars *v, const char *s, struct buf *out, struct mail_err *e);

/* Append s[0..n) with its escapes decoded (\r \n \t \\ \0 \xHH); -1 with e
 * on an unknown or truncated escape. */
int chat_unescape(const char *s, size_t n, struct buf *out, struct mail_err *e);

/* expect SPEC:
 *   250 | 2xx | 25x | 2 | 250|251   the reply code (x is any digit; "|" or)
 *   CODE TEXT                       and TEXT appears in the reply (any case)
 *   CODE /REGEX/                    and the reply text matches (POSIX ERE)
 *   /REGEX/                         any code, text matches
 *   closed                          the server closed the connection
 */
struct chat_expect {
	char codes[8][4];     /* patterns of three chars: digits or 'x' */
	size_t ncodes;        /* 0: any code */
	char *text;           /* substring, or NULL */
	void *regex;          /* compiled regex_t, or NULL */
	int closed;
};

int chat_expect_parse(struct chat_expect *x, const char *spec, struct mail_err *e);
void chat_expect_free(struct chat_expect *x);
/* Does a reply (code, text of all lines) satisfy x? code 0 = closed. */
int chat_expect_match(const struct chat_expect *x, int code, const char *text, size_t n);

#endif
