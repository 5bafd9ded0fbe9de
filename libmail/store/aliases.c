/* aliases.c — /etc/aliases syntax; see aliases.h. */
#include "store/aliases.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/array.h"
#include "base/read_all.h"
#include "msg/addr.h"
#include "base/buf.h"

#define CFG_ERR(e, ...) err_set(e, EX_CONFIG, 451, "4.3.5", __VA_ARGS__)

struct tlist {
	struct alias_target *v;
	size_t n, cap;
};

static int is_space(char c)
{
	return c == ' ' || c == '\t';
}

static int tlist_add(struct tlist *l, enum alias_kind k, const char *s, size_t n,
		     const char *where, struct mail_err *e)
{
	if (l->n >= ALIASES_TARGETS_MAX)
		return CFG_ERR(e, "%s: more than %d targets", where, ALIASES_TARGETS_MAX);
	if (l->n == l->cap) {
		struct alias_target *v = array_grow(l->v, &l->cap, sizeof *v, 4);
		if (!v)
			return err_sys(e, "%s", where);
		l->v = v;
	}
	char *t = strndup(s, n);
	if (!t)
		return err_sys(e, "%s", where);
	l->v[l->n].kind = k;
	l->v[l->n].text = t;
	l->n++;
	return 0;
}

/* Classify one trimmed, unquoted target and add it. */
static int add_target(struct tlist *l, const char *s, size_t n, const char *where,
		      struct mail_err *e)
{
	if (n == 0)
		return CFG_ERR(e, "%s: empty target", where);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 && s[i] != '\t')
			return CFG_ERR(e, "%s: control character in a target", where);
	if (s[0] == '|') {
		size_t i = 1;
		while (i < n && is_space(s[i]))
			i++;
		if (i == n)
			return CFG_ERR(e, "%s: empty command", where);
		return tlist_add(l, ALIAS_PIPE, s + i, n - i, where, e);
	}
	if (s[0] == '/')
		return tlist_add(l, ALIAS_FILE, s, n, where, e);
	if (n > 9 && !strncasecmp(s, ":include:", 9)) {
		size_t i = 9;
		while (i < n && is_space(s[i]))
			i++;
		if (i == n || s[i] != '/')
			return CFG_ERR(e, "%s: :include: needs an absolute path", where);
		return tlist_add(l, ALIAS_INCLUDE, s + i, n - i, where, e);
	}
	enum alias_kind k = ALIAS_ADDRESS;
	if (s[0] == '\\') {
		k = ALIAS_LOCAL_ONLY;
		s++;
		n--;
	}
	struct mailbox m;
	struct mail_err ae;
	if (n == 0 || addr_parse(s, n, ADDR_ALLOW_BARE | ADDR_ALLOW_NODOMAIN, &m, &ae) < 0)
		return CFG_ERR(e, "%s: bad address \"%.*s\"", where, (int)(n > 200 ? 200 : n), s);
	return tlist_add(l, k, s, n, where, e);
}

/* Parse "t1, t2, "quoted, t3"" into l. */
static int parse_list(struct tlist *l, const char *s, size_t n, const char *where,
		      struct mail_err *e)
{
	struct buf tok = BUF_INIT;
	size_t i = 0;
	int rc = 0;
	while (i < n && rc == 0) {
		while (i < n && (is_space(s[i]) || s[i] == ','))
			i++;
		if (i == n)
			break;
		buf_reset(&tok);
		int quoted = 0;
		if (s[i] == '"') {
			quoted = 1;
			for (i++; i < n && s[i] != '"'; i++) {
				if (s[i] == '\\' && i + 1 < n)
					i++;
				buf_addc(&tok, s[i]);
			}
			if (i == n) {
				rc = CFG_ERR(e, "%s: unterminated quote", where);
				break;
			}
			i++;
			while (i < n && is_space(s[i]))
				i++;
			if (i < n && s[i] != ',') {
				rc = CFG_ERR(e, "%s: text after a quoted target", where);
				break;
			}
		} else {
			while (i < n && s[i] != ',')
				buf_addc(&tok, s[i++]);
		}
		if (!buf_ok(&tok)) {
			rc = err_set(e, EX_TEMPFAIL, 451, "4.3.0", "%s: out of memory", where);
			break;
		}
		size_t len = tok.len;
		while (!quoted && len && is_space(tok.ptr[len - 1]))
			len--;
		rc = add_target(l, tok.ptr ? tok.ptr : "", len, where, e);
	}
	buf_free(&tok);
	return rc;
}

void aliases_free_targets(struct alias_target *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(t[i].text);
	free(t);
}

int aliases_parse_targets(const char *s, size_t n, const char *where, struct alias_target **out,
			  size_t *nout, struct mail_err *e)
{
	struct tlist l = { NULL, 0, 0 };
	char loc[600];
	unsigned lineno = 0;
	*out = NULL;
	*nout = 0;
	if (memchr(s, '\0', n))
		return CFG_ERR(e, "%s: contains a NUL byte", where);
	for (size_t i = 0; i < n;) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t end = nl ? (size_t)(nl - s) : n;
		lineno++;
		snprintf(loc, sizeof loc, "%s:%u", where, lineno);
		size_t len = end - i;
		if (len && s[i + len - 1] == '\r')
			len--;
		size_t j = i;
		while (j < i + len && is_space(s[j]))
			j++;
		if (len > ALIASES_LINE_MAX) {
			aliases_free_targets(l.v, l.n);
			return CFG_ERR(e, "%s: line longer than %d", loc, ALIASES_LINE_MAX);
		}
		if (j < i + len && s[j] != '#' && parse_list(&l, s + j, i + len - j, loc, e) < 0) {
			aliases_free_targets(l.v, l.n);
			return -1;
		}
		i = end + 1;
	}
	*out = l.v;
	*nout = l.n;
	return 0;
}

static int cmp_alias(const void *a, const void *b)
{
	const struct alias *x = a, *y = b;
	int c = strcasecmp(x->name, y->name);
	return c ? c : (x->line > y->line) - (x->line < y->line);
}

static int valid_name(const char *s, size_t n)
{
	if (n == 0 || n > ADDR_TEXT_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= 0x20 || c == 0x7f || strchr("\"\\,;<>()[]|/", c))
			return 0;
	}
	const char *at = memchr(s, '@', n);
	return !at || (memchr(at + 1, '@', n - (size_t)(at - s) - 1) == NULL && at + 1 < s + n);
}

/* One entry: "name: targets" with its continuation lines joined. */
static int add_entry(struct aliases *a, size_t *cap, const char *s, size_t n, unsigned line,
		     struct mail_err *e)
{
	char where[600];
	snprintf(where, sizeof where, "%s:%u", a->path, line);
	const char *colon = memchr(s, ':', n);
	if (!colon)
		return CFG_ERR(e, "%s: expected NAME: TARGETS", where);
	size_t nl = (size_t)(colon - s);
	while (nl && is_space(s[nl - 1]))
		nl--;
	if (!valid_name(s, nl))
		return CFG_ERR(e, "%s: bad alias name \"%.*s\"", where, (int)(nl > 200 ? 200 : nl), s);
	if (a->n >= ALIASES_MAX)
		return CFG_ERR(e, "%s: more than %d aliases", where, ALIASES_MAX);
	if (a->n == *cap) {
		struct alias *v = array_grow(a->v, cap, sizeof *v, 16);
		if (!v)
			return err_sys(e, "%s", where);
		a->v = v;
	}
	struct tlist l = { NULL, 0, 0 };
	const char *body = colon + 1;
	if (parse_list(&l, body, (size_t)(s + n - body), where, e) < 0) {
		aliases_free_targets(l.v, l.n);
		return -1;
	}
	if (l.n == 0)
		return CFG_ERR(e, "%s: alias with no targets", where);
	struct alias *al = &a->v[a->n];
	al->name = strndup(s, nl);
	al->t = l.v;
	al->nt = l.n;
	al->line = line;
	a->n++;
	if (!al->name)
		return err_sys(e, "%s", where);
	return 0;
}

int aliases_parse(struct aliases *a, const char *text, size_t n, const char *name,
		  struct mail_err *e)
{
	memset(a, 0, sizeof *a);
	str_copy(a->path, sizeof a->path, name, strlen(name));
	if (memchr(text, '\0', n))
		return CFG_ERR(e, "%s: contains a NUL byte", name);
	struct buf entry;
	buf_init(&entry, ALIASES_ENTRY_MAX);
	size_t cap = 0;
	unsigned lineno = 0, entry_line = 0;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0;) {
		const char *nl = memchr(text + i, '\n', n - i);
		size_t end = nl ? (size_t)(nl - text) : n;
		size_t len = end - i;
		const char *s = text + i;
		lineno++;
		i = end + 1;
		if (len && s[len - 1] == '\r')
			len--;
		if (len > ALIASES_LINE_MAX) {
			rc = CFG_ERR(e, "%s:%u: line longer than %d", name, lineno, ALIASES_LINE_MAX);
			break;
		}
		size_t j = 0;
		while (j < len && is_space(s[j]))
			j++;
		if (j == len || s[j] == '#')
			continue; /* blank or comment: does not end an entry */
		if (j > 0) {
			if (!entry_line) {
				rc = CFG_ERR(e, "%s:%u: continuation line without an entry", name,
					     lineno);
				break;
			}
			buf_addc(&entry, ' ');
			buf_add(&entry, s + j, len - j);
			if (!buf_ok(&entry))
				rc = CFG_ERR(e, "%s:%u: entry longer than %d", name, entry_line,
					     ALIASES_ENTRY_MAX);
			continue;
		}
		if (entry_line)
			rc = add_entry(a, &cap, entry.ptr, entry.len, entry_line, e);
		buf_reset(&entry);
		buf_add(&entry, s, len);
		entry_line = lineno;
	}
	if (rc == 0 && entry_line)
		rc = add_entry(a, &cap, entry.ptr, entry.len, entry_line, e);
	buf_free(&entry);
	if (rc < 0)
		return -1;
	if (a->n > 1)
		qsort(a->v, a->n, sizeof *a->v, cmp_alias);
	for (size_t k = 1; k < a->n; k++)
		if (!strcasecmp(a->v[k - 1].name, a->v[k].name))
			return CFG_ERR(e, "%s:%u: alias %s already defined on line %u", name,
				       a->v[k].line, a->v[k].name, a->v[k - 1].line);
	return 0;
}

int aliases_read_file(const char *path, size_t limit, struct buf *b, uid_t *owner,
		      struct mail_err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		err_sys(e, "%s", path);
		if (errno == ENOENT || errno == EACCES)
			e->ex = EX_CONFIG;
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		err_sys(e, "%s", path);
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return CFG_ERR(e, "%s: not a regular file", path);
	}
	if (owner)
		*owner = st.st_uid;
	buf_reset(b);
	int r = read_all(fd, b, limit), rc = 0;
	if (r == READ_ALL_ERR)
		rc = err_sys(e, "%s", path);
	else if (r == READ_ALL_TOOBIG)
		rc = CFG_ERR(e, "%s: larger than %zu bytes", path, limit);
	close(fd);
	return rc;
}

int aliases_load(struct aliases *a, const char *path, struct mail_err *e)
{
	memset(a, 0, sizeof *a);
	if (!path || !*path)
		return 0;
	struct buf b = BUF_INIT;
	int rc = aliases_read_file(path, (size_t)ALIASES_MAX * 256, &b, NULL, e);
	if (rc == 0)
		rc = aliases_parse(a, b.ptr ? b.ptr : "", b.len, path, e);
	buf_free(&b);
	return rc;
}

void aliases_free(struct aliases *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free(a->v[i].name);
		aliases_free_targets(a->v[i].t, a->v[i].nt);
	}
	free(a->v);
	a->v = NULL;
	a->n = 0;
}

static int cmp_name_alias(const void *key, const void *elem)
{
	return strcasecmp(key, ((const struct alias *)elem)->name);
}

const struct alias *aliases_find(const struct aliases *a, const char *name)
{
	return a->n ? bsearch(name, a->v, a->n, sizeof *a->v, cmp_name_alias) : NULL;
}
