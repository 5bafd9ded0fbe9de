/* program.c — delivery to a program; see program.h. */
#include "local/program.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"

#define OUTPUT_KEEP 512

int command_split(const char *s, char ***argvp, struct mail_err *e)
{
	size_t n = strlen(s);
	*argvp = NULL;
	if (n > COMMAND_LINE_MAX)
		return err_set(e, EX_TEMPFAIL, 451, "4.3.5", "command longer than %d bytes",
			       COMMAND_LINE_MAX);
	/* One block: the pointer array, then the words (never longer than s). */
	size_t ptrs = (COMMAND_ARGS_MAX + 1) * sizeof(char *);
	char **argv = malloc(ptrs + n + COMMAND_ARGS_MAX + 1);
	if (!argv)
		return err_sys(e, "command");
	char *w = (char *)argv + ptrs;
	int argc = 0;
	size_t i = 0;
	while (i < n) {
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i == n)
			break;
		if (argc == COMMAND_ARGS_MAX) {
			free(argv);
			return err_set(e, EX_TEMPFAIL, 451, "4.3.5", "command: more than %d words",
				       COMMAND_ARGS_MAX);
		}
		argv[argc++] = w;
		while (i < n && s[i] != ' ' && s[i] != '\t') {
			char q = s[i];
			if (q == '\'' || q == '"') {
				for (i++; i < n && s[i] != q; i++) {
					if (q == '"' && s[i] == '\\' && i + 1 < n &&
					    (s[i + 1] == '"' || s[i + 1] == '\\'))
						i++;
					*w++ = s[i];
				}
				if (i == n) {
					free(argv);
					return err_set(e, EX_TEMPFAIL, 451, "4.3.5",
						       "command: unterminated quote");
				}
				i++;
			} else if (q == '\\' && i + 1 < n) {
				*w++ = s[i + 1];
				i += 2;
			} else {
				*w++ = s[i++];
			}
		}
		*w++ = '\0';
	}
	argv[argc] = NULL;
	if (argc == 0 || argv[0][0] != '/') {
		free(argv);
		return err_set(e, EX_TEMPFAIL, 451, "4.3.5",
			       "command: the program must be an absolute path");
	}
	*argvp = argv;
	return 0;
}

static _Noreturn void child(char *const argv[], char *const env[], int in, int out, uid_t uid,
			    gid_t gid)
{
	char *envp[40];
	int k = 0;
	envp[k++] = "PATH=/usr/bin:/bin";
	for (int i = 0; env && env[i] && k < 39; i++)
		envp[k++] = env[i];
	envp[k] = NULL;
	setpgid(0, 0);
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(EX_OSERR);
	close_range(3, ~0U, 0);
	signal(SIGPIPE, SIG_DFL);
	if (chdir("/") < 0)
		_exit(EX_OSERR);
	if (uid != (uid_t)-1 &&
	    (setgroups(0, NULL) < 0 || setgid(gid) < 0 || setuid(uid) < 0 || setuid(0) == 0)) {
		dprintf(2, "cannot drop privileges to uid %ld\n", (long)uid);
		_exit(EX_TEMPFAIL);
	}
	execve(argv[0], argv, envp);
	dprintf(2, "%s: %s\n", argv[0], strerror(errno));
	_exit(errno == ENOENT || errno == EACCES ? EX_UNAVAILABLE : EX_TEMPFAIL);
}

static long ms_left(const struct timespec *deadline)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long ms = (deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms > 0 ? ms : 0;
}

int command_run(char *const argv[], char *const env[], const struct iovec *parts, int nparts,
		uid_t uid, gid_t gid, int timeout_s, struct mail_err *e)
{
	int in[2], out[2];
	if (pipe2(in, O_CLOEXEC) < 0)
		return err_sys(e, "pipe");
	if (pipe2(out, O_CLOEXEC) < 0) {
		close(in[0]);
		close(in[1]);
		return err_sys(e, "pipe");
	}
	void (*old_pipe)(int) = signal(SIGPIPE, SIG_IGN);
	pid_t pid = fork();
	if (pid == 0)
		child(argv, env, in[0], out[1], uid, gid);
	close(in[0]);
	close(out[1]);
	if (pid < 0) {
		close(in[1]);
		close(out[0]);
		signal(SIGPIPE, old_pipe);
		return err_sys(e, "fork %s", argv[0]);
	}
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	struct timespec deadline;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout_s > 0 ? timeout_s : 600;

	char keep[OUTPUT_KEEP + 1];
	size_t kept = 0;
	int part = 0;
	size_t off = 0;
	int timed_out = 0, wfd = in[1], rfd = out[0];
	while (part < nparts && parts[part].iov_len == 0)
		part++;
	if (part == nparts) {
		close(wfd);
		wfd = -1;
	}
	while (rfd >= 0) {
		struct pollfd pf[2] = { { rfd, POLLIN, 0 }, { wfd, POLLOUT, 0 } };
		long ms = ms_left(&deadline);
		if (ms == 0) {
			timed_out = 1;
			break;
		}
		int r = poll(pf, wfd >= 0 ? 2 : 1, (int)(ms > 1000000 ? 1000000 : ms));
		if (r < 0 && errno != EINTR)
			break;
		if (r <= 0)
			continue;
		if (pf[0].revents) {
			char tmp[4096];
			ssize_t got = read(rfd, tmp, sizeof tmp);
			if (got <= 0 && !(got < 0 && errno == EINTR)) {
				close(rfd);
				rfd = -1;
			} else if (got > 0 && kept < OUTPUT_KEEP) {
				size_t take = (size_t)got < OUTPUT_KEEP - kept ? (size_t)got : OUTPUT_KEEP - kept;
				memcpy(keep + kept, tmp, take);
				kept += take;
			}
		}
		if (wfd >= 0 && pf[1].revents) {
			const char *p = (const char *)parts[part].iov_base + off;
			ssize_t w = write(wfd, p, parts[part].iov_len - off);
			if (w < 0 && errno != EAGAIN && errno != EINTR) {
				close(wfd); /* EPIPE: it stopped reading; its exit says the rest */
				wfd = -1;
			} else if (w > 0 && (off += (size_t)w) == parts[part].iov_len) {
				off = 0;
				while (++part < nparts && parts[part].iov_len == 0)
					;
				if (part == nparts) {
					close(wfd);
					wfd = -1;
				}
			}
		}
	}
	if (wfd >= 0)
		close(wfd);
	if (rfd >= 0)
		close(rfd);
	int status = 0;
	for (;;) {
		if (!timed_out && ms_left(&deadline) == 0)
			timed_out = 1;
		if (timed_out) {
			kill(-pid, SIGKILL); /* the whole group: its children too */
			kill(pid, SIGKILL);
		}
		pid_t w = waitpid(pid, &status, timed_out ? 0 : WNOHANG);
		if (w == pid || (w < 0 && errno != EINTR))
			break;
		struct timespec ts = { 0, 5000000L };
		nanosleep(&ts, NULL);
	}
	signal(SIGPIPE, old_pipe);
	keep[kept] = '\0';
	for (size_t i = 0; i < kept; i++)
		if (keep[i] == '\n' || keep[i] == '\r' || (unsigned char)keep[i] < 0x20)
			keep[i] = ' ';
	if (timed_out)
		return err_set(e, EX_TEMPFAIL, 451, "4.3.0", "%s: timed out after %d s", argv[0],
			       timeout_s);
	if (WIFSIGNALED(status))
		return err_set(e, EX_TEMPFAIL, 451, "4.3.0", "%s: killed by signal %d%s%s", argv[0],
			       WTERMSIG(status), kept ? ": " : "", keep);
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : EX_TEMPFAIL;
	if (code == 0)
		return 0;
	if (code == EX_TEMPFAIL)
		return err_set(e, EX_TEMPFAIL, 451, "4.3.0", "%s: exit 75 (try again)%s%s", argv[0],
			       kept ? ": " : "", keep);
	int ex = code >= EX__BASE && code <= EX__MAX ? code : EX_UNAVAILABLE;
	return err_set(e, ex, 550, "5.3.0", "%s: exit %d%s%s", argv[0], code, kept ? ": " : "", keep);
}
