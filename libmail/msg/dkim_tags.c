/* dkim_tags.c — RFC 6376 §3.2 tag-lists; see dkim_tags.h. */
#include "msg/dkim_tags.h"

#include <string.h>
#include <strings.h>

static int is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* Skip FWS: white space, and line breaks (LF or CRLF) that white space
 * follows. A line break not followed by white space is not FWS. */
static size_t skip_fws(const char *s, size_t n, size_t i)
{
	for (;;) {
		while (i < n && is_wsp(s[i]))
			i++;
		size_t j = i;
		if (j < n && s[j] == '\r')
			j++;
		if (j < n && s[j] == '\n' && j + 1 < n && is_wsp(s[j + 1]))
			i = j + 1;
		else
			return i;
	}
}

static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_valchar(unsigned char c)
{
	return c >= 0x21 && c <= 0x7e && c != ';';
}

int dkim_tags_parse(const char *s, size_t n, struct dkim_tags *out)
{
	out->n = 0;
	size_t i = 0;
	for (;;) {
		i = skip_fws(s, n, i);
		if (i >= n)
			return 0; /* empty list, or a ";" ended it */
		struct dkim_tag t;
		t.name = s + i;
		if (!is_alpha(s[i]))
			return -1;
		while (i < n && (is_alpha(s[i]) || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			i++;
		t.name_len = (size_t)(s + i - t.name);
		i = skip_fws(s, n, i);
		if (i >= n || s[i] != '=')
			return -1;
		t.raw_start = ++i;
		i = skip_fws(s, n, i);
		t.value = s + i;
		size_t end = i; /* end of the last tval */
		while (i < n && s[i] != ';') {
			if (is_valchar((unsigned char)s[i])) {
				end = ++i;
				continue;
			}
			size_t j = skip_fws(s, n, i);
			if (j == i)
				return -1; /* a byte that is neither VALCHAR nor FWS */
			i = j;
		}
		t.value_len = end - (size_t)(t.value - s);
		t.raw_end = i;
		for (size_t k = 0; k < out->n; k++)
			if (out->tag[k].name_len == t.name_len && !memcmp(out->tag[k].name, t.name, t.name_len))
				return -1;
		if (out->n == DKIM_TAGS_MAX)
			return -1;
		out->tag[out->n++] = t;
		if (i >= n)
			return 0;
		i++; /* the ';' */
	}
}

const struct dkim_tag *dkim_tags_get(const struct dkim_tags *t, const char *name)
{
	size_t len = strlen(name);
	for (size_t i = 0; i < t->n; i++)
		if (t->tag[i].name_len == len && !memcmp(t->tag[i].name, name, len))
			return &t->tag[i];
	return NULL;
}

int dkim_tag_is(const struct dkim_tag *t, const char *text, int nocase)
{
	size_t len = strlen(text);
	if (!t || t->value_len != len)
		return 0;
	return nocase ? !strncasecmp(t->value, text, len) : !memcmp(t->value, text, len);
}
