/* smtp_data.c — the DATA decoder state machine; see smtp_data.h.
 *
 * States, named after what was last seen:
 *
 *   BOL    at the start of a line (after CRLF, or after the DATA command)
 *   TEXT   inside a line
 *   CR     a CR inside a line: only LF may follow (else the CR is bare)
 *   DOT    a "." at the start of a line: CR may begin the end marker;
 *          anything else means the dot was stuffing and is dropped
 *   DOTCR  "." CR at the start of a line: LF ends the data
 *
 * Ordinary text is copied in runs, so a 50 MB message costs a few memchr-
 * like loops rather than a function call per byte.
 */
#include "msg/smtp_data.h"

enum { S_BOL, S_TEXT, S_CR, S_DOT, S_DOTCR };

void smtp_data_init(struct smtp_data *d, size_t max_line, long long max_size)
{
	d->state = S_BOL;
	d->done = 0;
	d->flags = 0;
	d->line_len = 0;
	d->max_line = max_line;
	d->size = 0;
	d->max_size = max_size;
	d->in_body = 0;
	d->header_size = 0;
	d->max_header = 0;
}

/* Count octets toward the message size; copy them while the message is
 * still clean. */
static int emit(struct smtp_data *d, struct buf *out, const char *s, size_t n, long long wire)
{
	d->size += wire;
	if (d->max_size && d->size > d->max_size)
		d->flags |= DATA_TOO_BIG;
	if (!d->in_body) {
		d->header_size += wire;
		if (d->max_header && d->header_size > d->max_header)
			d->flags |= DATA_BIG_HEADER;
	}
	if ((d->flags & DATA_ERRORS) || !out)
		return 0;
	return buf_add(out, s, n);
}

/* A run of ordinary octets: no CR, LF or NUL. */
static size_t text_run(struct smtp_data *d, const char *p, size_t n)
{
	size_t j = 0;
	unsigned high = 0;
	while (j < n) {
		unsigned char c = (unsigned char)p[j];
		if (c == '\r' || c == '\n' || c == 0)
			break;
		high |= c;
		j++;
	}
	if (high & 0x80)
		d->flags |= DATA_8BIT;
	d->line_len += j;
	/* The CRLF still to come counts toward the line's length. */
	if (d->max_line && d->line_len + 2 > d->max_line)
		d->flags |= DATA_LONG_LINE;
	return j;
}

/* One step in the TEXT/CR states, shared by DATA and BDAT. Returns the
 * bytes consumed (0 means: reprocess in the new state), -1 on ENOMEM. */
static long text_step(struct smtp_data *d, const char *p, size_t n, struct buf *out)
{
	if (d->state == S_CR) {
		if (p[0] == '\n') {
			/* only the CR on this line: the empty line ending the
			 * header (it still counts toward it) */
			int header_end = d->line_len == 1;
			d->line_len = 0;
			d->state = S_BOL;
			long r = emit(d, out, "\n", 1, 2) < 0 ? -1 : 1;
			d->in_body |= header_end;
			return r;
		}
		d->flags |= DATA_BARE_CR;
		d->line_len++;
		d->state = S_TEXT;
		return 0;
	}
	size_t j = text_run(d, p, n);
	if (j > 0)
		return emit(d, out, p, j, (long long)j) < 0 ? -1 : (long)j;
	d->line_len++;
	if (p[0] == '\r') {
		d->state = S_CR;
	} else if (p[0] == '\n') {
		d->flags |= DATA_BARE_LF;
		d->line_len = 0;
		d->size += 1;
	} else {
		d->flags |= DATA_NUL;
		d->size += 1;
	}
	return 1;
}

long smtp_data_feed(struct smtp_data *d, const char *p, size_t n, struct buf *out)
{
	size_t i = 0;
	while (i < n && !d->done) {
		switch (d->state) {
		case S_BOL:
			if (p[i] == '.') {
				i++;
				d->line_len = 1;
				d->state = S_DOT;
			} else {
				d->state = S_TEXT;
			}
			break;
		case S_DOT:
			if (p[i] == '\r') {
				i++;
				d->state = S_DOTCR;
			} else {
				/* §4.5.2: the first of a line's leading dots is
				 * stuffing; it is dropped, the rest is text. */
				d->state = S_TEXT;
			}
			break;
		case S_DOTCR:
			if (p[i] == '\n') {
				i++;
				d->done = 1;
			} else {
				/* ".<CR>x": the CR is bare; the line is text. */
				d->flags |= DATA_BARE_CR;
				d->line_len++;
				d->state = S_TEXT;
			}
			break;
		default: {
			long r = text_step(d, p + i, n - i, out);
			if (r < 0)
				return -1;
			i += (size_t)r;
			break;
		}
		}
	}
	return (long)i;
}

int smtp_data_raw_feed(struct smtp_data *d, const char *p, size_t n, struct buf *out)
{
	size_t i = 0;
	if (d->state == S_BOL || d->state == S_DOT || d->state == S_DOTCR)
		d->state = S_TEXT;
	while (i < n) {
		long r = text_step(d, p + i, n - i, out);
		if (r < 0)
			return -1;
		i += (size_t)r;
		if (d->state == S_BOL)
			d->state = S_TEXT;
	}
	return 0;
}

void smtp_data_raw_end(struct smtp_data *d)
{
	if (d->state == S_CR)
		d->flags |= DATA_BARE_CR;
	d->done = 1;
}

const char *smtp_data_error(const struct smtp_data *d)
{
	if (d->flags & DATA_TOO_BIG)
		return "552 5.3.4 Message too big for this system";
	if (d->flags & DATA_BIG_HEADER)
		return "552 5.3.4 Message header too big for this system";
	if (d->flags & DATA_NUL)
		return "550 5.6.0 Message refused: it contains a NUL byte";
	if (d->flags & DATA_BARE_LF)
		return "550 5.6.0 Message refused: bare LF; lines must end with CRLF (RFC 5321 2.3.8)";
	if (d->flags & DATA_BARE_CR)
		return "550 5.6.0 Message refused: bare CR; lines must end with CRLF (RFC 5321 2.3.8)";
	if (d->flags & DATA_LONG_LINE)
		return "550 5.6.0 Message refused: a line is longer than this server accepts (RFC 5321 4.5.3.1.6)";
	return NULL;
}
