/* queue_run.c — one queue run, runs at an interval, and kicks; see
 * queue_run.h. */
#include "queue/queue_run.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "auth/dkim_keyring.h"
#include "base/log.h"
#include "queue/local_transport.h"
#include "queue/pickup.h"
#include "queue/remote_transport.h"
#include "queue/retry.h"

long long queue_parse_interval(const char *s)
{
	long long out[1];
	size_t n;
	if (retry_parse_schedule(s, out, 1, &n) < 0 || n != 1 || strchr(s, ','))
		return -1;
	return out[0];
}

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

/* The spool's leftovers and incoming/: what a full run does first. */
static void sweep(struct spool *spool, const struct dkim_keyring *keys, const struct config *cfg)
{
	struct mail_err e;
	struct pickup_result picked;
	/* Leftovers of crashed writers: temp files older than a day. */
	if (spool_recover(spool, 86400, &e) < 0)
		log_warn(NULL, "%s", e.msg);
	/* What unprivileged users dropped into incoming/ joins the queue. */
	if (spool_trusted(spool, getuid()) &&
	    spool_pickup(spool, keys, config_str(cfg, CFG_HOSTNAME), config_num(cfg, CFG_MAX_MESSAGE_SIZE), &picked,
			 &e) < 0)
		log_warn(NULL, "%s", e.msg);
}

/* The messages a kick names, each claimed and attempted: no listing of the
 * queue, no sweep. */
static int run_named(struct runner *r, const struct runner_filter *f, struct mail_err *e)
{
	int rv = 0;
	for (size_t i = 0; i < f->nids; i++) {
		struct mail_err e2;
		err_clear(&e2);
		if (runner_message(r, f->ids[i], &e2) < 0) {
			log_err(f->ids[i], "%s", e2.msg);
			*e = e2;
			rv = -1;
		}
	}
	return rv;
}

/* kick: only the messages the filter names, no sweep. */
static int run(const struct config *cfg, const struct runner_filter *filter, long long every, int kick,
	       struct tally *progress, struct mail_err *e)
{
	struct spool spool;
	struct runner r;
	struct remote remote;
	struct local local;
	if (spool_open(&spool, config_str(cfg, CFG_SPOOL), 1, e) < 0) {
		e->ex = EX_TEMPFAIL;
		return -1;
	}
	long long workers = config_num(cfg, CFG_QUEUE_WORKERS);
	if (workers < 1 || workers > RUNNER_WORKERS_MAX) {
		spool_close(&spool);
		return err_set(e, EX_CONFIG, 0, "", "queue_workers: expected 1 to %d, got %lld", RUNNER_WORKERS_MAX,
			       workers);
	}
	/* The keys sign bounces and what pickup moves. */
	static struct dkim_keyring keys;
	if (dkim_keyring_load(&keys, config_str(cfg, CFG_DKIM_KEYS), e) < 0) {
		e->ex = EX_CONFIG;
		spool_close(&spool);
		return -1;
	}
	if (runner_init(&r, &spool, cfg, e) < 0 || remote_init(&remote, cfg, e) < 0) {
		if (e->ex != EX_OSERR)
			e->ex = EX_CONFIG;
		spool_close(&spool);
		return -1;
	}
	if (local_init(&local, cfg, e) < 0) {
		e->ex = EX_OSERR;
		remote_free(&remote);
		spool_close(&spool);
		return -1;
	}
	r.remote.deliver = remote_deliver;
	r.remote.ctx = &remote;
	r.local.deliver = local_deliver;
	r.local.ctx = &local;
	r.dkim = &keys;
	r.filter = filter;
	r.progress = progress;
	r.workers = filter && filter->nids == 1 ? 1 : (int)workers;
	if (every) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_signal;
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
		log_info(NULL, "queue runner started interval=%llds", every);
	}
	int rv = 0;
	do {
		struct mail_err e2;
		remote_idle(&remote);
		if (!kick)
			sweep(&spool, &keys, cfg);
		if ((kick ? run_named(&r, filter, &e2) : runner_run(&r, &e2)) < 0) {
			log_err(NULL, "%s", e2.msg);
			*e = e2;
			if (e->ex != EX_OSERR)
				e->ex = EX_TEMPFAIL;
			rv = -1;
		}
		log_info(NULL, "queue run messages=%lu sent=%lu deferred=%lu bounced=%lu busy=%lu corrupt=%lu",
			 r.stats.messages, r.stats.sent, r.stats.deferred, r.stats.bounced, r.stats.busy,
			 r.stats.corrupt);
		memset(&r.stats, 0, sizeof r.stats);
		for (long long slept = 0; every && !stopping && slept < every; slept++)
			sleep(1);
	} while (every && !stopping);
	remote_free(&remote);
	spool_close(&spool);
	return rv;
}

int queue_run(const struct config *cfg, const struct runner_filter *filter, long long every,
	      struct tally *progress, struct mail_err *e)
{
	return run(cfg, filter, every, 0, progress, e);
}

void queue_kick(const struct config *cfg, const char *const *ids, size_t n)
{
	pid_t pid = fork();
	if (pid < 0)
		return; /* the next queue run will do */
	if (pid > 0) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		return;
	}
	/* The child forks again and exits, so the grandchild is nobody's to
	 * wait for and the caller's pipes are not held open. */
	if (fork() != 0)
		_exit(0);
	setsid();
	int null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		if (null > 2)
			close(null);
	}
	struct runner_filter f;
	struct mail_err e;
	memset(&f, 0, sizeof f);
	for (size_t i = 0; i < n; i++)
		if (runner_filter_add_id(&f, ids[i]) < 0)
			_exit(EX_SOFTWARE);
	_exit(run(cfg, &f, 0, 1, NULL, &e) < 0 ? e.ex : 0);
}

void queue_kick_session(const struct config *cfg, const struct smtp_queued *q)
{
	const char *ids[SMTP_QUEUED_MAX];
	if (!q || q->n == 0)
		return;
	for (size_t i = 0; i < q->n; i++)
		ids[i] = q->id[i];
	queue_kick(cfg, ids, q->n);
}
