/* login_split.c — the login process and the root process of a separated
 * session; see login_split.h. */
#include "login/login_split.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "store/maildir.h"

#define REQUEST_MAX 4096
#define MAX_AUTH_DELAY_MS 10000

static int read_full(int fd, void *p, size_t n)
{
	char *c = p;
	while (n > 0) {
		ssize_t r = read(fd, c, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

int login_ask(int fd, const char *user, const char *pass, const char *tls, const char *client,
	      struct login_answer *a)
{
	char req[REQUEST_MAX];
	size_t lu = strlen(user) + 1, lp = strlen(pass) + 1, lt = strlen(tls) + 1, lc = strlen(client) + 1;
	uint32_t len = (uint32_t)(lu + lp + lt + lc);
	if (len > sizeof req)
		return -1;
	memcpy(req, user, lu);
	memcpy(req + lu, pass, lp);
	memcpy(req + lu + lp, tls, lt);
	memcpy(req + lu + lp + lt, client, lc);
	unsigned char answer[5];
	int r = write_all(fd, &len, sizeof len) < 0 || write_all(fd, req, len) < 0 ||
			read_full(fd, answer, sizeof answer) < 0
		? -1
		: 0;
	explicit_bzero(req, sizeof req);
	if (r < 0)
		return -1;
	int32_t n;
	memcpy(&n, answer + 1, sizeof n);
	a->verdict = (enum login_verdict)answer[0];
	a->failures = n;
	return 0;
}

static int answer(int fd, enum login_verdict v, long failures)
{
	unsigned char out[5];
	int32_t n = (int32_t)failures;
	out[0] = (unsigned char)v;
	memcpy(out + 1, &n, sizeof n);
	return write_all(fd, out, sizeof out);
}

/* The root process stopped reading (it ended the session, e.g. with
 * -ERR [IN-USE], before it read what the client pipelined): what it wrote
 * before it went still reaches the client. */
static void relay_rest(struct io *client, int fd, char *buf, size_t cap)
{
	struct mail_err e;
	for (;;) {
		ssize_t r = read(fd, buf, cap);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || io_put(client, buf, (size_t)r) < 0 || io_flush(client, &e) < 0)
			return;
	}
}

void login_relay(struct io *client, int fd)
{
	struct mail_err e;
	char buf[IO_BUFSIZE];
	/* What the client pipelined behind its login belongs to the
	 * logged-in state: it goes first. */
	size_t ahead = io_pending(client);
	if (ahead && write_all(fd, client->in + client->in_pos, ahead) < 0) {
		relay_rest(client, fd, buf, sizeof buf);
		return;
	}
	io_discard_input(client);
	/* Reads come after poll() said there is something; the timeout
	 * still bounds a TLS record that arrives in halves, and a client
	 * that does not read what it is sent. */
	io_deadline(client, 0, 0);
	int client_open = 1;
	for (;;) {
		struct pollfd p[2] = { { .fd = fd, .events = POLLIN }, { .fd = client->rfd, .events = POLLIN } };
		int buffered = client_open && client->buffered && client->buffered(client) > 0;
		if (!buffered && poll(p, client_open ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (client_open && (buffered || (p[1].revents & (POLLIN | POLLHUP | POLLERR)))) {
			ssize_t r = io_read(client, buf, sizeof buf, &e);
			if (r <= 0) {
				/* The client said all it will: the root process still
				 * answers what came before (POP3's UPDATE). */
				client_open = 0;
				shutdown(fd, SHUT_WR);
			} else if (write_all(fd, buf, (size_t)r) < 0) {
				relay_rest(client, fd, buf, sizeof buf);
				return;
			}
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t r = read(fd, buf, sizeof buf);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0 || io_put(client, buf, (size_t)r) < 0 || io_flush(client, &e) < 0)
				return;
		}
	}
}

enum login_verdict login_verify(const struct config *cfg, struct anvil *anvil, const struct users *users,
				const char *client, const char *addr, const char *pass, const struct user **u,
				long *failures)
{
	long limit = config_num(cfg, CFG_AUTH_FAILURE_LIMIT), lockout = config_num(cfg, CFG_AUTH_LOCKOUT_TIME);
	*u = NULL;
	*failures = anvil_login_failures(anvil, client, 0, lockout);
	if (limit > 0 && *failures >= limit)
		return LOGIN_LOCKED;
	*u = users_check_password(users, addr, pass);
	if (!*u) {
		*failures = anvil_login_failures(anvil, client, 1, lockout);
		return LOGIN_WRONG;
	}
	return (*u)->maildir ? LOGIN_OK : LOGIN_NOT_MAILDIR;
}

void login_qualify(const struct config *cfg, const char *name, char *out, size_t cap)
{
	if (strchr(name, '@'))
		snprintf(out, cap, "%s", name);
	else
		snprintf(out, cap, "%s@%s", name, config_str(cfg, CFG_HOSTNAME));
}

long login_failure_delay_ms(int unit_ms, int session_failures, long address_failures)
{
	long n = address_failures > session_failures ? address_failures : session_failures;
	long ms = (long)unit_ms * n;
	return ms < MAX_AUTH_DELAY_MS ? ms : MAX_AUTH_DELAY_MS;
}

void login_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* The login process: the unprivileged user, no shared table, no way back. */
static int become_login_user(const struct login_split *ls)
{
	gid_t gid = ls->login_gid;
	if (setgroups(1, &gid) < 0 || setgid(ls->login_gid) < 0 || setuid(ls->login_uid) < 0)
		return -1;
	if (ls->login_uid != 0 && setuid(0) == 0)
		return -1;
	prctl(PR_SET_DUMPABLE, 0); /* no core file with the TLS key in it */
	return 0;
}

/* The root process: answer logins until one is right (then serve it) or
 * the login process ends. */
static int check_logins(const struct login_split *ls, int fd, const struct peer *accepted)
{
	struct peer named;
	const struct peer *client = accepted;
	struct users users;
	int loaded = 0, rc = -1;
	char req[REQUEST_MAX + 1];
	for (;;) {
		uint32_t len;
		if (read_full(fd, &len, sizeof len) < 0 || len < 3 || len > REQUEST_MAX || read_full(fd, req, len) < 0)
			break;
		req[len] = '\0';
		/* The login process wrote four strings; never trust that. */
		const char *f[4], *end = req + len;
		f[0] = req;
		for (int i = 1; i < 4; i++)
			f[i] = f[i - 1] < end ? f[i - 1] + strlen(f[i - 1]) + 1 : end;
		if (f[3] >= end)
			break;
		char tls[64];
		str_copy(tls, sizeof tls, f[2], strnlen(f[2], sizeof tls - 1));
		/* Behind a proxy only the login process read the header that
		 * names the real client: its address is what counts. */
		if (ls->proxy && peer_from_text(&named, f[3], 0) == 0)
			client = &named;
		struct mail_err e;
		err_clear(&e);
		if (!loaded && ls->load(&users, ls->load_ctx, &e) < 0) {
			log_err(NULL, "%s client=%s event=users-failed error=\"%s\"", ls->proto, client->text, LOG_QUOTED(e.msg));
			answer(fd, LOGIN_TEMP, 0);
			break;
		}
		loaded = 1;
		const struct user *u;
		long failures;
		enum login_verdict v = login_verify(ls->cfg, ls->anvil, &users, client->text, f[0], f[1], &u, &failures);
		explicit_bzero(req, sizeof req);
		if (answer(fd, v, failures) < 0)
			break;
		if (v == LOGIN_OK) {
			rc = ls->back(ls->ctx, fd, client, u, tls);
			break;
		}
	}
	explicit_bzero(req, sizeof req);
	if (loaded)
		users_free(&users);
	return rc;
}

/* Only the login process speaks to the client: the root process keeps
 * the descriptor numbers taken (stdin and stdout under inetd) by /dev/null. */
static void give_up_client(int rfd, int wfd)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0) {
		close(rfd);
		close(wfd);
		return;
	}
	dup2(null, rfd);
	dup2(null, wfd);
	if (null != rfd && null != wfd)
		close(null);
}

int login_split_session(const struct login_split *ls, int rfd, int wfd, const struct peer *client)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		log_err(NULL, "%s client=%s socketpair: %s", ls->proto, client->text, strerror(errno));
		return EX_OSERR;
	}
	pid_t pid = fork();
	if (pid < 0) {
		log_err(NULL, "%s client=%s fork: %s", ls->proto, client->text, strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return EX_OSERR;
	}
	if (pid == 0) {
		close(sv[0]);
		anvil_destroy(ls->anvil);
		if (become_login_user(ls) < 0) {
			log_err(NULL, "%s client=%s cannot become uid %ld: %s", ls->proto, client->text,
				(long)ls->login_uid, strerror(errno));
			_exit(EX_OSERR);
		}
		_exit(ls->front(ls->ctx, sv[1]));
	}
	close(sv[1]);
	give_up_client(rfd, wfd);
	int rc = check_logins(ls, sv[0], client);
	close(sv[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (rc >= 0)
		return rc;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

int login_user_lookup(const struct config *cfg, enum config_key key, uid_t *uid, gid_t *gid, struct mail_err *e)
{
	const char *name = config_str(cfg, key);
	struct passwd *pw = getpwnam(name);
	if (!pw)
		return err_set(e, EX_CONFIG, 0, NULL, "%s %s: no such user", config_key_name(key), name);
	if (pw->pw_uid == 0)
		return err_set(e, EX_CONFIG, 0, NULL, "%s %s: must not be root", config_key_name(key), name);
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	/* Called once, before any session is forked: asking the group
	 * database now loads its NSS modules (libnss_systemd...) here, so
	 * that the sessions share those pages instead of each loading them
	 * for its mailbox owner's initgroups() (an idle session's memory). */
	gid_t groups[16];
	int ngroups = 16;
	(void)getgrouplist(pw->pw_name, pw->pw_gid, groups, &ngroups);
	return 0;
}

int login_become_service_user(const struct config *cfg, enum config_key key, struct mail_err *e)
{
	const char *name = config_str(cfg, key);
	if (!name[0] || geteuid() != 0)
		return 0;
	struct passwd *pw = getpwnam(name);
	if (!pw)
		return err_set(e, EX_CONFIG, 0, NULL, "%s %s: no such user", config_key_name(key), name);
	if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0 ||
	    (pw->pw_uid != 0 && setuid(0) == 0))
		return err_set(e, EX_OSERR, 0, NULL, "cannot become %s: %s", name, strerror(errno));
	return 0;
}

int login_take_owner(const char *path, struct mail_err *e)
{
	uid_t uid;
	gid_t gid;
	if (geteuid() != 0)
		return 0;
	if (path_owner(path, &uid, &gid) < 0)
		return err_sys(e, "%s", path);
	if (uid == 0)
		return 0;
	struct passwd *pw = getpwuid(uid);
	if ((pw ? initgroups(pw->pw_name, gid) : setgroups(1, &gid)) < 0 || setgid(gid) < 0 ||
	    setuid(uid) < 0 || setuid(0) == 0)
		return err_sys(e, "cannot become uid %ld", (long)uid);
	return 0;
}
