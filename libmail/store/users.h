/* users.h — the users file: who receives mail here, who may log in, and
 * where each one's mailbox is.
 *
 * One line per user, `#` starts a comment line, blank lines are skipped:
 *
 *     ADDRESS:HASH:MAILBOX
 *     ann@example.org:$y$j9T$...:/var/mail/ann/Maildir/
 *     @example.org:*:/var/mail/catchall      (catch-all for the domain)
 *
 * ADDRESS is local@domain (or @domain, a catch-all). HASH is a crypt(3)
 * string ($y$ yescrypt, $6$ SHA-512-crypt, $2b$ bcrypt, ...), or `*` / `!`
 * (or anything starting with `!`) for an account that receives mail but
 * never logs in. MAILBOX is an absolute path, the last field so that it may
 * hold colons; a trailing `/` means Maildir, otherwise mbox.
 *
 * Lookups compare the whole address case-insensitively (as Postfix's
 * tables do: nobody wants Ann@ and ann@ to be two people). Addresses are
 * only ever looked up here; they are never pasted into paths.
 *
 * Limits: USERS_LINE_MAX octets per line, USERS_MAX entries. Errors name
 * FILE:LINE and carry EX_CONFIG (451 4.3.5 for a server).
 */
#ifndef POSTBOX_USERS_H
#define POSTBOX_USERS_H

#include <stddef.h>

#include "base/err.h"

#define USERS_LINE_MAX 4096
#define USERS_MAX 100000
#define USERS_HASH_MAX 255

struct user {
	const char *address;    /* as written; "@domain" for a catch-all */
	const char *hash;       /* crypt(3) string, or "*" / "!..." */
	const char *mailbox;    /* absolute path */
	int maildir;            /* mailbox ends in '/' */
	int can_login;          /* hash is a crypt string, not * or ! */
	unsigned line;          /* where it was defined, for messages */
};

struct users {
	char path[512];         /* file name for messages ("" if parsed from memory) */
	char *text;             /* owned copy the entries point into */
	struct user *v;
	size_t n;
};

/* Parse text[0..n) (name is used in messages). The users struct is
 * initialised here; free it with users_free() even after a failure. */
int users_parse(struct users *u, const char *text, size_t n, const char *name,
		struct mail_err *e);
/* Read and parse a file (at most USERS_MAX * USERS_LINE_MAX bytes). An
 * empty path gives an empty table. */
int users_load(struct users *u, const char *path, struct mail_err *e);
void users_free(struct users *u);

/* The entry for exactly this address (case-insensitive), or NULL. For a
 * catch-all ask for "@domain". */
const struct user *users_find(const struct users *u, const char *addr);

/* Check a password. Returns the user when addr names a user who may log in
 * and password matches, else NULL — taking the same time whether the user
 * is unknown, has no login, or gave a wrong password (a dummy hash of the
 * same algorithm is verified instead), and comparing in constant time. */
const struct user *users_check_password(const struct users *u, const char *addr,
					const char *password);

/* Make a crypt(3) hash of password: method "yescrypt" (default when NULL)
 * or "sha512". Returns 0 and fills out (CRYPT_OUTPUT_SIZE bytes), or -1. */
int users_hash_password(const char *password, const char *method, char *out, size_t cap,
			struct mail_err *e);

#endif
