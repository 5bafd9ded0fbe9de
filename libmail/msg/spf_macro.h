/* spf_macro.h — SPF macro expansion (RFC 7208 §7): pure text work on
 * values the caller provides.
 *
 * %{s} %{l} %{o} %{d} %{i} %{p} %{v} %{h}, and in explanation text also
 * %{c} %{r} %{t}; a letter may be followed by a count of right-hand parts
 * to keep, "r" to reverse, and delimiters to split on (default "."); the
 * parts are joined with dots. An upper-case letter URL-escapes its value
 * (§7.3). %% is "%", %_ a space, %- "%20". %{p} costs DNS lookups, so it
 * is asked for through a callback only when a macro uses it.
 */
#ifndef POSTBOX_SPF_MACRO_H
#define POSTBOX_SPF_MACRO_H

#include <stddef.h>

#include "base/buf.h"

#define SPF_DOMAIN_MAX 253

struct spf_macro_vars {
	const char *s, *l, *o, *d, *i, *v, *h;  /* sender, local part, its domain, current domain, ip, "in-addr"/"ip6", HELO */
	const char *c, *r, *t;                  /* explanations: readable ip, receiver, timestamp */
	const char *(*p)(void *ctx);            /* the validated name of the ip, or "unknown" */
	void *p_ctx;
};

/* Expand the macro-string s[0..n) onto out (explanation: the exp= text,
 * where c, r, t and spaces are allowed). -1 when s is not a valid
 * macro-string or out cannot grow (out's own limit). */
int spf_macro_expand(const char *s, size_t n, const struct spf_macro_vars *v, int explanation, struct buf *out);

/* Make an expanded domain-spec a name to ask about (§7.3, §4.8): without
 * its final dot, and cut from the left, label by label, to 253 octets. */
void spf_domain_trim(struct buf *b);

#endif
