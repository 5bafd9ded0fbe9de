/* header.h — RFC 5322 header fields and address lists.
 *
 * Works on LF text (the spool's form). hdr_next() walks the header
 * section field by field, folded lines included; addrlist_parse() pulls
 * the addr-specs out of To/Cc/Bcc values: display names, comments (nested),
 * quoted strings, groups ("team: a@x, b@y;") and obsolete routes are all
 * understood, so a comma inside quotes or a comment never splits an
 * address. Pure functions over (pointer, length).
 */
#ifndef POSTBOX_HEADER_H
#define POSTBOX_HEADER_H

#include <stddef.h>

struct header {
	const char *name;
	size_t name_len;
	const char *value;       /* after the colon, folding kept */
	size_t value_len;        /* up to, not including, the final LF */
	size_t start, len;       /* the whole field, final LF included */
};

/* Next field at *pos. 1: a field; 0: the header section ended (*pos is at
 * the body: after the blank line, or at the first line that is not a
 * field). */
int hdr_next(const char *msg, size_t n, size_t *pos, struct header *h);
int hdr_name_is(const struct header *h, const char *name);

/* Called once per addr-spec; return non-zero to stop. */
typedef int (*addr_fn)(void *ctx, const char *addr, size_t n);
/* Returns 0, the callback's non-zero value, or -1 on malformed syntax. */
int addrlist_parse(const char *v, size_t n, addr_fn fn, void *ctx);

#endif
