/* mailfolder_int.h — what mailfolder.c and mailfolder_change.c share;
 * private to store/ (not part of the mailbox layer's contract). */
#ifndef POSTBOX_MAILFOLDER_INT_H
#define POSTBOX_MAILFOLDER_INT_H

#include "store/mailfolder.h"

/* mailfolder_msg.gone values. */
#define MAILFOLDER_GONE_VANISHED 1   /* its file disappeared */
#define MAILFOLDER_GONE_REMOVED 2    /* this session unlinked it */

struct mailfolder_scan_entry {
	char *name;
	unsigned char in_new;
	unsigned char regular;   /* readdir said a regular file (no stat needed) */
	long rec;                /* its uidlist record once found, else -1 */
};

struct mailfolder_scan {
	struct mailfolder_scan_entry *v;   /* sorted by name */
	size_t n, cap;
	struct folder_stamp new_, cur;     /* the directories as listed */
	long long listed_ns;               /* the realtime clock after it */
	int stable;                        /* neither changed during the listing */
	unsigned long gen;                 /* the uidlist's gen the recs are of */
};

/* Listings of new/ and cur/ made by this process (unit tests check that
 * an unchanged folder is opened without one). */
extern unsigned long mailfolder_listings;

/* Free a name or UIDL of the view unless it lives in f->names. */
void mailfolder_str_free(struct mailfolder *f, char *s);

/* Set f->uids up on first use. */
void mailfolder_uids_init(struct mailfolder *f);
/* List new/ and cur/ (repeated while they change under the listing). */
int mailfolder_scan(struct mailfolder *f, struct mailfolder_scan *s, struct mail_err *e);
void mailfolder_scan_free(struct mailfolder_scan *s);
/* The size with CRLF line ends of the file name in dirfd, or -1. */
long long mailfolder_crlf_size(int dirfd, const char *name);
/* Re-read dovecot-keywords into f->keywords. */
int mailfolder_keywords_refresh(struct mailfolder *f, struct mail_err *e);
/* Find m's file again by its base name: 1 (m updated), 0 gone, -1 error. */
int mailfolder_relocate(struct mailfolder *f, struct mailfolder_msg *m);

/* \Recent between sessions (mailfolder_recent.c): the first UID no
 * read-write session has seen yet (1 when unknown); claim them up to top
 * for this session: *first is the boundary before (UIDs from *first to
 * top are recent here). */
uint32_t mailfolder_recent_first(struct mailfolder *f);
int mailfolder_recent_claim(struct mailfolder *f, uint32_t top, uint32_t *first, struct mail_err *e);

#endif
