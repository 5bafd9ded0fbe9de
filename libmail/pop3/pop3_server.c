/* pop3_server.c — pop3d's sessions on the shared accept loop; see pop3_server.h. */
#include "pop3/pop3_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/log.h"

/* Failed logins per client address, remembered for PENALTY_TTL seconds
 * so that reconnecting does not reset the growing delay. A small table:
 * the oldest entry makes room. */
#define PENALTIES 256
#define PENALTY_TTL 900

struct penalty {
	char ip[PEER_TEXT_MAX];  /* the client's address (canonical text) */
	int count;
	time_t last;
};

struct pop3_daemon {
	struct pop3_server *srv;
	const struct listener *ls;
	const struct pop3_listen_opts *lo;
	const struct pop3_hooks *hooks;
	struct penalty penalties[PENALTIES];
};

static struct penalty *penalty_find(struct penalty *tab, const char *ip, int make)
{
	struct penalty *oldest = &tab[0];
	time_t now = time(NULL);
	for (size_t i = 0; i < PENALTIES; i++) {
		if (tab[i].ip[0] && now - tab[i].last > PENALTY_TTL)
			tab[i].ip[0] = '\0';
		if (tab[i].ip[0] && !strcmp(tab[i].ip, ip))
			return &tab[i];
		if (tab[i].last < oldest->last)
			oldest = &tab[i];
	}
	if (!make)
		return NULL;
	memset(oldest, 0, sizeof *oldest);
	str_copy(oldest->ip, sizeof oldest->ip, ip, strlen(ip));
	return oldest;
}

/* In the parent: a session's exit status is its number of failed logins
 * (at most 63; 64 and above are the sysexits of a session that could not
 * start). */
static void ended(void *ctx, const struct peer *client, int status)
{
	struct pop3_daemon *d = ctx;
	if (!WIFEXITED(status) || WEXITSTATUS(status) == 0 || WEXITSTATUS(status) >= 64)
		return;
	struct penalty *p = penalty_find(d->penalties, client->text, 1);
	p->count += WEXITSTATUS(status);
	if (p->count > 20)
		p->count = 20;
	p->last = time(NULL);
}

/* In the child, which sees the parent's memory as it was at the fork:
 * the current configuration and the failures counted so far. */
static int session(void *ctx, const struct listener *l, int fd, const struct peer *client)
{
	static const char unavailable[] = "-ERR [SYS/TEMP] the users file cannot be read, try again later\r\n";
	struct pop3_daemon *d = ctx;
	struct users users;
	struct mail_err e;
	err_clear(&e);
	if (d->hooks->load_users(&users, d->hooks->ctx, &e) < 0) {
		log_err(NULL, "pop3 client=%s %s", client->text, e.msg);
		if (write(fd, unavailable, sizeof unavailable - 1) < 0) {
			/* the client is gone: nothing to tell */
		}
		return EX_TEMPFAIL;
	}
	struct pop3_server mine = *d->srv;
	struct penalty *pen = penalty_find(d->penalties, client->text, 0);
	mine.users = &users;
	mine.prior_failures = pen ? pen->count : 0;
	int failed = 0;
	pop3_session(&mine, &d->lo[l - d->ls], fd, fd, client, &failed);
	return failed < 63 ? failed : 63;
}

static void set_limits(const struct config *cfg, struct daemon_limits *lim)
{
	long long max = config_num(cfg, CFG_POP3_MAX_SESSIONS);
	lim->max_sessions = max > 0 ? max : 1;
	lim->max_per_ip = config_num(cfg, CFG_POP3_MAX_PER_IP);
	snprintf(lim->busy_reply, sizeof lim->busy_reply,
		 "-ERR [SYS/TEMP] too many sessions, try again later\r\n");
	snprintf(lim->per_ip_reply, sizeof lim->per_ip_reply,
		 "-ERR [SYS/TEMP] too many sessions from your address, try again later\r\n");
}

/* SIGHUP: the caps follow the configuration the hook leaves in srv. */
static void reload(void *ctx, struct daemon_limits *lim)
{
	struct pop3_daemon *d = ctx;
	if (d->hooks->reload)
		d->hooks->reload(d->srv, d->hooks->ctx);
	set_limits(d->srv->cfg, lim);
}

int pop3_serve(struct pop3_server *srv, struct listener *ls, const struct pop3_listen_opts *lo,
	       size_t n, const struct pop3_hooks *hooks, struct mail_err *e)
{
	struct pop3_daemon *d = calloc(1, sizeof *d);
	if (!d)
		return err_sys(e, "pop3d");
	d->srv = srv;
	d->ls = ls;
	d->lo = lo;
	d->hooks = hooks;
	struct daemon_limits lim;
	memset(&lim, 0, sizeof lim);
	set_limits(srv->cfg, &lim);
	/* No time limit on the drain: a session ends by itself, at the
	 * autologout at the latest, and deletes nothing unless it QUITs. */
	const struct daemon_hooks h = { .session = session, .reload = reload, .ended = ended, .ctx = d };
	int r = daemon_run(ls, n, &lim, &h, -1, e);
	free(d);
	return r;
}
