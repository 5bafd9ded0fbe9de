/* maildir_name.c — parse and build Maildir file names; see maildir_name.h. */
#include "store/maildir_name.h"

#include <string.h>

#include "store/mailfolder.h"

size_t maildir_name_base_len(const char *name)
{
	const char *colon = strchr(name, ':');
	return colon ? (size_t)(colon - name) : strlen(name);
}

long long maildir_name_field(const char *name, char key)
{
	size_t n = maildir_name_base_len(name);
	for (size_t i = 0; i + 3 < n; i++) {
		if (name[i] != ',' || name[i + 1] != key || name[i + 2] != '=')
			continue;
		long long v = 0;
		size_t k = i + 3;
		if (name[k] < '0' || name[k] > '9')
			return -1;
		for (; k < n && name[k] >= '0' && name[k] <= '9'; k++) {
			if (v > (1LL << 50))
				return -1;
			v = v * 10 + (name[k] - '0');
		}
		return k == n || name[k] == ',' ? v : -1;
	}
	return -1;
}

/* The system flags and their letters, in ASCII order. */
static const struct {
	char letter;
	unsigned flag;
} letters[] = {
	{ 'D', MF_DRAFT }, { 'F', MF_FLAGGED }, { 'R', MF_ANSWERED }, { 'S', MF_SEEN }, { 'T', MF_DELETED },
};

static unsigned flag_of(char c)
{
	for (size_t i = 0; i < sizeof letters / sizeof letters[0]; i++)
		if (letters[i].letter == c)
			return letters[i].flag;
	return 0;
}

void maildir_name_flags(const char *name, unsigned *flags, uint32_t *keywords, uint32_t *other)
{
	*flags = 0;
	*keywords = 0;
	uint32_t rest = 0;
	const char *info = strstr(name, ":2,");
	for (const char *p = info ? info + 3 : ""; *p; p++) {
		unsigned f = flag_of(*p);
		if (f)
			*flags |= f;
		else if (*p >= 'a' && *p <= 'z')
			*keywords |= 1u << (*p - 'a');
		else if (*p >= 'A' && *p <= 'Z')
			rest |= 1u << (*p - 'A');
	}
	if (other)
		*other = rest;
}

int maildir_name_with_flags(char *out, size_t cap, const char *name, unsigned flags,
			    uint32_t keywords, uint32_t other)
{
	size_t n = maildir_name_base_len(name);
	if (n + 3 + 26 + 26 + 1 > cap)
		return -1;
	memcpy(out, name, n);
	memcpy(out + n, ":2,", 3);
	n += 3;
	/* Upper case first (ASCII order), then the keywords. */
	for (char c = 'A'; c <= 'Z'; c++) {
		unsigned f = flag_of(c);
		if ((f && (flags & f)) || (!f && (other & (1u << (c - 'A')))))
			out[n++] = c;
	}
	for (int k = 0; k < 26; k++)
		if (keywords & (1u << k))
			out[n++] = (char)('a' + k);
	out[n] = '\0';
	return 0;
}
