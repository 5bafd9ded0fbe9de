/* smtp_cmd.h — pure parsers for SMTP command arguments (RFC 5321 §4.1).
 *
 * MAIL FROM:<path> [params] and RCPT TO:<path> [params], with the ESMTP
 * parameters postbox implements: SIZE (RFC 1870), BODY (RFC 6152/3030),
 * SMTPUTF8 (RFC 6531), RET and ENVID (MAIL) and NOTIFY and ORCPT (RCPT)
 * from RFC 3461, AUTH= (RFC 4954, accepted and ignored). Pure functions
 * over (pointer, length); errors carry the reply to send:
 * 501 5.5.4 malformed, 555 5.5.4 unknown parameter, 501 5.1.3/5.1.7 bad
 * address.
 */
#ifndef POSTBOX_SMTP_CMD_H
#define POSTBOX_SMTP_CMD_H

#include <stddef.h>

#include "msg/addr.h"
#include "msg/envelope.h"
#include "base/err.h"

struct smtp_mail_params {
	long long size;          /* SIZE=, -1 when not given */
	enum body_type body;
	int smtputf8;
	enum dsn_ret ret;
	char envid[ENV_ENVID_MAX + 1];   /* xtext as given */
};

struct smtp_rcpt_params {
	unsigned notify;                 /* NOTIFY_* bits, 0 when not given */
	char orcpt[ENV_ORCPT_MAX + 1];   /* "rfc822;xtext" as given */
};

/* Split a command line (CRLF or LF already removed) into its verb and the
 * argument after one space. The verb is at most 15 octets; returns its
 * length, or -1 when the line does not start with a verb. */
int smtp_split_verb(const char *line, size_t n, char *verb, size_t cap, const char **arg,
		    size_t *arglen);

/* `arg` is what follows the verb: "FROM:<path> SIZE=123 ..." / "TO:<path> ...".
 * A space after the colon is tolerated (common clients send one). A
 * parameter given twice is 501 5.5.4. "TO:<Postmaster>" (any case, no
 * domain, RFC 5321 §4.1.1.3) parses to local part "postmaster" with an
 * empty domain: the caller supplies its primary domain. */
int smtp_parse_mail(const char *arg, size_t n, struct mailbox *m, struct smtp_mail_params *p,
		    struct mail_err *e);
int smtp_parse_rcpt(const char *arg, size_t n, struct mailbox *m, struct smtp_rcpt_params *p,
		    struct mail_err *e);

/* RFC 3461 §4 xtext: printable ASCII except '+' and '=', or "+XX" (hex). */
int xtext_valid(const char *s, size_t n);

/* A domain or address literal suitable for EHLO/HELO (RFC 5321 §4.1.1.1). */
int smtp_helo_valid(const char *s, size_t n);

#endif
