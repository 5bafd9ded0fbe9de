/* dmarc_psl.c — the Public Suffix List; see dmarc_psl.h. */
#include "auth/dmarc_psl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"

#define PSL_FILE_MAX (4 * 1024 * 1024)

static int cmp_rules(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int psl_load_text(struct psl *p, const char *text, size_t n, struct mail_err *e)
{
	size_t cap = 0;
	p->rule = NULL;
	p->n = 0;
	for (size_t i = 0; i < n;) {
		const char *nl = memchr(text + i, '\n', n - i);
		size_t end = nl ? (size_t)(nl - text) : n, len = 0;
		/* A rule is the first word of a line; "//" starts a comment. */
		while (i + len < end && text[i + len] != ' ' && text[i + len] != '\t' && text[i + len] != '\r')
			len++;
		if (len && !(len >= 2 && text[i] == '/' && text[i + 1] == '/')) {
			if (p->n == cap) {
				cap = cap ? 2 * cap : 1024;
				char **r = realloc(p->rule, cap * sizeof *r);
				if (!r)
					goto oom;
				p->rule = r;
			}
			char *rule = strndup(text + i, len);
			if (!rule)
				goto oom;
			for (char *c = rule; *c; c++)
				if (*c >= 'A' && *c <= 'Z')
					*c = (char)(*c - 'A' + 'a');
			p->rule[p->n++] = rule;
		}
		i = end + 1;
	}
	if (p->n)
		qsort(p->rule, p->n, sizeof *p->rule, cmp_rules);
	return 0;
oom:
	psl_free(p);
	return err_set(e, EX_OSERR, 451, "4.3.0", "public suffix list: out of memory");
}

int psl_load(struct psl *p, const char *path, struct mail_err *e)
{
	p->rule = NULL;
	p->n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, EX_CONFIG, 451, "4.3.5", "public suffix list %s: %s", path, strerror(errno));
	struct buf b = BUF_INIT;
	buf_init(&b, PSL_FILE_MAX);
	char chunk[65536];
	ssize_t r;
	while ((r = read(fd, chunk, sizeof chunk)) > 0)
		buf_add(&b, chunk, (size_t)r);
	close(fd);
	int rc;
	if (r < 0 || !buf_ok(&b))
		rc = err_set(e, EX_CONFIG, 451, "4.3.5", "public suffix list %s: %s", path,
			     r < 0 ? strerror(errno) : "too big");
	else
		rc = psl_load_text(p, b.ptr ? b.ptr : "", b.len, e);
	buf_free(&b);
	return rc;
}

void psl_free(struct psl *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->rule[i]);
	free(p->rule);
	p->rule = NULL;
	p->n = 0;
}

static int has_rule(const struct psl *p, const char *prefix, const char *name)
{
	char key[300];
	size_t lp = strlen(prefix), ln = strlen(name);
	if (lp + ln >= sizeof key)
		return 0;
	memcpy(key, prefix, lp);
	memcpy(key + lp, name, ln + 1);
	const char *k = key;
	return p->n && bsearch(&k, p->rule, p->n, sizeof *p->rule, cmp_rules) != NULL;
}

void psl_org_domain(const struct psl *p, const char *domain, char *out, size_t cap)
{
	/* Walk the suffixes from the longest; the first public one ends the
	 * walk, and the organizational domain is it with one label more. */
	const char *prev = NULL; /* the suffix one label longer than s */
	for (const char *s = domain; s && *s;) {
		const char *dot = strchr(s, '.');
		const char *parent = dot ? dot + 1 : NULL;
		if (has_rule(p, "!", s)) {
			prev = s; /* an exception is not public; its parent is */
			break;
		}
		if (has_rule(p, "", s) || !parent || has_rule(p, "*.", parent))
			break;
		prev = s;
		s = parent;
	}
	const char *org = prev ? prev : domain;
	str_copy(out, cap, org, strlen(org));
}
