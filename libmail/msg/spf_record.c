/* spf_record.c — reading an SPF record's terms (RFC 7208 §4.6.1, §5, §6,
 * §7.1, and the ABNF of §12); see spf_record.h. */
#include "msg/spf_record.h"

#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#define IP_TEXT_MAX 46  /* INET6_ADDRSTRLEN */

const char *spf_result_name(enum spf_result r)
{
	static const char *const names[] = { "none", "neutral", "pass", "fail", "softfail", "temperror", "permerror" };
	return r <= SPF_PERMERROR ? names[r] : "permerror";
}

static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int spf_record_is_spf(const char *txt, size_t len)
{
	return len >= 6 && !strncasecmp(txt, "v=spf1", 6) && (len == 6 || txt[6] == ' ');
}

/* One macro-expand at s[0..n) (s[0] == '%'): its length, or 0 when it is
 * not one ("%{...}" or one of the escapes %% %_ %-). */
static size_t macro_token(const char *s, size_t n, int explanation)
{
	if (n < 2)
		return 0;
	if (s[1] == '%' || s[1] == '_' || s[1] == '-')
		return 2;
	if (s[1] != '{' || n < 4)
		return 0;
	/* "%{" letter *DIGIT ["r"] *delimiter "}" */
	char letter = (char)(s[2] | 0x20);
	const char *letters = explanation ? "slodiphcrtv" : "slodiphv";
	if (!is_alpha(s[2]) || !strchr(letters, letter))
		return 0;
	size_t i = 3;
	size_t digits_at = i;
	while (i < n && is_digit(s[i]))
		i++;
	/* §7.3: the number of parts to keep must be nonzero */
	if (i > digits_at && (s[digits_at] == '0' || i - digits_at > 3))
		return 0;
	if (i < n && (s[i] == 'r' || s[i] == 'R'))
		i++;
	while (i < n && strchr(".-+,/_=", s[i]) && s[i])
		i++;
	return i < n && s[i] == '}' ? i + 1 : 0;
}

/* Walk a macro-string; 0 if valid. *ends_in_macro: whether its last token
 * is a macro-expand; *tail: where the literal text after it starts. */
static int macro_walk(const char *s, size_t n, int explanation, int *ends_in_macro, size_t *tail)
{
	*ends_in_macro = 0;
	*tail = 0;
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		if (c == '%') {
			size_t k = macro_token(s + i, n - i, explanation);
			if (!k)
				return -1;
			i += k;
			*ends_in_macro = 1;
			*tail = i;
			continue;
		}
		if (!(c >= 0x21 && c <= 0x7e) && !(explanation && c == ' '))
			return -1;
		*ends_in_macro = 0;
		i++;
	}
	return 0;
}

int spf_macro_string_valid(const char *s, size_t n, int explanation)
{
	int ends;
	size_t tail;
	return macro_walk(s, n, explanation, &ends, &tail) == 0;
}

/* toplabel = ( *alphanum ALPHA *alphanum ) /
 *            ( 1*alphanum "-" *( alphanum / "-" ) alphanum ) */
static int toplabel_valid(const char *s, size_t n)
{
	int alpha = 0, dash = 0;
	if (n == 0 || s[0] == '-' || s[n - 1] == '-')
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (is_alpha(s[i]))
			alpha = 1;
		else if (s[i] == '-')
			dash = 1;
		else if (!is_digit(s[i]))
			return 0;
	}
	return alpha || dash;
}

int spf_domain_spec_valid(const char *s, size_t n)
{
	int ends_in_macro;
	size_t tail;
	if (n == 0 || macro_walk(s, n, 0, &ends_in_macro, &tail) < 0)
		return 0;
	if (ends_in_macro)
		return 1;
	/* domain-end = "." toplabel [ "." ], in the literal text after the
	 * last macro */
	size_t end = n;
	if (end > tail && s[end - 1] == '.')
		end--;
	size_t dot = end;
	while (dot > tail && s[dot - 1] != '.')
		dot--;
	if (dot == tail || s[dot - 1] != '.')
		return 0;
	return toplabel_valid(s + dot, end - dot);
}

/* ip4-cidr-length / ip6-cidr-length digits: "0" or no leading zero. */
static int cidr_value(const char *s, size_t n, int max)
{
	int v = 0;
	if (n == 0 || n > 3 || (n > 1 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v <= max ? v : -1;
}

/* Split a trailing "/digits" off arg[0..*n): the digits' offset, or 0 if
 * there is none. */
static size_t trailing_slash_digits(const char *arg, size_t n)
{
	size_t i = n;
	while (i > 0 && is_digit(arg[i - 1]))
		i--;
	return i < n && i > 0 && arg[i - 1] == '/' ? i : 0;
}

/* dual-cidr-length = [ ip4-cidr-length ] [ "/" ip6-cidr-length ], taken
 * off the end of arg[0..*n). */
static int dual_cidr(const char *arg, size_t *n, struct spf_term *t)
{
	size_t d = trailing_slash_digits(arg, *n);
	if (d >= 2 && arg[d - 2] == '/') {
		if ((t->cidr6 = cidr_value(arg + d, *n - d, 128)) < 0)
			return -1;
		*n = d - 2;
		d = trailing_slash_digits(arg, *n);
	}
	if (d) {
		if ((t->cidr4 = cidr_value(arg + d, *n - d, 32)) < 0)
			return -1;
		*n = d - 1;
	}
	return 0;
}

/* ":" domain-spec (required or optional) in arg[0..n). */
static int domain_arg(const char *arg, size_t n, int required, struct spf_term *t)
{
	if (n == 0)
		return required ? -1 : 0;
	if (arg[0] != ':' || !spf_domain_spec_valid(arg + 1, n - 1))
		return -1;
	t->spec = arg + 1;
	t->spec_len = n - 1;
	return 0;
}

/* ":" address [ "/" cidr ] for ip4 (family 4) or ip6. */
static int ip_arg(const char *arg, size_t n, int v6, struct spf_term *t)
{
	char text[IP_TEXT_MAX];
	if (n < 2 || arg[0] != ':')
		return -1;
	arg++;
	n--;
	size_t d = trailing_slash_digits(arg, n);
	if (d) {
		int c = cidr_value(arg + d, n - d, v6 ? 128 : 32);
		if (c < 0)
			return -1;
		*(v6 ? &t->cidr6 : &t->cidr4) = c;
		n = d - 1;
	}
	if (n == 0 || n >= sizeof text || memchr(arg, '/', n))
		return -1;
	memcpy(text, arg, n);
	text[n] = '\0';
	return inet_pton(v6 ? AF_INET6 : AF_INET, text, t->ip) == 1 ? 0 : -1;
}

static int name_is(const char *s, size_t n, const char *name)
{
	return n == strlen(name) && !strncasecmp(s, name, n);
}

/* A modifier: name "=" value, name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ). */
static int parse_modifier(const char *s, size_t n, struct spf_term *t, const char **why)
{
	size_t eq = 0;
	while (eq < n && (is_alpha(s[eq]) || (eq > 0 && (is_digit(s[eq]) || strchr("-_.", s[eq])))))
		eq++;
	if (eq == 0 || eq == n || s[eq] != '=')
		return 0; /* not a modifier */
	t->spec = s + eq + 1;
	t->spec_len = n - eq - 1;
	if (name_is(s, eq, "redirect") || name_is(s, eq, "exp")) {
		t->kind = name_is(s, eq, "exp") ? SPF_EXP : SPF_REDIRECT;
		if (!spf_domain_spec_valid(t->spec, t->spec_len)) {
			*why = t->kind == SPF_EXP ? "exp= needs a domain-spec" : "redirect= needs a domain-spec";
			return -1;
		}
		return 1;
	}
	t->kind = SPF_UNKNOWN_MODIFIER;
	if (!spf_macro_string_valid(t->spec, t->spec_len, 0)) {
		*why = "a modifier's value is not a valid macro-string";
		return -1;
	}
	return 1;
}

static int parse_mechanism(const char *s, size_t n, struct spf_term *t, const char **why)
{
	static const struct {
		const char *name;
		enum spf_term_kind kind;
	} mechs[] = { { "all", SPF_ALL }, { "include", SPF_INCLUDE }, { "a", SPF_A },     { "mx", SPF_MX },
		      { "ptr", SPF_PTR }, { "ip4", SPF_IP4 },         { "ip6", SPF_IP6 }, { "exists", SPF_EXISTS } };
	t->qualifier = SPF_PASS;
	if (n > 0 && strchr("+-~?", s[0])) {
		t->qualifier = s[0] == '-' ? SPF_FAIL : s[0] == '~' ? SPF_SOFTFAIL : s[0] == '?' ? SPF_NEUTRAL : SPF_PASS;
		s++;
		n--;
	}
	size_t name_len = 0;
	while (name_len < n && s[name_len] != ':' && s[name_len] != '/')
		name_len++;
	const char *arg = s + name_len;
	size_t arg_len = n - name_len;
	size_t m = 0;
	while (m < sizeof mechs / sizeof mechs[0] && !name_is(s, name_len, mechs[m].name))
		m++;
	if (m == sizeof mechs / sizeof mechs[0]) {
		*why = "unknown mechanism";
		return -1;
	}
	t->kind = mechs[m].kind;
	int bad = 0;
	switch (t->kind) {
	case SPF_ALL:
		bad = arg_len != 0;
		break;
	case SPF_INCLUDE:
	case SPF_EXISTS:
		bad = domain_arg(arg, arg_len, 1, t) < 0;
		break;
	case SPF_PTR:
		bad = domain_arg(arg, arg_len, 0, t) < 0;
		break;
	case SPF_A:
	case SPF_MX:
		bad = dual_cidr(arg, &arg_len, t) < 0 || domain_arg(arg, arg_len, 0, t) < 0;
		break;
	case SPF_IP4:
	case SPF_IP6:
		bad = ip_arg(arg, arg_len, t->kind == SPF_IP6, t) < 0;
		break;
	default:
		break;
	}
	if (bad)
		*why = "bad argument to a mechanism";
	return bad ? -1 : 1;
}

int spf_term_next(const char *rec, size_t len, size_t *pos, struct spf_term *t, const char **why)
{
	size_t i = *pos < 6 ? 6 : *pos;
	while (i < len && rec[i] == ' ')
		i++;
	if (i >= len) {
		*pos = len;
		return 0;
	}
	size_t start = i;
	while (i < len && rec[i] != ' ') {
		unsigned char c = (unsigned char)rec[i];
		if (c < 0x21 || c > 0x7e) {
			*why = "a control character or non-ASCII octet in the record";
			return -1;
		}
		i++;
	}
	*pos = i;
	memset(t, 0, sizeof *t);
	t->text = rec + start;
	t->text_len = i - start;
	t->cidr4 = 32;
	t->cidr6 = 128;
	int r = parse_modifier(rec + start, i - start, t, why);
	if (r != 0)
		return r;
	return parse_mechanism(rec + start, i - start, t, why);
}

int spf_record_check(const char *rec, size_t len, const char **why)
{
	size_t pos = 0;
	int redirects = 0, exps = 0, r;
	struct spf_term t;
	while ((r = spf_term_next(rec, len, &pos, &t, why)) == 1) {
		redirects += t.kind == SPF_REDIRECT;
		exps += t.kind == SPF_EXP;
	}
	if (r < 0)
		return -1;
	if (redirects > 1 || exps > 1) {
		*why = redirects > 1 ? "redirect= appears twice" : "exp= appears twice";
		return -1;
	}
	return 0;
}
