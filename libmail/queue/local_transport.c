/* local_transport.c — local recipients through the deliver applet; see local_transport.h. */
#include "queue/local_transport.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int local_init(struct local *l, const struct config *cfg, struct mail_err *e)
{
	memset(l, 0, sizeof *l);
	l->cfg = cfg;
	ssize_t n = readlink("/proc/self/exe", l->self, sizeof l->self - 1);
	if (n < 0)
		return err_sys(e, "local delivery: /proc/self/exe");
	l->self[n] = '\0';
	return 0;
}

static void set(struct rcpt_result *res, int code, const char *status, const char *why)
{
	res->code = code;
	str_copy(res->status, sizeof res->status, status, strlen(status));
	snprintf(res->text, sizeof res->text, "%s", why);
}

/* Run deliver for one recipient; its stderr's first line into why. */
static int run_deliver(const struct local *l, const struct envelope *env, int msg_fd, const char *rcpt,
		       char *why, size_t cap)
{
	int pipefd[2];
	why[0] = '\0';
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (lseek(msg_fd, 0, SEEK_SET) < 0 || dup2(msg_fd, 0) < 0 || dup2(pipefd[1], 2) < 0 ||
		    (null >= 0 && dup2(null, 1) < 0))
			_exit(EX_OSERR);
		const char *argv[10];
		int a = 0;
		argv[a++] = "deliver";
		if (l->cfg->path[0]) {
			argv[a++] = "-C";
			argv[a++] = l->cfg->path;
		}
		argv[a++] = "-f";
		argv[a++] = env->sender[0] ? env->sender : "<>";
		argv[a++] = "-d";
		argv[a++] = rcpt;
		if (env->junk)
			argv[a++] = "-J";
		argv[a] = NULL;
		signal(SIGPIPE, SIG_DFL);
		execv(l->self, (char *const *)argv);
		_exit(EX_OSERR);
	}
	close(pipefd[1]);
	size_t got = 0;
	char tmp[512];
	ssize_t r;
	while ((r = read(pipefd[0], tmp, sizeof tmp)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		for (ssize_t i = 0; i < r && got + 1 < cap; i++) /* keep the first line */
			if (got == 0 || why[got - 1] != '\n')
				why[got++] = tmp[i];
	}
	close(pipefd[0]);
	why[got] = '\0';
	why[strcspn(why, "\n")] = '\0';
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

int local_deliver(void *ctx, const struct envelope *env, int msg_fd, const char *domain, const size_t *idx,
		  size_t n, struct rcpt_result *res)
{
	struct local *l = ctx;
	(void)domain;
	for (size_t i = 0; i < n; i++) {
		char why[ENV_ERROR_MAX - 20];
		int ex = run_deliver(l, env, msg_fd, env->rcpt[idx[i]].addr, why, sizeof why);
		const char *reason = why[0] ? why : "local delivery failed";
		if (ex == 0)
			set(&res[i], 250, "2.0.0", "delivered");
		else if (ex < 0)
			set(&res[i], 451, "4.3.0", "cannot run deliver");
		else if (ex == EX_TEMPFAIL || ex > 128)
			set(&res[i], 451, "4.3.0", reason);
		/* Permissions and I/O are this host's problem, which an
		 * administrator can mend: defer rather than bounce. */
		else if (ex == EX_NOPERM || ex == EX_OSERR || ex == EX_IOERR)
			set(&res[i], 451, "4.3.0", reason);
		else if (ex == EX_NOUSER)
			set(&res[i], 550, "5.1.1", reason);
		else if (ex == EX_DATAERR)
			set(&res[i], 554, strstr(reason, "loop") ? "5.4.6" : "5.6.0", reason);
		else
			set(&res[i], 550, "5.3.0", reason);
	}
	return 0;
}
