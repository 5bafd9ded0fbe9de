/* envelope.h — the small text file that travels with each queued message.
 *
 * Format (version 2), one field per line, `key value`:
 *
 *     postbox-envelope 2
 *     id 193d2c8a1b2c4-1f3a
 *     arrival 1764397501
 *     size 1234
 *     crc32 5A1F03C2                    (CRC-32 of the message file, hex)
 *     sender alice@example.org          ("<>" for the null sender)
 *     uid 1000
 *     client local                      (or the client's IP address)
 *     helo mx.example.net               (optional lines: helo, auth, envid,
 *     ret HDRS                           ret, body, smtputf8, held, junk)
 *     rcpt bob@example.org state=queued attempts=0 next=0 notify=FAILURE orcpt=rfc822;bob@example.org error=...
 *     end
 *
 * Every value is escaped: bytes below 0x21, 0x7f and '%' are written %XX,
 * so CR, LF, NUL and spaces from the network can never forge a field or a
 * line. The first line carries the version: unknown versions, unknown keys
 * and a missing `end` line (a truncated file) are refused, never guessed.
 *
 * Versions: 2 added `crc32` and made `size` and `crc32` required, so that
 * damage to the message file is seen before it is sent (spool_verify). An
 * envelope is written as version 1 (no crc32 line) only when it was read
 * as one: queues written before version 2 keep working, and a binary that
 * knows only version 1 refuses a version 2 envelope rather than dropping
 * its checksum on a rewrite.
 */
#ifndef POSTBOX_ENVELOPE_H
#define POSTBOX_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>

#include "msg/addr.h"
#include "base/buf.h"
#include "base/err.h"

#define ENVELOPE_VERSION 2
#define QID_MAX 40
#define ENV_ERROR_MAX 400
#define ENV_ORCPT_MAX 500
#define ENV_ENVID_MAX 100

enum rcpt_state { RCPT_QUEUED, RCPT_DEFERRED, RCPT_SENT, RCPT_BOUNCED };

/* RFC 3461 NOTIFY; 0 means the client gave none. */
enum { NOTIFY_NEVER = 1, NOTIFY_SUCCESS = 2, NOTIFY_FAILURE = 4, NOTIFY_DELAY = 8 };
enum dsn_ret { RET_UNSET, RET_FULL, RET_HDRS };
enum body_type { BODY_UNSET, BODY_7BIT, BODY_8BITMIME, BODY_BINARYMIME };

struct rcpt {
	char addr[ADDR_TEXT_MAX + 1];
	enum rcpt_state state;
	int attempts;
	long long next_try;             /* unix time; 0 = now */
	unsigned notify;
	char orcpt[ENV_ORCPT_MAX + 1];  /* "rfc822;xtext" as given, or "" */
	char error[ENV_ERROR_MAX + 1];  /* last failure, or "" */
};

struct envelope {
	char id[QID_MAX];
	long long arrival;
	long long size;                 /* message file size in octets */
	int has_size;                   /* size recorded (hand-made version 1 may lack it) */
	int has_crc;                    /* crc recorded (version 2) */
	uint32_t crc;                   /* CRC-32 of the message file */
	char sender[ADDR_TEXT_MAX + 1]; /* "" = null sender <> */
	long long uid;                  /* submitting user, -1 for network */
	char client[64];                /* "local" or an IP address */
	char helo[256];
	char auth[ADDR_TEXT_MAX + 1];   /* authenticated user, or "" */
	char envid[ENV_ENVID_MAX + 1];
	enum dsn_ret ret;
	enum body_type body;
	int smtputf8;
	int held;
	int junk;                       /* DMARC quarantine (smtpd, dmarc_action = enforce):
	                                 * local delivery into the Maildir++ folder .Junk when it exists */
	struct rcpt *rcpt;
	size_t nrcpt, rcpt_cap;
};

void envelope_init(struct envelope *env);
void envelope_free(struct envelope *env);
/* Append a recipient in state queued; returns it, or NULL (ENOMEM). */
struct rcpt *envelope_add_rcpt(struct envelope *env, const char *addr);

int envelope_write(const struct envelope *env, struct buf *out);
/* Parse a whole envelope file's bytes. -1 with e (EX_DATAERR) when it is
 * not a complete, known-version envelope. */
int envelope_parse(const char *p, size_t n, struct envelope *env, struct mail_err *e);

const char *rcpt_state_name(enum rcpt_state s);
/* Is this recipient still owed a delivery attempt? */
int rcpt_pending(const struct rcpt *r);

/* %XX escaping used by the envelope, exposed for the tests and tools. */
int env_escape(struct buf *out, const char *s, size_t n);
/* Decode into dst (cap includes NUL). -1 on a bad escape, a raw byte that
 * should have been escaped, an escaped NUL, or overflow. */
int env_unescape(char *dst, size_t cap, const char *s, size_t n);

#endif
