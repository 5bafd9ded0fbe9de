/* chat_load.c — smtp-chat --count N [--concurrency K] [--per-session M]:
 * a load generator in the manner of Postfix's smtp-source, with latencies.
 *
 * K threads each open sessions (connect, banner, EHLO, STARTTLS and AUTH
 * when asked) and send up to M messages per session through
 * smtp_transaction (pipelined when offered, BDAT with --bdat) until N
 * messages have been tried. With --data @FILE each message is read from the
 * file through a descriptor, as the queue runner sends spool files. Recorded per session: connect and banner time;
 * per message: the whole transaction (MAIL to the final reply). The
 * summary gives messages per second, p50/p90/p99/max of each, and a count
 * of the final replies by class. A terminal gets a progress line on stderr.
 *
 * Exit: 0 when every message was accepted, else the stage code of the
 * first failure (2 connect, 21 banner, 22 ehlo, 29 tls, 28 auth, 23 mail,
 * 24 rcpt, 25 data, 26 dot).
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/json.h"
#include "chat/latency.h"
#include "../applets.h"
#include "chat.h"

struct shared {
	struct chat_opts *o;
	unsigned long long size;   /* the message on the wire */
	int eight_bit, smtputf8;
	atomic_ulong claimed, done, sessions;
	atomic_ulong c2, c4, c5, errors;
	atomic_int first_fail;
	char first_why[600];
	pthread_mutex_t lock;
};

struct worker {
	struct shared *sh;
	pthread_t tid;
	struct latency connect, banner, txn;
};

static void fail_once(struct shared *sh, int code, const char *why)
{
	int none = 0;
	if (atomic_compare_exchange_strong(&sh->first_fail, &none, code)) {
		pthread_mutex_lock(&sh->lock);
		snprintf(sh->first_why, sizeof sh->first_why, "%s", why);
		pthread_mutex_unlock(&sh->lock);
	}
}

/* Claim up to m messages; returns how many. */
static unsigned long claim(struct shared *sh, unsigned long m)
{
	unsigned long total = sh->o->count;
	unsigned long cur = atomic_load(&sh->claimed);
	for (;;) {
		if (cur >= total)
			return 0;
		unsigned long take = total - cur < m ? total - cur : m;
		if (atomic_compare_exchange_weak(&sh->claimed, &cur, cur + take))
			return take;
	}
}

/* The connect and banner times of a session, from the opening sequence. */
struct timing {
	struct worker *w;
	long long t0, t1;
};

static int timing_step(void *arg, struct smtp_client *c, enum smtp_open_stage done)
{
	struct timing *t = arg;
	(void)c;
	if (done == SMTP_OPEN_CONNECT) {
		t->t1 = chat_now_us();
		latency_add(&t->w->connect, t->t1 - t->t0);
	} else if (done == SMTP_OPEN_BANNER) {
		latency_add(&t->w->banner, chat_now_us() - t->t1);
	}
	return 0;
}

/* Connect, banner, EHLO, STARTTLS and AUTH when asked; the exit code of a
 * failed stage (the session is then over), or 0. */
static int session_open(struct worker *w, struct smtp_client *c, struct mail_err *e)
{
	struct chat_opts *o = w->sh->o;
	struct timing t = { w, chat_now_us(), 0 };
	struct smtp_open_opts so;
	struct smtp_open_result r;
	chat_open_opts(o, &so);
	so.step = timing_step;
	so.arg = &t;
	return chat_open(o, c, NULL, &so, &r, e);
}

static const int stage_code[] = { 0, CHAT_EX_MAIL, CHAT_EX_RCPT, CHAT_EX_DATA, CHAT_EX_DOT };

static void *work(void *arg)
{
	struct worker *w = arg;
	struct shared *sh = w->sh;
	struct chat_opts *o = sh->o;
	struct smtp_result *res = calloc(o->nto, sizeof *res);
	unsigned long m;
	while (res && (m = claim(sh, o->per_session)) > 0) {
		struct smtp_client c = { 0 };
		struct mail_err e;
		err_clear(&e);
		atomic_fetch_add(&sh->sessions, 1);
		int rc = session_open(w, &c, &e);
		if (rc) {
			atomic_fetch_add(&sh->errors, m);
			atomic_fetch_add(&sh->done, m);
			fail_once(sh, rc, e.msg);
			continue;
		}
		for (unsigned long i = 0; i < m; i++) {
			/* --data @FILE: read from the file for every message, the way
			 * the queue runner reads a spool file (smtp_txn.msg_fd). */
			int fd = -1;
			if (o->data_arg && o->data_arg[0] == '@' &&
			    (fd = open(o->data_arg + 1, O_RDONLY | O_CLOEXEC)) < 0) {
				atomic_fetch_add(&sh->errors, 1);
				atomic_fetch_add(&sh->done, 1);
				fail_once(sh, EX_NOINPUT, o->data_arg + 1);
				continue;
			}
			struct smtp_txn t = {
				.from = o->from, .nrcpt = o->nto, .rcpt = o->to,
				.msg = o->message.ptr ? o->message.ptr : "", .msg_len = o->message.len,
				.msg_fd = fd, .bdat = o->bdat, .chunk = o->chunk, .rcpt_res = res,
				.size = w->sh->size, .eight_bit = w->sh->eight_bit,
				.smtputf8 = w->sh->smtputf8,
			};
			long long t0 = chat_now_us();
			int r = c.broken ? -1 : smtp_transaction(&c, &t, &e);
			if (fd >= 0)
				close(fd);
			if (r == 0)
				latency_add(&w->txn, chat_now_us() - t0);
			/* The class of the reply that decided this message. */
			int code = r == 0 ? 250 : e.smtp;
			if (code / 100 == 2)
				atomic_fetch_add(&sh->c2, 1);
			else if (code / 100 == 4)
				atomic_fetch_add(&sh->c4, 1);
			else if (code / 100 == 5)
				atomic_fetch_add(&sh->c5, 1);
			else
				atomic_fetch_add(&sh->errors, 1);
			if (r < 0)
				fail_once(sh, !e.smtp && t.stage == SMTP_STAGE_MAIL ? CHAT_EX_CONNECT
									: stage_code[t.stage], e.msg);
			atomic_fetch_add(&sh->done, 1);
		}
		smtp_quit(&c);
		chat_finish(o, &c);
	}
	free(res);
	return NULL;
}

static void lat_text(FILE *f, const char *name, struct latency *l)
{
	fprintf(f, "=== %-12s p50 %8.3f ms  p90 %8.3f ms  p99 %8.3f ms  max %8.3f ms  (n=%zu)\n", name,
		(double)latency_pct(l, 50) / 1000, (double)latency_pct(l, 90) / 1000,
		(double)latency_pct(l, 99) / 1000, (double)latency_max(l) / 1000, l->n);
}

static void lat_json(struct buf *b, const char *name, struct latency *l)
{
	buf_addf(b, ",\"%s_ms\":{\"n\":%zu,\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,\"max\":%.3f}", name,
		 l->n, (double)latency_pct(l, 50) / 1000, (double)latency_pct(l, 90) / 1000,
		 (double)latency_pct(l, 99) / 1000, (double)latency_max(l) / 1000);
}

int chat_load_main(struct chat_opts *o)
{
	struct mail_err e;
	struct shared sh = { .o = o };
	pthread_mutex_init(&sh.lock, NULL);
	sh.size = chat_msg_wire_size(o->message.ptr ? o->message.ptr : "", o->message.len);
	for (size_t i = 0; o->message.ptr && i < o->message.len && !sh.eight_bit; i++)
		sh.eight_bit = (unsigned char)o->message.ptr[i] >= 0x80;
	for (const char *p = o->from; *p && !sh.smtputf8; p++)
		sh.smtputf8 = (unsigned char)*p >= 0x80;
	for (size_t i = 0; i < o->nto; i++)
		for (const char *p = o->to[i]; *p && !sh.smtputf8; p++)
			sh.smtputf8 = (unsigned char)*p >= 0x80;
	if (!o->concurrency)
		o->concurrency = 1;
	if (!o->per_session)
		o->per_session = 1;
	if (o->concurrency > o->count)
		o->concurrency = o->count ? o->count : 1;
	/* made here, before the threads: chat_tls_ctx is not for racing */
	if ((o->starttls || o->tls_on_connect || o->tls_optional) && !chat_tls_ctx(o, &e))
		die(CHAT_EX_TLS, "%s", e.msg);
	if (o->pipe_cmd)
		die(EX_USAGE, "load mode works over --server or --socket, not --pipe");
	struct worker *w = calloc(o->concurrency, sizeof *w);
	if (!w)
		die(EX_OSERR, "out of memory");
	int tty = isatty(2) && o->format == OUT_TEXT;
	long long t0 = chat_now_us();
	for (unsigned long i = 0; i < o->concurrency; i++) {
		w[i].sh = &sh;
		if (pthread_create(&w[i].tid, NULL, work, &w[i]) != 0)
			die(EX_OSERR, "cannot start thread %lu", i);
	}
	while (tty && atomic_load(&sh.done) < o->count) {
		usleep(200000);
		double s = (double)(chat_now_us() - t0) / 1e6;
		unsigned long d = atomic_load(&sh.done);
		fprintf(stderr, "\r%lu/%lu messages, %.0f/s   ", d, o->count, s > 0 ? (double)d / s : 0.0);
	}
	struct latency conn = { 0 }, ban = { 0 }, txn = { 0 };
	for (unsigned long i = 0; i < o->concurrency; i++) {
		pthread_join(w[i].tid, NULL);
		latency_merge(&conn, &w[i].connect);
		latency_merge(&ban, &w[i].banner);
		latency_merge(&txn, &w[i].txn);
		latency_free(&w[i].connect);
		latency_free(&w[i].banner);
		latency_free(&w[i].txn);
	}
	double secs = (double)(chat_now_us() - t0) / 1e6;
	if (tty)
		fputc('\n', stderr);
	unsigned long ok = atomic_load(&sh.c2);
	double rate = secs > 0 ? (double)ok / secs : 0;
	int rc = ok == o->count ? 0 : atomic_load(&sh.first_fail) ? atomic_load(&sh.first_fail) : 1;
	if (o->format == OUT_JSON) {
		struct buf b = BUF_INIT;
		buf_addf(&b, "{\"type\":\"summary\",\"mode\":\"load\",\"exit\":%d,\"ok\":%s,"
			     "\"messages\":%lu,\"accepted\":%lu,\"seconds\":%.3f,\"per_second\":%.1f,"
			     "\"concurrency\":%lu,\"per_session\":%lu,\"sessions\":%lu,"
			     "\"replies\":{\"2xx\":%lu,\"4xx\":%lu,\"5xx\":%lu,\"errors\":%lu}",
			 rc, rc ? "false" : "true", o->count, ok, secs, rate, o->concurrency,
			 o->per_session, atomic_load(&sh.sessions), ok, atomic_load(&sh.c4),
			 atomic_load(&sh.c5), atomic_load(&sh.errors));
		lat_json(&b, "connect", &conn);
		lat_json(&b, "banner", &ban);
		lat_json(&b, "transaction", &txn);
		buf_adds(&b, ",\"reason\":");
		json_cstring(&b, rc ? sh.first_why : "");
		buf_adds(&b, "}\n");
		fwrite(b.ptr, 1, b.len, stdout);
		buf_free(&b);
	} else if (o->format == OUT_TEXT) {
		printf("=== load: %lu messages in %.3f s: %.1f msg/s, %lu at a time, %lu per session, "
		       "%lu sessions\n", o->count, secs, rate, o->concurrency, o->per_session,
		       atomic_load(&sh.sessions));
		lat_text(stdout, "connect", &conn);
		lat_text(stdout, "banner", &ban);
		lat_text(stdout, "transaction", &txn);
		printf("=== replies:    2xx %lu  4xx %lu  5xx %lu  errors %lu\n", ok,
		       atomic_load(&sh.c4), atomic_load(&sh.c5), atomic_load(&sh.errors));
	}
	if (rc && o->format != OUT_JSON)
		fprintf(o->format == OUT_QUIET ? stderr : stdout, "%s*** first failure: %s (exit %d)\n",
			o->format == OUT_QUIET ? "smtp-chat: " : "", sh.first_why, rc);
	latency_free(&conn);
	latency_free(&ban);
	latency_free(&txn);
	free(w);
	pthread_mutex_destroy(&sh.lock);
	return rc;
}
