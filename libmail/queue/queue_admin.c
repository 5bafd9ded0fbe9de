/* queue_admin.c — selecting and changing queued messages; see queue_admin.h. */
#include "queue/queue_admin.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "queue/dsn.h"
#include "queue/integrity.h"
#include "base/log.h"
#include "queue/retry.h"

const char *queue_state(const struct envelope *env)
{
	if (env->held)
		return "hold";
	for (size_t i = 0; i < env->nrcpt; i++)
		if (env->rcpt[i].state == RCPT_DEFERRED)
			return "deferred";
	return "active";
}

int queue_select_match(const struct queue_select *sel, const struct envelope *env, long long now)
{
	if (!sel)
		return 1;
	if (sel->uid >= 0 && env->uid != sel->uid)
		return 0;
	if (sel->sender) {
		int null_wanted = !strcmp(sel->sender, "<>");
		if (null_wanted ? env->sender[0] != '\0' : !strcasestr(env->sender, sel->sender))
			return 0;
	}
	if (sel->rcpt) {
		size_t i = 0;
		while (i < env->nrcpt && !(rcpt_pending(&env->rcpt[i]) && strcasestr(env->rcpt[i].addr, sel->rcpt)))
			i++;
		if (i == env->nrcpt)
			return 0;
	}
	long long age = now - env->arrival;
	if (sel->older_than && age < sel->older_than)
		return 0;
	if (sel->younger_than && age >= sel->younger_than)
		return 0;
	if (sel->state && strcmp(sel->state, queue_state(env)))
		return 0;
	return 1;
}

/* Claim the message, waiting up to about five seconds for a runner. */
static int claim(struct spool *s, const char *id, int *fd, struct mail_err *e)
{
	for (int i = 0; i < 100; i++) {
		int r = spool_lock(s, id, fd, e);
		if (r != 0)
			return r;
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	return err_set(e, EX_TEMPFAIL, 451, "4.3.0", "%s: busy (a queue runner is delivering it)", id);
}

/* Bounce every pending recipient now, report, then remove or rewrite. */
static int expire(struct spool *s, struct envelope *env, const char *host, const struct dkim_keyring *dkim,
		  struct mail_err *e)
{
	enum dsn_action *act = calloc(env->nrcpt, sizeof *act);
	if (!act)
		return err_sys(e, "%s", env->id);
	for (size_t i = 0; i < env->nrcpt; i++) {
		struct rcpt *r = &env->rcpt[i];
		if (!rcpt_pending(r))
			continue;
		retry_give_up(r, "expired by the administrator", "550 5.4.7 expired by the administrator");
		act[i] = DSN_FAILED;
	}
	int rv = -1, fd = spool_open_message(s, env->id, e);
	char bid[QID_MAX];
	if (fd >= 0) {
		int damaged = queue_check_message(s, env, fd, e);
		/* a damaged message is quarantined (or left), never bounced */
		if (damaged > 0 && !e->msg[0])
			err_set(e, EX_DATAERR, 554, "5.3.0", "%s: the message file is damaged; moved to corrupt/",
				env->id);
		else if (damaged == 0 && dsn_enqueue(s, dkim, env, act, fd, host, bid, sizeof bid, e) >= 0)
			rv = spool_remove(s, env->id, e);
		close(fd);
	}
	free(act);
	return rv;
}

int queue_apply(struct spool *s, const char *id, enum queue_op op, const struct queue_select *sel,
		const char *host, const struct dkim_keyring *dkim, struct mail_err *e)
{
	int fd = -1;
	struct envelope env;
	int got = claim(s, id, &fd, e);
	if (got < 0)
		return -1;
	if (spool_read_envelope(s, id, &env, e) < 0) {
		close(fd);
		return -1;
	}
	int rv = 0;
	if (!queue_select_match(sel, &env, (long long)time(NULL)))
		goto out;
	switch (op) {
	case QOP_HOLD:
	case QOP_RELEASE:
		env.held = op == QOP_HOLD;
		rv = spool_rewrite_envelope(s, &env, e);
		break;
	case QOP_REQUEUE:
		env.held = 0;
		for (size_t i = 0; i < env.nrcpt; i++)
			if (rcpt_pending(&env.rcpt[i])) {
				env.rcpt[i].next_try = 0;
				env.rcpt[i].attempts = 0;
			}
		rv = spool_rewrite_envelope(s, &env, e);
		break;
	case QOP_DELETE:
		rv = spool_remove(s, id, e);
		break;
	case QOP_EXPIRE:
		rv = expire(s, &env, host, dkim, e);
		break;
	}
	if (rv == 0) {
		static const char *const names[] = { "held", "released", "deleted", "requeued", "expired" };
		log_info(id, "%s by uid %u", names[op], (unsigned)getuid());
		rv = 1;
	}
out:
	envelope_free(&env);
	close(fd);
	return rv;
}
