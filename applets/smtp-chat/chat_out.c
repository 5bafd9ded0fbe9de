/* chat_out.c — smtp-chat's transcript: readable text, JSON lines or quiet.
 *
 * Text:  "=== note", " -> sent", "<-  received"; under TLS " ~>" and "<~ ";
 *        control characters shown escaped (\r, \n, \xHH) except the CRLF
 *        that ends a line; --timing adds the time from the last command to
 *        the reply's last line.
 * JSON:  one object per line of the conversation:
 *        {"type":"send","ms":..,"tls":..,"bytes":..,"text":".."}
 *        {"type":"recv","ms":..,"tls":..,"code":..,"status":"..","lines":[..],
 *         "bytes":..,"elapsed_ms":..}
 *        {"type":"data","ms":..,"tls":..,"bytes":..}  (message text, counted)
 *        {"type":"info","ms":..,"text":".."}
 *        and last {"type":"summary","exit":..,"ok":..,"stage":..,"reason":..,"ms":..}
 * Quiet: nothing but the reason of a failure, on stderr.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/json.h"
#include "chat.h"

long long chat_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000; /* microseconds */
}

static double ms(long long us)
{
	return (double)us / 1000.0;
}

void chat_out_init(struct chat_out *o, enum chat_format format, int timing, int hide_data)
{
	memset(o, 0, sizeof *o);
	o->format = format;
	o->f = stdout;
	o->timing = timing;
	o->hide_data = hide_data;
	o->t0 = o->last_send = chat_now_us();
	smtp_reply_init(&o->reply);
	buf_init(&o->lines, 0);
}

void chat_out_free(struct chat_out *o)
{
	smtp_reply_free(&o->reply);
	buf_free(&o->lines);
}

void chat_escape(struct buf *out, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c == '\r')
			buf_adds(out, "\\r");
		else if (c == '\n')
			buf_adds(out, "\\n");
		else if (c == '\t')
			buf_adds(out, "\\t");
		else if (c < 0x20 || c == 0x7f)
			buf_addf(out, "\\x%02X", c);
		else
			buf_addc(out, (char)c);
	}
}

static void put_line(struct chat_out *o, const char *mark, const char *p, size_t n,
		     const char *suffix)
{
	struct buf b = BUF_INIT;
	buf_adds(&b, mark);
	/* the CRLF that ends a line is the normal case: not shown */
	if (n >= 2 && p[n - 2] == '\r' && p[n - 1] == '\n')
		n -= 2;
	chat_escape(&b, p, n);
	buf_adds(&b, suffix);
	buf_addc(&b, '\n');
	fwrite(b.ptr, 1, b.len, o->f);
	buf_free(&b);
}

/* Write p[0..n) line by line (a line ends after LF). */
static void put_lines(struct chat_out *o, const char *mark, const char *p, size_t n)
{
	while (n > 0) {
		const char *nl = memchr(p, '\n', n);
		size_t len = nl ? (size_t)(nl - p) + 1 : n;
		put_line(o, mark, p, len, "");
		p += len;
		n -= len;
	}
}

static void json_head(struct chat_out *o, struct buf *b, const char *type)
{
	buf_addf(b, "{\"type\":\"%s\",\"ms\":%.3f,\"tls\":%s", type, ms(chat_now_us() - o->t0),
		 o->tls ? "true" : "false");
}

static void json_emit(struct chat_out *o, struct buf *b)
{
	buf_adds(b, "}\n");
	fwrite(b->ptr, 1, b->len, o->f);
	buf_free(b);
}

static void flush_data(struct chat_out *o)
{
	if (!o->data_bytes)
		return;
	if (o->format == OUT_JSON) {
		struct buf b = BUF_INIT;
		json_head(o, &b, "data");
		buf_addf(&b, ",\"bytes\":%llu", o->data_bytes);
		json_emit(o, &b);
	} else if (o->format == OUT_TEXT && o->hide_data) {
		fprintf(o->f, "%s[%llu bytes of message data]\n", o->tls ? " ~> " : " -> ",
			o->data_bytes);
	}
	o->data_bytes = 0;
}

static void received(struct chat_out *o, const char *p, size_t n)
{
	struct mail_err e;
	int done = smtp_reply_feed(&o->reply, p, n, &e);
	if (o->format == OUT_TEXT) {
		char suffix[48] = "";
		if (o->timing && done != 0)
			snprintf(suffix, sizeof suffix, "   [%.3f ms]", ms(chat_now_us() - o->last_send));
		if (o->color && n >= 3) {
			/* the code in colour: 2xx green, 3xx cyan, 4xx yellow, 5xx red */
			const char *col = p[0] == '2' ? "32" : p[0] == '3' ? "36" : p[0] == '4' ? "33" : "1;31";
			fprintf(o->f, "%s\033[%sm%.3s\033[0m", o->tls ? "<~  " : "<-  ", col, p);
			put_line(o, "", p + 3, n - 3, suffix);
			return;
		}
		put_line(o, o->tls ? "<~  " : "<-  ", p, n, suffix);
		return;
	}
	if (o->format != OUT_JSON)
		return;
	size_t len = n;
	while (len > 0 && (p[len - 1] == '\n' || p[len - 1] == '\r'))
		len--;
	if (o->lines.len)
		buf_addc(&o->lines, ',');
	json_string(&o->lines, p, len);
	o->data_bytes = 0;
	o->reply_bytes += n;
	if (done == 0)
		return;
	struct buf b = BUF_INIT;
	json_head(o, &b, "recv");
	if (done > 0) {
		buf_addf(&b, ",\"code\":%d,\"status\":", o->reply.code);
		json_cstring(&b, o->reply.status);
	} else {
		buf_adds(&b, ",\"code\":null,\"error\":");
		json_cstring(&b, e.msg);
	}
	buf_addf(&b, ",\"lines\":[%.*s],\"bytes\":%zu,\"elapsed_ms\":%.3f", (int)o->lines.len,
		 o->lines.ptr ? o->lines.ptr : "", o->reply_bytes, ms(chat_now_us() - o->last_send));
	json_emit(o, &b);
	o->reply_bytes = 0;
	buf_reset(&o->lines);
	smtp_reply_reset(&o->reply);
}

void chat_out_trace(void *arg, enum smtp_trace_dir dir, const char *p, size_t n)
{
	struct chat_out *o = arg;
	if (dir != SMTP_TRACE_DATA)
		flush_data(o);
	switch (dir) {
	case SMTP_TRACE_SENT:
		o->last_send = chat_now_us();
		if (o->format == OUT_TEXT) {
			put_lines(o, o->tls ? " ~> " : " -> ", p, n);
		} else if (o->format == OUT_JSON) {
			struct buf b = BUF_INIT;
			json_head(o, &b, "send");
			buf_addf(&b, ",\"bytes\":%zu,\"text\":", n);
			json_string(&b, p, n);
			json_emit(o, &b);
		}
		break;
	case SMTP_TRACE_DATA:
		o->last_send = chat_now_us();
		o->data_bytes += n;
		if (o->format == OUT_TEXT && !o->hide_data) {
			put_lines(o, o->tls ? " ~> " : " -> ", p, n);
			o->data_bytes = 0;
		}
		break;
	case SMTP_TRACE_RECEIVED:
		received(o, p, n);
		break;
	case SMTP_TRACE_INFO:
		if (!strncmp(p, "TLS started", 11))
			o->tls = 1;
		chat_out_note(o, "%.*s", (int)n, p);
		break;
	}
	fflush(o->f);
}

void chat_out_note(struct chat_out *o, const char *fmt, ...)
{
	char text[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	flush_data(o);
	if (o->format == OUT_TEXT) {
		struct buf b = BUF_INIT;
		chat_escape(&b, text, strlen(text));
		fprintf(o->f, "=== %.*s\n", (int)b.len, b.ptr ? b.ptr : "");
		buf_free(&b);
	} else if (o->format == OUT_JSON) {
		struct buf b = BUF_INIT;
		json_head(o, &b, "info");
		buf_adds(&b, ",\"text\":");
		json_cstring(&b, text);
		json_emit(o, &b);
	}
	fflush(o->f);
}

void chat_out_summary(struct chat_out *o, int code, const char *stage, const char *reason,
		      const char *extra_json)
{
	flush_data(o);
	if (o->format == OUT_JSON) {
		struct buf b = BUF_INIT;
		json_head(o, &b, "summary");
		buf_addf(&b, ",\"exit\":%d,\"ok\":%s,\"stage\":", code, code ? "false" : "true");
		json_cstring(&b, stage ? stage : "");
		buf_adds(&b, ",\"reason\":");
		json_cstring(&b, reason ? reason : "");
		if (extra_json && *extra_json)
			buf_addf(&b, ",%s", extra_json);
		json_emit(o, &b);
	} else if (code && reason && *reason) {
		fprintf(o->format == OUT_QUIET ? stderr : o->f, "%s*** %s (exit %d)\n",
			o->format == OUT_QUIET ? "smtp-chat: " : "", reason, code);
	} else if (o->format == OUT_TEXT && reason && *reason) {
		fprintf(o->f, "=== %s\n", reason);
	}
	fflush(o->f);
}

void chat_out_expect(struct chat_out *o, int line, const char *spec, int ok, const char *got)
{
	flush_data(o);
	if (o->format == OUT_JSON) {
		struct buf b = BUF_INIT;
		json_head(o, &b, "expect");
		buf_addf(&b, ",\"line\":%d,\"spec\":", line);
		json_cstring(&b, spec);
		buf_addf(&b, ",\"ok\":%s,\"got\":", ok ? "true" : "false");
		json_cstring(&b, got);
		json_emit(o, &b);
	} else if (o->format == OUT_TEXT && !ok) {
		fprintf(o->f, "=== line %d: expected %s, got %s\n", line, spec, got);
	}
	fflush(o->f);
}
