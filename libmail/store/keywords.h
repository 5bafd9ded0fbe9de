/* keywords.h — Dovecot's "dovecot-keywords": the names of the keyword
 * letters a..z used in a Maildir folder's file names.
 *
 *   0 $Junk
 *   1 NonJunk
 *
 * Line "<index> <name>": index 0 is letter 'a', up to 25 ('z'). Names are
 * IMAP flag keywords (atoms; compared case-insensitively, as Dovecot
 * does). New names are added under the dot-lock dovecot-keywords.lock
 * after re-reading the file, and the file is replaced whole (dotlock.h),
 * so two sessions adding keywords at once both keep theirs. Unknown or
 * malformed lines are skipped (a letter without a name is simply not
 * shown).
 */
#ifndef POSTBOX_KEYWORDS_H
#define POSTBOX_KEYWORDS_H

#include <stddef.h>

#include "base/err.h"

#define KEYWORDS_MAX 26
#define KEYWORD_LEN_MAX 200

struct keywords {
	char *name[KEYWORDS_MAX];   /* NULL: letter unused */
	long long mtime_ns, size;   /* the file as last read (-1: none) */
	unsigned long long ino;
};

/* Parse the file's bytes into k (replacing what it held). */
void keywords_parse(struct keywords *k, const char *p, size_t n);
/* Re-read the file of the folder directory dirfd if it changed. */
int keywords_refresh(struct keywords *k, int dirfd, const char *path, struct mail_err *e);
/* The index of name, or -1; with create, a free letter is given to it
 * (locked, written). -1 with e: ENOSPC when all 26 are used, EINVAL for a
 * name that is not a valid keyword atom. */
int keywords_index(struct keywords *k, int dirfd, const char *path, const char *name, int create,
		   struct mail_err *e);
void keywords_free(struct keywords *k);

#endif
