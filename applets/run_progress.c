/* run_progress.c — the one-line display of a queue run started by hand:
 * delivered, deferred and bounced recipients, the messages left and the
 * rate, redrawn in place while the run goes on (see applets.h).
 *
 * Only when stdout is a terminal (and TERM is not "dumb"): under cron,
 * in a pipe or into a file there is nothing of it. The run's workers
 * count into a tally (base/tally.h); a small child process draws it five
 * times a second, so the line moves even while a worker waits on a slow
 * server. The line is drawn with a carriage return and padded with spaces
 * over the previous one; log lines on the same terminal erase it first
 * (log_erase_line) and it comes back at the next draw. The child ends
 * when the run closes the pipe it watches (or the run dies), drawing the
 * final counts and a newline.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "queue/runner.h"
#include "applets.h"

#define REDRAW_MS 200

static double seconds_since(const struct timespec *t0)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

/* "\r" + the line, padded over the last one (*shown: its length). */
static void draw(const struct tally *t, const struct timespec *t0, int *shown, int last)
{
	unsigned long long total = tally_get(t, RUN_P_TOTAL), done = tally_get(t, RUN_P_DONE);
	double s = seconds_since(t0);
	char line[200];
	int n = snprintf(line, sizeof line, "queue run: %llu delivered, %llu deferred, %llu bounced, %llu left, %.1f msg/s",
			 tally_get(t, RUN_P_SENT), tally_get(t, RUN_P_DEFERRED), tally_get(t, RUN_P_BOUNCED),
			 total > done ? total - done : 0, s > 0.05 ? (double)done / s : 0.0);
	if (n < 0)
		return;
	if (n >= (int)sizeof line)
		n = (int)sizeof line - 1;
	int pad = *shown > n ? *shown - n : 0;
	printf("\r%s%*s%s", line, pad, "", last ? "\n" : "");
	fflush(stdout);
	*shown = n;
}

static void drawer(const struct tally *t, int watch)
{
	struct timespec t0;
	int shown = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd p = { .fd = watch, .events = POLLIN };
		int r = poll(&p, 1, REDRAW_MS);
		if (r > 0) /* EOF: the run is over (or died) */
			break;
		draw(t, &t0, &shown, 0);
	}
	draw(t, &t0, &shown, 1);
	_exit(0);
}

struct tally *run_progress_start(struct run_progress *p)
{
	const char *term = getenv("TERM");
	struct mail_err e;
	int fds[2];
	memset(p, 0, sizeof *p);
	p->pid = -1;
	p->watch = -1;
	if (!isatty(STDOUT_FILENO) || !term || !term[0] || !strcmp(term, "dumb"))
		return NULL;
	if (!(p->tally = tally_create(RUN_P_COUNT, &e)))
		return NULL; /* the run goes on without a display */
	/* Close-on-exec: a program that mail is delivered to must not keep
	 * the display going after the run. */
	if (pipe2(fds, O_CLOEXEC) < 0) {
		tally_destroy(p->tally);
		return p->tally = NULL;
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[1]);
		drawer(p->tally, fds[0]);
	}
	close(fds[0]);
	if (pid < 0) {
		close(fds[1]);
		tally_destroy(p->tally);
		return p->tally = NULL;
	}
	p->pid = pid;
	p->watch = fds[1];
	if (isatty(STDERR_FILENO))
		log_erase_line(1);
	return p->tally;
}

void run_progress_stop(struct run_progress *p)
{
	if (p->pid < 0)
		return;
	close(p->watch);
	while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR)
		;
	log_erase_line(0);
	tally_destroy(p->tally);
	p->pid = -1;
	p->tally = NULL;
}
