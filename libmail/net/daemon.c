/* daemon.c — listeners, the accept loop, fork per session; see daemon.h. */
#include "net/daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/array.h"
#include "base/buf.h"
#include "base/io.h"
#include "base/lazylib.h"
#include "base/log.h"
#include "net/sd_listen.h"

int listener_open(struct listener *l, const char *spec, struct mail_err *e)
{
	char host[128], port[16];
	const char *comma = strchr(spec, ',');
	size_t alen = comma ? (size_t)(comma - spec) : strlen(spec);
	memset(l, 0, sizeof *l);
	l->fd = -1;
	if (str_copy(l->addr, sizeof l->addr, spec, alen) < 0 ||
	    str_copy(l->opts, sizeof l->opts, comma ? comma + 1 : "", comma ? strlen(comma + 1) : 0) < 0)
		return err_set(e, EX_USAGE, 0, "", "%s: listener too long", spec);
	const char *colon = strrchr(l->addr, ':');
	const char *h = l->addr;
	size_t hlen = colon ? (size_t)(colon - l->addr) : 0;
	if (h[0] == '[') {
		const char *close = strchr(h, ']');
		if (!close || close + 1 != colon)
			return err_set(e, EX_USAGE, 0, "", "%s: expected [IPv6]:PORT", l->addr);
		h++;
		hlen = (size_t)(close - h);
	}
	if (!colon || !colon[1] || str_copy(host, sizeof host, h, hlen) < 0 ||
	    str_copy(port, sizeof port, colon + 1, strlen(colon + 1)) < 0)
		return err_set(e, EX_USAGE, 0, "", "%s: expected ADDR:PORT", l->addr);

	struct addrinfo hints = { .ai_flags = AI_PASSIVE | AI_NUMERICSERV, .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai;
	int r = getaddrinfo(host[0] && strcmp(host, "*") ? host : NULL, port, &hints, &ai);
	if (r != 0)
		return err_set(e, EX_USAGE, 0, "", "%s: %s", l->addr, gai_strerror(r));
	/* systemd may have bound it for us (socket activation). */
	int fd = sd_listen_take(ai->ai_addr, ai->ai_addrlen);
	if (fd >= 0) {
		freeaddrinfo(ai);
		l->fd = fd;
		e->ex = EX_OK;
		return 0;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int one = 1;
	if (fd < 0) {
		err_sys(e, "%s: socket", l->addr);
		goto fail;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		err_sys(e, "%s: bind", l->addr);
		goto fail;
	}
	/* A small backlog stalls a server when many clients connect at once. */
	if (listen(fd, 1024) < 0) {
		err_sys(e, "%s: listen", l->addr);
		goto fail;
	}
	freeaddrinfo(ai);
	l->fd = fd;
	e->ex = EX_OK;
	return 0;
fail:
	e->ex = e->sys == EACCES ? EX_NOPERM : EX_UNAVAILABLE;
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	return -1;
}

/* --- the parent: signals through a self-pipe --- */

static int sig_pipe[2] = { -1, -1 };

static void on_signal(int sig)
{
	int saved = errno;
	unsigned char c = (unsigned char)sig;
	if (write(sig_pipe[1], &c, 1) < 0) {
		/* the pipe is full: a wakeup is pending anyway */
	}
	errno = saved;
}

struct child {
	pid_t pid;
	struct peer client;
};

struct table {
	struct child *c;
	size_t n, cap;
};

/* Sessions from the same address (the port differs, the text is
 * canonical: one address has one text). */
static size_t count_ip(const struct table *t, const struct peer *client)
{
	size_t k = 0;
	for (size_t i = 0; i < t->n; i++)
		k += !strcmp(t->c[i].client.text, client->text);
	return k;
}

static void reap(struct table *t, const struct daemon_hooks *h)
{
	pid_t pid;
	int status;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (size_t i = 0; i < t->n; i++) {
			if (t->c[i].pid == pid) {
				if (h->ended)
					h->ended(h->ctx, &t->c[i].client, status);
				t->c[i] = t->c[--t->n];
				break;
			}
		}
	}
}

static void refuse(int fd, const char *reply, const char *ip)
{
	/* A fresh socket's send buffer takes one short line without blocking. */
	if (write(fd, reply, strlen(reply)) < 0)
		log_info(NULL, "client=%s event=refused-write-failed", ip);
	close(fd);
}

static int under_stress;

int daemon_under_stress(void)
{
	return under_stress;
}

/* 80%: early enough that the short timeouts free sessions before the cap
 * refuses anyone, late enough that a normal load never sees them. */
static int stressed(const struct table *t, const struct daemon_limits *lim)
{
	return lim->max_sessions > 0 && ((long long)t->n + 1) * 5 >= lim->max_sessions * 4;
}

static void run_child(struct listener *ls, size_t n, int fd, const struct peer *client,
		      const struct daemon_hooks *h, const struct listener *l, int stress)
{
	under_stress = stress;
	for (size_t i = 0; i < n; i++)
		close(ls[i].fd);
	/* Every handler of the parent goes first: on_signal would write into
	 * whatever descriptor now has the pipe's number. */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	close(sig_pipe[0]);
	close(sig_pipe[1]);
	sig_pipe[0] = sig_pipe[1] = -1;
	signal(SIGPIPE, SIG_IGN);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	_exit(h->session(h->ctx, l, fd, client));
}

/* Accept one client; -1 when there is none waiting (or accept failed). */
static int accept_one(struct listener *ls, size_t n, struct listener *l, struct table *t,
		      const struct daemon_limits *lim, const struct daemon_hooks *h)
{
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof ss;
	struct peer client;
	memset(&ss, 0, sizeof ss);
	int fd = accept4(l->fd, (struct sockaddr *)&ss, &sslen, SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED)
			log_warn(NULL, "listener=%s event=accept-failed error=\"%s\"", l->addr, strerror(errno));
		if (errno == EMFILE || errno == ENFILE) {
			struct timespec ts = { 0, 50 * 1000000L };
			nanosleep(&ts, NULL); /* let sessions end before trying again */
		}
		return -1;
	}
	peer_from_sockaddr(&client, (const struct sockaddr *)&ss, sslen);
	const char *ip = client.text;
	/* A session that just ended may not be reaped yet (its SIGCHLD still
	 * in the pipe): count again before refusing a client that reconnects. */
	if ((lim->max_sessions > 0 && (long long)t->n >= lim->max_sessions) ||
	    (lim->max_per_ip > 0 && !l->no_ip_cap && (long long)count_ip(t, &client) >= lim->max_per_ip))
		reap(t, h);
	if (lim->max_sessions > 0 && (long long)t->n >= lim->max_sessions) {
		log_info(NULL, "client=%s event=refused reason=max_sessions sessions=%zu", ip, t->n);
		refuse(fd, lim->busy_reply, ip);
		if (h->refused)
			h->refused(h->ctx, &client, 0);
		return 0;
	}
	if (lim->max_per_ip > 0 && !l->no_ip_cap && (long long)count_ip(t, &client) >= lim->max_per_ip) {
		log_info(NULL, "client=%s event=refused reason=max_sessions_per_ip", ip);
		refuse(fd, lim->per_ip_reply, ip);
		if (h->refused)
			h->refused(h->ctx, &client, 1);
		return 0;
	}
	if (t->n == t->cap) {
		struct child *c = array_grow(t->c, &t->cap, sizeof *c, 64);
		if (!c) {
			refuse(fd, lim->busy_reply, ip);
			return 0;
		}
		t->c = c;
	}
	/* Signals stay blocked across fork until the child has put the
	 * parent's handlers away (a SIGTERM meant for the child must not
	 * reach the parent's pipe). */
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid_t pid = fork();
	if (pid != 0)
		sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid < 0) {
		log_warn(NULL, "client=%s event=fork-failed error=\"%s\"", ip, strerror(errno));
		refuse(fd, lim->busy_reply, ip);
		return 0;
	}
	if (pid == 0)
		run_child(ls, n, fd, &client, h, l, stressed(t, lim));
	close(fd);
	t->c[t->n].pid = pid;
	t->c[t->n].client = client;
	t->n++;
	return 0;
}

/* drain_s < 0: no time limit, but a second SIGTERM or SIGINT ends the
 * wait (the sessions go on without the parent). */
static int tick(const struct daemon_hooks *h, const struct table *t, long long *due);

static void drain(struct table *t, int drain_s, const struct daemon_hooks *h, long long *tick_due)
{
	time_t end = time(NULL) + drain_s;
	int again = 0;
	while (t->n > 0 && !again && (drain_s < 0 || time(NULL) < end)) {
		struct pollfd p = { .fd = sig_pipe[0], .events = POLLIN };
		unsigned char buf[64];
		ssize_t k = poll(&p, 1, 200) > 0 ? read(sig_pipe[0], buf, sizeof buf) : 0;
		for (ssize_t i = 0; drain_s < 0 && i < k; i++)
			again |= buf[i] == SIGTERM || buf[i] == SIGINT;
		reap(t, h);
		tick(h, t, tick_due); /* the metrics go on while sessions end */
	}
	if (t->n > 0)
		log_info(NULL, "event=shutdown sessions-left=%zu", t->n);
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The tick hook, when it is due; returns poll()'s timeout until the next. */
static int tick(const struct daemon_hooks *h, const struct table *t, long long *due)
{
	if (!h->tick)
		return -1;
	long long now = now_ms();
	if (now >= *due) {
		long next = h->tick(h->ctx, t->n, 0);
		*due = now + (next > 0 ? next : 1000);
	}
	long long wait = *due - now_ms();
	return wait < 0 ? 0 : wait > 60000 ? 60000 : (int)wait;
}

int daemon_run(struct listener *ls, size_t n, struct daemon_limits *lim, const struct daemon_hooks *h,
	       int drain_s, struct mail_err *e)
{
	long long tick_due = 0;
	struct pollfd pfd[DAEMON_MAX_LISTENERS + 1];
	struct table t = { NULL, 0, 0 };
	int stop = 0;
	if (n > DAEMON_MAX_LISTENERS)
		return err_set(e, EX_USAGE, 0, "", "at most %d listeners", DAEMON_MAX_LISTENERS);
	/* Once here, not in every session. */
	if (lazylib_load(LAZYLIB_ALL, e) < 0)
		return -1;
	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return err_sys(e, "pipe");
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; i < n; i++)
		pfd[i] = (struct pollfd){ .fd = ls[i].fd, .events = POLLIN };
	pfd[n] = (struct pollfd){ .fd = sig_pipe[0], .events = POLLIN };
	log_info(NULL, "event=start listeners=%zu pid=%d", n, (int)getpid());
	while (!stop) {
		int r = poll(pfd, n + 1, tick(h, &t, &tick_due));
		if (r < 0 && errno != EINTR) {
			err_sys(e, "poll");
			break;
		}
		if (pfd[n].revents & POLLIN) {
			unsigned char sigs[64];
			ssize_t k = read(sig_pipe[0], sigs, sizeof sigs);
			for (ssize_t i = 0; i < k; i++) {
				if (sigs[i] == SIGTERM || sigs[i] == SIGINT)
					stop = 1;
				else if (sigs[i] == SIGHUP && h->reload)
					h->reload(h->ctx, lim);
			}
			reap(&t, h);
		}
		for (size_t i = 0; i < n && !stop; i++)
			if (pfd[i].revents & POLLIN)
				for (int k = 0; k < 64 && accept_one(ls, n, &ls[i], &t, lim, h) == 0; k++)
					;
	}
	for (size_t i = 0; i < n; i++)
		close(ls[i].fd);
	log_info(NULL, "event=stopping sessions=%zu", t.n);
	drain(&t, drain_s, h, &tick_due);
	if (h->tick)
		h->tick(h->ctx, t.n, 1);
	free(t.c);
	return stop ? 0 : -1;
}
