/* chat_script.c — the chat-script language; see chat_script.h. */
#include "chat/chat_script.h"

#include "base/hex.h"

#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
	const char *name;
	enum chat_verb verb;
	int arg;              /* 1 required, 0 optional, -1 none */
} verbs[] = {
	{ "send", CV_SEND, 1 },       { "send-raw", CV_SEND_RAW, 1 }, { "expect", CV_EXPECT, 1 },
	{ "ehlo", CV_EHLO, 0 },       { "starttls", CV_STARTTLS, -1 }, { "auth", CV_AUTH, 0 },
	{ "message", CV_MESSAGE, -1 }, { "sleep", CV_SLEEP, 1 },      { "repeat", CV_REPEAT, 1 },
	{ "end", CV_END, -1 },        { "set", CV_SET, 1 },           { "close", CV_CLOSE, -1 },
};

const char *chat_verb_name(enum chat_verb v)
{
	for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		if (verbs[i].verb == v)
			return verbs[i].name;
	return "?";
}

void chat_script_free(struct chat_script *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->steps[i].arg);
	free(s->steps);
	s->steps = NULL;
	s->n = 0;
}

static int add_step(struct chat_script *s, enum chat_verb v, int line, const char *arg,
		    size_t alen, struct mail_err *e)
{
	if (s->n >= CHAT_SCRIPT_MAX_STEPS)
		return err_set(e, EX_DATAERR, 0, "", "line %d: more than %d statements", line,
			       CHAT_SCRIPT_MAX_STEPS);
	if ((s->n & (s->n - 1)) == 0) { /* grow at powers of two */
		struct chat_step *p = realloc(s->steps, (s->n ? s->n * 2 : 1) * sizeof *p);
		if (!p)
			return err_sys(e, "script");
		s->steps = p;
	}
	struct chat_step *st = &s->steps[s->n];
	st->verb = v;
	st->line = line;
	st->jump = 0;
	st->arg = strndup(arg, alen);
	if (!st->arg)
		return err_sys(e, "script");
	s->n++;
	return 0;
}

int chat_script_parse(struct chat_script *s, const char *text, size_t n, struct mail_err *e)
{
	size_t stack[CHAT_SCRIPT_MAX_DEPTH] = { 0 };
	int stack_line[CHAT_SCRIPT_MAX_DEPTH] = { 0 };
	size_t depth = 0;
	int line = 0;
	s->steps = NULL;
	s->n = 0;
	if (memchr(text, '\0', n)) {
		err_set(e, EX_DATAERR, 0, "", "the script holds a NUL byte");
		return -1;
	}
	for (size_t pos = 0; pos < n;) {
		const char *l = text + pos;
		const char *nl = memchr(l, '\n', n - pos);
		size_t len = nl ? (size_t)(nl - l) : n - pos;
		pos += len + (nl != NULL);
		line++;
		while (len && (l[len - 1] == '\r'))
			len--;
		while (len && (*l == ' ' || *l == '\t'))
			l++, len--;
		if (!len || *l == '#')
			continue;
		size_t w = 0;
		while (w < len && l[w] != ' ' && l[w] != '\t')
			w++;
		const char *arg = l + w;
		size_t alen = len - w;
		if (alen) /* one blank separates verb and argument; the rest is kept */
			arg++, alen--;
		size_t i;
		for (i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
			if (strlen(verbs[i].name) == w && !strncasecmp(l, verbs[i].name, w))
				break;
		if (i == sizeof verbs / sizeof verbs[0]) {
			err_set(e, EX_DATAERR, 0, "", "line %d: unknown verb \"%.*s\"", line,
				(int)(w > 40 ? 40 : w), l);
			goto fail;
		}
		if (verbs[i].arg == 1 && !alen) {
			err_set(e, EX_DATAERR, 0, "", "line %d: %s needs an argument", line, verbs[i].name);
			goto fail;
		}
		if (verbs[i].arg == -1 && alen) {
			err_set(e, EX_DATAERR, 0, "", "line %d: %s takes no argument", line, verbs[i].name);
			goto fail;
		}
		if (verbs[i].verb == CV_END) {
			if (!depth) {
				err_set(e, EX_DATAERR, 0, "", "line %d: end without repeat", line);
				goto fail;
			}
			size_t open = stack[--depth];
			s->steps[open].jump = s->n;
			if (add_step(s, CV_END, line, "", 0, e) < 0)
				goto fail;
			s->steps[s->n - 1].jump = open;
			continue;
		}
		if (add_step(s, verbs[i].verb, line, arg, alen, e) < 0)
			goto fail;
		if (verbs[i].verb == CV_REPEAT) {
			if (depth == CHAT_SCRIPT_MAX_DEPTH) {
				err_set(e, EX_DATAERR, 0, "", "line %d: repeat nested deeper than %d",
					line, CHAT_SCRIPT_MAX_DEPTH);
				goto fail;
			}
			stack_line[depth] = line;
			stack[depth++] = s->n - 1;
		}
	}
	if (depth) {
		err_set(e, EX_DATAERR, 0, "", "line %d: repeat without end", stack_line[depth - 1]);
		goto fail;
	}
	return 0;
fail:
	chat_script_free(s);
	return -1;
}

/* --- variables --- */

void chat_vars_free(struct chat_vars *v)
{
	for (size_t i = 0; i < v->n; i++) {
		free(v->name[i]);
		free(v->value[i]);
	}
	v->n = 0;
}

static int valid_name(const char *s, size_t n)
{
	if (!n || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return 0;
	return 1;
}

int chat_vars_set(struct chat_vars *v, const char *name, size_t nlen, const char *value,
		  struct mail_err *e)
{
	if (!valid_name(name, nlen))
		return err_set(e, EX_DATAERR, 0, "", "bad variable name \"%.*s\"", (int)nlen, name);
	char *val = strdup(value);
	if (!val)
		return err_sys(e, "variables");
	for (size_t i = 0; i < v->n; i++) {
		if (strlen(v->name[i]) == nlen && !memcmp(v->name[i], name, nlen)) {
			free(v->value[i]);
			v->value[i] = val;
			return 0;
		}
	}
	if (v->n >= CHAT_VARS_MAX) {
		free(val);
		return err_set(e, EX_DATAERR, 0, "", "more than %d variables", CHAT_VARS_MAX);
	}
	v->name[v->n] = strndup(name, nlen);
	if (!v->name[v->n]) {
		free(val);
		return err_sys(e, "variables");
	}
	v->value[v->n++] = val;
	return 0;
}

int chat_vars_assign(struct chat_vars *v, const char *a, struct mail_err *e)
{
	const char *eq = strchr(a, '=');
	if (!eq)
		return err_set(e, EX_USAGE, 0, "", "--var %s: not NAME=VALUE", a);
	return chat_vars_set(v, a, (size_t)(eq - a), eq + 1, e);
}

int chat_expand(const struct chat_vars *v, const char *s, struct buf *out, struct mail_err *e)
{
	for (const char *p = s; *p;) {
		const char *d = strchr(p, '$');
		if (!d) {
			buf_adds(out, p);
			break;
		}
		buf_add(out, p, (size_t)(d - p));
		if (d[1] == '$') {
			buf_addc(out, '$');
			p = d + 2;
			continue;
		}
		const char *close = d[1] == '{' ? strchr(d + 2, '}') : NULL;
		if (!close) {
			buf_addc(out, '$');
			p = d + 1;
			continue;
		}
		size_t nlen = (size_t)(close - d - 2);
		size_t i;
		for (i = 0; i < v->n; i++)
			if (strlen(v->name[i]) == nlen && !memcmp(v->name[i], d + 2, nlen))
				break;
		if (i == v->n)
			return err_set(e, EX_DATAERR, 0, "", "unknown variable ${%.*s}",
				       (int)(nlen > 40 ? 40 : nlen), d + 2);
		buf_adds(out, v->value[i]);
		p = close + 1;
	}
	return buf_ok(out) ? 0 : err_set(e, EX_SOFTWARE, 0, "", "out of memory");
}

int chat_unescape(const char *s, size_t n, struct buf *out, struct mail_err *e)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\\') {
			buf_addc(out, s[i]);
			continue;
		}
		if (++i == n)
			return err_set(e, EX_DATAERR, 0, "", "a lone backslash at the end");
		switch (s[i]) {
		case 'r': buf_addc(out, '\r'); break;
		case 'n': buf_addc(out, '\n'); break;
		case 't': buf_addc(out, '\t'); break;
		case '0': buf_addc(out, '\0'); break;
		case '\\': buf_addc(out, '\\'); break;
		case 'x': {
			int hi = i + 1 < n ? hex_value(s[i + 1]) : -1;
			int lo = i + 2 < n ? hex_value(s[i + 2]) : -1;
			if (hi < 0 || lo < 0)
				return err_set(e, EX_DATAERR, 0, "", "\\x needs two hex digits");
			buf_addc(out, (char)(hi * 16 + lo));
			i += 2;
			break;
		}
		default:
			return err_set(e, EX_DATAERR, 0, "", "unknown escape \\%c", s[i]);
		}
	}
	return buf_ok(out) ? 0 : err_set(e, EX_SOFTWARE, 0, "", "out of memory");
}

/* --- expectations --- */

void chat_expect_free(struct chat_expect *x)
{
	free(x->text);
	if (x->regex) {
		regfree(x->regex);
		free(x->regex);
	}
	memset(x, 0, sizeof *x);
}

static int parse_codes(struct chat_expect *x, const char *s, size_t n, struct mail_err *e)
{
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && s[j] != '|')
			j++;
		size_t len = j - i;
		if (len < 1 || len > 3 || x->ncodes == 8)
			return err_set(e, EX_DATAERR, 0, "", "expect: bad code \"%.*s\"", (int)n, s);
		char *c = x->codes[x->ncodes++];
		for (size_t k = 0; k < 3; k++) {
			char ch = k < len ? s[i + k] : 'x';
			if (ch == 'X')
				ch = 'x';
			if (!isdigit((unsigned char)ch) && ch != 'x')
				return err_set(e, EX_DATAERR, 0, "", "expect: bad code \"%.*s\"", (int)n, s);
			c[k] = ch;
		}
		c[3] = '\0';
		if (c[0] != 'x' && (c[0] < '2' || c[0] > '5'))
			return err_set(e, EX_DATAERR, 0, "", "expect: bad code \"%.*s\"", (int)n, s);
		i = j + 1;
	}
	return 0;
}

/* glibc's regcomp builds an automaton whose size multiplies with stacked
 * and nested repetitions and with {n,m} bounds: "a++++++++++++++++++++"
 * alone took 718 MB. A chat script matches reply text, which needs none of
 * that, so a pattern is refused (why says why) when it is longer than
 * CHAT_REGEX_MAX, repeats a repetition ("a**", "(a+)*"), or has a bound
 * over CHAT_REGEX_BOUND_MAX. Then regcomp's work stays small and linear. */
#define CHAT_REGEX_MAX 256
#define CHAT_REGEX_BOUND_MAX 100
#define CHAT_REGEX_DEPTH_MAX 16

static int regex_bounded(const char *p, size_t n, char *why, size_t cap)
{
	int group_has_rep[CHAT_REGEX_DEPTH_MAX + 1] = { 0 };
	int depth = 0, prev_rep = 0, prev_group_rep = 0;
	if (n > CHAT_REGEX_MAX) {
		snprintf(why, cap, "longer than %d characters", CHAT_REGEX_MAX);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		int rep = c == '*' || c == '+' || c == '?' || c == '{';
		if (rep) {
			if (prev_rep || prev_group_rep) {
				snprintf(why, cap, "a repetition of a repetition at offset %zu", i);
				return -1;
			}
			if (c == '{') {
				size_t j = i + 1;
				long bound = 0;
				while (j < n && p[j] != '}') {
					if (p[j] >= '0' && p[j] <= '9') {
						bound = bound * 10 + (p[j] - '0');
						if (bound > CHAT_REGEX_BOUND_MAX) {
							snprintf(why, cap, "a bound over %d at offset %zu", CHAT_REGEX_BOUND_MAX, i);
							return -1;
						}
					} else if (p[j] == ',') {
						bound = 0;
					}
					j++;
				}
				i = j;
			}
			group_has_rep[depth] = 1;
			prev_rep = 1;
			prev_group_rep = 0;
			continue;
		}
		prev_rep = prev_group_rep = 0;
		if (c == '\\') {
			i++; /* the escaped character is a literal */
		} else if (c == '[') {
			/* a bracket expression: literal up to its ']' (one may come first) */
			size_t j = i + 1;
			if (j < n && p[j] == '^')
				j++;
			if (j < n && p[j] == ']')
				j++;
			while (j < n && p[j] != ']')
				j++;
			i = j;
		} else if (c == '(') {
			if (depth == CHAT_REGEX_DEPTH_MAX) {
				snprintf(why, cap, "groups nested deeper than %d", CHAT_REGEX_DEPTH_MAX);
				return -1;
			}
			group_has_rep[++depth] = 0;
		} else if (c == ')' && depth > 0) {
			/* a group with a repetition inside may not be repeated */
			prev_group_rep = group_has_rep[depth--];
			group_has_rep[depth] |= prev_group_rep;
		}
	}
	return 0;
}

static int parse_regex(struct chat_expect *x, const char *s, struct mail_err *e)
{
	size_t n = strlen(s);
	char why[80];
	if (n < 2 || s[n - 1] != '/')
		return err_set(e, EX_DATAERR, 0, "", "expect: regex \"%s\" lacks its closing /", s);
	if (regex_bounded(s + 1, n - 2, why, sizeof why) < 0)
		return err_set(e, EX_DATAERR, 0, "", "expect: regex refused (%s): a reply needs no such pattern",
			       why);
	char *pat = strndup(s + 1, n - 2);
	x->regex = malloc(sizeof(regex_t));
	if (!pat || !x->regex) {
		free(pat);
		return err_sys(e, "expect");
	}
	int r = regcomp(x->regex, pat, REG_EXTENDED | REG_NOSUB | REG_ICASE | REG_NEWLINE);
	free(pat);
	if (r != 0) {
		free(x->regex);
		x->regex = NULL;
		return err_set(e, EX_DATAERR, 0, "", "expect: bad regex %s", s);
	}
	return 0;
}

int chat_expect_parse(struct chat_expect *x, const char *spec, struct mail_err *e)
{
	memset(x, 0, sizeof *x);
	if (!strcasecmp(spec, "closed")) {
		x->closed = 1;
		return 0;
	}
	const char *rest = spec;
	if (spec[0] != '/') {
		size_t w = strcspn(spec, " \t");
		if (parse_codes(x, spec, w, e) < 0)
			return -1;
		rest = spec + w;
		rest += strspn(rest, " \t");
	}
	if (!*rest)
		return 0;
	if (rest[0] == '/')
		return parse_regex(x, rest, e);
	x->text = strdup(rest);
	return x->text ? 0 : err_sys(e, "expect");
}

int chat_expect_match(const struct chat_expect *x, int code, const char *text, size_t n)
{
	if (x->closed || code == 0)
		return x->closed && code == 0;
	if (x->ncodes) {
		char c[4] = { (char)('0' + code / 100), (char)('0' + code / 10 % 10),
			      (char)('0' + code % 10), 0 };
		size_t i;
		for (i = 0; i < x->ncodes; i++) {
			const char *p = x->codes[i];
			if ((p[0] == 'x' || p[0] == c[0]) && (p[1] == 'x' || p[1] == c[1]) &&
			    (p[2] == 'x' || p[2] == c[2]))
				break;
		}
		if (i == x->ncodes)
			return 0;
	}
	if (x->text || x->regex) {
		char *t = strndup(text, n);
		if (!t)
			return 0;
		int ok = x->text ? strcasestr(t, x->text) != NULL
				 : regexec(x->regex, t, 0, NULL, 0) == 0;
		free(t);
		return ok;
	}
	return 1;
}
