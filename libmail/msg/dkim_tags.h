/* dkim_tags.h — tag=value lists (RFC 6376 §3.2), the syntax of the
 * DKIM-Signature header field, of DKIM key records and (nearly) of DMARC
 * records (RFC 7489 §6.4).
 *
 *     tag-list  = tag-spec *( ";" tag-spec ) [ ";" ]
 *     tag-spec  = [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS]
 *     tag-name  = ALPHA *( ALPHA / DIGIT / "_" )
 *     tag-value = [ tval *( 1*(WSP / FWS) tval ) ]   tval = 1*(%x21-3A / %x3C-7E)
 *
 * Pure: the tags point into the caller's text. A tag named twice, a
 * malformed tag-spec or more than DKIM_TAGS_MAX tags make the whole list
 * invalid (RFC 6376 §3.2: "Tags with duplicate names MUST NOT occur").
 * FWS may be LF or CRLF followed by white space.
 */
#ifndef POSTBOX_DKIM_TAGS_H
#define POSTBOX_DKIM_TAGS_H

#include <stddef.h>

#define DKIM_TAGS_MAX 32

struct dkim_tag {
	const char *name;
	size_t name_len;
	const char *value;       /* white space around it trimmed */
	size_t value_len;
	size_t raw_start;        /* offset just after '=' */
	size_t raw_end;          /* offset of the ';' that ends it, or the end */
};

struct dkim_tags {
	size_t n;
	struct dkim_tag tag[DKIM_TAGS_MAX];
};

/* 0, or -1 when s[0..n) is not a valid tag-list. */
int dkim_tags_parse(const char *s, size_t n, struct dkim_tags *out);
/* The tag with this (case-sensitive) name, or NULL. */
const struct dkim_tag *dkim_tags_get(const struct dkim_tags *t, const char *name);
/* Does the tag's value equal text exactly? (case-insensitive with nocase) */
int dkim_tag_is(const struct dkim_tag *t, const char *text, int nocase);

#endif
