/* log.c — see log.h. */
#include "base/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

enum escape_mode { ESC_TOKEN, ESC_TEXT, ESC_QUOTED, ESC_LINE };
static char *escape(char *out, size_t cap, const char *s, size_t n, enum escape_mode mode);

static const char *log_program = "postbox";
static int log_to_stderr = 1;
static int erase_line;

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
}

void log_event(enum log_level lvl, const char *qid, const char *fmt, ...)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	static const char *name[] = { "error", "warning", "info", "debug" };
	char line[2048];
	int n = 0;
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
