/* recipient.h — where mail for a local address goes.
 *
 * An address is looked up, never pasted into a path: the users file
 * (users.h) and the aliases file (aliases.h) are the only sources of
 * mailbox paths, files and commands. For local@domain (local may carry a
 * "+detail" extension after the configured delimiter), in this order:
 *
 *   1. aliases: local@domain, base@domain, local, base   (base = without +detail)
 *   2. users:   local@domain, base@domain
 *   3. catch-alls: aliases @domain, then users @domain
 *
 * An SRS address (msg/srs.h) in a local domain, when the resolver has
 * SRS secrets, stands for the address it encodes, looked up instead of
 * the users and aliases files: a valid one resolves as that address
 * would from an alias (a forward back to the original sender); a forged,
 * expired or malformed one is refused with srs_reverse's error (550 5.7.1
 * or 5.1.1) with the address in front.
 *
 * Catch-alls come last, so a catch-all never swallows a real user (the
 * trap Postfix's virtual_alias_maps sets). Alias targets expand
 * recursively: a bare name takes the domain of the address it came from;
 * an address in a domain that is not local becomes a forward; an address
 * already being expanded higher up the chain (the "ann: ann, |vacation"
 * idiom) goes straight to the users file; \name never expands. Identical
 * destinations are delivered once. Limits: RESOLVE_DEPTH_MAX levels,
 * RESOLVE_DESTS_MAX destinations, include files of RESOLVE_INCLUDE_MAX
 * bytes.
 *
 * Errors: unknown address → EX_NOUSER, 550 5.1.1. Alias loop or too deep
 * → EX_DATAERR, 554 5.4.6. An include file that cannot be read →
 * EX_TEMPFAIL, 451 4.3.0 (fix it and the mail is retried, not lost).
 */
#ifndef POSTBOX_RESOLVE_H
#define POSTBOX_RESOLVE_H

#include <stddef.h>
#include <sys/types.h>

#include "msg/addr.h"
#include "msg/srs.h"
#include "store/aliases.h"
#include "base/config.h"
#include "base/err.h"
#include "store/users.h"

#define RESOLVE_DEPTH_MAX 20
#define RESOLVE_DESTS_MAX 1000
#define RESOLVE_INCLUDE_MAX (1024 * 1024)

enum dest_kind {
	DEST_MAILBOX,   /* a user's mailbox from the users file */
	DEST_FILE,      /* a file named in aliases (mbox, or Maildir with /) */
	DEST_PIPE,      /* a command named in aliases */
	DEST_FORWARD,   /* an address in a domain that is not local */
};

struct dest {
	enum dest_kind kind;
	char *target;               /* mailbox/file path, command, or address */
	int maildir;                /* a path ending in '/' */
	char rcpt[ADDR_TEXT_MAX + 1];   /* final address, for Delivered-To */
	char detail[ADDR_LOCAL_MAX + 1]; /* "+detail" without the delimiter */
	const struct user *user;    /* DEST_MAILBOX: the entry */
	uid_t owner;                /* FILE/PIPE: owner of the file naming it */
	int has_owner;              /* owner is known (not parsed from memory) */
	char origin[600];           /* "users:3", "aliases:12", "/etc/x.list:2" */
};

struct dests {
	struct dest *v;
	size_t n, cap;
};

struct resolver {
	const struct users *users;      /* may be NULL: no users */
	const struct aliases *aliases;  /* may be NULL: no aliases */
	const struct config *cfg;       /* local_domains; NULL: every domain is local */
	const char *default_domain;     /* for a bare name; NULL: refuse bare names */
	char delimiter;                 /* '+' usually; 0: no extensions */
	const struct srs *srs;          /* NULL: SRS addresses are ordinary ones */
};

/* Fill r from a loaded configuration and tables. */
void resolver_init(struct resolver *r, const struct config *cfg, const struct users *u,
		   const struct aliases *a);

/* Every destination of addr (appended to out, which starts empty with
 * DESTS_INIT). Returns 0 with at least one destination, or -1 with e. */
#define DESTS_INIT {NULL, 0, 0}
int resolve(const struct resolver *r, const char *addr, struct dests *out, struct mail_err *e);
void dests_free(struct dests *d);

/* Cheap check for SMTP RCPT: 1 when addr has an entry (alias, user or
 * catch-all) or is a valid SRS address, 0 when it has none or is a
 * refused SRS address (e set to the reply: 550 5.1.1 or 5.7.1, EX_NOUSER,
 * its message not naming the address, which the reply does), -1 when addr
 * cannot be parsed or checked (e set, 501 5.1.3, 451 4.3.0). Reads no
 * include files. The caller decides first whether the domain is local. */
int resolve_exists(const struct resolver *r, const char *addr, struct mail_err *e);

#endif
