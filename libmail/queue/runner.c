/* runner.c — one pass of the queue runner; see runner.h. */
#include "queue/runner.h"
#include "msg/idna.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "queue/dsn.h"
#include "queue/integrity.h"
#include "base/lazylib.h"
#include "base/log.h"

int runner_init(struct runner *r, struct spool *s, const struct config *cfg, struct mail_err *e)
{
	memset(r, 0, sizeof *r);
	r->spool = s;
	r->cfg = cfg;
	r->lifetime = config_num(cfg, CFG_QUEUE_LIFETIME);
	r->delay_warning = config_num(cfg, CFG_DELAY_WARNING);
	long long slots = config_num(cfg, CFG_DOMAIN_CONCURRENCY);
	r->domain_slots = slots > 1000 ? 1000 : (int)slots;
	if (retry_parse_schedule(config_str(cfg, CFG_RETRY_SCHEDULE), r->schedule, RETRY_SCHEDULE_MAX,
				 &r->nschedule) < 0)
		return err_set(e, EX_CONFIG, 451, "4.3.5",
			       "retry_schedule: expected a list of durations such as \"5m, 10m, 1h\", got \"%s\"",
			       config_str(cfg, CFG_RETRY_SCHEDULE));
	return 0;
}

int runner_filter_add_id(struct runner_filter *f, const char *id)
{
	if (!spool_id_valid(id))
		return -1;
	char **grown = realloc(f->ids, (f->nids + 1) * sizeof *grown);
	if (!grown)
		return -1;
	f->ids = grown;
	if (!(f->ids[f->nids] = strdup(id)))
		return -1;
	f->nids++;
	return 0;
}

void runner_filter_free(struct runner_filter *f)
{
	for (size_t i = 0; i < f->nids; i++)
		free(f->ids[i]);
	free(f->ids);
	f->ids = NULL;
	f->nids = 0;
}

int runner_filter_match(const struct runner_filter *f, const struct envelope *env)
{
	if (!f)
		return 1;
	if (f->nids) {
		size_t i = 0;
		while (i < f->nids && strcmp(f->ids[i], env->id))
			i++;
		if (i == f->nids)
			return 0;
	}
	if (f->sender && !strcasestr(env->sender, f->sender))
		return 0;
	if (f->rcpt) {
		for (size_t i = 0; i < env->nrcpt; i++)
			if (rcpt_pending(&env->rcpt[i]) && strcasestr(env->rcpt[i].addr, f->rcpt))
				return 1;
		return 0;
	}
	return 1;
}

int runner_filter_rcpt(const struct runner_filter *f, const struct rcpt *r)
{
	return !f || !f->rcpt || strcasestr(r->addr, f->rcpt);
}

static const char *domain_of(const char *addr)
{
	const char *at = strrchr(addr, '@');
	return at ? at + 1 : "";
}

static void log_result(const char *id, const struct rcpt *r, long long arrival, long long now)
{
	char to[ADDR_TEXT_MAX * 4 + 1], reason[ENV_ERROR_MAX * 4 + 1];
	log_value(to, sizeof to, r->addr, strlen(r->addr));
	log_quoted(reason, sizeof reason, r->error, strlen(r->error));
	/* "reason", not "said": the text may be our own decision (retry.c) */
	log_info(id, "to=<%s> status=%s attempts=%d delay=%llds reason=\"%s\"", to, rcpt_state_name(r->state),
		 r->attempts, now - arrival, reason);
}

/* Take one of the domain's delivery slots: a free one if any, else wait
 * for slot (pid % slots). Returns the locked fd, or -1 (no limit then:
 * a limit that cannot be kept must not stop the mail). */
static int take_slot(struct runner *r, const char *domain)
{
	char path[sizeof r->spool->dir + 400], lower[ADDR_DOMAIN_MAX + 1];
	size_t i;
	/* a file name: lower case, no '/', never "." or ".." */
	for (i = 0; i < sizeof lower - 1 && domain[i]; i++)
		lower[i] = domain[i] == '/' || (i == 0 && domain[i] == '.') ? '_'
							       : (char)tolower((unsigned char)domain[i]);
	lower[i] = '\0';
	snprintf(path, sizeof path, "%s/slots", r->spool->dir);
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -1;
	for (int pass = 0; pass < 2; pass++)
		for (int k = 0; k < r->domain_slots; k++) {
			int slot = pass ? (int)(getpid() % r->domain_slots) : k;
			snprintf(path, sizeof path, "%s/slots/%s.%d", r->spool->dir, lower, slot);
			int fd = open(path, O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
			if (fd < 0)
				return -1;
			if (flock(fd, pass ? LOCK_EX : LOCK_EX | LOCK_NB) == 0)
				return fd;
			close(fd);
			if (pass)
				return -1;
		}
	return -1;
}

/* Attempt the due recipients of one domain (all indices in idx share it). */
static void attempt_domain(struct runner *r, struct envelope *env, int msg_fd, const char *domain,
			   const size_t *idx, size_t n, long long now, enum dsn_action *actions)
{
	if (n == 0)
		return;
	struct rcpt_result *res = calloc(n, sizeof *res);
	int local = idna_list_has(config_str(r->cfg, CFG_LOCAL_DOMAINS), domain);
	const struct transport *t = local ? &r->local : &r->remote;
	if (!res)
		return; /* out of memory: nothing changes, a later run tries again */
	if (!t->deliver) {
		for (size_t i = 0; i < n; i++) {
			res[i].code = 451;
			str_copy(res[i].status, sizeof res[i].status, "4.3.0", 5);
			snprintf(res[i].text, sizeof res[i].text, "%s delivery is not available in this build",
				 local ? "local" : "remote");
		}
	} else {
		int slot = !local && r->domain_slots > 0 ? take_slot(r, domain) : -1;
		t->deliver(t->ctx, env, msg_fd, domain, idx, n, res);
		if (slot >= 0)
			close(slot);
	}
	for (size_t i = 0; i < n; i++) {
		struct rcpt *rc = &env->rcpt[idx[i]];
		long long prev = retry_prev_attempt(rc, r->schedule, r->nschedule);
		retry_apply(rc, &res[i], env->arrival, now, r->lifetime, r->schedule, r->nschedule);
		if (rc->state == RCPT_DEFERRED && retry_delay_warning_due(env->arrival, prev, now, r->delay_warning))
			actions[idx[i]] = DSN_DELAYED;
		/* RFC 3461 §6.2.3: delivered here; relayed only to a next hop
		 * without DSN; a next hop with DSN got NOTIFY and reports
		 * itself, so nothing from us (else the sender gets two). */
		if (rc->state == RCPT_SENT)
			actions[idx[i]] = local ? DSN_DELIVERED : res[i].dsn_passed ? DSN_NONE : DSN_RELAYED;
		r->stats.sent += rc->state == RCPT_SENT;
		r->stats.deferred += rc->state == RCPT_DEFERRED;
		r->stats.bounced += rc->state == RCPT_BOUNCED;
		tally_add(r->progress, RUN_P_SENT, rc->state == RCPT_SENT);
		tally_add(r->progress, RUN_P_DEFERRED, rc->state == RCPT_DEFERRED);
		tally_add(r->progress, RUN_P_BOUNCED, rc->state == RCPT_BOUNCED);
		log_result(env->id, rc, env->arrival, now);
	}
	free(res);
}

/* The claimed message: expire, attempt, report, then commit the outcome. */
static int process(struct runner *r, struct envelope *env, struct mail_err *e)
{
	long long now = r->now ? r->now : (long long)time(NULL);
	size_t n = env->nrcpt;
	enum rcpt_state *before = calloc(n, sizeof *before);
	size_t *idx = calloc(n, sizeof *idx);
	char *done = calloc(n, 1);
	enum dsn_action *actions = calloc(n, sizeof *actions);
	int msg_fd = -1, rv = -1, force = r->filter && (r->filter->force || r->filter->nids || r->filter->rcpt ||
							r->filter->sender);
	if (!before || !idx || !done || !actions) {
		err_sys(e, "runner: %s", env->id);
		goto out;
	}
	if ((msg_fd = spool_open_message(r->spool, env->id, e)) < 0)
		goto out;
	int damaged = queue_check_message(r->spool, env, msg_fd, e);
	if (damaged != 0) {
		r->stats.corrupt += damaged > 0;
		rv = damaged > 0 && !e->msg[0] ? 0 : -1;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct rcpt *rc = &env->rcpt[i];
		before[i] = rc->state;
		if (retry_expire(rc, env->arrival, now, r->lifetime)) {
			r->stats.bounced++;
			tally_add(r->progress, RUN_P_BOUNCED, 1);
			log_result(env->id, rc, env->arrival, now);
		}
		/* not due, not selected: leave it for a later run */
		if (!rcpt_pending(rc) || !runner_filter_rcpt(r->filter, rc) || (!force && rc->next_try > now))
			done[i] = 1;
	}
	/* Group the due recipients by domain: one transaction per domain. */
	for (size_t i = 0; i < n; i++) {
		if (done[i])
			continue;
		const char *domain = domain_of(env->rcpt[i].addr);
		size_t k = 0;
		for (size_t j = i; j < n; j++)
			if (!done[j] && !strcasecmp(domain_of(env->rcpt[j].addr), domain)) {
				idx[k++] = j;
				done[j] = 1;
			}
		attempt_domain(r, env, msg_fd, domain, idx, k, now, actions);
	}

	int any_report = 0, all_final = 1;
	for (size_t i = 0; i < n; i++) {
		const struct rcpt *rc = &env->rcpt[i];
		if (before[i] != rc->state && rc->state == RCPT_BOUNCED)
			actions[i] = DSN_FAILED;
		any_report |= dsn_wanted(env, rc, actions[i]);
		all_final &= !rcpt_pending(rc);
	}
	/* The bounce is committed before the original changes or leaves, so a
	 * crash in between can only repeat it, never lose it. */
	if (any_report) {
		char bid[QID_MAX];
		const char *host = config_str(r->cfg, CFG_HOSTNAME);
		if (dsn_enqueue(r->spool, r->dkim, env, actions, msg_fd, host, bid, sizeof bid, e) < 0) {
			err_wrap(e, "runner: %s: cannot queue the delivery report", env->id);
			goto out;
		}
		r->stats.reports++;
		log_info(env->id, "report=%s to=<%s>", bid, LOG_TOKEN(env->sender));
	}
	if (all_final) {
		if (spool_remove(r->spool, env->id, e) < 0)
			goto out;
		log_info(env->id, "removed");
	} else if (spool_rewrite_envelope(r->spool, env, e) < 0) {
		goto out;
	}
	rv = 1;
out:
	if (msg_fd >= 0)
		close(msg_fd);
	free(before);
	free(idx);
	free(done);
	free(actions);
	return rv;
}

int runner_message(struct runner *r, const char *id, struct mail_err *e)
{
	int lock_fd = -1;
	struct envelope env;
	int got = spool_lock(r->spool, id, &lock_fd, e);
	if (got < 0)
		return e->sys == ENOENT ? 0 : -1; /* delivered and removed meanwhile */
	if (got == 0) {
		r->stats.busy++;
		return 0;
	}
	int rv = 0;
	/* Read under the claim: another runner may have changed it since. */
	if (spool_read_envelope(r->spool, id, &env, e) < 0) {
		if (e->sys == ENOENT) {
			rv = 0;
		} else if (e->ex == EX_DATAERR) {
			char why[sizeof e->msg];
			str_copy(why, sizeof why, e->msg, strlen(e->msg));
			log_err(id, "corrupt envelope: %s; moved to corrupt/", LOG_TEXT(why));
			r->stats.corrupt++;
			rv = spool_quarantine(r->spool, id, why, e) < 0 ? -1 : 0;
		} else {
			rv = -1;
		}
		close(lock_fd);
		return rv;
	}
	if (!env.held && runner_filter_match(r->filter, &env)) {
		r->stats.messages++;
		rv = process(r, &env, e);
	}
	envelope_free(&env);
	close(lock_fd); /* the claim ends after the envelope is durable */
	return rv;
}

/* The messages of one worker: every parts-th id, starting at part. */
static void run_part(struct runner *r, char **ids, size_t n, size_t part, size_t parts)
{
	for (size_t i = part; i < n; i += parts) {
		struct mail_err e2;
		err_clear(&e2);
		if (runner_message(r, ids[i], &e2) < 0)
			log_err(ids[i], "%s", e2.msg);
		tally_add(r->progress, RUN_P_DONE, 1);
	}
}

static void add_stats(struct runner_stats *to, const struct runner_stats *s)
{
	to->messages += s->messages;
	to->sent += s->sent;
	to->deferred += s->deferred;
	to->bounced += s->bounced;
	to->busy += s->busy;
	to->corrupt += s->corrupt;
	to->reports += s->reports;
}

int runner_run(struct runner *r, struct mail_err *e)
{
	char **ids;
	size_t n, parts = r->workers > 1 ? (size_t)r->workers : 1;
	if (spool_list(r->spool, &ids, &n, e) < 0)
		return -1;
	tally_set(r->progress, RUN_P_TOTAL, n);
	tally_set(r->progress, RUN_P_DONE, 0);
	if (parts > n)
		parts = n ? n : 1;
	pid_t pids[RUNNER_WORKERS_MAX];
	int fds[RUNNER_WORKERS_MAX];
	size_t started = 0;
	if (parts > 1 && lazylib_load(LAZYLIB_ALL, e) < 0) { /* once here, not in every worker */
		spool_ids_free(ids, n);
		return -1;
	}
	/* Workers 1..parts-1 are children; the caller is worker 0. Each
	 * reports its counters through a pipe; each dies with the caller
	 * (PR_SET_PDEATHSIG), so killing a runner kills its workers. */
	for (size_t k = 1; k < parts; k++) {
		int p[2];
		if (pipe2(p, O_CLOEXEC) < 0)
			break;
		pid_t pid = fork();
		if (pid < 0) {
			close(p[0]);
			close(p[1]);
			break;
		}
		if (pid == 0) {
			close(p[0]);
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			memset(&r->stats, 0, sizeof r->stats);
			run_part(r, ids, n, k, parts);
			ssize_t w = write(p[1], &r->stats, sizeof r->stats);
			_exit(w == (ssize_t)sizeof r->stats ? 0 : 1);
		}
		close(p[1]);
		pids[started] = pid;
		fds[started++] = p[0];
	}
	/* The caller runs part 0 and the part of every worker that could not
	 * be forked: the strides stay those the children were started with. */
	for (size_t k = 0; k < parts; k++)
		if (k == 0 || k > started)
			run_part(r, ids, n, k, parts);
	for (size_t k = 0; k < started; k++) {
		struct runner_stats st;
		ssize_t got;
		while ((got = read(fds[k], &st, sizeof st)) < 0 && errno == EINTR)
			;
		if (got == (ssize_t)sizeof st)
			add_stats(&r->stats, &st);
		close(fds[k]);
		while (waitpid(pids[k], NULL, 0) < 0 && errno == EINTR)
			;
	}
	spool_ids_free(ids, n);
	return 0;
}
