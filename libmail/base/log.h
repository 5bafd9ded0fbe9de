/* log.h — one line per event, key=value fields, syslog or stderr.
 *
 * Lines go to syslog (facility mail) unless stderr is a terminal or
 * POSTBOX_LOG=stderr is set, in which case they go to stderr prefixed with
 * the program name. Values that may hold hostile bytes are passed through
 * log_value() first so a CR or LF can never forge a log line.
 *
 * One quoting rule for every line, readable by people and parseable by
 * scripts: a value is either a token (key=value, no spaces: log_value) or
 * text in double quotes (key="a reply with spaces": log_quoted), and the only
 * escape, in both, is \xHH (a control byte, a backslash, a quote, and in a
 * token a space). A parser splits on key=("[^"]*"|\S*) and undoes \xHH.
 */
#ifndef POSTBOX_LOG_H
#define POSTBOX_LOG_H

#include <stddef.h>
#include <string.h>

enum log_level { LOG_LVL_ERR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void log_open(const char *program);
/* Prefix every line with "qid=QID" (NULL to clear). */
void log_event(enum log_level lvl, const char *qid, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define log_info(qid, ...) log_event(LOG_LVL_INFO, qid, __VA_ARGS__)
#define log_warn(qid, ...) log_event(LOG_LVL_WARN, qid, __VA_ARGS__)
#define log_err(qid, ...) log_event(LOG_LVL_ERR, qid, __VA_ARGS__)

/* While on, each line written to stderr first erases the terminal's
 * current line ("\r\033[K"): a progress display lives there and is
 * drawn again after it (applets/run_progress.c). */
void log_erase_line(int on);

/* Escape s[0..n) for a log field into out (always terminated): controls,
 * spaces, quotes and backslashes become \xHH. Returns out. */
char *log_value(char *out, size_t cap, const char *s, size_t n);
/* The same for text shown to a person: spaces and quotes stay, control
 * characters and backslashes become \xHH. */
char *log_text(char *out, size_t cap, const char *s, size_t n);
/* The same for a log value written in double quotes (key="%s"): quotes
 * become \xHH too. */
char *log_quoted(char *out, size_t cap, const char *s, size_t n);

/* The same, for a log_event argument: the escaped copy of the string s
 * lives in a buffer of the enclosing block (a compound literal), so a call
 * site writes log_info(NULL, "error=\"%s\"", LOG_QUOTED(e.msg)) and needs
 * no buffer of its own. Longer values are cut at LOG_VALUE_MAX. */
#define LOG_VALUE_MAX 1024
#define LOG_QUOTED(s) log_quoted((char[LOG_VALUE_MAX]){ 0 }, LOG_VALUE_MAX, (s), strlen(s))
#define LOG_TOKEN(s) log_value((char[LOG_VALUE_MAX]){ 0 }, LOG_VALUE_MAX, (s), strlen(s))
#define LOG_TEXT(s) log_text((char[LOG_VALUE_MAX]){ 0 }, LOG_VALUE_MAX, (s), strlen(s))

#endif
