/* imap_seq.h — IMAP sequence sets (RFC 9051 §9 sequence-set, RFC 5182 "$").
 *
 *     1:*,3,5:7     "*" is the largest number in use (message count or the
 *                   highest UID), resolved when the caller knows it
 *
 * Numbers are 1..4294967295 ("0" and leading junk are refused); a set has
 * at most max_ranges ranges, so "1,2,3,...," cannot make the server
 * allocate without bound. After imap_seqset_resolve() the ranges are
 * sorted, merged and ascending, and membership is a binary search.
 */
#ifndef POSTBOX_IMAP_SEQ_H
#define POSTBOX_IMAP_SEQ_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "msg/imap_cmd.h"

#define IMAP_SEQ_STAR 0u        /* "*" before resolution */
#define IMAP_SEQ_RANGES_MAX 10000  /* a sensible max_ranges */

struct imap_seq_range {
	uint32_t lo, hi;         /* as written (lo may exceed hi) until resolved */
};

struct imap_seqset {
	struct imap_seq_range *r;   /* malloc'ed, owned */
	size_t n;
	int saved;               /* "$": the saved SEARCH result (RFC 5182);
	                            then n == 0 and the caller substitutes */
};

#define IMAP_SEQSET_INIT {0, 0, 0}

/* Parse s[0..n). 0, or -1 with e filled (malformed, a zero, too many
 * ranges). "$" alone is accepted only when allow_saved. */
int imap_seqset_parse(const char *s, size_t n, size_t max_ranges, int allow_saved,
		      struct imap_seqset *out, struct imap_err *e);
void imap_seqset_free(struct imap_seqset *set);

/* Replace "*" by max, order each range, sort and merge. With max == 0 (an
 * empty mailbox) "*" becomes 0 and matches nothing. */
void imap_seqset_resolve(struct imap_seqset *set, uint32_t max);
/* After resolve: is v in the set? */
int imap_seqset_contains(const struct imap_seqset *set, uint32_t v);
/* After resolve: the largest number in the set, 0 when empty. */
uint32_t imap_seqset_max(const struct imap_seqset *set);

/* Append the compact form of ascending numbers v[0..n) ("1:3,7,9:10") —
 * for COPYUID/APPENDUID and ESEARCH ALL. Returns buf_ok(). */
int imap_seqset_format(struct buf *out, const uint32_t *v, size_t n);

#endif
