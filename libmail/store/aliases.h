/* aliases.h — the aliases file, in /etc/aliases syntax (parsing only).
 *
 *     # comment
 *     postmaster: root
 *     root:       ann, bob@example.org
 *     list:       "|/usr/bin/list-handler --name list", /var/log/list.mbox,
 *                 :include:/etc/postbox/list.members
 *     ann@example.org: \ann, ann@elsewhere.example
 *     @example.net: catchall@example.org
 *
 * A line starting with a space or tab continues the previous entry. Targets
 * are separated by commas outside double quotes; a quoted target may hold
 * commas and spaces (\" and \\ escape inside quotes). Kinds of target:
 *   |COMMAND      a program (split into argv, never run by a shell)
 *   /PATH         a file (mbox; a trailing / means Maildir)
 *   :include:/P   the targets listed in file P (commas or newlines)
 *   \NAME         a local user, not expanded further through aliases
 *   NAME, a@b     an address (a bare NAME is qualified by the resolver)
 * The name before the colon is a local part (applies to every local
 * domain), a full address, or "@domain" (catch-all). Names compare
 * case-insensitively. Errors name FILE:LINE and carry EX_CONFIG.
 *
 * This module only parses; local/recipient.h expands, and deliver performs.
 */
#ifndef POSTBOX_ALIASES_H
#define POSTBOX_ALIASES_H

#include <stddef.h>
#include <sys/types.h>

#include "base/err.h"

#define ALIASES_LINE_MAX 4096       /* one physical line */
#define ALIASES_ENTRY_MAX 65536     /* one entry with its continuations */
#define ALIASES_TARGETS_MAX 1000    /* targets of one entry */
#define ALIASES_MAX 100000          /* entries in a file */

enum alias_kind { ALIAS_ADDRESS, ALIAS_LOCAL_ONLY, ALIAS_FILE, ALIAS_PIPE, ALIAS_INCLUDE };

struct alias_target {
	enum alias_kind kind;
	char *text;     /* address, path or command, without |, \ or :include: */
};

struct alias {
	char *name;
	struct alias_target *t;
	size_t nt;
	unsigned line;
};

struct aliases {
	char path[512];
	struct alias *v;          /* sorted by name */
	size_t n;
};

/* Parse text[0..n) (name used in messages). Free with aliases_free() even
 * after a failure. */
int aliases_parse(struct aliases *a, const char *text, size_t n, const char *name,
		  struct mail_err *e);
/* Read and parse a file; an empty path gives an empty table. */
int aliases_load(struct aliases *a, const char *path, struct mail_err *e);
void aliases_free(struct aliases *a);
/* The entry called name (case-insensitive), or NULL. */
const struct alias *aliases_find(const struct aliases *a, const char *name);

/* Parse a target list (the body of an :include: file: targets separated
 * by commas or newlines, `#` comment lines). *out is allocated; free it
 * with aliases_free_targets(). where names the source in messages. */
int aliases_parse_targets(const char *s, size_t n, const char *where, struct alias_target **out,
			  size_t *nout, struct mail_err *e);
void aliases_free_targets(struct alias_target *t, size_t n);

/* Read a whole small regular file into b (for :include:), refusing more
 * than limit bytes; *owner (if not NULL) gets the file's owner. Errors name
 * the path. */
struct buf;
int aliases_read_file(const char *path, size_t limit, struct buf *b, uid_t *owner,
		      struct mail_err *e);

#endif
