/* maildir_name.h — what a Maildir file name says about its message.
 *
 * A name is BASE[:2,INFO]: BASE is unique and never changes (readers move
 * the file from new/ to cur/ and edit only INFO); BASE may carry
 * comma-separated fields after the host part, of which ,S=N (bytes on
 * disk) and ,W=N (bytes with CRLF line ends) are Dovecot's. INFO letters,
 * kept sorted in ASCII order: upper case are flags (D draft, F flagged,
 * P passed, R replied, S seen, T trashed), lower case a..z are keywords
 * (dovecot-keywords gives their names).
 */
#ifndef POSTBOX_MAILDIR_NAME_H
#define POSTBOX_MAILDIR_NAME_H

#include <stddef.h>
#include <stdint.h>

/* The length of BASE (up to the first ':'). */
size_t maildir_name_base_len(const char *name);
/* The ,KEY=N field of BASE (KEY 'S' or 'W'), or -1 if absent/malformed. */
long long maildir_name_field(const char *name, char key);

/* The letters after ":2,": system flags as MF_* bits (mailfolder.h),
 * keywords as bits 0..25; *other gets other upper-case letters (P and any
 * unknown ones, kept as they are) as a bit set of 'A'..'Z', may be NULL.
 * A name without ":2," has none. */
void maildir_name_flags(const char *name, unsigned *flags, uint32_t *keywords, uint32_t *other);
/* Write BASE ":2," and the sorted letters for these flags into out (cap
 * bytes). -1 when it does not fit. */
int maildir_name_with_flags(char *out, size_t cap, const char *name, unsigned flags,
			    uint32_t keywords, uint32_t other);

#endif
