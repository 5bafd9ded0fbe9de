/* idna.h — internationalised domain names (IDNA2008, RFC 5890/5891) with
 * Debian's libidn2: U-labels ("exämple.org") to A-labels
 * ("xn--exmple-cua.org") for DNS and for every comparison of domains.
 *
 * A name that is all ASCII is never touched (A-labels, underscores of
 * _dmarc or SRV names, address literals go through as given); only a name
 * with a non-ASCII byte is converted, with Unicode normalisation (NFC) and
 * UTS #46 non-transitional mapping, as browsers and Postfix do, so
 * "EXÄMPLE.org" and "exämple.org" are one name. The library is linked
 * normally (runtime package libidn2-0).
 */
#ifndef POSTBOX_IDNA_H
#define POSTBOX_IDNA_H

#include <stddef.h>

/* name (NUL-terminated) in its A-label form into out. 0, or -1 when the
 * name is not a valid IDNA2008 name or the result does not fit. */
int idna_to_ascii(const char *name, char *out, size_t cap);

/* The U-label form (for a person, or for a users file written that way)
 * into out; an ASCII name without A-labels is copied. 0, or -1. */
int idna_to_unicode(const char *name, char *out, size_t cap);

/* Do a and b name the same domain? Case-insensitive, A-label and U-label
 * forms equal. A name that cannot be converted equals only itself. */
int idna_domain_eq(const char *a, const char *b);

/* Is domain one of the comma- or space-separated names in list (a
 * configuration value such as local_domains), by idna_domain_eq? */
int idna_list_has(const char *list, const char *domain);

#endif
