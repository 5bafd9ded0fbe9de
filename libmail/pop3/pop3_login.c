/* pop3_login.c — the login process and the root process of a separated
 * session; see pop3_login.h. */
#include "pop3/pop3_login.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/log.h"

#define REQUEST_MAX 4096

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

int pop3_login_ask(int fd, const char *user, const char *pass, const char *tls, const char *client,
		   struct pop3_answer *a)
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
	a->verdict = (enum pop3_verdict)answer[0];
	a->failures = n;
	return 0;
}

static int answer(int fd, enum pop3_verdict v, long failures)
{
	unsigned char out[5];
	int32_t n = (int32_t)failures;
	out[0] = (unsigned char)v;
	memcpy(out + 1, &n, sizeof n);
	return write_all(fd, out, sizeof out);
}

void pop3_login_relay(struct io *client, int fd)
{
	struct mail_err e;
	char buf[IO_BUFSIZE];
	/* What the client pipelined behind its login belongs to the
	 * transaction: it goes first. */
	size_t ahead = io_pending(client);
	if (ahead && write_all(fd, client->in + client->in_pos, ahead) < 0)
		return;
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
				 * answers what came before (QUIT's UPDATE). */
				client_open = 0;
				shutdown(fd, SHUT_WR);
			} else if (write_all(fd, buf, (size_t)r) < 0) {
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

/* The login process: the unprivileged user, no shared table, no way back. */
static int become_login_user(const struct pop3_server *srv)
{
	gid_t gid = srv->login_gid;
	if (setgroups(1, &gid) < 0 || setgid(srv->login_gid) < 0 || setuid(srv->login_uid) < 0)
		return -1;
	if (srv->login_uid != 0 && setuid(0) == 0)
		return -1;
	prctl(PR_SET_DUMPABLE, 0); /* no core file with the TLS key in it */
	return 0;
}

/* The root process: answer logins until one is right (then serve it) or
 * the login process ends. */
static int check_logins(const struct pop3_server *srv, const struct pop3_listen_opts *lo, int fd,
			const struct peer *accepted, pop3_load_users_fn load, void *load_ctx)
{
	struct peer named;
	const struct peer *client = accepted;
	struct users users;
	int loaded = 0, rc = -1;
	const struct config *cfg = srv->cfg;
	long limit = config_num(cfg, CFG_AUTH_FAILURE_LIMIT), lockout = config_num(cfg, CFG_AUTH_LOCKOUT_TIME);
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
		const char *user = f[0], *pass = f[1];
		char tls[64];
		str_copy(tls, sizeof tls, f[2], strnlen(f[2], sizeof tls - 1));
		/* Behind a proxy only the login process read the header that
		 * names the real client: its address is what counts. */
		if (lo->proxy && peer_from_text(&named, f[3], 0) == 0)
			client = &named;
		struct mail_err e;
		err_clear(&e);
		long before = anvil_login_failures(srv->anvil, client->text, 0, lockout);
		if (limit > 0 && before >= limit) {
			if (answer(fd, POP3_LOGIN_LOCKED, before) < 0)
				break;
			continue;
		}
		if (!loaded && load(&users, load_ctx, &e) < 0) {
			log_err(NULL, "pop3 client=%s %s", client->text, e.msg);
			answer(fd, POP3_LOGIN_TEMP, 0);
			break;
		}
		loaded = 1;
		const struct user *u = users_check_password(&users, user, pass);
		explicit_bzero(req, sizeof req);
		if (!u) {
			if (answer(fd, POP3_LOGIN_WRONG, anvil_login_failures(srv->anvil, client->text, 1, lockout)) < 0)
				break;
			continue;
		}
		if (!u->maildir) {
			if (answer(fd, POP3_LOGIN_NOT_MAILDIR, 0) < 0)
				break;
			continue;
		}
		if (answer(fd, POP3_LOGIN_OK, 0) < 0)
			break;
		rc = pop3_transaction(srv, fd, client, u, tls);
		break;
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

int pop3_separated_session(const struct pop3_server *srv, const struct pop3_listen_opts *lo, int rfd, int wfd,
			   const struct peer *client, pop3_load_users_fn load, void *load_ctx)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		log_err(NULL, "pop3 client=%s socketpair: %s", client->text, strerror(errno));
		return EX_OSERR;
	}
	pid_t pid = fork();
	if (pid < 0) {
		log_err(NULL, "pop3 client=%s fork: %s", client->text, strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return EX_OSERR;
	}
	if (pid == 0) {
		close(sv[0]);
		struct pop3_server mine = *srv;
		/* The metrics tally stays: it holds numbers only (tally.h), so
		 * a subverted login process could falsify counts, nothing more. */
		anvil_destroy(mine.anvil);
		mine.anvil = NULL;
		mine.users = NULL;
		mine.login_process = 1;
		mine.login_fd = sv[1];
		if (become_login_user(&mine) < 0) {
			log_err(NULL, "pop3 client=%s cannot become uid %ld: %s", client->text, (long)mine.login_uid,
				strerror(errno));
			_exit(EX_OSERR);
		}
		_exit(pop3_session(&mine, lo, rfd, wfd, client, NULL));
	}
	close(sv[1]);
	give_up_client(rfd, wfd);
	int rc = check_logins(srv, lo, sv[0], client, load, load_ctx);
	close(sv[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (rc >= 0)
		return rc;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
