/* imap_fetch.h — the FETCH item list (RFC 9051 §6.4.5, RFC 3516 BINARY,
 * RFC 7162 MODSEQ / CHANGEDSINCE).
 *
 *     FETCH 1:* ALL | FAST | FULL | item | (item ...)  [(CHANGEDSINCE n)]
 *
 * Macros expand (ALL = FLAGS INTERNALDATE RFC822.SIZE ENVELOPE, FAST =
 * FLAGS INTERNALDATE RFC822.SIZE, FULL = ALL BODY) and may not be mixed
 * with other items. Items are kept in the order given; BODY[...] without
 * .PEEK, RFC822 and RFC822.TEXT set `sets_seen` (the caller sets \Seen).
 * HEADER.FIELDS names point into the command (keep it alive while the
 * items are used).
 */
#ifndef POSTBOX_IMAP_FETCH_H
#define POSTBOX_IMAP_FETCH_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "msg/imap_cmd.h"
#include "msg/imap_section.h"

#define IMAP_FETCH_ITEMS_MAX 100

enum imap_fetch_att {
	IMAP_FA_FLAGS, IMAP_FA_INTERNALDATE, IMAP_FA_RFC822_SIZE, IMAP_FA_ENVELOPE,
	IMAP_FA_BODY,            /* non-extensible BODYSTRUCTURE ("BODY") */
	IMAP_FA_BODYSTRUCTURE, IMAP_FA_UID,
	IMAP_FA_RFC822,          /* = BODY[] (sets \Seen) */
	IMAP_FA_RFC822_HEADER,   /* = BODY.PEEK[HEADER] */
	IMAP_FA_RFC822_TEXT,     /* = BODY[TEXT] */
	IMAP_FA_BODY_SECTION,    /* BODY[section]<partial>, BODY.PEEK[...] */
	IMAP_FA_BINARY,          /* BINARY[section]<partial>, BINARY.PEEK */
	IMAP_FA_BINARY_SIZE,     /* BINARY.SIZE[section] */
	IMAP_FA_MODSEQ,
};

struct imap_fetch_item {
	enum imap_fetch_att att;
	int peek;
	struct imap_section section;     /* BODY_SECTION, BINARY, BINARY_SIZE */
	int partial;                     /* <origin.count> given */
	uint64_t origin, count;
};

struct imap_fetch {
	struct imap_fetch_item items[IMAP_FETCH_ITEMS_MAX];
	size_t n;
	int sets_seen;           /* some item implies \Seen */
	int has_uid;             /* UID is among the items */
	uint64_t changedsince;   /* CHANGEDSINCE modifier, 0 when absent */
	int vanished;            /* VANISHED modifier (QRESYNC) */
};

/* Parse the argument(s) after the sequence set: `att` is the first of them
 * (an atom or a list); a following list is the modifiers. 0 or -1 with e. */
int imap_fetch_parse(const struct imap_arg *att, struct imap_fetch *out, struct imap_err *e);

/* Append the item's name as the response spells it: "BODY[1.HEADER]<0>",
 * "BODY[HEADER.FIELDS (FROM TO)]", "BINARY.SIZE[1]", "RFC822.SIZE".
 * (The partial shows only its origin, RFC 9051 §7.5.2.) */
int imap_fetch_item_name(struct buf *out, const struct imap_fetch_item *it);

#endif
