/* idna.c — U-labels to A-labels and back with libidn2; see idna.h. */
#include "msg/idna.h"

#include <idn2.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"

static int is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

static int copy_out(const char *s, char *out, size_t cap)
{
	size_t n = strlen(s);
	if (n >= cap)
		return -1;
	memcpy(out, s, n + 1);
	return 0;
}

int idna_to_ascii(const char *name, char *out, size_t cap)
{
	if (is_ascii(name))
		return copy_out(name, out, cap);
	char *a = NULL;
	if (idn2_to_ascii_8z(name, &a, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL) != IDN2_OK)
		return -1;
	int r = copy_out(a, out, cap);
	idn2_free(a);
	return r;
}

int idna_to_unicode(const char *name, char *out, size_t cap)
{
	if (is_ascii(name) && !strcasestr(name, "xn--"))
		return copy_out(name, out, cap);
	char ascii[1024], *u = NULL;
	if (idna_to_ascii(name, ascii, sizeof ascii) < 0 || idn2_to_unicode_8z8z(ascii, &u, 0) != IDN2_OK)
		return -1;
	int r = copy_out(u, out, cap);
	idn2_free(u);
	return r;
}

int idna_domain_eq(const char *a, const char *b)
{
	if (!strcasecmp(a, b))
		return 1;
	if (is_ascii(a) && is_ascii(b))
		return 0; /* two A-label (or plain) forms: the text decides */
	char x[1024], y[1024];
	return idna_to_ascii(a, x, sizeof x) == 0 && idna_to_ascii(b, y, sizeof y) == 0 && !strcasecmp(x, y);
}

int idna_list_has(const char *list, const char *domain)
{
	char item[1024];
	const char *s = list;
	while (*s) {
		while (*s == ',' || *s == ' ' || *s == '\t')
			s++;
		size_t len = strcspn(s, ", \t");
		if (len && str_copy(item, sizeof item, s, len) == 0 && idna_domain_eq(item, domain))
			return 1;
		s += len;
	}
	return 0;
}
