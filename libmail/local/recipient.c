/* recipient.c — recipient resolution; see recipient.h. */
#include "local/recipient.h"
#include "msg/idna.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "base/array.h"
#include "base/buf.h"

struct rstate {
	const struct resolver *r;
	struct dests *out;
	struct mail_err *e;
	char stack[RESOLVE_DEPTH_MAX + 2][ADDR_TEXT_MAX + 1]; /* addresses being expanded */
	const char *includes[RESOLVE_DEPTH_MAX + 2];
	int depth, ninc;
	char detail[ADDR_LOCAL_MAX + 1];   /* +detail of the alias being expanded */
	uid_t alias_owner;
	int has_alias_owner;
};

/* An address split for lookups. */
struct parts {
	char addr[ADDR_TEXT_MAX + 1];    /* local@domain */
	char local[ADDR_LOCAL_MAX + 1];
	char base[ADDR_LOCAL_MAX + 1];   /* local without +detail ("" if none) */
	char detail[ADDR_LOCAL_MAX + 1];
	char domain[ADDR_DOMAIN_MAX + 1];
};

void resolver_init(struct resolver *r, const struct config *cfg, const struct users *u,
		   const struct aliases *a)
{
	memset(r, 0, sizeof *r);
	r->users = u;
	r->aliases = a;
	r->cfg = cfg;
	if (cfg) {
		const char *d = config_str(cfg, CFG_RECIPIENT_DELIMITER);
		r->delimiter = d[0];
		r->default_domain = config_str(cfg, CFG_HOSTNAME);
	}
}

void dests_free(struct dests *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i].target);
	free(d->v);
	d->v = NULL;
	d->n = d->cap = 0;
}

static int split(const struct resolver *r, const char *addr, const char *ctx_domain,
		 struct parts *p, struct mail_err *e)
{
	struct mailbox m;
	memset(p, 0, sizeof *p);
	if (addr_parse(addr, strlen(addr), ADDR_ALLOW_BARE | ADDR_ALLOW_NODOMAIN, &m, e) < 0) {
		e->ex = EX_NOUSER; /* like sendmail: a recipient that is not an address */
		return -1;
	}
	if (!m.domain[0] || (m.flags & MBOX_NODOMAIN)) {
		const char *d = ctx_domain ? ctx_domain : r->default_domain;
		if (!d || !*d || addr_qualify(&m, d) < 0)
			return err_set(e, EX_NOUSER, 550, "5.1.3", "%s: address has no domain", addr);
	}
	if (m.flags & MBOX_LITERAL)
		return err_set(e, EX_NOUSER, 550, "5.1.1", "%s: no mailbox for an address literal",
			       addr);
	str_copy(p->local, sizeof p->local, m.local, strlen(m.local));
	str_copy(p->domain, sizeof p->domain, m.domain, strlen(m.domain));
	addr_format(&m, p->addr, sizeof p->addr);
	char *d = r->delimiter ? strchr(p->local, r->delimiter) : NULL;
	if (d && d > p->local && p->local[0] != '"') {
		str_copy(p->base, sizeof p->base, p->local, (size_t)(d - p->local));
		str_copy(p->detail, sizeof p->detail, d + 1, strlen(d + 1));
	}
	return 0;
}

static int is_local(const struct resolver *r, const char *domain)
{
	return !r->cfg || idna_list_has(config_str(r->cfg, CFG_LOCAL_DOMAINS), domain);
}

/* The forms a users or aliases file may write an internationalised domain
 * in: as given, its A-label form and its U-label form (RFC 5890: the same
 * domain). Returns how many of forms[] are filled, duplicates left out. */
#define DOMAIN_FORMS 3
static size_t domain_forms(const char *domain, char forms[DOMAIN_FORMS][ADDR_DOMAIN_MAX + 1])
{
	size_t n = 0;
	str_copy(forms[n++], sizeof forms[0], domain, strlen(domain));
	if (idna_to_ascii(domain, forms[n], sizeof forms[0]) == 0 && strcasecmp(forms[n], forms[0]))
		n++;
	if (idna_to_unicode(domain, forms[n], sizeof forms[0]) == 0 && strcmp(forms[n], forms[0]) &&
	    (n < 2 || strcmp(forms[n], forms[1])))
		n++;
	return n;
}

/* "local@domain" (local may be "" for a catch-all "@domain") in the users
 * or aliases file, in any form of the domain. */
static const void *find_key(const struct resolver *r, int users, const char *local, const char *domain)
{
	char forms[DOMAIN_FORMS][ADDR_DOMAIN_MAX + 1], key[ADDR_TEXT_MAX + 2];
	size_t n = domain_forms(domain, forms);
	for (size_t i = 0; i < n; i++) {
		snprintf(key, sizeof key, "%s@%s", local, forms[i]);
		const void *found = users ? (const void *)users_find(r->users, key)
					  : (const void *)aliases_find(r->aliases, key);
		if (found)
			return found;
	}
	return NULL;
}

static const struct alias *find_alias(const struct resolver *r, const char *local,
				      const char *domain)
{
	if (!r->aliases || !local[0])
		return NULL;
	const struct alias *a = find_key(r, 0, local, domain);
	return a ? a : aliases_find(r->aliases, local);
}

static const struct user *find_user(const struct resolver *r, const char *local,
				    const char *domain)
{
	if (!r->users || !local[0])
		return NULL;
	return find_key(r, 1, local, domain);
}

static const struct alias *catchall_alias(const struct resolver *r, const char *domain)
{
	return r->aliases ? find_key(r, 0, "", domain) : NULL;
}

static const struct user *catchall_user(const struct resolver *r, const char *domain)
{
	return r->users ? find_key(r, 1, "", domain) : NULL;
}

/* A user for p: exact, then without the extension (*detail_used set). */
static const struct user *user_for(const struct resolver *r, const struct parts *p,
				   int *detail_used)
{
	const struct user *u = find_user(r, p->local, p->domain);
	*detail_used = 0;
	if (!u && p->base[0] && (u = find_user(r, p->base, p->domain)))
		*detail_used = 1;
	return u;
}

static int add_dest(struct rstate *st, enum dest_kind k, const char *target, const char *rcpt,
		    const char *detail, const struct user *u, const char *origin, int has_owner,
		    uid_t owner)
{
	struct dests *d = st->out;
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].kind == k && !strcmp(d->v[i].target, target))
			return 0; /* already delivered there */
	if (d->n >= RESOLVE_DESTS_MAX)
		return err_set(st->e, EX_DATAERR, 554, "5.4.6", "%s: more than %d destinations",
			       rcpt, RESOLVE_DESTS_MAX);
	if (d->n == d->cap) {
		struct dest *v = array_grow(d->v, &d->cap, sizeof *v, 4);
		if (!v)
			return err_sys(st->e, "resolve %s", rcpt);
		d->v = v;
	}
	struct dest *x = &d->v[d->n];
	memset(x, 0, sizeof *x);
	x->target = strdup(target);
	if (!x->target)
		return err_sys(st->e, "resolve %s", rcpt);
	d->n++;
	x->kind = k;
	size_t tl = strlen(target);
	x->maildir = k != DEST_PIPE && k != DEST_FORWARD && tl && target[tl - 1] == '/';
	str_copy(x->rcpt, sizeof x->rcpt, rcpt, strlen(rcpt));
	if (detail)
		str_copy(x->detail, sizeof x->detail, detail, strlen(detail));
	x->user = u;
	x->owner = owner;
	x->has_owner = has_owner;
	str_copy(x->origin, sizeof x->origin, origin, strlen(origin));
	return 0;
}

static int add_user(struct rstate *st, const struct user *u, const struct parts *p,
		    int detail_used)
{
	char origin[600];
	snprintf(origin, sizeof origin, "%s:%u", st->r->users->path, u->line);
	return add_dest(st, DEST_MAILBOX, u->mailbox, p->addr, detail_used ? p->detail : NULL, u,
			origin, 0, 0);
}

static int loop_error(struct rstate *st, const char *addr)
{
	struct buf b = BUF_INIT;
	for (int i = 0; i < st->depth; i++)
		buf_addf(&b, "%s -> ", st->stack[i]);
	buf_adds(&b, addr);
	err_set(st->e, EX_DATAERR, 554, "5.4.6", "alias loop: %s", buf_cstr(&b));
	buf_free(&b);
	return -1;
}

static int expand_addr(struct rstate *st, const char *addr, const char *ctx_domain, int local_only);

static int expand_targets(struct rstate *st, const struct alias_target *t, size_t n,
			  const char *rcpt, const char *ctx_domain, const char *where,
			  int has_owner, uid_t owner);

static int expand_include(struct rstate *st, const char *path, const char *rcpt,
			  const char *ctx_domain)
{
	for (int i = 0; i < st->ninc; i++)
		if (!strcmp(st->includes[i], path))
			return err_set(st->e, EX_DATAERR, 554, "5.4.6", "include loop: %s", path);
	if (st->ninc >= RESOLVE_DEPTH_MAX)
		return err_set(st->e, EX_DATAERR, 554, "5.4.6", "%s: includes nested too deep", path);
	struct buf b = BUF_INIT;
	uid_t owner = 0;
	if (aliases_read_file(path, RESOLVE_INCLUDE_MAX, &b, &owner, st->e) < 0) {
		buf_free(&b);
		st->e->ex = EX_TEMPFAIL;
		st->e->smtp = 451;
		str_copy(st->e->status, sizeof st->e->status, "4.3.0", 5);
		return -1;
	}
	struct alias_target *t;
	size_t nt;
	int rc = aliases_parse_targets(b.ptr ? b.ptr : "", b.len, path, &t, &nt, st->e);
	buf_free(&b);
	if (rc < 0) {
		st->e->ex = EX_TEMPFAIL;
		return -1;
	}
	st->includes[st->ninc++] = path;
	rc = expand_targets(st, t, nt, rcpt, ctx_domain, path, 1, owner);
	st->ninc--;
	aliases_free_targets(t, nt);
	return rc;
}

static int expand_targets(struct rstate *st, const struct alias_target *t, size_t n,
			  const char *rcpt, const char *ctx_domain, const char *where,
			  int has_owner, uid_t owner)
{
	for (size_t i = 0; i < n; i++) {
		int rc = 0;
		switch (t[i].kind) {
		case ALIAS_ADDRESS:
		case ALIAS_LOCAL_ONLY:
			rc = expand_addr(st, t[i].text, ctx_domain, t[i].kind == ALIAS_LOCAL_ONLY);
			break;
		case ALIAS_FILE:
			rc = add_dest(st, DEST_FILE, t[i].text, rcpt, st->detail[0] ? st->detail : NULL, NULL, where,
				      has_owner, owner);
			break;
		case ALIAS_PIPE:
			rc = add_dest(st, DEST_PIPE, t[i].text, rcpt, st->detail[0] ? st->detail : NULL, NULL, where,
				      has_owner, owner);
			break;
		case ALIAS_INCLUDE:
			rc = expand_include(st, t[i].text, rcpt, ctx_domain);
			break;
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int expand_alias(struct rstate *st, const struct alias *a, const struct parts *p,
			int detail_used)
{
	char where[600];
	snprintf(where, sizeof where, "%s:%u", st->r->aliases->path, a->line);
	str_copy(st->stack[st->depth], sizeof st->stack[0], p->addr, strlen(p->addr));
	st->depth++;
	char saved[sizeof st->detail];
	memcpy(saved, st->detail, sizeof saved);
	const char *d = detail_used ? p->detail : "";
	str_copy(st->detail, sizeof st->detail, d, strlen(d));
	int rc = expand_targets(st, a->t, a->nt, p->addr, p->domain, where, st->has_alias_owner,
				st->alias_owner);
	memcpy(st->detail, saved, sizeof saved);
	st->depth--;
	return rc;
}

/* Is local an SRS address this resolver checks? */
static int srs_applies(const struct resolver *r, const char *local)
{
	return r->srs && r->srs->nsecret && srs_is_srs(local);
}

/* An SRS address of ours: what the address it encodes resolves to (a
 * forward, unless it is local), one level down as an alias would be. */
static int expand_srs(struct rstate *st, const struct parts *p)
{
	char orig[ADDR_TEXT_MAX + 1];
	if (srs_reverse(st->r->srs, p->local, time(NULL), orig, sizeof orig, st->e) < 0)
		return err_wrap(st->e, "%s", p->addr);
	str_copy(st->stack[st->depth], sizeof st->stack[0], p->addr, strlen(p->addr));
	st->depth++;
	int rc = expand_addr(st, orig, NULL, 0);
	st->depth--;
	return rc;
}

static int expand_addr(struct rstate *st, const char *addr, const char *ctx_domain, int local_only)
{
	const struct resolver *r = st->r;
	struct parts p;
	if (split(r, addr, ctx_domain, &p, st->e) < 0)
		return -1;
	if (!is_local(r, p.domain)) {
		if (st->depth == 0)
			return err_set(st->e, EX_NOUSER, 550, "5.1.1", "%s: not a local domain",
				       p.addr);
		return add_dest(st, DEST_FORWARD, p.addr, p.addr, NULL, NULL, "aliases", 0, 0);
	}
	if (st->depth > RESOLVE_DEPTH_MAX)
		return err_set(st->e, EX_DATAERR, 554, "5.4.6", "%s: aliases nested deeper than %d",
			       p.addr, RESOLVE_DEPTH_MAX);
	if (srs_applies(r, p.local))
		return expand_srs(st, &p);
	int on_stack = 0;
	for (int i = 0; i < st->depth; i++)
		on_stack |= !strcasecmp(st->stack[i], p.addr);
	int detail_used;
	const struct user *u;
	if (local_only || on_stack) {
		if ((u = user_for(r, &p, &detail_used)))
			return add_user(st, u, &p, detail_used);
		if (on_stack)
			return loop_error(st, p.addr);
		return err_set(st->e, EX_NOUSER, 550, "5.1.1", "%s: no such user", p.addr);
	}
	const struct alias *a = find_alias(r, p.local, p.domain);
	if (a)
		return expand_alias(st, a, &p, 0);
	if (p.base[0] && (a = find_alias(r, p.base, p.domain)))
		return expand_alias(st, a, &p, 1);
	if ((u = user_for(r, &p, &detail_used)))
		return add_user(st, u, &p, detail_used);
	if ((a = catchall_alias(r, p.domain)))
		return expand_alias(st, a, &p, 0);
	if ((u = catchall_user(r, p.domain)))
		return add_user(st, u, &p, 0);
	return err_set(st->e, EX_NOUSER, 550, "5.1.1", "%s: no such user here", p.addr);
}

int resolve(const struct resolver *r, const char *addr, struct dests *out, struct mail_err *e)
{
	struct rstate st;
	memset(&st, 0, sizeof st);
	st.r = r;
	st.out = out;
	st.e = e;
	struct stat sb;
	if (r->aliases && r->aliases->path[0] && stat(r->aliases->path, &sb) == 0) {
		st.alias_owner = sb.st_uid;
		st.has_alias_owner = 1;
	}
	if (expand_addr(&st, addr, NULL, 0) < 0)
		return -1;
	if (out->n == 0)
		return err_set(e, EX_NOUSER, 550, "5.1.1", "%s: no destination", addr);
	return 0;
}

int resolve_exists(const struct resolver *r, const char *addr, struct mail_err *e)
{
	struct parts p;
	if (split(r, addr, NULL, &p, e) < 0)
		return e->smtp == 550 ? 0 : -1;
	if (srs_applies(r, p.local)) {
		char orig[ADDR_TEXT_MAX + 1];
		int valid = srs_reverse(r->srs, p.local, time(NULL), orig, sizeof orig, e);
		return valid > 0 ? 1 : e->smtp == 550 ? 0 : -1;
	}
	int detail_used;
	if (find_alias(r, p.local, p.domain) || (p.base[0] && find_alias(r, p.base, p.domain)) ||
	    user_for(r, &p, &detail_used) || catchall_alias(r, p.domain) ||
	    catchall_user(r, p.domain))
		return 1;
	err_set(e, EX_NOUSER, 550, "5.1.1", "no such user here");
	return 0;
}
