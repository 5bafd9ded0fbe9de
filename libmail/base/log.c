/* log.c — see log.h. */
#include "base/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

enum escape_mode { ESC_TOKEN, ESC_TEXT, ESC_QUOTED, ESC_LINE };
static char *escape(char *out, size_t cap, const char *s, size_t n, enum escape_mode mode);
static int syslog_reachable(void);

static const char *log_program = "postbox";
static int log_to_stderr = 1;
static int erase_line;

/* glibc's syslog() connects to _PATH_LOG when it is not connected, and
 * when that fails it drops the line and tries again at the next one: a
 * socket, a connect and a close for every line on a host without a syslog
 * daemon (containers, CI, a development VM). So whether the socket takes
 * connections is found out here, and a failure believed for
 * SYSLOG_RETRY_SECONDS: the lines of that time are dropped, as syslog()
 * would have dropped them, without the three system calls each. A forked
 * child inherits what its parent found. */
#define SYSLOG_RETRY_SECONDS 10
static int syslog_up;               /* it took a connection: glibc's from now on */
static long long syslog_down_until; /* CLOCK_MONOTONIC seconds */

void log_erase_line(int on)
{
	erase_line = on;
}

void log_open(const char *program)
{
	const char *dest = getenv("POSTBOX_LOG");
	log_program = program;
	if (dest && !strcmp(dest, "stderr"))
		log_to_stderr = 1;
	else if (dest && !strcmp(dest, "syslog"))
		log_to_stderr = 0;
	else
		log_to_stderr = isatty(STDERR_FILENO);
	if (!log_to_stderr)
		openlog(program, LOG_PID, LOG_MAIL);
	/* The time zone, read now, before a daemon forks: the first line
	 * syslog() stamps did it before lines were dropped without a
	 * socket; otherwise every session's process reads /etc/localtime
	 * at its first Received: date. */
	tzset();
}

void log_event(enum log_level lvl, const char *qid, const char *fmt, ...)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	static const char *name[] = { "error", "warning", "info", "debug" };
	char line[2048];
	int n = 0;
	if (!log_to_stderr && !syslog_reachable())
		return;
	if (qid)
		n = snprintf(line, sizeof line, "qid=%s ", qid);
	if (n < 0 || (size_t)n >= sizeof line)
		n = 0;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	va_end(ap);
	/* The backstop: a value a call site forgot to escape still cannot
	 * end the line or forge the next one (only controls are escaped,
	 * so the escapes already in the line stay as they are). */
	char safe[sizeof line * 4];
	const char *out = line;
	for (const char *c = line; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f) {
			out = escape(safe, sizeof safe, line, strlen(line), ESC_LINE);
			break;
		}
	if (log_to_stderr)
		fprintf(stderr, "%s%s: %s: %s\n", erase_line ? "\r\033[K" : "", log_program, name[lvl], out);
	else
		syslog(prio[lvl], "%s", out);
}

static int syslog_reachable(void)
{
	struct timespec now;
	if (syslog_up)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec < syslog_down_until)
		return 0;
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	memcpy(a.sun_path, _PATH_LOG, sizeof _PATH_LOG);
	int saved = errno;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	/* EPROTOTYPE: a stream socket, which glibc's syslog() connects to
	 * after its datagram attempt. */
	int ok = fd >= 0 && (connect(fd, (struct sockaddr *)&a, sizeof a) == 0 || errno == EPROTOTYPE);
	if (fd >= 0)
		close(fd);
	if (ok)
		syslog_up = 1;
	else
		syslog_down_until = (long long)now.tv_sec + SYSLOG_RETRY_SECONDS;
	errno = saved;
	return ok;
}

static char *escape(char *out, size_t cap, const char *s, size_t n, enum escape_mode mode)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	if (cap == 0)
		return out;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		int plain = mode == ESC_TOKEN  ? (c > 0x20 && c < 0x7f && c != '"' && c != '\\')
			    : mode == ESC_LINE ? (c >= 0x20 && c != 0x7f)
					       : (c >= 0x20 && c != 0x7f && c != '\\' && (mode == ESC_TEXT || c != '"'));
		if (o + (plain ? 1 : 4) >= cap)
			break;
		if (plain) {
			out[o++] = (char)c;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return out;
}

char *log_value(char *out, size_t cap, const char *s, size_t n)
{
	return escape(out, cap, s, n, ESC_TOKEN);
}

char *log_text(char *out, size_t cap, const char *s, size_t n)
{
	return escape(out, cap, s, n, ESC_TEXT);
}

char *log_quoted(char *out, size_t cap, const char *s, size_t n)
{
	return escape(out, cap, s, n, ESC_QUOTED);
}
