/* smtp_cmd.c — MAIL/RCPT argument and parameter parsing; see smtp_cmd.h. */
#include "msg/smtp_cmd.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"

int smtp_split_verb(const char *line, size_t n, char *verb, size_t cap, const char **arg,
		    size_t *arglen)
{
	size_t i = 0;
	while (i < n && isalpha((unsigned char)line[i]))
		i++;
	if (i == 0 || i >= cap || (i < n && line[i] != ' '))
		return -1;
	for (size_t k = 0; k < i; k++)
		verb[k] = (char)toupper((unsigned char)line[k]);
	verb[i] = '\0';
	size_t a = i < n ? i + 1 : i;
	*arg = line + a;
	*arglen = n - a;
	return (int)i;
}

int xtext_valid(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '+') {
			if (i + 2 >= n || !isxdigit((unsigned char)s[i + 1]) || !isxdigit((unsigned char)s[i + 2]) ||
			    islower((unsigned char)s[i + 1]) || islower((unsigned char)s[i + 2]))
				return 0;
			i += 2;
		} else if (c < 33 || c > 126 || c == '=') {
			return 0;
		}
	}
	return n > 0;
}

int smtp_helo_valid(const char *s, size_t n)
{
	if (n == 0 || n > 255)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		/* Letters, digits, dots, hyphens and the brackets and colons of an
		 * address literal; underscores are common in the wild. */
		if (!isalnum(c) && !strchr(".-_[]:", c))
			return 0;
	}
	return 1;
}

static int syntax(struct mail_err *e, const char *why)
{
	return err_set(e, EX_DATAERR, 501, "5.5.4", "%s", why);
}

/* "FROM:" / "TO:" then the path; returns the path's length, the path
 * starting at *path. The path ends at the '>' that is not inside quotes. */
static int take_path(const char *s, size_t n, const char *keyword, const char **path,
		     size_t *plen, struct mail_err *e)
{
	size_t kl = strlen(keyword);
	if (n < kl || strncasecmp(s, keyword, kl))
		return syntax(e, keyword[0] == 'F' ? "Syntax: MAIL FROM:<address>" : "Syntax: RCPT TO:<address>");
	size_t i = kl;
	while (i < n && s[i] == ' ')
		i++;
	if (i >= n || s[i] != '<')
		return syntax(e, "address must be enclosed in <>");
	size_t start = i;
	int quoted = 0;
	for (i++; i < n; i++) {
		if (quoted && s[i] == '\\' && i + 1 < n)
			i++;
		else if (s[i] == '"')
			quoted = !quoted;
		else if (!quoted && s[i] == '>')
			break;
	}
	if (i >= n)
		return syntax(e, "unbalanced <>");
	*path = s + start;
	*plen = i + 1 - start;
	return 0;
}

/* The keyword, the path parsed as an address, and nothing but a space or
 * the end after it: what MAIL and RCPT share. */
static int take_address(const char *s, size_t n, const char *keyword, unsigned opts, struct mailbox *m,
			const char **path, size_t *plen, struct mail_err *e)
{
	if (take_path(s, n, keyword, path, plen, e) < 0 || addr_parse(*path, *plen, opts, m, e) < 0)
		return -1;
	const char *after = *path + *plen;
	if (after < s + n && *after != ' ')
		return syntax(e, "junk after the address");
	return 0;
}

/* Iterate the space-separated "KEY[=VALUE]" parameters after the path. */
struct param {
	const char *key, *val;
	size_t klen, vlen;
};

static int next_param(const char **s, const char *end, struct param *p)
{
	while (*s < end && **s == ' ')
		(*s)++;
	if (*s >= end)
		return 0;
	const char *start = *s;
	while (*s < end && **s != ' ')
		(*s)++;
	const char *eq = memchr(start, '=', (size_t)(*s - start));
	p->key = start;
	p->klen = eq ? (size_t)(eq - start) : (size_t)(*s - start);
	p->val = eq ? eq + 1 : *s;
	p->vlen = eq ? (size_t)(*s - eq - 1) : 0;
	return 1;
}

static int key_is(const struct param *p, const char *k)
{
	return p->klen == strlen(k) && !strncasecmp(p->key, k, p->klen);
}

static int val_is(const struct param *p, const char *v)
{
	return p->vlen == strlen(v) && !strncasecmp(p->val, v, p->vlen);
}

/* RFC 1869 §6: a keyword appears at most once in a command. Returns -1
 * (501 5.5.4) for the second BODY=, SIZE=... ; known lists the keywords
 * this command knows, seen remembers which came. */
static int once(const struct param *p, const char *const *known, size_t nknown, unsigned *seen,
		struct mail_err *e)
{
	for (size_t i = 0; i < nknown; i++) {
		if (!key_is(p, known[i]))
			continue;
		if (*seen & (1u << i))
			return err_set(e, EX_DATAERR, 501, "5.5.4", "Parameter %s given twice", known[i]);
		*seen |= 1u << i;
	}
	return 0;
}

static int unknown(struct mail_err *e, const struct param *p)
{
	return err_set(e, EX_DATAERR, 555, "5.5.4", "Unsupported parameter %.*s",
		       (int)(p->klen > 40 ? 40 : p->klen), p->key);
}

int smtp_parse_mail(const char *s, size_t n, struct mailbox *m, struct smtp_mail_params *p,
		    struct mail_err *e)
{
	const char *path = s, *end = s + n;
	size_t plen = 0;
	memset(p, 0, sizeof *p);
	p->size = -1;
	if (take_address(s, n, "FROM:", ADDR_ALLOW_NULL, m, &path, &plen, e) < 0) {
		if (!strcmp(e->status, "5.1.3"))
			str_copy(e->status, sizeof e->status, "5.1.7", 5);
		return -1;
	}
	static const char *const known[] = { "SIZE", "BODY", "SMTPUTF8", "RET", "ENVID", "AUTH" };
	unsigned seen = 0;
	const char *cur = path + plen;
	struct param pr;
	while (next_param(&cur, end, &pr)) {
		if (once(&pr, known, sizeof known / sizeof *known, &seen, e) < 0)
			return -1;
		if (key_is(&pr, "SIZE")) {
			char num[24];
			char *stop;
			if (!pr.vlen || pr.vlen >= sizeof num)
				return syntax(e, "bad SIZE parameter");
			memcpy(num, pr.val, pr.vlen);
			num[pr.vlen] = '\0';
			for (size_t i = 0; i < pr.vlen; i++)
				if (!isdigit((unsigned char)num[i]))
					return syntax(e, "bad SIZE parameter");
			p->size = strtoll(num, &stop, 10);
		} else if (key_is(&pr, "BODY")) {
			if (val_is(&pr, "7BIT"))
				p->body = BODY_7BIT;
			else if (val_is(&pr, "8BITMIME"))
				p->body = BODY_8BITMIME;
			else if (val_is(&pr, "BINARYMIME"))
				p->body = BODY_BINARYMIME;
			else
				return syntax(e, "BODY must be 7BIT, 8BITMIME or BINARYMIME");
		} else if (key_is(&pr, "SMTPUTF8") && !pr.vlen && pr.val == cur) {
			p->smtputf8 = 1;
		} else if (key_is(&pr, "RET")) {
			if (val_is(&pr, "FULL"))
				p->ret = RET_FULL;
			else if (val_is(&pr, "HDRS"))
				p->ret = RET_HDRS;
			else
				return syntax(e, "RET must be FULL or HDRS");
		} else if (key_is(&pr, "ENVID")) {
			if (pr.vlen > ENV_ENVID_MAX || !xtext_valid(pr.val, pr.vlen))
				return syntax(e, "bad ENVID parameter");
			memcpy(p->envid, pr.val, pr.vlen);
			p->envid[pr.vlen] = '\0';
		} else if (key_is(&pr, "AUTH")) {
			/* RFC 4954 §5: accepted; the identity is ours to decide. */
			if (!pr.vlen)
				return syntax(e, "bad AUTH parameter");
		} else {
			return unknown(e, &pr);
		}
	}
	if ((m->flags & MBOX_UTF8) && !p->smtputf8)
		return err_set(e, EX_DATAERR, 553, "5.6.7", "Non-ASCII address needs SMTPUTF8");
	return 0;
}

static int parse_notify(const struct param *pr, unsigned *out)
{
	unsigned bits = 0;
	const char *s = pr->val, *end = pr->val + pr->vlen;
	while (s < end) {
		const char *comma = memchr(s, ',', (size_t)(end - s));
		size_t len = comma ? (size_t)(comma - s) : (size_t)(end - s);
		if (len == 5 && !strncasecmp(s, "NEVER", 5))
			bits |= NOTIFY_NEVER;
		else if (len == 7 && !strncasecmp(s, "SUCCESS", 7))
			bits |= NOTIFY_SUCCESS;
		else if (len == 7 && !strncasecmp(s, "FAILURE", 7))
			bits |= NOTIFY_FAILURE;
		else if (len == 5 && !strncasecmp(s, "DELAY", 5))
			bits |= NOTIFY_DELAY;
		else
			return -1;
		s += len + (comma ? 1 : 0);
		if (comma && s == end)
			return -1;
	}
	if (!bits || ((bits & NOTIFY_NEVER) && bits != NOTIFY_NEVER))
		return -1;
	*out = bits;
	return 0;
}

/* RFC 5321 §4.1.1.3: "RCPT TO:<Postmaster>" without a domain must be
 * accepted (the caller gives it the primary domain). */
static int is_bare_postmaster(const char *s, size_t n, struct mailbox *m, const char **path, size_t *plen)
{
	struct mail_err ignored;
	if (take_path(s, n, "TO:", path, plen, &ignored) < 0 || *plen != 12 ||
	    strncasecmp(*path, "<postmaster>", 12))
		return 0;
	const char *after = *path + *plen;
	if (after < s + n && *after != ' ')
		return 0;
	memset(m, 0, sizeof *m);
	memcpy(m->local, "postmaster", 11);
	m->flags = MBOX_NODOMAIN;
	return 1;
}

int smtp_parse_rcpt(const char *s, size_t n, struct mailbox *m, struct smtp_rcpt_params *p,
		    struct mail_err *e)
{
	const char *path = s, *end = s + n;
	size_t plen = 0;
	memset(p, 0, sizeof *p);
	if (take_address(s, n, "TO:", 0, m, &path, &plen, e) < 0 && !is_bare_postmaster(s, n, m, &path, &plen))
		return -1;
	static const char *const known[] = { "NOTIFY", "ORCPT" };
	unsigned seen = 0;
	const char *cur = path + plen;
	struct param pr;
	while (next_param(&cur, end, &pr)) {
		if (once(&pr, known, sizeof known / sizeof *known, &seen, e) < 0)
			return -1;
		if (key_is(&pr, "NOTIFY")) {
			if (parse_notify(&pr, &p->notify) < 0)
				return syntax(e, "NOTIFY must be NEVER or a list of SUCCESS, FAILURE, DELAY");
		} else if (key_is(&pr, "ORCPT")) {
			const char *semi = memchr(pr.val, ';', pr.vlen);
			if (!semi || semi == pr.val || pr.vlen > ENV_ORCPT_MAX ||
			    !xtext_valid(semi + 1, (size_t)(pr.val + pr.vlen - semi - 1)))
				return syntax(e, "ORCPT must be addr-type;xtext");
			for (const char *t = pr.val; t < semi; t++)
				if (!isalnum((unsigned char)*t) && *t != '-')
					return syntax(e, "ORCPT must be addr-type;xtext");
			memcpy(p->orcpt, pr.val, pr.vlen);
			p->orcpt[pr.vlen] = '\0';
		} else {
			return unknown(e, &pr);
		}
	}
	return 0;
}
