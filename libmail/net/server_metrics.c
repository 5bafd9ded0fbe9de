/* server_metrics.c — a daemon's counters as a textfile; see server_metrics.h. */
#include "net/server_metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/io.h"
#include "base/log.h"
#include "msg/prom_text.h"

int server_metrics_init(struct server_metrics *m, const struct metric_def *defs, size_t n, struct mail_err *e)
{
	memset(m, 0, sizeof *m);
	m->defs = defs;
	m->n = n;
	m->tally = tally_create(n, e);
	return m->tally ? 0 : -1;
}

void server_metrics_free(struct server_metrics *m)
{
	tally_destroy(m->tally);
	m->tally = NULL;
}

void server_metrics_text(const struct server_metrics *m, struct buf *out)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct metric_def *d = &m->defs[i];
		if (i == 0 || strcmp(d->name, m->defs[i - 1].name))
			prom_family(out, d->name, d->type == METRIC_GAUGE ? "gauge" : "counter", d->help);
		prom_sample(out, d->name, d->labels, tally_get(m->tally, i));
	}
}

int server_metrics_write(const struct server_metrics *m, const char *path, struct mail_err *e)
{
	char tmp[4096];
	struct buf text = BUF_INIT;
	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
		return err_set(e, EX_CONFIG, 0, "", "%s: path too long", path);
	server_metrics_text(m, &text);
	if (!buf_ok(&text)) {
		buf_free(&text);
		return err_set(e, EX_OSERR, 0, "", "%s: out of memory", path);
	}
	/* O_NOFOLLOW: a link planted in a shared directory is not followed. */
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		buf_free(&text);
		return err_sys(e, "%s", tmp);
	}
	int r = write_all(fd, text.ptr, text.len);
	buf_free(&text);
	if (r < 0) {
		err_sys(e, "%s: write", tmp);
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (close(fd) < 0) {
		err_sys(e, "%s: close", tmp);
		unlink(tmp);
		return -1;
	}
	/* The commit point: readers see the whole new file from here. */
	if (rename(tmp, path) < 0) {
		err_sys(e, "rename %s to %s", tmp, path);
		unlink(tmp);
		return -1;
	}
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long server_metrics_tick(struct server_metrics *m, const char *path, long long interval_s, int now)
{
	long long t = now_ms(), every = (interval_s > 0 ? interval_s : 1) * 1000;
	if (!path[0] || !m->tally)
		return (long)every;
	if (!now && t < m->next_ms)
		return (long)(m->next_ms - t);
	struct mail_err e;
	err_clear(&e);
	if (server_metrics_write(m, path, &e) < 0) {
		if (!m->failing)
			log_warn(NULL, "event=metrics-write-failed error=\"%s\"", e.msg);
		m->failing = 1;
	} else if (m->failing) {
		log_info(NULL, "event=metrics-written file=%s", path);
		m->failing = 0;
	}
	m->next_ms = t + every;
	return (long)every;
}
