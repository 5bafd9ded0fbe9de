/* dmarc_psl.h — organizational domains (RFC 7489 §3.2) from the Public
 * Suffix List that Debian's publicsuffix package installs.
 *
 * The organizational domain is the public suffix and one label more
 * ("mail.example.co.uk" → "example.co.uk"). The list is read once (about
 * 9,000 rules) into a sorted table; a lookup is a few binary searches and
 * asks no DNS. Rules: plain ("co.uk"), wildcard ("*.ck") and exception
 * ("!www.ck"); the implicit "*" makes every top-level domain a suffix.
 */
#ifndef POSTBOX_DMARC_PSL_H
#define POSTBOX_DMARC_PSL_H

#include <stddef.h>

#include "base/err.h"

#define PSL_DEFAULT_PATH "/usr/share/publicsuffix/public_suffix_list.dat"

struct psl {
	char **rule;      /* sorted, as written ("co.uk", "*.ck", "!www.ck") */
	size_t n;
};

/* -1 with EX_CONFIG when the list cannot be read. */
int psl_load(struct psl *p, const char *path, struct mail_err *e);
/* The same from text in memory (for tests). */
int psl_load_text(struct psl *p, const char *text, size_t n, struct mail_err *e);
void psl_free(struct psl *p);
/* The organizational domain of domain (lowercase, no final dot) into
 * out; a public suffix itself is its own. */
void psl_org_domain(const struct psl *p, const char *domain, char *out, size_t cap);

#endif
