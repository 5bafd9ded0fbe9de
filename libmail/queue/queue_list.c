/* queue_list.c — the queue listing, text or JSON; see queue_list.h. */
#include "queue/queue_list.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/json.h"
#include "base/log.h"
#include "queue/queue_metrics.h"
#include "store/spool.h"

static void print_json(const struct envelope *env, FILE *out)
{
	struct buf b = BUF_INIT;
	buf_adds(&b, "{\"queue_name\":");
	json_cstring(&b, queue_state(env));
	buf_adds(&b, ",\"queue_id\":");
	json_cstring(&b, env->id);
	buf_addf(&b, ",\"arrival_time\":%lld,\"message_size\":%lld,\"forced_expire\":false,\"sender\":",
		 env->arrival, env->size);
	json_cstring(&b, env->sender);
	buf_adds(&b, ",\"recipients\":[");
	const char *sep = "";
	for (size_t i = 0; i < env->nrcpt; i++) {
		const struct rcpt *r = &env->rcpt[i];
		if (!rcpt_pending(r))
			continue;
		buf_addf(&b, "%s{\"address\":", sep);
		json_cstring(&b, r->addr);
		if (r->error[0]) {
			buf_adds(&b, ",\"delay_reason\":");
			json_cstring(&b, r->error);
		}
		buf_addc(&b, '}');
		sep = ",";
	}
	buf_adds(&b, "]}\n");
	fwrite(b.ptr, 1, b.len, out);
	buf_free(&b);
}

static void print_text(const struct envelope *env, FILE *out)
{
	char when[64], shown[ADDR_TEXT_MAX * 4 + 1], why[ENV_ERROR_MAX * 4 + 1];
	time_t t = (time_t)env->arrival;
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(when, sizeof when, "%a %b %e %H:%M:%S", &tm);
	log_text(shown, sizeof shown, env->sender, strlen(env->sender));
	char id[QID_MAX + 2];
	snprintf(id, sizeof id, "%s%s", env->id, env->held ? "!" : "");
	fprintf(out, "%-25s %8lld %s  %s\n", id, env->size, when, env->sender[0] ? shown : "MAILER-DAEMON");
	for (size_t i = 0; i < env->nrcpt; i++) {
		const struct rcpt *r = &env->rcpt[i];
		if (!rcpt_pending(r))
			continue;
		if (r->error[0])
			fprintf(out, "%58s(%s)\n", "", log_text(why, sizeof why, r->error, strlen(r->error)));
		fprintf(out, "%58s%s\n", "", log_text(shown, sizeof shown, r->addr, strlen(r->addr)));
	}
	fprintf(out, "\n");
}

static void print_metrics(const struct queue_metrics *m, long long now, FILE *out)
{
	struct buf b = BUF_INIT;
	queue_metrics_write(m, now, &b);
	fwrite(b.ptr, 1, b.len, out);
	buf_free(&b);
}

/* Messages set aside in corrupt/: each has its .why file. */
static long long count_corrupt(const char *spool_dir)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/corrupt", spool_dir);
	DIR *d = opendir(path);
	long long n = 0;
	if (!d)
		return 0;
	for (struct dirent *de; (de = readdir(d));) {
		size_t len = strlen(de->d_name);
		if (len > 4 && !strcmp(de->d_name + len - 4, ".why"))
			n++;
	}
	closedir(d);
	return n;
}

int queue_list(const char *dir, const struct queue_list_opts *o, FILE *out, struct mail_err *e)
{
	struct spool spool;
	struct stat st;
	struct queue_metrics metrics;
	queue_metrics_init(&metrics);
	if (stat(dir, &st) < 0 && errno == ENOENT) {
		if (o->metrics)
			print_metrics(&metrics, 0, out);
		else if (!o->json)
			fprintf(out, "Mail queue is empty\n");
		return fflush(out) == 0 ? 0 : err_sys(e, "standard output");
	}
	if (spool_open(&spool, dir, 0, e) < 0) {
		e->ex = EX_TEMPFAIL;
		return -1;
	}
	if (spool.queue_fd < 0) {
		spool_close(&spool);
		return err_set(e, EX_NOPERM, 0, "", "%s/queue: only root and the spool's owner may list this queue",
			       dir);
	}
	uid_t uid = getuid();
	int sees_all = uid == 0 || st.st_uid == uid;
	struct queue_select sel = o->sel;
	if (!sees_all)
		sel.uid = (long long)uid;
	char **ids;
	size_t n;
	if (spool_list(&spool, &ids, &n, e) < 0) {
		e->ex = EX_TEMPFAIL;
		spool_close(&spool);
		return -1;
	}
	long long total = 0, now = (long long)time(NULL);
	size_t shown = 0;
	for (size_t i = 0; i < n; i++) {
		struct envelope env;
		struct mail_err e2;
		if (spool_read_envelope(&spool, ids[i], &env, &e2) < 0) {
			if (e2.sys == ENOENT)
				continue; /* delivered while we looked */
			int moved = sees_all && e2.ex == EX_DATAERR &&
				    spool_quarantine(&spool, ids[i], e2.msg, NULL) == 0;
			if (o->problem) {
				struct buf t = BUF_INIT;
				buf_addf(&t, "%s: %s", ids[i], e2.msg);
				if (moved)
					buf_addf(&t, "; moved to %s/corrupt", dir);
				if (buf_ok(&t))
					o->problem(o->ctx, t.ptr);
				buf_free(&t);
			}
			continue;
		}
		if (queue_select_match(&sel, &env, now)) {
			if (!o->json && !o->metrics && shown == 0)
				fprintf(out, "%-25s %8s %-20s  %s\n", "-Queue ID-", "--Size--", "----Arrival Time----",
					"-Sender/Recipient-------");
			if (o->metrics)
				queue_metrics_add(&metrics, &env);
			else if (o->json)
				print_json(&env, out);
			else
				print_text(&env, out);
			total += env.size;
			shown++;
		}
		envelope_free(&env);
	}
	if (o->metrics) {
		metrics.corrupt = count_corrupt(dir);
		print_metrics(&metrics, now, out);
	} else if (!o->json) {
		if (shown == 0)
			fprintf(out, "Mail queue is empty\n");
		else
			fprintf(out, "-- %lld Kbytes in %zu Request%s.\n", (total + 1023) / 1024, shown,
				shown == 1 ? "" : "s");
	}
	spool_ids_free(ids, n);
	spool_close(&spool);
	if (fflush(out) != 0) {
		err_sys(e, "standard output");
		e->ex = EX_IOERR;
		return -1;
	}
	return 0;
}
