/* spf.c — check_host() of RFC 7208 §4: the record, its mechanisms and
 * modifiers, the processing limits and the explanation; see spf.h. */
#include "auth/spf.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "msg/spf_macro.h"
#include "net/dns_records.h"

#define NAME_BUF_MAX 1024   /* an expanded domain-spec before trimming */

struct spf_eval {
	struct dns *dns;
	int family;                       /* after unmapping ::ffff:a.b.c.d */
	unsigned char ip[16];
	char ip_dotted[72];               /* %{i}: "1.2.3.4", or 32 dotted nibbles */
	char ip_text[INET6_ADDRSTRLEN];   /* %{c} */
	char timestamp[24];               /* %{t} */
	const char *sender, *local, *sender_domain, *helo, *receiver;
	const char *domain;               /* %{d}: the domain being evaluated */
	char validated[DNS_NAME_MAX];     /* %{p}, for `domain` */
	int lookups, voids;
	long long deadline_ms;
	struct spf_verdict *v;
};

enum match { NO_MATCH, MATCH, ERROR };

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void say(struct spf_eval *ev, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct spf_eval *ev, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ev->v->reason, sizeof ev->v->reason, fmt, ap);
	va_end(ap);
}

/* Record an error result and its reason; ERROR for the caller to return. */
static enum match error(struct spf_eval *ev, enum spf_result r, enum spf_result *out, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static enum match error(struct spf_eval *ev, enum spf_result r, enum spf_result *out, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ev->v->reason, sizeof ev->v->reason, fmt, ap);
	va_end(ap);
	*out = r;
	return ERROR;
}

/* One lookup, inside the time limit; a temporary failure says why. */
static enum dns_outcome lookup(struct spf_eval *ev, const char *name, int qtype, struct dns_reply *rep)
{
	struct mail_err e;
	dns_reply_clear(rep);
	if (now_ms() > ev->deadline_ms) {
		say(ev, "the evaluation took longer than %d seconds", SPF_TIME_LIMIT);
		return DNS_TEMPFAIL;
	}
	enum dns_outcome o = dns_lookup(ev->dns, name, qtype, rep, &e);
	if (o == DNS_TEMPFAIL)
		say(ev, "%s", e.msg);
	return o;
}

/* The lookups that count against §4.6.4's limit of 10. */
static int count_lookup(struct spf_eval *ev, enum spf_result *out)
{
	if (++ev->lookups > SPF_LOOKUP_LIMIT)
		return error(ev, SPF_PERMERROR, out, "more than %d DNS lookups", SPF_LOOKUP_LIMIT), -1;
	return 0;
}

static int count_void(struct spf_eval *ev, enum dns_outcome o, const char *name, enum spf_result *out)
{
	if ((o == DNS_NXDOMAIN || o == DNS_NODATA) && ++ev->voids > SPF_VOID_LIMIT)
		return error(ev, SPF_PERMERROR, out, "more than %d void lookups (the last: %s)", SPF_VOID_LIMIT,
			     name),
		       -1;
	return 0;
}

static int prefix_match(const unsigned char *a, const unsigned char *b, int bits)
{
	int whole = bits / 8, rest = bits % 8;
	if (memcmp(a, b, (size_t)whole))
		return 0;
	return rest == 0 || ((a[whole] ^ b[whole]) & (0xff00 >> rest) & 0xff) == 0;
}

/* Does any A/AAAA record of the reply lie in the client's network? */
static int reply_has_ip(const struct spf_eval *ev, const struct dns_reply *rep, int cidr4, int cidr6)
{
	for (size_t i = 0; i < rep->n; i++)
		if (rep->rr[i].family == ev->family &&
		    prefix_match(rep->rr[i].addr, ev->ip, ev->family == AF_INET ? cidr4 : cidr6))
			return 1;
	return 0;
}

static int addr_type(const struct spf_eval *ev)
{
	return ev->family == AF_INET ? DNS_T_A : DNS_T_AAAA;
}

/* Is name equal to domain or below it? */
static int name_within(const char *name, const char *domain)
{
	size_t n = strlen(name), d = strlen(domain);
	return n >= d && !strcasecmp(name + n - d, domain) && (n == d || name[n - d - 1] == '.');
}

/* Forward-confirm the PTR names of the client (§5.5): call ok(name) for
 * each of the first 10 that `want` accepts and whose addresses include the
 * client; stop when it returns 1. DNS errors only skip a name. */
static int validated_names(struct spf_eval *ev, int (*want)(const char *, const void *), const void *arg,
			   int (*ok)(const char *, void *), void *ctx)
{
	char rev[DNS_NAME_MAX];
	struct dns_reply *ptr = malloc(sizeof *ptr), *fwd = malloc(sizeof *fwd);
	int found = 0;
	if (!ptr || !fwd)
		goto done;
	dns_reverse_name(ev->family, ev->ip, rev);
	if (lookup(ev, rev, DNS_T_PTR, ptr) != DNS_FOUND)
		goto done;
	for (size_t i = 0; i < ptr->n && i < SPF_PTR_LIMIT && !found; i++) {
		const char *name = ptr->rr[i].host;
		if (!name[0] || !want(name, arg))
			continue;
		if (lookup(ev, name, addr_type(ev), fwd) == DNS_FOUND && reply_has_ip(ev, fwd, 32, 128))
			found = ok(name, ctx);
		dns_reply_free(fwd);
	}
	dns_reply_free(ptr);
done:
	free(ptr);
	free(fwd);
	return found;
}

static int want_within(const char *name, const void *domain)
{
	return name_within(name, domain);
}

static int want_any(const char *name, const void *unused)
{
	(void)name;
	(void)unused;
	return 1;
}

static int stop_here(const char *name, void *unused)
{
	(void)name;
	(void)unused;
	return 1;
}

/* %{p}: prefer the domain itself, then a name below it, then any (§7.3). */
static int keep_best(const char *name, void *ctx)
{
	struct spf_eval *ev = ctx;
	int rank = !strcasecmp(name, ev->domain) ? 3 : name_within(name, ev->domain) ? 2 : 1;
	int have = !ev->validated[0] ? 0 : !strcasecmp(ev->validated, ev->domain) ? 3
					 : name_within(ev->validated, ev->domain) ? 2 : 1;
	if (rank > have)
		str_copy(ev->validated, sizeof ev->validated, name, strlen(name));
	return rank == 3;
}

static const char *macro_p(void *ctx)
{
	struct spf_eval *ev = ctx;
	ev->validated[0] = '\0';
	validated_names(ev, want_any, NULL, keep_best, ev);
	if (!ev->validated[0])
		str_copy(ev->validated, sizeof ev->validated, "unknown", 7);
	return ev->validated;
}

static void macro_vars(struct spf_eval *ev, struct spf_macro_vars *m)
{
	memset(m, 0, sizeof *m);
	m->s = ev->sender;
	m->l = ev->local;
	m->o = ev->sender_domain;
	m->d = ev->domain;
	m->i = ev->ip_dotted;
	m->v = ev->family == AF_INET ? "in-addr" : "ip6";
	m->h = ev->helo;
	m->c = ev->ip_text;
	m->r = ev->receiver;
	m->t = ev->timestamp;
	m->p = macro_p;
	m->p_ctx = ev;
}

/* The target name of a term: its domain-spec expanded, or the current
 * domain. */
static void target_name(struct spf_eval *ev, const struct spf_term *t, char out[DNS_NAME_MAX])
{
	struct buf b;
	struct spf_macro_vars m;
	if (!t->spec) {
		str_copy(out, DNS_NAME_MAX, ev->domain, strlen(ev->domain));
		return;
	}
	buf_init(&b, NAME_BUF_MAX);
	macro_vars(ev, &m);
	if (spf_macro_expand(t->spec, t->spec_len, &m, 0, &b) < 0)
		b.len = 0; /* too long even before trimming: no such name */
	spf_domain_trim(&b);
	if (str_copy(out, DNS_NAME_MAX, buf_cstr(&b), b.len) < 0)
		out[0] = '\0';
	buf_free(&b);
}

static enum spf_result check_host(struct spf_eval *ev, const char *domain, int want_exp, int depth);

/* include (§5.2): the included policy's pass is a match. */
static enum match include(struct spf_eval *ev, const char *target, enum spf_result *out)
{
	enum spf_result r = check_host(ev, target, 0, 1);
	switch (r) {
	case SPF_PASS:
		return MATCH;
	case SPF_FAIL:
	case SPF_SOFTFAIL:
	case SPF_NEUTRAL:
		return NO_MATCH;
	case SPF_TEMPERROR:
		*out = r;
		return ERROR;
	case SPF_NONE:
		return error(ev, SPF_PERMERROR, out, "include:%s has no SPF record", target);
	default:
		*out = SPF_PERMERROR;
		return ERROR;
	}
}

/* a (§5.3) and each host of mx (§5.4). */
static enum match addresses(struct spf_eval *ev, const char *name, const struct spf_term *t, int voids,
			    enum spf_result *out)
{
	struct dns_reply *rep = malloc(sizeof *rep);
	if (!rep)
		return error(ev, SPF_TEMPERROR, out, "out of memory");
	enum dns_outcome o = lookup(ev, name, addr_type(ev), rep);
	enum match m = o == DNS_FOUND && reply_has_ip(ev, rep, t->cidr4, t->cidr6) ? MATCH : NO_MATCH;
	if (o == DNS_TEMPFAIL)
		m = (*out = SPF_TEMPERROR, ERROR);
	else if (voids && count_void(ev, o, name, out) < 0)
		m = ERROR;
	dns_reply_free(rep);
	free(rep);
	return m;
}

static enum match mx(struct spf_eval *ev, const char *name, const struct spf_term *t, enum spf_result *out)
{
	struct dns_reply *rep = malloc(sizeof *rep);
	enum match m = NO_MATCH;
	if (!rep)
		return error(ev, SPF_TEMPERROR, out, "out of memory");
	enum dns_outcome o = lookup(ev, name, DNS_T_MX, rep);
	if (o == DNS_TEMPFAIL)
		m = (*out = SPF_TEMPERROR, ERROR);
	else if (count_void(ev, o, name, out) < 0)
		m = ERROR;
	else if (rep->n > SPF_MX_LIMIT)
		m = error(ev, SPF_PERMERROR, out, "mx:%s has more than %d MX records", name, SPF_MX_LIMIT);
	/* §5.4: no MX records is no match, never the implicit MX */
	for (size_t i = 0; m == NO_MATCH && i < rep->n; i++)
		if (rep->rr[i].host[0]) /* the null MX "." names no host */
			m = addresses(ev, rep->rr[i].host, t, 0, out);
	dns_reply_free(rep);
	free(rep);
	return m;
}

static enum match exists(struct spf_eval *ev, const char *name, enum spf_result *out)
{
	struct dns_reply *rep = malloc(sizeof *rep);
	if (!rep)
		return error(ev, SPF_TEMPERROR, out, "out of memory");
	/* §5.7: always an A query, whatever the client's address family */
	enum dns_outcome o = lookup(ev, name, DNS_T_A, rep);
	enum match m = o == DNS_FOUND ? MATCH : NO_MATCH;
	if (o == DNS_TEMPFAIL)
		m = (*out = SPF_TEMPERROR, ERROR);
	else if (count_void(ev, o, name, out) < 0)
		m = ERROR;
	dns_reply_free(rep);
	free(rep);
	return m;
}

static enum match mechanism(struct spf_eval *ev, const struct spf_term *t, enum spf_result *out)
{
	char target[DNS_NAME_MAX];
	switch (t->kind) {
	case SPF_ALL:
		return MATCH;
	case SPF_IP4:
		return ev->family == AF_INET && prefix_match(t->ip, ev->ip, t->cidr4) ? MATCH : NO_MATCH;
	case SPF_IP6:
		return ev->family == AF_INET6 && prefix_match(t->ip, ev->ip, t->cidr6) ? MATCH : NO_MATCH;
	default:
		break;
	}
	if (count_lookup(ev, out) < 0)
		return ERROR;
	target_name(ev, t, target);
	switch (t->kind) {
	case SPF_INCLUDE:
		return include(ev, target, out);
	case SPF_A:
		return addresses(ev, target, t, 1, out);
	case SPF_MX:
		return mx(ev, target, t, out);
	case SPF_PTR:
		return validated_names(ev, want_within, target, stop_here, NULL) ? MATCH : NO_MATCH;
	case SPF_EXISTS:
		return exists(ev, target, out);
	default:
		return NO_MATCH;
	}
}

/* §6.2: the explanation of a fail; any trouble means none. */
static void explain(struct spf_eval *ev, const struct spf_term *exp)
{
	char name[DNS_NAME_MAX];
	struct dns_reply *rep = malloc(sizeof *rep);
	struct spf_macro_vars m;
	size_t len;
	if (!rep)
		return;
	target_name(ev, exp, name);
	if (name[0] && lookup(ev, name, DNS_T_TXT, rep) == DNS_FOUND && rep->n == 1) {
		const char *text = dns_rr_txt(rep, 0, &len);
		macro_vars(ev, &m);
		buf_reset(&ev->v->explanation);
		if (spf_macro_expand(text, len, &m, 1, &ev->v->explanation) < 0)
			buf_reset(&ev->v->explanation);
		buf_cstr(&ev->v->explanation);
	}
	dns_reply_free(rep);
	free(rep);
}

/* Select the one SPF record among the TXT records (§4.5). 0 with
 * rec/len, 1 when there is none, -1 on error (*out set). */
static int select_record(struct spf_eval *ev, const char *domain, const struct dns_reply *rep, enum dns_outcome o,
			 const char **rec, size_t *len, enum spf_result *out)
{
	int found = 0;
	if (o == DNS_TEMPFAIL) {
		*out = SPF_TEMPERROR;
		return -1;
	}
	for (size_t i = 0; i < rep->n; i++) {
		size_t l;
		const char *t = dns_rr_txt(rep, i, &l);
		if (!spf_record_is_spf(t, l))
			continue;
		if (found++) {
			error(ev, SPF_PERMERROR, out, "%s has more than one SPF record", domain);
			return -1;
		}
		*rec = t;
		*len = l;
	}
	if (!found)
		say(ev, "%s has no SPF record", domain);
	return found ? 0 : 1;
}

static enum spf_result evaluate(struct spf_eval *ev, const char *domain, const char *rec, size_t len, int want_exp,
				int depth)
{
	struct spf_term t, redirect, exp;
	const char *why;
	size_t pos = 0;
	int has_redirect = 0, has_exp = 0;
	enum spf_result out = SPF_NEUTRAL;
	if (spf_record_check(rec, len, &why) < 0) {
		say(ev, "%s: %s", domain, why);
		return SPF_PERMERROR;
	}
	while (spf_term_next(rec, len, &pos, &t, &why) == 1) {
		if (t.kind == SPF_REDIRECT) {
			redirect = t;
			has_redirect = 1;
			continue;
		}
		if (t.kind == SPF_EXP) {
			exp = t;
			has_exp = 1;
			continue;
		}
		if (t.kind == SPF_UNKNOWN_MODIFIER)
			continue;
		ev->domain = domain;
		enum match m = mechanism(ev, &t, &out);
		ev->domain = domain;
		if (m == ERROR)
			return out;
		if (m == NO_MATCH)
			continue;
		enum spf_result verdict = t.qualifier;
		say(ev, "%s: %.*s matched", domain, (int)t.text_len, t.text);
		if (verdict == SPF_FAIL && want_exp) {
			/* exp= may come after the mechanism that matched */
			while (spf_term_next(rec, len, &pos, &t, &why) == 1)
				if (t.kind == SPF_EXP)
					exp = t, has_exp = 1;
			if (has_exp) {
				char reason[sizeof ev->v->reason];
				memcpy(reason, ev->v->reason, sizeof reason);
				explain(ev, &exp);
				memcpy(ev->v->reason, reason, sizeof reason);
			}
		}
		return verdict;
	}
	if (!has_redirect) {
		say(ev, "%s: no mechanism matched", domain);
		return SPF_NEUTRAL;
	}
	/* §6.1: redirect= hands the whole evaluation over, its exp= with it */
	char target[DNS_NAME_MAX];
	if (count_lookup(ev, &out) < 0)
		return out;
	ev->domain = domain;
	target_name(ev, &redirect, target);
	enum spf_result r = check_host(ev, target, want_exp, depth + 1);
	ev->domain = domain; /* not left pointing at target, which ends here */
	if (r == SPF_NONE) {
		say(ev, "redirect=%s has no SPF record", target);
		return SPF_PERMERROR;
	}
	return r;
}

static enum spf_result check_host(struct spf_eval *ev, const char *domain, int want_exp, int depth)
{
	struct dns_reply *rep = malloc(sizeof *rep);
	const char *rec = NULL;
	size_t len = 0;
	enum spf_result out = SPF_NONE;
	if (!rep) {
		say(ev, "out of memory");
		return SPF_TEMPERROR;
	}
	/* Counting lookups bounds the depth too; this is a second belt. */
	if (depth > SPF_LOOKUP_LIMIT + 1) {
		free(rep);
		say(ev, "includes and redirects nested too deep");
		return SPF_PERMERROR;
	}
	enum dns_outcome o = lookup(ev, domain, DNS_T_TXT, rep);
	int s = select_record(ev, domain, rep, o, &rec, &len, &out);
	if (s == 0)
		out = evaluate(ev, domain, rec, len, want_exp, depth);
	else if (s > 0)
		out = SPF_NONE;
	dns_reply_free(rep);
	free(rep);
	return out;
}

/* §4.3: a domain we can ask about: labels of letters, digits, '-', '_'
 * (1-63 octets), at least two of them, an optional final dot. */
static int domain_usable(const char *d, char out[DNS_NAME_MAX])
{
	size_t n = strlen(d);
	if (n > 0 && d[n - 1] == '.')
		n--;
	if (str_copy(out, DNS_NAME_MAX, d, n) < 0)
		return 0;
	return dns_name_valid(out) && strchr(out, '.') != NULL;
}

int spf_helo_checkable(const char *helo)
{
	char name[DNS_NAME_MAX];
	if (!helo || !domain_usable(helo, name))
		return 0;
	/* a top-level label is never all digits (RFC 3696 §2): "192.0.2.1" */
	const char *last = strrchr(name, '.') + 1;
	return last[strspn(last, "0123456789")] != '\0';
}

static void describe_ip(struct spf_eval *ev)
{
	static const char hex[] = "0123456789ABCDEF";
	inet_ntop(ev->family, ev->ip, ev->ip_text, sizeof ev->ip_text);
	if (ev->family == AF_INET) {
		str_copy(ev->ip_dotted, sizeof ev->ip_dotted, ev->ip_text, strlen(ev->ip_text));
		return;
	}
	/* §7.3: IPv6 as dot-separated nibbles, most significant first */
	size_t o = 0;
	for (int i = 0; i < 16; i++) {
		ev->ip_dotted[o++] = hex[ev->ip[i] >> 4];
		ev->ip_dotted[o++] = '.';
		ev->ip_dotted[o++] = hex[ev->ip[i] & 15];
		ev->ip_dotted[o++] = i < 15 ? '.' : '\0';
	}
}

enum spf_result spf_check(struct dns *d, const struct spf_query *q, struct spf_verdict *v)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	struct spf_eval ev;
	struct buf sender;
	char domain[DNS_NAME_MAX];
	memset(v, 0, sizeof *v);
	buf_init(&v->explanation, SPF_EXPLANATION_MAX);
	memset(&ev, 0, sizeof ev);
	ev.dns = d;
	ev.v = v;
	ev.family = q->family;
	memcpy(ev.ip, q->ip, q->family == AF_INET ? 4 : 16);
	if (q->family == AF_INET6 && !memcmp(q->ip, mapped, 12)) { /* §5: IPv4-mapped is IPv4 */
		ev.family = AF_INET;
		memmove(ev.ip, q->ip + 12, 4);
	}
	describe_ip(&ev);
	snprintf(ev.timestamp, sizeof ev.timestamp, "%lld", (long long)time(NULL));
	ev.helo = q->helo ? q->helo : "";
	ev.receiver = q->receiver && q->receiver[0] ? q->receiver : "unknown";

	/* §2.4: the null sender is checked as postmaster@HELO; §4.3: an
	 * empty local part is "postmaster". */
	const char *s = q->sender && q->sender[0] ? q->sender : NULL;
	v->identity = s ? "mailfrom" : "helo";
	const char *at = s ? strrchr(s, '@') : NULL;
	const char *dom = s ? (at ? at + 1 : s) : ev.helo;
	buf_init(&sender, 0);
	if (at && at > s)
		buf_add(&sender, s, (size_t)(at - s));
	else
		buf_adds(&sender, "postmaster");
	size_t local_len = sender.len;
	buf_addc(&sender, '@');
	buf_adds(&sender, dom);
	buf_cstr(&sender);
	if (!buf_ok(&sender)) {
		buf_free(&sender);
		say(&ev, "out of memory");
		return v->result = SPF_TEMPERROR;
	}
	sender.ptr[local_len] = '\0'; /* "local\0domain": %{l}, %{o}, and %{s} rebuilt below */
	ev.local = sender.ptr;
	ev.sender_domain = sender.ptr + local_len + 1;
	struct buf full = BUF_INIT;
	buf_addf(&full, "%s@%s", ev.local, ev.sender_domain);
	ev.sender = buf_cstr(&full);

	str_copy(v->domain, sizeof v->domain, dom, strnlen(dom, sizeof v->domain - 1));
	if (!domain_usable(dom, domain)) {
		say(&ev, "\"%s\" is not a domain name that can have an SPF record", dom);
		v->result = SPF_NONE;
	} else {
		ev.deadline_ms = now_ms() + SPF_TIME_LIMIT * 1000LL;
		v->result = check_host(&ev, domain, 1, 0);
	}
	if (v->result != SPF_FAIL)
		buf_reset(&v->explanation);
	buf_free(&full);
	buf_free(&sender);
	return v->result;
}

void spf_verdict_free(struct spf_verdict *v)
{
	buf_free(&v->explanation);
}
