/* authres_field.c — the authserv-id of an Authentication-Results field;
 * see authres_field.h. */
#include "msg/authres_field.h"

#include <string.h>
#include <strings.h>

#include "msg/header.h"

/* Skip white space, line breaks and comments (nested, with quoted-pairs). */
static size_t skip_cfws(const char *v, size_t n, size_t i)
{
	int depth = 0;
	while (i < n) {
		char c = v[i];
		if (depth && c == '\\' && i + 1 < n)
			i++;
		else if (c == '(')
			depth++;
		else if (c == ')' && depth)
			depth--;
		else if (!depth && c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		i++;
	}
	return i;
}

int authres_claims(const char *value, size_t n, const char *id)
{
	size_t i = skip_cfws(value, n, 0), idn = strlen(id);
	char got[256];
	size_t len = 0;
	if (i < n && value[i] == '"') {
		for (i++; i < n && value[i] != '"'; i++) {
			if (value[i] == '\\' && i + 1 < n)
				i++;
			if (len == sizeof got)
				return 0;
			got[len++] = value[i];
		}
	} else {
		/* A token (RFC 2045): up to white space, a comment or the ';'. */
		for (; i < n && !strchr(" \t\r\n();", value[i]); i++) {
			if (len == sizeof got)
				return 0;
			got[len++] = value[i];
		}
	}
	return len == idn && len && !strncasecmp(got, id, len);
}

size_t authres_strip(const char *hdr, size_t n, const char *id, struct buf *out)
{
	size_t pos = 0, kept = 0, removed = 0;
	struct header h;
	while (hdr_next(hdr, n, &pos, &h) == 1) {
		if (!hdr_name_is(&h, "Authentication-Results") || !authres_claims(h.value, h.value_len, id))
			continue;
		buf_add(out, hdr + kept, h.start - kept);
		kept = h.start + h.len;
		removed++;
	}
	buf_add(out, hdr + kept, n - kept);
	return removed;
}
