/* smtp_tables.c — users and aliases behind smtpd's callbacks; see
 * smtp_tables.h. */
#include "smtp/smtp_tables.h"

#include <string.h>
#include <strings.h>

int smtp_tables_load(struct smtp_tables *t, const struct config *cfg, struct mail_err *e)
{
	memset(t, 0, sizeof *t);
	const char *u = config_str(cfg, CFG_USERS), *a = config_str(cfg, CFG_ALIASES);
	int r = users_load(&t->users, u, e);
	if (r == 0)
		r = aliases_load(&t->aliases, a, e);
	t->have_users = u[0] != '\0';
	t->have_aliases = a[0] != '\0';
	t->sender_check = config_num(cfg, CFG_SMTPD_SENDER_LOGIN_CHECK) != 0;
	t->cfg = cfg;
	resolver_init(&t->resolver, cfg, &t->users, &t->aliases);
	if (r == 0)
		r = srs_config_load(&t->srs, cfg, e);
	else
		srs_init(&t->srs);
	t->resolver.srs = t->srs.nsecret ? &t->srs : NULL;
	return r;
}

void smtp_tables_free(struct smtp_tables *t)
{
	users_free(&t->users);
	aliases_free(&t->aliases);
	srs_free(&t->srs);
}

static int cb_auth(void *ctx, const char *user, const char *pass)
{
	struct smtp_tables *t = ctx;
	return users_check_password(&t->users, user, pass) != NULL;
}

static int cb_local(void *ctx, const char *addr, struct mail_err *e)
{
	struct smtp_tables *t = ctx;
	struct mailbox m;
	/* Without tables every local address exists, except a bad SRS one. */
	if (!t->have_users && !t->have_aliases &&
	    (addr_parse(addr, strlen(addr), ADDR_ALLOW_BARE, &m, e) < 0 || !srs_is_srs(m.local))) {
		err_clear(e);
		return 1;
	}
	int r = resolve_exists(&t->resolver, addr, e);
	if (r < 0 && e->smtp != 451) { /* unparsable here: nobody by that name */
		err_set(e, EX_NOUSER, 550, "5.1.1", "no such user here");
		return 0;
	}
	return r;
}

static int cb_owns(void *ctx, const char *user, const char *sender)
{
	struct smtp_tables *t = ctx;
	struct dests d = DESTS_INIT;
	struct mail_err e;
	if (!t->sender_check || (sender[0] && !strcasecmp(user, sender)))
		return 1;
	/* The null sender is nobody's, so it cannot be checked against the
	 * login: a user sends bounces (and MDNs) only when listed, as with
	 * Postfix's smtpd_null_access_maps. */
	if (!sender[0])
		return config_list_has(t->cfg, CFG_SMTPD_NULL_SENDER_LOGINS, user);
	if (resolve(&t->resolver, sender, &d, &e) < 0)
		return 0;
	int mine = d.n > 0;
	for (size_t i = 0; i < d.n; i++)
		if (d.v[i].kind != DEST_MAILBOX || !d.v[i].user || strcasecmp(d.v[i].user->address, user))
			mine = 0;
	dests_free(&d);
	return mine;
}

void smtp_tables_bind(struct smtp_tables *t, struct smtp_server *srv)
{
	srv->ctx = t;
	srv->auth = t->have_users ? cb_auth : NULL;
	srv->owns = t->have_users ? cb_owns : NULL;
	srv->local = t->have_users || t->have_aliases || t->srs.nsecret ? cb_local : NULL;
}
