/* integrity.c — quarantine of damaged queue files; see integrity.h. */
#include "queue/integrity.h"

#include <stdio.h>
#include <string.h>

#include "base/log.h"

int queue_check_message(struct spool *s, const struct envelope *env, int msg_fd, struct mail_err *e)
{
	char why[200], reason[sizeof why + 32];
	int r = spool_verify_message(env, msg_fd, why, sizeof why, e);
	if (r <= 0)
		return r;
	snprintf(reason, sizeof reason, "damaged message: %s", why);
	err_clear(e);
	if (spool_quarantine(s, env->id, reason, e) < 0) {
		log_err(env->id, "CORRUPT queue file: %s; NOT delivered, NOT bounced; moving it to %s/corrupt "
			"failed: %s", why, s->dir, e->msg);
		return 1;
	}
	log_err(env->id, "CORRUPT queue file: %s; moved to %s/corrupt/%s.msg (NOT delivered, NOT bounced, "
		"NOT deleted)", why, s->dir, env->id);
	return 1;
}
