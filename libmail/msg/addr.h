/* addr.h — RFC 5321 paths and mailboxes (§4.1.2), with RFC 6531 UTF-8.
 *
 * Pure functions over (pointer, length): no allocation, no I/O. Limits are
 * those of RFC 5321 §4.5.3.1: local part 64 octets, domain 255, a whole
 * path 256 including its punctuation. Source routes ("<@a,@b:u@c>") are
 * parsed and dropped, as §4.1.2 and appendix C ask. Quoted local parts keep
 * their quotes in `local` (the wire form), so a quoted "@" can never be
 * mistaken for the domain separator by anyone downstream.
 */
#ifndef POSTBOX_ADDR_H
#define POSTBOX_ADDR_H

#include <stddef.h>

#include "base/err.h"

#define ADDR_LOCAL_MAX 64
#define ADDR_DOMAIN_MAX 255
#define ADDR_PATH_MAX 256
#define ADDR_TEXT_MAX (ADDR_LOCAL_MAX + 1 + ADDR_DOMAIN_MAX)

enum {
	MBOX_NULL = 1 << 0,      /* the null reverse-path <> */
	MBOX_QUOTED = 1 << 1,    /* local part is a quoted-string */
	MBOX_LITERAL = 1 << 2,   /* domain is an address literal [..] */
	MBOX_UTF8 = 1 << 3,      /* needs SMTPUTF8 (non-ASCII somewhere) */
	MBOX_ROUTE = 1 << 4,     /* a source route was given and dropped */
	MBOX_NODOMAIN = 1 << 5,  /* bare local part, "root" (sendmail only) */
};

/* Options for the parsers. */
enum {
	ADDR_ALLOW_NULL = 1 << 0,     /* accept "<>" (a reverse-path) */
	ADDR_ALLOW_BARE = 1 << 1,     /* angle brackets optional (command line) */
	ADDR_ALLOW_NODOMAIN = 1 << 2, /* accept a local part alone */
};

struct mailbox {
	char local[ADDR_LOCAL_MAX + 1];   /* wire form; quotes kept */
	char domain[ADDR_DOMAIN_MAX + 1]; /* as given; literal keeps brackets */
	unsigned flags;
};

/* Parse s[0..n): a path "<...>" (or, with ADDR_ALLOW_BARE, a bare
 * mailbox). Fills m and returns 0, or returns -1 with e set to 501 5.1.3
 * (5.1.7 is the caller's to choose for a sender) and EX_DATAERR. */
int addr_parse(const char *s, size_t n, unsigned opts, struct mailbox *m, struct mail_err *e);

/* "local@domain" ("" for the null path) into out; returns its length, or
 * -1 if it does not fit. */
int addr_format(const struct mailbox *m, char *out, size_t cap);

/* Give a bare local part a domain (sendmail's "root" → root@HOST). */
int addr_qualify(struct mailbox *m, const char *domain);

/* RFC 5321 domains compare case-insensitively; the A-label and U-label
 * forms of an internationalised domain are the same domain (idna.h). */
int addr_domain_eq(const char *a, const char *b);

#endif
