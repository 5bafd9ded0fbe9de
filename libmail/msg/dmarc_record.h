/* dmarc_record.h — the DMARC policy record (RFC 7489 §6.3, §6.4),
 * published as TXT at _dmarc.DOMAIN.
 *
 * Pure. v=DMARC1 must come first. A record without a valid p= is invalid
 * unless it has a rua= (then it counts as p=none, §6.6.3); a bad sp=,
 * pct=, adkim= or aspf= value is ignored (the default stands), as are
 * unknown tags. Tag syntax is dkim_tags' (a repeated tag is invalid).
 */
#ifndef POSTBOX_DMARC_RECORD_H
#define POSTBOX_DMARC_RECORD_H

#include <stddef.h>

#define DMARC_URI_MAX 512

enum dmarc_policy { DMARC_P_NONE, DMARC_P_QUARANTINE, DMARC_P_REJECT };

struct dmarc_record {
	enum dmarc_policy p;
	enum dmarc_policy sp;           /* = p when there is no sp= */
	int pct;                        /* 0-100, default 100 */
	int adkim_strict, aspf_strict;  /* default relaxed */
	char rua[DMARC_URI_MAX];        /* as published ("" when absent) */
	char ruf[DMARC_URI_MAX];
};

/* Does the text start like a DMARC record ("v=DMARC1" then ';', space or
 * the end)? Other TXT records at _dmarc are ignored (§6.6.3). */
int dmarc_record_is_dmarc(const char *txt, size_t n);
/* 0, or -1 with *why when it is not a usable record. */
int dmarc_record_parse(const char *txt, size_t n, struct dmarc_record *r, const char **why);
const char *dmarc_policy_name(enum dmarc_policy p);

#endif
