/* pop3_server.c — listeners and the per-session processes; see pop3_server.h. */
#include "pop3_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "lazylib.h"
#include "log.h"

#define MAX_LISTENERS 16

int pop3_listen(const char *spec, struct pop3_listener *l, struct mail_err *e)
{
	char host[256];
	const char *orig = spec;
	const char *colon = strrchr(spec, ':');
	if (!colon || !colon[1])
		return err_set(e, EX_USAGE, 421, "4.3.5", "%s: expected ADDR:PORT", spec);
	size_t hl = (size_t)(colon - spec);
	if (hl >= 2 && spec[0] == '[' && spec[hl - 1] == ']') {
		spec++;
		hl -= 2;
	}
	if (str_copy(host, sizeof host, spec, hl) < 0)
		return err_set(e, EX_USAGE, 421, "4.3.5", "%s: address too long", spec);
	struct addrinfo hints = { .ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV,
				  .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai;
	int r = getaddrinfo(hl && strcmp(host, "*") ? host : NULL, colon + 1, &hints, &ai);
	if (r)
		return err_set(e, EX_USAGE, 421, "4.3.5", "%s: %s", spec, gai_strerror(r));
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    (ai->ai_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0) ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 1024) < 0) {
		err_sys(e, "%s", spec);
		e->ex = errno == EACCES ? EX_NOPERM : EX_UNAVAILABLE;
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	l->fd = fd;
	snprintf(l->name, sizeof l->name, "%s", orig);
	return 0;
}

void peer_name(int fd, char *out, size_t cap)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	memset(&ss, 0, sizeof ss);
	const char *env = getenv("TCPREMOTEIP");
	snprintf(out, cap, "local");
	if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0) {
		if (ss.ss_family == AF_INET)
			inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, out, (socklen_t)cap);
		else if (ss.ss_family == AF_INET6)
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, out,
				  (socklen_t)cap);
	} else if (env && *env && strlen(env) < cap) {
		snprintf(out, cap, "%s", env);
	}
}

struct child {
	pid_t pid;
	char ip[64];
};

static volatile sig_atomic_t got_term, got_chld, got_hup;

static void on_signal(int sig)
{
	if (sig == SIGCHLD)
		got_chld = 1;
	else if (sig == SIGHUP)
		got_hup = 1;
	else
		got_term = 1;
}

/* Failed logins per client address, remembered for PENALTY_TTL seconds
 * so that reconnecting does not reset the growing delay. A small table:
 * the oldest entry makes room. */
#define PENALTIES 256
#define PENALTY_TTL 900

struct penalty {
	char ip[64];
	int count;
	time_t last;
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

/* A session's exit status is its number of failed logins. */
static void reap(struct child *kids, size_t *n, struct penalty *tab)
{
	pid_t pid;
	int status;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (size_t i = 0; i < *n; i++) {
			if (kids[i].pid != pid)
				continue;
			if (WIFEXITED(status) && WEXITSTATUS(status) > 0 &&
			    WEXITSTATUS(status) < 64) {
				struct penalty *p = penalty_find(tab, kids[i].ip, 1);
				p->count += WEXITSTATUS(status);
				if (p->count > 20)
					p->count = 20;
				p->last = time(NULL);
			}
			kids[i] = kids[--*n];
			break;
		}
	}
}

static void refuse(int fd, const char *why)
{
	char msg[160];
	int len = snprintf(msg, sizeof msg, "-ERR [SYS/TEMP] %s, try again later\r\n", why);
	if (write(fd, msg, (size_t)len) < 0) {
		/* the client is gone: nothing to tell */
	}
	close(fd);
}

static void session_child(const struct pop3_server *srv, struct pop3_listener *l, size_t nl,
			  size_t which, int fd, const char *ip, int prior, const struct pop3_hooks *hooks)
{
	struct users users;
	struct mail_err e;
	for (size_t i = 0; i < nl; i++)
		close(l[i].fd);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	err_clear(&e);
	if (hooks->load_users(&users, hooks->ctx, &e) < 0) {
		log_err(NULL, "pop3 client=%s %s", ip, e.msg);
		refuse(fd, "the users file cannot be read");
		_exit(EX_TEMPFAIL);
	}
	struct pop3_server mine = *srv;
	mine.users = &users;
	mine.prior_failures = prior;
	int failed = 0;
	pop3_session(&mine, &l[which].opts, fd, fd, ip, &failed);
	_exit(failed < 63 ? failed : 63);
}

int pop3_serve(struct pop3_server *srv, struct pop3_listener *l, size_t n,
	       const struct pop3_hooks *hooks, struct mail_err *e)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (n > MAX_LISTENERS)
		return err_set(e, EX_USAGE, 421, "4.3.5", "more than %d listeners", MAX_LISTENERS);
	lazylib_preload(); /* once here, not in every session */
	size_t cap = 0, nkids = 0;
	struct child *kids = NULL;
	static struct penalty penalties[PENALTIES];
	struct pollfd pf[MAX_LISTENERS];
	for (size_t i = 0; i < n; i++)
		pf[i] = (struct pollfd){ .fd = l[i].fd, .events = POLLIN };
	while (!got_term) {
		if (got_hup) {
			got_hup = 0;
			if (hooks->reload)
				hooks->reload(srv, hooks->ctx);
		}
		/* The caps may change with a reload: the table follows them. */
		long max_sessions = config_num(srv->cfg, CFG_POP3_MAX_SESSIONS);
		long max_per_ip = config_num(srv->cfg, CFG_POP3_MAX_PER_IP);
		size_t want = max_sessions > 0 ? (size_t)max_sessions : 1;
		if (want > cap) {
			struct child *k = realloc(kids, want * sizeof *k);
			if (!k) {
				free(kids);
				return err_sys(e, "pop3d");
			}
			kids = k;
			cap = want;
		}
		if (got_chld) {
			got_chld = 0;
			reap(kids, &nkids, penalties);
		}
		int r = poll(pf, n, 1000);
		if (r < 0 && errno != EINTR) {
			free(kids);
			return err_sys(e, "pop3d: poll");
		}
		for (size_t i = 0; r > 0 && i < n; i++) {
			if (!(pf[i].revents & POLLIN))
				continue;
			int fd = accept4(l[i].fd, NULL, NULL, SOCK_CLOEXEC);
			if (fd < 0)
				continue;
			char ip[64];
			peer_name(fd, ip, sizeof ip);
			reap(kids, &nkids, penalties);
			long same = 0;
			for (size_t k = 0; k < nkids; k++)
				same += !strcmp(kids[k].ip, ip);
			if (nkids >= want) {
				log_warn(NULL, "pop3 client=%s refused: %zu sessions", ip, nkids);
				refuse(fd, "too many sessions");
				continue;
			}
			if (max_per_ip > 0 && same >= max_per_ip) {
				log_warn(NULL, "pop3 client=%s refused: %ld sessions from it", ip, same);
				refuse(fd, "too many sessions from your address");
				continue;
			}
			struct penalty *pen = penalty_find(penalties, ip, 0);
			int prior = pen ? pen->count : 0;
			pid_t pid = fork();
			if (pid == 0)
				session_child(srv, l, n, i, fd, ip, prior, hooks);
			close(fd);
			if (pid < 0) {
				log_err(NULL, "pop3 fork: %s", strerror(errno));
				continue;
			}
			kids[nkids].pid = pid;
			str_copy(kids[nkids].ip, sizeof kids[nkids].ip, ip, strlen(ip));
			nkids++;
		}
	}
	for (size_t i = 0; i < n; i++)
		close(l[i].fd);
	/* Stopped accepting; the sessions end on their own (autologout at
	 * the latest). */
	while (nkids > 0 && waitpid(-1, NULL, 0) > 0)
		nkids--;
	free(kids);
	return 0;
}
